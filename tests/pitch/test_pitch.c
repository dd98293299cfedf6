/* tests/pitch/test_pitch.c -- the pitch tracker (dsp/pitch.h) on synthetic
 * signals: sines and sawtooths at every semitone of the voice ranges at
 * 44.1, 48 and 96 kHz; detuning and the A4 reference; silence and noise
 * give no note; legato leaps between sawtooths; a sung-style glide and
 * vibrato give no note storm; the
 * gate and gain; every note-on gets its note-off; determinism.
 * Times are signal time (frames), never wall-clock. */
#include "../check.h"
#include "../pitch_release.h"
#include "pitch.h"

#include <math.h>
#include <stdint.h>

#define MAXN 512
#define BLOCK 256

typedef struct {
  int pitch;
  int64_t on, off; /* frames; off -1 = still sounding at the end */
} note;

typedef struct {
  note v[MAXN];
  int n;
  int unmatched; /* note-offs of notes not sounding, double note-ons */
} notes;

static uint64_t rng_state = 1;
static double urand(void) /* [-1, 1) */
{
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rng_state >> 11) / (double)(1ull << 52) - 1.0;
}

/* Run x through a tracker in blocks of `block`; collect notes. */
static void track(kt_pitch *t, const float *x, int64_t len, uint32_t block,
                  notes *out)
{
  kt_event ev[256];
  out->n = 0;
  out->unmatched = 0;
  int sounding = -1;
  uint32_t cap = kt_pitch_max_events(t, block);
  CHECK(cap <= 256);
  for (int64_t at = 0; at <= len; at += block) {
    uint32_t n = (uint32_t)(len - at < block ? len - at : block);
    uint32_t ne = n ? kt_pitch_process(t, x + at, n, ev, cap)
                    : kt_test_pitch_release(t, 0, ev, cap);
    for (uint32_t i = 0; i < ne; ++i) {
      CHECK(n == 0 || ev[i].frame < n, "frame %u of %u", ev[i].frame, n);
      CHECK(i == 0 || ev[i].frame >= ev[i - 1].frame);
      int64_t f = at + ev[i].frame;
      int st = ev[i].midi[0] & 0xf0, p = ev[i].midi[1];
      CHECK_EQ(ev[i].midi[0] & 0x0f, 0);
      if (st == 0x90 && ev[i].midi[2] > 0) {
        if (sounding >= 0) out->unmatched++;
        if (out->n < MAXN) out->v[out->n++] = (note){p, f, -1};
        sounding = p;
      } else {
        if (sounding != p) out->unmatched++;
        if (out->n > 0 && out->v[out->n - 1].off < 0)
          out->v[out->n - 1].off = f;
        sounding = -1;
      }
    }
    if (n == 0) break;
  }
  CHECK(sounding < 0, "a note sounds after release");
}

static double hz_of(double midi)
{
  return 440.0 * pow(2.0, (midi - 69.0) / 12.0);
}

enum { SINE, SAW };

/* pre s silence, tone s of a waveform at midi (fractional), post s. */
static float *tone(double rate, int wave, double midi, double amp, double pre,
                   double dur, double post, int64_t *len)
{
  int64_t n = (int64_t)((pre + dur + post) * rate);
  float *x = calloc((size_t)n, sizeof *x);
  double ph = 0, f = hz_of(midi);
  int64_t a = (int64_t)(pre * rate), b = a + (int64_t)(dur * rate);
  for (int64_t i = a; i < b; ++i) {
    double v;
    if (wave == SINE) {
      v = sin(2 * M_PI * ph);
    } else { /* band-limited sawtooth: harmonics below 0.45 rate */
      v = 0;
      for (int k = 1; k * f < 0.45 * rate && k <= 60; ++k)
        v += sin(2 * M_PI * k * ph) / k;
      v *= 0.55;
    }
    x[i] = (float)(amp * v);
    ph += f / rate;
    ph -= floor(ph);
  }
  *len = n;
  return x;
}

static void test_tones(void)
{
  static const double rates[] = {44100, 48000, 96000};
  double worst_ms = 0;
  for (int ri = 0; ri < 3; ++ri) {
    double rate = rates[ri];
    char err[256];
    kt_pitch *t = kt_pitch_new(rate, BLOCK, err, sizeof err);
    CHECK(t != NULL, "%s", err);
    if (!t) return;
    for (int wave = SINE; wave <= SAW; ++wave)
      for (int p = 36; p <= 84; ++p) {
        kt_pitch_reset(t);
        int64_t len;
        float *x = tone(rate, wave, p, 0.3, 0.2, 0.4, 0.3, &len);
        notes ns;
        track(t, x, len, BLOCK, &ns);
        CHECK(ns.n == 1 && ns.v[0].pitch == p,
              "%s %d at %g Hz: %d notes, first %d", wave ? "saw" : "sine", p,
              rate, ns.n, ns.n ? ns.v[0].pitch : -1);
        CHECK_EQ(ns.unmatched, 0);
        if (ns.n >= 1) {
          double on_ms = (ns.v[0].on / rate - 0.2) * 1000;
          double off_ms = (ns.v[0].off / rate - 0.6) * 1000;
          if (on_ms > worst_ms) worst_ms = on_ms;
          /* < 2 periods in the window below C3: 2 more periods */
          double bound = 30 + (p < 48 ? 2000 / hz_of(p) : 0);
          CHECK(on_ms >= 0 && on_ms <= bound,
                "%s %d at %g Hz: onset after %.1f ms", wave ? "saw" : "sine", p,
                rate, on_ms);
          CHECK(off_ms >= 0 && off_ms <= 50,
                "%s %d at %g Hz: off after %.1f ms", wave ? "saw" : "sine", p,
                rate, off_ms);
        }
        free(x);
      }
    uint32_t lat = kt_pitch_latency(t);
    CHECK(lat > 0 && lat < rate * 0.035, "latency %u frames", lat);
    kt_pitch_free(t);
  }
  printf("tones: worst onset delay %.1f ms\n", worst_ms);
}

/* Detuned by up to 35 cents: still the nearest semitone; A4 = 415 Hz. */
static void test_tuning(void)
{
  char err[256];
  kt_pitch *t = kt_pitch_new(48000, BLOCK, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return;
  for (double c = -0.35; c <= 0.351; c += 0.35)
    for (int p = 48; p <= 80; p += 4) {
      kt_pitch_reset(t);
      int64_t len;
      float *x = tone(48000, SAW, p + c, 0.3, 0.1, 0.3, 0.2, &len);
      notes ns;
      track(t, x, len, BLOCK, &ns);
      CHECK(ns.n == 1 && ns.v[0].pitch == p, "%d%+.2f: %d notes, first %d", p,
            c, ns.n, ns.n ? ns.v[0].pitch : -1);
      free(x);
    }
  kt_pitch_set_param(t, KT_PP_A4, 415);
  CHECK(kt_pitch_get_param(t, KT_PP_A4) == 415.0f);
  kt_pitch_reset(t);
  int64_t len;
  float *x = tone(48000, SINE, 69 + 12 * log2(415.0 / 440.0), 0.3, 0.1, 0.3,
                  0.2, &len); /* 415 Hz */
  notes ns;
  track(t, x, len, BLOCK, &ns);
  CHECK(ns.n == 1 && ns.v[0].pitch == 69, "415 Hz with A4 = 415: %d notes",
        ns.n);
  free(x);
  kt_pitch_free(t);
}

static void test_silence_noise(void)
{
  static const double rates[] = {44100, 48000, 96000};
  for (int ri = 0; ri < 3; ++ri) {
    double rate = rates[ri];
    char err[256];
    kt_pitch *t = kt_pitch_new(rate, BLOCK, err, sizeof err);
    CHECK(t != NULL, "%s", err);
    if (!t) return;
    int64_t len = (int64_t)(3 * rate);
    float *x = calloc((size_t)len, sizeof *x);
    notes ns;
    track(t, x, len, BLOCK, &ns);
    CHECK(ns.n == 0, "silence at %g Hz: %d notes", rate, ns.n);
    static const double amps[] = {0.5, 0.1, 0.01, 0.001};
    for (int ai = 0; ai < 4; ++ai) {
      for (int colour = 0; colour < 2; ++colour) { /* white, brown */
        double y = 0;
        for (int64_t i = 0; i < len; ++i) {
          double w = urand();
          y = colour ? 0.995 * y + 0.1 * w : w;
          x[i] = (float)(amps[ai] * y);
        }
        kt_pitch_reset(t);
        track(t, x, len, BLOCK, &ns);
        CHECK(ns.n == 0, "%s noise %g at %g Hz: %d notes, first %d",
              colour ? "brown" : "white", amps[ai], rate, ns.n,
              ns.n ? ns.v[0].pitch : -1);
      }
    }
    free(x);
    kt_pitch_free(t);
  }
}

/* A sung-style glide: a scoop up a fifth in 150 ms, a held note with 6 Hz
 * vibrato of +-40 cents, a slow portamento down an octave over a second,
 * another vibrato note, a fast fall: the held notes, no note shorter than
 * the minimum length, no flicker, at most one note per semitone slid. */
static void test_glide(void)
{
  const double rate = 48000;
  char err[256];
  kt_pitch *t = kt_pitch_new(rate, BLOCK, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return;
  typedef struct {
    double dur, from, to, vib;
  } seg;
  static const seg segs[] = {{0.15, 60, 67, 0},   {0.8, 67, 67, 0.4},
                             {1.0, 67, 55, 0.15}, {0.8, 55, 55, 0.4},
                             {0.12, 55, 43, 0},   {0.3, 43, 43, 0}};
  int64_t len = (int64_t)(0.2 * rate), n_seg = 6;
  for (int s = 0; s < n_seg; ++s)
    len += (int64_t)(segs[s].dur * rate);
  len += (int64_t)(0.3 * rate);
  float *x = calloc((size_t)len, sizeof *x);
  int64_t i = (int64_t)(0.2 * rate);
  double ph = 0, vph = 0, tt = 0;
  for (int s = 0; s < n_seg; ++s) {
    int64_t n = (int64_t)(segs[s].dur * rate);
    for (int64_t k = 0; k < n; ++k, ++i) {
      double u = (double)k / n;
      double m = segs[s].from + (segs[s].to - segs[s].from) * u +
                 segs[s].vib * sin(2 * M_PI * vph);
      double f = hz_of(m);
      double v = 0; /* a few harmonics, falling */
      for (int h = 1; h <= 6; ++h)
        v += sin(2 * M_PI * h * ph) / (h * h);
      double env = 0.25 * (1 + 0.1 * sin(2 * M_PI * 3.3 * tt));
      x[i] = (float)(env * v);
      ph += f / rate;
      ph -= floor(ph);
      vph += 6.0 / rate;
      tt += 1.0 / rate;
    }
  }
  notes ns;
  track(t, x, len, BLOCK, &ns);
  /* the held notes 67 and 55 must be there; the slide down an octave may
   * pass through some notes, one at most per semitone crossed / min len */
  int has67 = 0, has55 = 0;
  double min_len = kt_pitch_get_param(t, KT_PP_MIN_MS) / 1000.0;
  for (int k = 0; k < ns.n; ++k) {
    if (ns.v[k].pitch == 67 && ns.v[k].off - ns.v[k].on > 0.5 * rate) has67 = 1;
    if (ns.v[k].pitch == 55 && ns.v[k].off - ns.v[k].on > 0.5 * rate) has55 = 1;
    CHECK(ns.v[k].off < 0 || ns.v[k].off - ns.v[k].on >= min_len * rate - 1,
          "note %d lasts %.1f ms", ns.v[k].pitch,
          (ns.v[k].off - ns.v[k].on) * 1000 / rate);
  }
  CHECK(has67 && has55, "held notes missing (%d notes)", ns.n);
  /* the scoop and the fall (47 and 100 semitones/s) are no notes; the
   * slow slide (12 semitones/s) may be followed, one note per semitone at
   * most, and never back and forth */
  CHECK(ns.n <= 16, "note storm: %d notes", ns.n);
  for (int k = 2; k < ns.n; ++k)
    CHECK(ns.v[k].pitch != ns.v[k - 2].pitch, "flicker %d %d %d",
          ns.v[k - 2].pitch, ns.v[k - 1].pitch, ns.v[k].pitch);
  CHECK_EQ(ns.unmatched, 0);
  printf("glide: %d notes:", ns.n);
  for (int k = 0; k < ns.n; ++k)
    printf(" %d", ns.v[k].pitch);
  printf("\n");
  free(x);
  kt_pitch_free(t);
}

/* Gate and gain: a tone at -60 dBFS is ignored until the gain lifts it;
 * min note length 0..500 is clamped; bad values ignored. */
static void test_gate_gain(void)
{
  char err[256];
  kt_pitch *t = kt_pitch_new(44100, BLOCK, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return;
  int64_t len;
  float *x = tone(44100, SINE, 62, 0.0014, 0.1, 0.4, 0.2, &len); /* -60 dB */
  notes ns;
  track(t, x, len, BLOCK, &ns);
  CHECK(ns.n == 0, "below the gate: %d notes", ns.n);
  kt_pitch_set_param(t, KT_PP_GAIN_DB, 20);
  kt_pitch_reset(t);
  track(t, x, len, BLOCK, &ns);
  CHECK(ns.n == 1 && ns.v[0].pitch == 62, "with +20 dB: %d notes", ns.n);
  kt_pitch_set_param(t, KT_PP_GAIN_DB, 0);
  kt_pitch_set_param(t, KT_PP_GATE_DB, -70);
  kt_pitch_reset(t);
  track(t, x, len, BLOCK, &ns);
  CHECK(ns.n == 1 && ns.v[0].pitch == 62, "gate -70: %d notes", ns.n);
  kt_pitch_set_param(t, KT_PP_MIN_MS, 9999);
  CHECK(kt_pitch_get_param(t, KT_PP_MIN_MS) == 500.0f);
  kt_pitch_set_param(t, KT_PP_MIN_MS, NAN);
  CHECK(kt_pitch_get_param(t, KT_PP_MIN_MS) == 500.0f);
  free(x);
  /* bad rates */
  CHECK(kt_pitch_new(0, BLOCK, err, sizeof err) == NULL);
  CHECK_ERR(err, "rate");
  kt_pitch_free(t);
}

/* Same input, same events; block size changes no note. */
static void test_determinism(void)
{
  char err[256];
  int64_t len;
  float *x = tone(48000, SAW, 57, 0.3, 0.1, 0.5, 0.1, &len);
  float *y = calloc((size_t)len * 3, sizeof *y);
  for (int k = 0; k < 3; ++k) /* three notes back to back */
    for (int64_t i = 0; i < len; ++i)
      y[k * len + i] = x[(i * (k + 2) / 2) % len];
  notes a, b, c;
  kt_pitch *t = kt_pitch_new(48000, 4096, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return;
  track(t, y, 3 * len, BLOCK, &a);
  kt_pitch_reset(t);
  track(t, y, 3 * len, BLOCK, &b);
  CHECK(a.n == b.n && !memcmp(a.v, b.v, sizeof(note) * (size_t)a.n));
  kt_pitch_reset(t);
  track(t, y, 3 * len, 37, &c);
  CHECK_EQ(c.n, a.n);
  for (int k = 0; k < a.n && k < c.n; ++k) {
    CHECK_EQ(c.v[k].pitch, a.v[k].pitch);
    CHECK(llabs(c.v[k].on - a.v[k].on) <= 64, "on %lld vs %lld",
          (long long)c.v[k].on, (long long)a.v[k].on);
  }
  free(x);
  free(y);
  kt_pitch_free(t);
}

/* Track x, in which the note a changes to b at sample `change`: exactly
 * those two notes must come out.  Returns the delay of b's note-on in ms
 * (-1 if the notes were wrong). */
static double two_notes(kt_pitch *t, const float *x, int64_t len, double rate,
                        int a, int b, int64_t change)
{
  notes ns;
  track(t, x, len, BLOCK, &ns);
  CHECK(ns.n == 2 && ns.v[0].pitch == a && ns.v[1].pitch == b,
        "%d -> %d: %d notes, %d %d %d", a, b, ns.n,
        ns.n > 0 ? ns.v[0].pitch : -1, ns.n > 1 ? ns.v[1].pitch : -1,
        ns.n > 2 ? ns.v[2].pitch : -1);
  if (ns.n != 2) return -1;
  return (double)(ns.v[1].on - change) * 1000 / rate;
}

/* Legato steps between bright sawtooths (the phase runs on): every leap a
 * melody makes, up and down, across the soprano's range.  The second note
 * must come out as itself (a fifth up once came out an octave low: the
 * dip at the fundamental's nearest whole lag was shallower than at twice
 * the period) and soon. */
static void test_legato(void)
{
  static const int steps[] = {1, 2, 3, 4, 5, 7, 8, 9, 12};
  const double rate = 44100;
  /* the soprano's range, then low leaps down (a bass voice; its periods
   * are too long for the residual analysis) */
  static const int low[][2] = {{47, 40}, {50, 43}, {48, 36}, {43, 36}};
  char err[256];
  kt_pitch *t = kt_pitch_new(rate, BLOCK, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return;
  double worst_ms = 0;
  static int pairs[512][2];
  int np = 0;
  for (int a = 60; a <= 81; ++a)
    for (int si = 0; si < 9; ++si)
      for (int dir = -1; dir <= 1; dir += 2) {
        int b = a + dir * steps[si];
        if (b < 60 || b > 81) continue;
        pairs[np][0] = a;
        pairs[np++][1] = b;
      }
  for (int i = 0; i < 4; ++i) {
    pairs[np][0] = low[i][0];
    pairs[np++][1] = low[i][1];
  }
  for (int q = 0; q < np; ++q) {
    int a = pairs[q][0], b = pairs[q][1], dir = b > a ? 1 : -1;
    int size = abs(b - a);
    kt_pitch_reset(t);
    int64_t n1 = (int64_t)(0.3 * rate), n2 = (int64_t)(0.4 * rate);
    int64_t pre = (int64_t)(0.1 * rate), post = (int64_t)(0.2 * rate);
    int64_t len = pre + n1 + n2 + post;
    float *x = calloc((size_t)len, sizeof *x);
    double ph = 0;
    for (int64_t i = pre; i < pre + n1 + n2; ++i) {
      double f = hz_of(i < pre + n1 ? a : b), v = 0;
      for (int k = 1; k * f < 6000; ++k)
        v += sin(2 * M_PI * k * ph) / k;
      x[i] = (float)(0.15 * v);
      ph += f / rate;
      ph -= floor(ph);
    }
    double ms = two_notes(t, x, len, rate, a, b, pre + n1);
    if (ms >= 0) {
      if (ms > worst_ms) worst_ms = ms;
      /* a leap down of a fifth or more, or an octave up, waits for
       * the old note's release or a harmonic to be ruled out */
      int leap = (dir < 0 && size >= 7) || size == 12;
      /* below C3 a period spans more than half the window: more frames */
      double lim = b < 48 ? 80 : leap ? 60 : 35;
      CHECK(ms >= 0 && ms <= lim, "%d -> %d after %.1f ms", a, b, ms);
    }
    free(x);
  }
  printf("legato: worst change delay %.1f ms\n", worst_ms);
  kt_pitch_free(t);
}

/* A new note under the old one's release (a choir's "aah", a bowed legato
 * crossfade): the old note rings on, decaying (tau 150 ms), while the new
 * one swells over 150 ms, so the old note is the louder for the first 60
 * or so (85 ms).  The new note must come out as itself, with no other
 * note in between (the common period of the two, a pitch between them),
 * and a leap of a minor third or more before it is the louder one; also
 * with white noise snr_db below the first note while the notes sound (a
 * room, a microphone), which makes the residual's dips shallower (the
 * comb passes the noise at twice its power and the new note at a share).
 * Returns the mean delay of the new note's note-on in ms. */
static double crossfade(double snr_db, const char *name)
{
  static const int steps[] = {1, 2, 3, 4, 5, 7};
  const double rate = 48000;
  char err[256];
  kt_pitch *t = kt_pitch_new(rate, BLOCK, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return -1;
  double worst_ms = 0, sum_ms = 0;
  int n_ms = 0;
  for (int a = 62; a <= 79; ++a)
    for (int si = 0; si < 6; ++si)
      for (int dir = -1; dir <= 1; dir += 2) {
        int b = a + dir * steps[si];
        if (b < 62 || b > 79) continue;
        kt_pitch_reset(t);
        int64_t pre = (int64_t)(0.1 * rate), n1 = (int64_t)(0.3 * rate);
        int64_t n2 = (int64_t)(0.5 * rate), post = (int64_t)(0.2 * rate);
        int64_t len = pre + n1 + n2 + post;
        float *x = calloc((size_t)len, sizeof *x);
        double pa = 0, pb = 0.37, fa = hz_of(a), fb = hz_of(b);
        for (int64_t i = pre; i < pre + n1 + n2; ++i) {
          double u = (double)(i - pre - n1) / rate; /* since the change */
          double ga = u < 0 ? 1 : exp(-u / 0.15);
          double gb = u < 0 ? 0 : u < 0.15 ? u / 0.15 : 1, v = 0;
          for (int k = 1; k <= 8; ++k)
            v += (ga * sin(2 * M_PI * k * pa) * (k * fa < 0.45 * rate) +
                  gb * sin(2 * M_PI * k * pb) * (k * fb < 0.45 * rate)) /
                 k;
          x[i] = (float)(0.15 * v);
          pa += fa / rate;
          pa -= floor(pa);
          pb += fb / rate;
          pb -= floor(pb);
        }
        if (snr_db > 0) {
          double e = 0;
          for (int64_t i = pre; i < pre + n1; ++i)
            e += (double)x[i] * x[i];
          double amp = sqrt(3 * e / (double)n1 * pow(10, -snr_db / 10));
          for (int64_t i = pre; i < pre + n1 + n2; ++i)
            x[i] += (float)(amp * urand());
        }
        double ms = two_notes(t, x, len, rate, a, b, pre + n1);
        if (ms >= 0) {
          if (ms > worst_ms) worst_ms = ms;
          sum_ms += ms;
          ++n_ms;
          /* a step of a tone or less barely passes the comb that cancels
           * the old note: heard once the new note is about as loud */
          double lim = steps[si] <= 2 ? 130 : 80;
          CHECK(ms >= 0 && ms <= lim, "%s: %d -> %d after %.1f ms", name, a, b,
                ms);
        }
        free(x);
      }
  printf("%s: worst change delay %.1f ms, mean %.1f ms\n", name, worst_ms,
         n_ms ? sum_ms / n_ms : 0);
  kt_pitch_free(t);
  return n_ms ? sum_ms / n_ms : -1;
}

static void test_crossfade(void)
{
  crossfade(0, "crossfade");
  crossfade(20, "crossfade, 20 dB noise");
}

/* A neighbour-note figure under crossfades (a choir's a - b - a): each
 * note swells over 150 ms while the one before decays (tau 150 ms), and
 * the second and third notes' level beats by 8 dB at 5 Hz (the choir
 * sample's layers).  The return to the first note must come out as a
 * note, soon, and nothing else: the old note's release and the beating
 * are no notes, and the return is no release of the replaced note. */
static void test_neighbour(void)
{
  const double rate = 48000;
  char err[256];
  kt_pitch *t = kt_pitch_new(rate, BLOCK, err, sizeof err);
  CHECK(t != NULL, "%s", err);
  if (!t) return;
  double worst_ms = 0;
  for (int a = 62; a <= 77; ++a)
    for (int step = -2; step <= 2; ++step) {
      if (step == 0) continue;
      int seq[3] = {a, a + step, a};
      const double dur = 0.45; /* a quarter note at 133 qpm */
      int64_t pre = (int64_t)(0.1 * rate), nd = (int64_t)(dur * rate);
      int64_t post = (int64_t)(0.3 * rate), len = pre + 3 * nd + post;
      float *x = calloc((size_t)len, sizeof *x);
      double ph[3] = {0, 0.37, 0.71};
      for (int64_t i = pre; i < pre + 3 * nd; ++i) {
        double v = 0;
        for (int j = 0; j < 3; ++j) {
          double u = (double)(i - pre - j * nd) / rate; /* since note j */
          double g;
          if (u < 0)
            g = 0;
          else if (u < dur || j == 2)
            g = j == 0 ? 1 : u < 0.15 ? u / 0.15 : 1;
          else
            g = exp(-(u - dur) / 0.15);
          if (j > 0) g *= pow(10, -0.2 * (0.5 + 0.5 * sin(2 * M_PI * 5 * u)));
          double f = hz_of(seq[j]);
          for (int k = 1; k <= 8 && g > 0; ++k)
            if (k * f < 0.45 * rate) v += g * sin(2 * M_PI * k * ph[j]) / k;
          ph[j] += f / rate;
          ph[j] -= floor(ph[j]);
        }
        x[i] = (float)(0.15 * v);
      }
      kt_pitch_reset(t);
      notes ns;
      track(t, x, len, BLOCK, &ns);
      int ok = ns.n == 3;
      for (int j = 0; ok && j < 3; ++j)
        ok = ns.v[j].pitch == seq[j];
      CHECK(ok, "%d %d %d: %d notes, %d %d %d %d", seq[0], seq[1], seq[2], ns.n,
            ns.n > 0 ? ns.v[0].pitch : -1, ns.n > 1 ? ns.v[1].pitch : -1,
            ns.n > 2 ? ns.v[2].pitch : -1, ns.n > 3 ? ns.v[3].pitch : -1);
      if (ok) {
        double ms = (double)(ns.v[2].on - (pre + 2 * nd)) * 1000 / rate;
        if (ms > worst_ms) worst_ms = ms;
        CHECK(ms <= 150, "%d %d %d: the return after %.1f ms", seq[0], seq[1],
              seq[2], ms);
      }
      free(x);
    }
  printf("neighbour: worst return delay %.1f ms\n", worst_ms);
  kt_pitch_free(t);
}

int main(void)
{
  test_tones();
  test_legato();
  test_crossfade();
  test_neighbour();
  test_tuning();
  test_silence_noise();
  test_glide();
  test_gate_gain();
  test_determinism();
  DONE();
}
