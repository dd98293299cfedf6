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
#include "../check.h"

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
  kt_engine *e = kt_engine_new(48000, 64, err, sizeof err);
  CHECK(e != NULL, "%s", err);
  if (!e) return kt_check_done("cold");
  const double fps = 48000.0 * 60.0 / 240.0 / 4.0; /* frames per slice */
  int64_t now = 0;
  int prev = -1;
  long total = 0, blocks_with = 0, first_at = -1, outs = 0;
  for (int bi = 0; bi < 6000; ++bi) {
    if (bi == 3000) kt_engine_set_param(e, KT_P_LOOKAHEAD, 4);
    kt_event ev[3];
    uint32_t ne = 0;
    memset(ev, 0, sizeof ev);
    double beats = (double)now / 48000.0 * 4.0;
    ev[ne].type = KT_EV_POSITION;
    ev[ne].pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR |
                       KT_POS_BARBEAT | KT_POS_BPB | KT_POS_BEATUNIT;
    ev[ne].pos.speed = 1;
    ev[ne].pos.bpm = 240;
    ev[ne].pos.beats_per_bar = 4;
    ev[ne].pos.beat_unit = 4;
    ev[ne].pos.bar = (int64_t)(beats / 4);
    ev[ne].pos.bar_beat = beats - 4.0 * (double)ev[ne].pos.bar;
    ++ne;
    int64_t k = (int64_t)((double)(now + 63) / fps);
    int64_t f = (int64_t)((double)k * fps + 0.999);
    if (f >= now && f < now + 64) {
      for (int on = prev < 0; on < 2; ++on, ++ne) {
        ev[ne].type = KT_EV_MIDI;
        ev[ne].frame = (uint32_t)(f - now);
        ev[ne].size = 3;
        ev[ne].midi[0] = on ? 0x90 : 0x80;
        ev[ne].midi[1] = (uint8_t)(on ? 60 + (k * 7) % 13 : prev);
        ev[ne].midi[2] = 90;
      }
      prev = 60 + (int)((k * 7) % 13);
    }
    kt_out o = {obuf, 0, 4096, 0};
    long f0 = faults();
    kt_engine_process(e, ev, ne, 64, &o);
    long df = faults() - f0;
    outs += o.n;
    total += df;
    blocks_with += df > 0;
    if (df > 0 && first_at < 0) first_at = bi;
    now += 64;
  }
  CHECK(outs > 500, "the engine played (%ld events out)", outs);
  CHECK(total == 0,
        "%ld page faults in %ld of 6000 blocks, the first in block %ld",
        total, blocks_with, first_at);
  kt_engine_free(e);
  return kt_check_done("cold");
}
