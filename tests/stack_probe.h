/* tests/stack_probe.h -- the audio thread's stack as a real-time host
 * keeps it: resident before the first process callback (a host that locks
 * its memory, as Ardour does, maps its process threads' stacks after
 * mlockall(MCL_FUTURE), which makes them resident at once). A page fault
 * on that stack is the host's, not the plugin's, so tests that count page
 * faults in run() touch the stack first, as such a host has.
 *
 * kt_stack_paint() touches KT_STACK_PROBE bytes below the caller's frame
 * and paints them; kt_stack_used(), called after the code under test from
 * the same frame, returns how many of them that code overwrote: its
 * deepest stack. (Without the pre-touch, whether run()'s deepest frame
 * reaches a page the warm-up did not touch depends on where ASLR put the
 * stack within its page: seen as 1 fault in about 20 runs of
 * `lilv_host --cold`, in nn/infer.c's live_heads.) Reading the painted
 * bytes after the frame that wrote them has returned is outside ISO C,
 * as every stack-depth probe is. */
#ifndef KT_TESTS_STACK_PROBE_H
#define KT_TESTS_STACK_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KT_STACK_PROBE (256 * 1024)
#define KT_STACK_PAINT 0xa5

static uintptr_t kt_stack_lo; /* lowest painted byte */

__attribute__((noinline)) static void kt_stack_paint(void)
{
  unsigned char buf[KT_STACK_PROBE];
  memset(buf, KT_STACK_PAINT, sizeof buf);
  __asm__ volatile("" : : "r"(buf) : "memory");
  kt_stack_lo = (uintptr_t)buf;
}

/* bytes of the painted region overwritten since kt_stack_paint() */
__attribute__((noinline)) static size_t kt_stack_used(void)
{
  const volatile unsigned char *p = (const volatile unsigned char *)kt_stack_lo;
  size_t i = 0;
  while (i < KT_STACK_PROBE && p[i] == KT_STACK_PAINT)
    ++i;
  return KT_STACK_PROBE - i;
}

#endif
