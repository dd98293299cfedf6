/* tests/fuzz/fuzz_engine.c -- libFuzzer target: arbitrary host input to the
 * engine (malformed or truncated MIDI, system messages, status bytes alone,
 * events out of order or past the block, positions with tempo 0, negative,
 * NaN or infinite, absurd bars and beats), random block sizes and parameter
 * automation.  Invariants: output sorted, within the block and capacity,
 * well-formed, and no note left sounding after all-off. */
#include "engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Work per input is bounded: 8129-frame blocks at 1000 bpm in 1/1 time
 * decide 45 slices each (~60 us apiece under ASan); without a bound the
 * campaign's corpus drifted to inputs of thousands of slices (0.1 s each,
 * 500 exec/s).  Longer sessions are the soak test's job.  The bound counts
 * the net's runs, so absurd tempos (1000 bpm x speed 16: a slice every 11
 * frames, seed many-fast-slices.bin) run thousands of slices through the
 * decision cap. */
#define KT_FUZZ_MAX_SLICES 600
#define KT_FUZZ_MAX_SLICES_CAPPED 20000

static kt_engine *eng;
static kt_midi_out outbuf[65536];
static int sounding[16][128];

static void check(const kt_out *o, uint32_t n_frames)
{
  uint32_t last = 0;
  if (o->n > o->cap)
    abort();
  for (uint32_t i = 0; i < o->n; ++i) {
    const kt_midi_out *e = &o->ev[i];
    if ((n_frames && e->frame >= n_frames) || e->frame < last)
      abort();
    last = e->frame;
    if (!(e->data[0] & 0x80) || e->data[0] >= 0xF0 || (e->data[1] & 0x80) ||
        (e->data[2] & 0x80))
      abort();
    int st = e->data[0] & 0xF0, ch = e->data[0] & 15, n = e->data[1];
    if (st == 0x90 && e->data[2]) {
      if (sounding[ch][n])
        abort(); /* doubled note */
      sounding[ch][n] = 1;
    } else if (st == 0x80 || st == 0x90) {
      sounding[ch][n] = 0;
    } else if (st == 0xB0 && (n == 120 || n == 123)) {
      memset(sounding[ch], 0, sizeof sounding[ch]);
    }
  }
}

static double take_double(const uint8_t **p, const uint8_t *end)
{
  static const double special[] = {0.0, -1.0, 1e300, -1e300, 0.5, 120.0,
                                   4.0, 3.0};
  if (*p >= end)
    return 0;
  uint8_t b = *(*p)++;
  if (b < 8)
    return special[b];
  if (b < 16) {
    double d;
    uint8_t raw[8] = {0};
    for (int i = 0; i < 8 && *p < end; ++i)
      raw[i] = *(*p)++;
    memcpy(&d, raw, sizeof d); /* any bit pattern: NaN, inf, denormals */
    return d;
  }
  return (double)b * 1.7;
}

/* A host's int64 bar from any double (the conversion itself must not be
 * undefined: NaN and out-of-range values saturate). */
static int64_t to_bar(double d)
{
  if (!(d == d))
    return 0;
  if (d >= 9.2e18)
    return INT64_MAX;
  if (d <= -9.2e18)
    return INT64_MIN;
  return (int64_t)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char err[256];
  if (!eng) {
    eng = kt_engine_new(48000, 8192, err, sizeof err);
    if (!eng)
      abort();
  }
  kt_engine_reset(eng);
  for (int p = 0; p < KT_NPARAMS; ++p)
    kt_engine_set_param(eng, (kt_param)p,
                        kt_param_get_info((kt_param)p)->def);
  memset(sounding, 0, sizeof sounding);
  const uint8_t *p = data, *end = data + size;
  kt_event ev[64];
  while (p < end) {
    uint32_t n_frames = (uint32_t)(*p++) * 33u;
    if (p < end && (*p & 0x80))
      n_frames = (uint32_t)(*p++ & 0x7f) * 64u + 1u;
    uint32_t ne = 0;
    while (p < end && ne < 64) {
      uint8_t kind = *p++;
      if (kind == 0xFF)
        break; /* end of block */
      kt_event *e = &ev[ne];
      memset(e, 0, sizeof *e);
      e->frame = p < end ? (uint32_t)(*p++) * 17u : 0;
      if (kind % 8 == 0) {
        e->type = KT_EV_POSITION;
        e->pos.flags = p < end ? *p++ : 0;
        e->pos.speed = take_double(&p, end);
        e->pos.bpm = take_double(&p, end);
        e->pos.bar = to_bar(take_double(&p, end));
        e->pos.bar_beat = take_double(&p, end);
        e->pos.beats_per_bar = take_double(&p, end);
        e->pos.beat_unit = p < end ? (int8_t)*p++ : 4;
      } else if (kind % 8 == 1 && p < end) {
        kt_engine_set_param(eng, (kt_param)(*p % (KT_NPARAMS + 2)),
                            (float)take_double(&p, end));
        continue;
      } else {
        e->type = (kind % 8 == 7) ? 9 : KT_EV_MIDI; /* 9: unknown type */
        e->size = (uint8_t)(kind >> 4);
        for (int i = 0; i < 3; ++i)
          e->midi[i] = p < end ? *p++ : 0;
      }
      ++ne;
    }
    kt_out o = {outbuf, 0, kt_engine_out_needed(ne, n_frames, 48000), 0};
    kt_engine_state st0, st;
    kt_engine_get_state(eng, &st0);
    kt_engine_process(eng, ev, ne, n_frames, &o);
    check(&o, n_frames);
    kt_engine_get_state(eng, &st);
    /* the decision cap: at most 2 net runs per KT_DECIDE_GAP_S, plus 3 */
    if (st.net_runs - st0.net_runs >
        2 * (int64_t)(n_frames / (uint32_t)(48000 * KT_DECIDE_GAP_S)) + 3)
      abort();
    if (st.net_runs > KT_FUZZ_MAX_SLICES ||
        st.slice > KT_FUZZ_MAX_SLICES_CAPPED)
      break; /* enough: past the history ring's wrap (256 slices) */
  }
  kt_out o = {outbuf, 0, 1024, 0};
  kt_engine_all_off(eng, 0, &o);
  check(&o, 1);
  for (int ch = 1; ch < 16; ++ch)
    for (int n = 0; n < 128; ++n)
      if (sounding[ch][n] && ch >= 1 && ch <= 3)
        abort(); /* a voice note stuck after all-off */
  return 0;
}
