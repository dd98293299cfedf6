/* nn/rt.h -- real-time marking.  KT_RT marks a function that runs on the
 * audio thread: it must not allocate, free, lock, block or do I/O.  Under
 * clang with -fsanitize=realtime (meson option rtsan) it expands to
 * __attribute__((nonblocking)) so RealtimeSanitizer checks every call made
 * from it; elsewhere (gcc) it is empty. */
#ifndef KT_RT_H
#define KT_RT_H

#if defined(KT_RTSAN) && defined(__clang__) && __clang_major__ >= 20
#define KT_RT __attribute__((nonblocking))
#else
#define KT_RT
#endif

#endif
