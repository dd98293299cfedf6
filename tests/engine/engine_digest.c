/* tests/engine/engine_digest.c -- what the engine plays, as one number per
 * lookahead: the busy player of tests/busy_player.h (a new note every
 * sixteenth at 240 BPM, 48 kHz, 64-frame blocks) through the embedded L0
 * and L4 models for 30000 blocks each, every MIDI event out (block,
 * frame, bytes) hashed (FNV-1a, 64 bits).  Printed, not checked: the test
 * cross-aarch64 compares the AArch64 build's lines with this machine's
 * (the int8 kernels and the float steps give bitwise the same outputs on
 * every CPU, so the same events). */
#include "../busy_player.h"
#include "../check.h"
#include "engine.h"

#include <inttypes.h>
#include <stdio.h>

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

int main(void)
{
  static kt_midi_out obuf[4096];
  char err[256];
  for (int la = 0; la <= 4; la += 4) {
    kt_engine *e = kt_engine_new(KT_BUSY_RATE, KT_BUSY_BLOCK, err, sizeof err);
    CHECK(e != NULL, "%s", err);
    if (!e) break;
    kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)la);
    uint64_t h = 0xcbf29ce484222325ull;
    int64_t now = 0;
    int prev = -1;
    long outs = 0;
    for (int32_t bi = 0; bi < 30000; ++bi) {
      kt_event ev[KT_BUSY_MAX_EV];
      uint32_t ne = kt_busy_block(now, &prev, ev);
      kt_out o = {obuf, 0, 4096, 0};
      kt_engine_process(e, ev, ne, KT_BUSY_BLOCK, &o);
      for (uint32_t i = 0; i < o.n; ++i) {
        h = fnv(h, &bi, sizeof bi);
        h = fnv(h, &obuf[i].frame, sizeof obuf[i].frame);
        h = fnv(h, obuf[i].data, obuf[i].size);
      }
      outs += o.n;
      now += KT_BUSY_BLOCK;
    }
    CHECK(outs > 1000, "L%d: the engine played (%ld events out)", la, outs);
    printf("L%d %016" PRIx64 " %ld events\n", la, h, outs);
    kt_engine_free(e);
  }
  return kt_check_done("engine_digest");
}
