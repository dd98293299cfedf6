/* tests/fuzz/fuzz_pitch.c -- libFuzzer target: the pitch tracker (the
 * audio plugin's melody input) fed any audio a host could hand it.
 *
 * Input: a rate selector, the four parameters as raw floats (any bits:
 * NaN, inf, out of range), then chunks until the input ends.  Each chunk
 * is a block length (0..MAX_BLOCK frames) and a kind: raw float samples
 * taken from the input (any bits: NaN, inf, 1e38, denormals), a sawtooth
 * or a mixture of two at pitches and levels the input picks (so notes
 * sound, change and overlap, and the residual analysis runs), silence, a
 * parameter change, a release or a reset.
 *
 * What must hold: at most kt_pitch_max_events(n) events per call, within
 * the block and sorted; channel-1 note-ons (velocity 1..127) and note-offs
 * only; never a note-on while a note sounds, never a note-off of a note
 * that does not; after kt_test_pitch_release nothing sounds. */
#include "../pitch_release.h"
#include "pitch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_BLOCK = 4096, N_RATES = 7 };

static const double rates[N_RATES] = {8000,  22050,  44100, 48000,
                                      96000, 192000, 384000};
static kt_pitch *trackers[N_RATES]; /* made once: planning is slow */
static float buf[MAX_BLOCK];
static kt_event ev[4 * MAX_BLOCK];

typedef struct {
  const uint8_t *p;
  size_t n;
} input;

static int take(input *in, void *dst, size_t n)
{
  if (in->n < n) return 0;
  memcpy(dst, in->p, n);
  in->p += n;
  in->n -= n;
  return 1;
}

static void check(kt_pitch *t, uint32_t n_frames, uint32_t ne, uint32_t cap,
                  int *sounding)
{
  if (ne > cap) abort();
  for (uint32_t i = 0; i < ne; ++i) {
    const kt_event *e = &ev[i];
    if (e->type != KT_EV_MIDI || e->size != 3) abort();
    if (n_frames && e->frame >= n_frames) abort();
    if (i && e->frame < ev[i - 1].frame) abort();
    int st = e->midi[0], note = e->midi[1], vel = e->midi[2];
    if (note > 127) abort();
    if (st == 0x90) {
      if (vel < 1 || vel > 127 || *sounding >= 0) abort();
      *sounding = note;
    } else if (st == 0x80) {
      if (*sounding != note) abort();
      *sounding = -1;
    } else {
      abort();
    }
  }
  kt_pitch_state s;
  kt_pitch_get_state(t, &s);
  if (s.note != *sounding) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  input in = {data, size};
  uint8_t r;
  if (!take(&in, &r, 1)) return 0;
  int ri = r % N_RATES;
  if (!trackers[ri]) {
    char err[256];
    trackers[ri] = kt_pitch_new(rates[ri], MAX_BLOCK, err, sizeof err);
    if (!trackers[ri]) abort();
  }
  kt_pitch *t = trackers[ri];
  kt_pitch_reset(t);
  for (int p = 0; p < KT_NPITCH_PARAMS; ++p) {
    const kt_pitch_param_info *pi = kt_pitch_param_get_info(p);
    kt_pitch_set_param(t, p, pi->def);
  }
  for (int p = 0; p < KT_NPITCH_PARAMS; ++p) {
    float v;
    if (take(&in, &v, sizeof v)) kt_pitch_set_param(t, p, v);
  }
  int sounding = -1;
  double ph[2] = {0, 0};
  uint8_t hdr[3];
  while (take(&in, hdr, sizeof hdr)) {
    uint32_t n = (uint32_t)(hdr[0] | hdr[1] << 8) % (MAX_BLOCK + 1);
    int kind = hdr[2] & 7;
    if (kind == 0) { /* raw samples from the input */
      size_t have = in.n / sizeof(float);
      if (have < n) n = (uint32_t)have;
      take(&in, buf, n * sizeof(float));
    } else if (kind <= 3) { /* one or two sawtooths */
      uint8_t tone[4] = {60, 200, 64, 0};
      take(&in, tone, kind == 1 ? 2 : 4);
      for (uint32_t i = 0; i < n; ++i) {
        double v = 0;
        for (int k = 0; k < 2; ++k) {
          double f = 440 * exp2((tone[2 * k] % 100 + 20 - 69) / 12.0);
          double a = tone[2 * k + 1] / 255.0;
          if (k == 1 && kind == 1) break;
          v += a * (2 * ph[k] - 1);
          ph[k] += f / rates[ri];
          ph[k] -= floor(ph[k]);
        }
        buf[i] = (float)(0.5 * v);
      }
    } else if (kind == 4) { /* silence */
      memset(buf, 0, n * sizeof(float));
    } else if (kind == 5) { /* a parameter change */
      uint8_t p;
      float v;
      if (take(&in, &p, 1) && take(&in, &v, sizeof v))
        kt_pitch_set_param(t, (kt_pitch_param)(p % (KT_NPITCH_PARAMS + 1)), v);
      continue;
    } else if (kind == 6) { /* release */
      uint32_t ne = kt_test_pitch_release(t, 0, ev, 4);
      check(t, 0, ne, 1, &sounding);
      if (sounding >= 0) abort();
      continue;
    } else { /* reset: the caller forgets what sounded */
      kt_pitch_reset(t);
      sounding = -1;
      continue;
    }
    uint32_t cap = kt_pitch_max_events(t, n);
    if (cap > sizeof ev / sizeof ev[0]) abort();
    uint32_t ne = kt_pitch_process(t, buf, n, ev, cap);
    check(t, n, ne, cap, &sounding);
  }
  uint32_t ne = kt_test_pitch_release(t, 0, ev, 4);
  check(t, 0, ne, 1, &sounding);
  if (sounding >= 0) abort();
  return 0;
}
