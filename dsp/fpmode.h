/* dsp/fpmode.h -- flush-to-zero and denormals-are-zero around the real-time
 * work.  A decaying state (the key tracker's histogram of a pitch class not
 * heard for long, the pitch tracker's filters in a long silence, a
 * vanishing activation) would otherwise reach subnormal numbers, which
 * cost x86 CPUs ~100 cycles per operation.  Every shell's real-time entry
 * (LV2 run, CLAP process, kt_engine_process, kt_pitch_process) calls
 * kt_fpmode_enter first and kt_fpmode_leave last: the caller's mode comes
 * back as it was (nesting is harmless).  x86: the SSE control register
 * (MXCSR FTZ bit 15, DAZ bit 6: float and double); aarch64: FPCR.FZ (bit
 * 24); elsewhere nothing.  A register read and, only if it differs, a
 * write: real-time safe. */
#ifndef KT_FPMODE_H
#define KT_FPMODE_H

#include "rt.h"
#include <stdint.h>

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
#include <xmmintrin.h>
#define KT_FPMODE_X86 1
#define KT_FPMODE_BITS 0x8040u /* FTZ | DAZ */
#elif defined(__aarch64__)
#define KT_FPMODE_ARM64 1
#define KT_FPMODE_BITS (1ull << 24) /* FZ */
#endif

typedef struct {
  uint64_t saved;
} kt_fpmode;

/* 1 where kt_fpmode_enter flushes subnormals (x86, aarch64), else 0. */
static inline int kt_fpmode_supported(void)
{
#if defined(KT_FPMODE_X86) || defined(KT_FPMODE_ARM64)
  return 1;
#else
  return 0;
#endif
}

static inline void kt_fpmode_enter(kt_fpmode *m) KT_RT
{
#if defined(KT_FPMODE_X86)
  unsigned csr = _mm_getcsr();
  m->saved = csr;
  if ((csr | KT_FPMODE_BITS) != csr) _mm_setcsr(csr | KT_FPMODE_BITS);
#elif defined(KT_FPMODE_ARM64)
  uint64_t fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  m->saved = fpcr;
  if ((fpcr | KT_FPMODE_BITS) != fpcr)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | KT_FPMODE_BITS));
#else
  m->saved = 0;
#endif
}

static inline void kt_fpmode_leave(const kt_fpmode *m) KT_RT
{
#if defined(KT_FPMODE_X86)
  if (_mm_getcsr() != (unsigned)m->saved) _mm_setcsr((unsigned)m->saved);
#elif defined(KT_FPMODE_ARM64)
  uint64_t fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  if (fpcr != m->saved) __asm__ __volatile__("msr fpcr, %0" : : "r"(m->saved));
#else
  (void)m;
#endif
}

#endif
