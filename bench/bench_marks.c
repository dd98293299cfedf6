/* bench/bench_marks.c -- the busy player (tests/busy_player.h: issue 24's
 * case) through the embedded model at a lookahead, block by block, for
 * counting instructions under qemu (bench/arm_icount.sh): kt_marker() is
 * called just before and just after each block's kt_engine_process, and
 * a line per block goes to stdout: the block's index and the decisions
 * that ran the net so far.  Usage: bench_marks LOOKAHEAD BLOCKS */
#include "../tests/busy_player.h"
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>

/* Where the instruction counter takes its readings: a function of its
 * own, never inlined, whose address bench/arm_icount.sh looks up. */
__attribute__((noinline, used)) void kt_marker(void);
void kt_marker(void)
{
  __asm__ volatile("");
}

int main(int argc, char **argv)
{
  static kt_midi_out obuf[4096];
  char err[256];
  if (argc != 3) {
    fprintf(stderr, "usage: bench_marks LOOKAHEAD BLOCKS\n");
    return 2;
  }
  int la = atoi(argv[1]);
  long nb = atol(argv[2]);
  kt_engine *e = kt_engine_new(KT_BUSY_RATE, KT_BUSY_BLOCK, err, sizeof err);
  if (!e) {
    fprintf(stderr, "bench_marks: %s\n", err);
    return 1;
  }
  kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)la);
  int64_t now = 0;
  int prev = -1;
  for (long bi = 0; bi < nb; ++bi) {
    kt_event ev[KT_BUSY_MAX_EV];
    uint32_t ne = kt_busy_block(now, &prev, ev);
    kt_out o = {obuf, 0, 4096, 0};
    kt_marker();
    kt_engine_process(e, ev, ne, KT_BUSY_BLOCK, &o);
    kt_marker();
    kt_engine_state st;
    kt_engine_get_state(e, &st);
    printf("%ld %lld\n", bi, (long long)st.net_runs);
    now += KT_BUSY_BLOCK;
  }
  kt_engine_free(e);
  return 0;
}
