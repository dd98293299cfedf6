/* tests/engine/test_cold.c -- the first run() calls after kt_engine_new
 * take no page fault (issue 24: the first blocks of a fresh engine cost
 * 140-190 us, first touches of its pages and libm's; kt_engine_new now
 * pre-faults the models' buffers and plays a warm-up it then undoes).
 * Counts, not time: getrusage(RUSAGE_THREAD) around each
 * kt_engine_process, 48 kHz, 64-frame blocks, 240 BPM, a new note every
 * sixteenth, at lookahead 0, then switched to 4 (the other embedded model's
 * first decisions). Must be the process's first engine: a later one reuses
 * pages an earlier one touched. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "engine.h"
#include "../busy_player.h"
#include "../check.h"
#include "../stack_probe.h"

#include <sys/resource.h>

static long faults(void)
{
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt + ru.ru_majflt;
}

int main(void)
{
  static kt_midi_out obuf[4096];
  memset(obuf, 0, sizeof obuf); /* the host's buffer, touched by the host */
  char err[256];
  kt_engine *e = kt_engine_new(KT_BUSY_RATE, KT_BUSY_BLOCK, err, sizeof err);
  CHECK(e != NULL, "%s", err);
  if (!e) return kt_check_done("cold");
  int64_t now = 0;
  int prev = -1;
  long total = 0, blocks_with = 0, first_at = -1, outs = 0;
  size_t stack = 0;
  for (int bi = 0; bi < 6000; ++bi) {
    if (bi == 3000) kt_engine_set_param(e, KT_P_LOOKAHEAD, 4);
    kt_event ev[KT_BUSY_MAX_EV];
    uint32_t ne = kt_busy_block(now, &prev, ev);
    kt_out o = {obuf, 0, 4096, 0};
    kt_stack_paint(); /* resident, as a real-time host keeps it */
    long f0 = faults();
    kt_engine_process(e, ev, ne, KT_BUSY_BLOCK, &o);
    long df = faults() - f0;
    size_t used = kt_stack_used();
    if (used > stack) stack = used;
    outs += o.n;
    total += df;
    blocks_with += df > 0;
    if (df > 0 && first_at < 0) first_at = bi;
    now += 64;
  }
  CHECK(outs > 500, "the engine played (%ld events out)", outs);
  printf("cold: %ld page faults, deepest stack %zu bytes\n", total, stack);
  CHECK(stack > 0 && stack <= 64 * 1024, "process used %zu bytes of stack",
        stack);
  CHECK(total == 0,
        "%ld page faults in %ld of 6000 blocks, the first in block %ld",
        total, blocks_with, first_at);
  kt_engine_free(e);
  return kt_check_done("cold");
}
