/* tests/engine/test_clock.c -- slice boundaries land on the ideal frame at
 * every block size, sample rate and through tempo changes, relocations and
 * transport stop/start. */
#include "../check.h"
#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>


/* Run the clock over total frames in blocks of `block` (0: random sizes
 * 1..8192), sending a host position at the start of every block as a host
 * would; collect boundary frames. */
static int run(double rate, double bpm, int block, int64_t total,
               int64_t *out, int cap, int send_pos, unsigned seed)
{
  kt_clock c;
  kt_clock_init(&c, rate, 100.0);
  int n = 0;
  int64_t now = 0;
  srand(seed);
  while (now < total) {
    int64_t len = block ? block : 1 + rand() % 8192;
    if (now + len > total)
      len = total - now;
    if (send_pos) {
      kt_position p = {0};
      double beats = (double)now / rate * bpm / 60.0;
      p.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
                KT_POS_BPB | KT_POS_BEATUNIT;
      p.speed = 1;
      p.bpm = bpm;
      p.beats_per_bar = 4;
      p.beat_unit = 4;
      p.bar = (int64_t)(beats / 4);
      p.bar_beat = (float)(beats - 4.0 * (double)p.bar); /* hosts: float */
      kt_clock_position(&c, &p, now);
    }
    for (;;) {
      int64_t f = kt_clock_next_frame(&c);
      if (f >= now + len)
        break;
      int bp, bl;
      kt_clock_advance(&c, &bp, &bl);
      if (n < cap)
        out[n] = f;
      n++;
    }
    now += len;
  }
  return n;
}

static void test_exact(void)
{
  const double rates[] = {44100, 48000, 96000, 192000};
  const double bpms[] = {60, 97.3, 120, 240};
  static int64_t got[4096];
  for (int ri = 0; ri < 4; ++ri)
    for (int bi = 0; bi < 4; ++bi)
      for (int pos = 0; pos < 2; ++pos) {
        double rate = rates[ri], bpm = pos ? bpms[bi] : 100.0;
        double fps = rate * 60.0 / bpm / 4.0; /* frames per slice */
        int64_t total = (int64_t)(fps * 300);
        int sizes[] = {1, 2, 3, 64, 100, 256, 1000, 4096, 8192, 0};
        for (int si = 0; si < 10; ++si) {
          if (sizes[si] == 1 && rate > 48000)
            continue; /* slow; covered at lower rates */
          int n = run(rate, bpm, sizes[si], total, got, 4096, pos,
                      (unsigned)si);
          CHECK(n >= 299 && n <= 301, "rate %g bpm %g block %d: %d boundaries",
                rate, bpm, sizes[si], n);
          for (int k = 0; k < n && k < 4096; ++k) {
            int64_t ideal = (int64_t)ceil((double)k * fps - 1e-7);
            CHECK(got[k] == ideal,
                  "rate %g bpm %g block %d pos %d: boundary %d at %lld, "
                  "ideal %lld", rate, bpm, sizes[si], pos, k,
                  (long long)got[k], (long long)ideal);
          }
        }
      }
}

static void test_tempo_change_and_stop(void)
{
  kt_clock c;
  kt_clock_init(&c, 48000, 100);
  kt_position p = {0};
  p.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
            KT_POS_BPB | KT_POS_BEATUNIT;
  p.speed = 1;
  p.bpm = 120;
  p.beats_per_bar = 3;
  p.beat_unit = 4;
  p.bar = 2;
  p.bar_beat = 0.5; /* the second sixteenth... of beat 1: slice 2 of bar */
  CHECK(kt_clock_position(&c, &p, 1000) == 0, "start");
  int bp, bl;
  CHECK(kt_clock_next_frame(&c) == 1000, "on a boundary: now");
  kt_clock_advance(&c, &bp, &bl);
  CHECK(bp == 2 && bl == 12, "bar pos %d len %d", bp, bl);
  /* 120 bpm quarter: 6000 frames per slice at 48k */
  CHECK(kt_clock_next_frame(&c) == 7000, "next %lld",
        (long long)kt_clock_next_frame(&c));
  /* tempo change at frame 4000, position consistent: boundary count kept */
  kt_position q = p;
  q.flags = KT_POS_BPM | KT_POS_SPEED;
  q.bpm = 60;
  kt_clock_position(&c, &q, 4000);
  /* at 4000: pos = 2.5 + 0.5 = 3.0 - 1/3 slice... 3000 frames at 6000/slice
   * = 0.5 slice -> pos 24+2+0.5; at 60 bpm 12000 frames/slice -> 6000 more */
  CHECK(kt_clock_next_frame(&c) == 10000, "after tempo change %lld",
        (long long)kt_clock_next_frame(&c));
  /* stop */
  kt_position s = {0};
  s.flags = KT_POS_SPEED;
  s.speed = 0;
  CHECK(kt_clock_position(&c, &s, 5000) == 1, "stop reported");
  CHECK(kt_clock_position(&c, &s, 6000) == 0, "stop reported once");
  CHECK(kt_clock_next_frame(&c) == 10000, "free-runs at the last tempo");
  /* relocation: start again at bar 0 */
  p.bar = 0;
  p.bar_beat = 0;
  p.bpm = 120;
  kt_clock_position(&c, &p, 20000);
  CHECK(kt_clock_next_frame(&c) == 20000, "relocated start is a boundary");
  kt_clock_advance(&c, &bp, &bl);
  CHECK(bp == 0, "downbeat after relocation: %d", bp);
  /* nonsense is ignored: tempo 0, NaN, negative, infinite */
  kt_position bad = p;
  bad.bpm = 0;
  kt_clock_position(&c, &bad, 21000);
  bad.bpm = NAN;
  bad.bar_beat = NAN;
  kt_clock_position(&c, &bad, 21000);
  bad.bpm = -5;
  bad.speed = INFINITY;
  kt_clock_position(&c, &bad, 21000);
  CHECK(isfinite(c.spf) && c.spf > 0, "spf stays sane: %g", c.spf);
  int64_t nf = kt_clock_next_frame(&c);
  CHECK(nf >= 21000 && nf <= 21000 + 100000, "next boundary sane: %lld",
        (long long)nf);
}

int main(void)
{
  test_exact();
  test_tempo_change_and_stop();
  if (kt_failures) {
    fprintf(stderr, "%d kt_failures\n", kt_failures);
    return 1;
  }
  printf("clock: all checks passed\n");
  return 0;
}
