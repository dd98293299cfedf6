/* tests/busy_player.h -- issue 24's busiest ordinary case, one block at a
 * time: 48 kHz, 64-frame blocks, 240 BPM in 4/4 with the transport rolling
 * (a position every block), a new melody note on every sixteenth (note-off
 * of the last, then note-on of 60 + 7k mod 13 at slice k). Shared by
 * bench/bench_infer.c (engine) and tests/engine/test_cold.c; the own-worst
 * figure of repeated runs also by tests/plugin/lilv_host.c. */
#ifndef KT_TESTS_BUSY_PLAYER_H
#define KT_TESTS_BUSY_PLAYER_H

#include "engine.h"

#include <string.h>

#define KT_BUSY_RATE 48000
#define KT_BUSY_BLOCK 64
#define KT_BUSY_MAX_EV 3

/* The events of the block that starts at host frame now; *prev is the
 * note sounding (-1 before the first). Returns how many (<= 3). */
static inline uint32_t kt_busy_block(int64_t now, int *prev, kt_event *ev)
{
  const double fps = KT_BUSY_RATE * 60.0 / 240.0 / 4.0; /* frames/slice */
  uint32_t ne = 0;
  memset(ev, 0, sizeof(kt_event) * KT_BUSY_MAX_EV);
  double beats = (double)now / KT_BUSY_RATE * 4.0;
  ev[ne].type = KT_EV_POSITION;
  ev[ne].pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
                     KT_POS_BPB | KT_POS_BEATUNIT;
  ev[ne].pos.speed = 1;
  ev[ne].pos.bpm = 240;
  ev[ne].pos.beats_per_bar = 4;
  ev[ne].pos.beat_unit = 4;
  ev[ne].pos.bar = (int64_t)(beats / 4);
  ev[ne].pos.bar_beat = beats - 4.0 * (double)ev[ne].pos.bar;
  ++ne;
  int64_t k = (int64_t)((double)(now + KT_BUSY_BLOCK - 1) / fps);
  int64_t f = (int64_t)((double)k * fps + 0.999);
  if (f < now || f >= now + KT_BUSY_BLOCK) return ne;
  if (*prev >= 0) {
    ev[ne].type = KT_EV_MIDI;
    ev[ne].frame = (uint32_t)(f - now);
    ev[ne].size = 3;
    ev[ne].midi[0] = 0x80;
    ev[ne].midi[1] = (uint8_t)*prev;
    ++ne;
  }
  *prev = 60 + (int)((k * 7) % 13);
  ev[ne].type = KT_EV_MIDI;
  ev[ne].frame = (uint32_t)(f - now);
  ev[ne].size = 3;
  ev[ne].midi[0] = 0x90;
  ev[ne].midi[1] = (uint8_t)*prev;
  ev[ne].midi[2] = 90;
  return ne + 1;
}

/* Runs of the same blocks (t: runs rows of `blocks` times each): the
 * largest, over blocks, of a block's smallest time over the runs, its block
 * in *at.  Every run does the same work per block, so this is the code's
 * own worst; a block slow in one run only was interrupted.  Shared by
 * bench_infer engine and lilv_host --bench. */
static inline double kt_busy_own_worst(const double *t, int runs, long blocks,
                                       long *at)
{
  double worst = 0.0;
  *at = 0;
  for (long b = 0; b < blocks; ++b) {
    double m = t[b];
    for (int q = 1; q < runs; ++q)
      if (t[(size_t)q * (size_t)blocks + (size_t)b] < m)
        m = t[(size_t)q * (size_t)blocks + (size_t)b];
    if (m > worst) worst = m, *at = b;
  }
  return worst;
}

#endif
