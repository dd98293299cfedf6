/* dsp/pitch.c -- monophonic pitch tracker (see pitch.h).
 *
 * YIN (de Cheveigne & Kawahara 2002) with the window at the newest end of
 * the history: d(tau) = sum_j (s_j - x[L-W+j-tau])^2 over the newest W
 * samples s, so a note is seen as soon as W + tau samples of it arrived
 * (a high note sooner than a low one).  d = E_s + E(tau) - 2 c(tau): the
 * energies from a prefix sum, the cross term c from one r2c FFT of the
 * history, one of the window and one c2r of their product. */
#include "pitch.h"
#include "fpmode.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W KT_PITCH_WIN
#define L (2 * KT_PITCH_WIN) /* history: window + longest lag */
#define N L                  /* FFT size: no wrap for lags 0..W */
#define HOP KT_PITCH_HOP
#define PIECE 64  /* host frames per resampler call */
#define TAU_MIN 8 /* 2 kHz */

/* Decision constants (hops of 4 ms). */
#define K_ON 2            /* stable voiced frames before a note-on */
#define K_CHANGE 2        /* stable frames on a new semitone before a change */
#define OCTAVE_RATIO 0.3f /* see analyse() */
#define HARM_MIN 0.08f    /* a dip this deep is no harmonic error */
#define OCTAVE_MARGIN 0.02f /* ... and the deeper one deeper by this much */
#define NEAR 4              /* a step this small (the usual melodic step) ... */
#define K_NEAR 1            /* ... is confirmed by one frame */
#define K_OFF 3             /* unvoiced frames before a release */
#define YIN_THR 0.15f       /* absolute threshold of the first dip */
#define VOICED 0.25f        /* dip a frame needs to start a note */
#define KEEP 0.40f          /* dip that keeps a note going */
#define KEEP_DB 6.0f        /* a note keeps going this far below the gate */
#define CENTER 0.40f        /* a candidate must be this close to its semitone */
#define CHANGE 0.70f     /* distance from the sounding note that changes it */
#define SETTLE 0.20f     /* spread of 3 frames' estimates of a settled pitch */
#define SETTLE2 0.15f    /* ... or of 2 frames' on a new semitone */
#define FAST_STEP 0.90f  /* ... if that far from the sounding note */
#define CENTER_OLD 0.48f /* a candidate's distance towards the old note */
#define LEAP 7           /* a change this far down ... */
#define K_LEAP                                                                 \
  8               /* ... needs this many stable frames: the common             \
                     period of two overlapping notes (the old one's            \
                     release, the new one's attack) lies below both */
#define LOW 35.5f /* range of notes: C2 .. C7 */
#define HIGH 96.5f
#define LONG_TAU (W / 2) /* periods this long see < 2 periods: stricter */
#define LONG_DIP 0.10f
#define LONG_K 2   /* extra onset frames */
#define HP_HZ 50.0 /* high-pass before the analysis (rumble, DC) */
#define RECENT (KT_PITCH_RATE / 8) /* a released note still rings (125 ms) */
#define RES_W 256                  /* residual analysis: window ... */
#define RES_TAU 128                /* ... and longest lag (125 Hz) */
#define RES_DIP 0.25f    /* a new note under the sounding one: dip ... */
#define RES_SHARE 0.05f  /* ... and share of the energy it needs */
#define K_RES 2          /* ... stable frames, its energy not fading, */
#define RES_STEP 7       /* ... and a step no larger */
#define RES_GAP 4        /* frames without a residual period it survives */
#define RES_SETTLE 0.30f /* spread of its last 3 estimates */
#define RES_SUB 0.03f    /* a dip this near as deep at a shorter period */
#define GONE 0.3f        /* residual share: the sounding note is gone */
#define LOCK_FADE 0.7f   /* the replaced note must fade below this ... */
/* the replaced note in the residual: its release, or once the note has
 * sounded 400 ms a return, whose energy must rise by 1.5x */
#define RES_RET_AGE (KT_PITCH_RATE * 2 / 5)
#define RES_RISE 1.5f
#define LOCK_CHECK (KT_PITCH_RATE / 25) /* ... in 40 ms (else no release) */
#define LOCK (KT_PITCH_RATE / 10)       /* the note it replaced rings: 100 ms */
#define MIX_AGE (KT_PITCH_RATE * 3 / 10) /* see decide(): 300 ms */
#define RET_AGE (KT_PITCH_RATE * 3 / 10) /* a return to the replaced note */
#define K_RET 4                          /* ... needs this many frames ... */
#define RET_CENTER 0.30f                 /* ... this close to it ... */
#define RET_DB 6.0f /* ... and at most this below the note's peak level */

struct kt_pitch {
  double rate, ratio;
  uint32_t max_block;
  float param[KT_NPITCH_PARAMS];
  float gain;
  uint32_t latency;

  SRC_STATE *src;
  float src_in[PIECE];
  float *src_out;
  long src_out_cap;

  float hist[L];
  float prev[3]; /* the last frames' estimates (glide detection) */
  double hp_b[3], hp_a[2], hp_z[2]; /* biquad high-pass, DF2T */
  float pend[HOP];
  uint32_t n_pend;

  float *fx;              /* N reals (fftwf_malloc) */
  fftwf_complex *fX, *fS; /* N/2 + 1 */
  float *fr;              /* N reals: the cross-correlation */
  fftwf_plan fwd, inv;
  double cum[L + 1];
  float d[W + 1], dn[W + 1];
  float res[RES_W + RES_TAU]; /* the input with the sounding note cancelled */
  float res_dn[RES_TAU + 1];
  double note_tau;     /* the sounding note's period as measured */
  int res_cand, res_n; /* the residual's candidate and its stable frames */
  float res_e0;        /* its energy when it first appeared ... */
  float res_prev[2];   /* the residual's last estimates */
  int res_gap;         /* frames without a residual estimate, held */
  int prev_note;       /* the note the sounding one replaced */
  int lock_note;       /* the note a residual change replaced ... */
  int64_t lock_age;    /* ... and the samples since */
  float lock_e;        /* its energy in the residual when first seen, or -1 */

  /* decisions */
  int note;         /* sounding, -1 */
  int cand, cand_n; /* candidate semitone and its stable frames */
  int off_n;        /* unvoiced frames while sounding */
  int64_t age;      /* analysis samples since the note-on */
  float peak;       /* the loudest frame since, dB */
  int long_period;  /* the last estimate's period is > LONG_TAU */
  int last;         /* the note sounding last (-1: none yet) */
  int64_t since;    /* analysis samples since it was released */
  kt_pitch_state st;
};

/* The FFTW planner is not thread-safe; hosts may instantiate in parallel. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_gain(kt_pitch *t)
{
  t->gain = powf(10.0f, t->param[KT_PP_GAIN_DB] / 20.0f);
}

void kt_pitch_free(kt_pitch *t)
{
  if (!t) return;
  if (t->src) src_delete(t->src);
  pthread_mutex_lock(&plan_lock);
  if (t->fwd) fftwf_destroy_plan(t->fwd);
  if (t->inv) fftwf_destroy_plan(t->inv);
  pthread_mutex_unlock(&plan_lock);
  fftwf_free(t->fx);
  fftwf_free(t->fX);
  fftwf_free(t->fS);
  fftwf_free(t->fr);
  free(t->src_out);
  free(t);
}

/* Resampler delay in analysis samples: where an impulse comes out; -1 out
 * of memory.  (The impulse is the instance's own: hosts may instantiate in
 * parallel.) */
static double measure_src_delay(kt_pitch *t)
{
  enum { IN = 4096 };
  float *imp = calloc(IN, sizeof *imp);
  if (!imp) return -1;
  imp[0] = 1.0f;
  double best = 0, at = 0, pos = 0;
  for (long done = 0; done < IN;) {
    SRC_DATA d = {0};
    d.data_in = imp + done;
    d.input_frames = (IN - done) < PIECE ? IN - done : PIECE;
    d.data_out = t->src_out;
    d.output_frames = t->src_out_cap;
    d.src_ratio = t->ratio;
    if (src_process(t->src, &d) != 0) break;
    for (long i = 0; i < d.output_frames_gen; ++i, pos += 1)
      if (fabsf(t->src_out[i]) > best) {
        best = fabsf(t->src_out[i]);
        at = pos;
      }
    done += d.input_frames_used;
    if (d.input_frames_used == 0 && d.output_frames_gen == 0) break;
  }
  src_reset(t->src);
  free(imp);
  return at;
}

kt_pitch *kt_pitch_new(double rate, uint32_t max_block, char *err,
                       size_t errlen)
{
  if (!(rate >= 8000 && rate <= 384000) || max_block == 0) {
    snprintf(err, errlen, "pitch: bad rate %g or block %u", rate, max_block);
    return NULL;
  }
  kt_pitch *t = calloc(1, sizeof *t);
  if (!t) goto oom;
  t->rate = rate;
  t->ratio = KT_PITCH_RATE / rate;
  t->max_block = max_block;
  for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
    t->param[i] = kt_pitch_param_get_info((kt_pitch_param)i)->def;
  set_gain(t);
  int e = 0;
  t->src = src_new(SRC_SINC_FASTEST, 1, &e);
  if (!t->src) {
    snprintf(err, errlen, "pitch: libsamplerate: %s", src_strerror(e));
    kt_pitch_free(t);
    return NULL;
  }
  t->src_out_cap = (long)ceil(PIECE * t->ratio) + 64;
  t->src_out = calloc((size_t)t->src_out_cap, sizeof *t->src_out);
  t->fx = fftwf_malloc(sizeof(float) * N);
  t->fr = fftwf_malloc(sizeof(float) * N);
  t->fX = fftwf_malloc(sizeof(fftwf_complex) * (N / 2 + 1));
  t->fS = fftwf_malloc(sizeof(fftwf_complex) * (N / 2 + 1));
  if (!t->src_out || !t->fx || !t->fr || !t->fX || !t->fS) goto oom;
  /* FFTW_ESTIMATE: no timing, so the same plan (and the same bits) on
   * every run; the window's transform reuses fwd on fx. */
  pthread_mutex_lock(&plan_lock);
  t->fwd = fftwf_plan_dft_r2c_1d(N, t->fx, t->fX, FFTW_ESTIMATE);
  t->inv = fftwf_plan_dft_c2r_1d(N, t->fX, t->fr, FFTW_ESTIMATE);
  pthread_mutex_unlock(&plan_lock);
  if (!t->fwd || !t->inv) {
    snprintf(err, errlen, "pitch: FFTW could not plan a %d-point FFT", N);
    kt_pitch_free(t);
    return NULL;
  }
  { /* 2nd-order Butterworth high-pass at HP_HZ (bilinear) */
    double k = tan(M_PI * HP_HZ / KT_PITCH_RATE), q = M_SQRT1_2;
    double norm = 1 / (1 + k / q + k * k);
    t->hp_b[0] = norm;
    t->hp_b[1] = -2 * norm;
    t->hp_b[2] = norm;
    t->hp_a[0] = 2 * (k * k - 1) * norm;
    t->hp_a[1] = (1 - k / q + k * k) * norm;
  }
  double src_delay = measure_src_delay(t);
  if (src_delay < 0) goto oom;
  double lat = src_delay + W / 2.0 + K_ON * HOP; /* analysis samples */
  t->latency = (uint32_t)lround(lat / t->ratio);
  kt_pitch_reset(t);
  return t;
oom:
  snprintf(err, errlen, "pitch: out of memory");
  kt_pitch_free(t);
  return NULL;
}

void kt_pitch_reset(kt_pitch *t) KT_RT
{
  src_reset(t->src);
  memset(t->hist, 0, sizeof t->hist);
  memset(t->prev, 0, sizeof t->prev);
  memset(t->hp_z, 0, sizeof t->hp_z);
  t->n_pend = 0;
  t->note = -1;
  t->cand = -1;
  t->cand_n = 0;
  t->off_n = 0;
  t->age = 0;
  t->peak = -200;
  t->last = -1;
  t->since = 0;
  t->note_tau = 0;
  t->res_cand = t->lock_note = t->prev_note = -1;
  t->res_n = 0;
  t->res_e0 = 0;
  t->res_prev[0] = t->res_prev[1] = 0;
  t->res_gap = 0;
  t->lock_age = LOCK;
  t->lock_e = -1;
  memset(&t->st, 0, sizeof t->st);
  t->st.note = -1;
  t->st.level = -200;
}

void kt_pitch_set_param(kt_pitch *t, kt_pitch_param p, float v) KT_RT
{
  if ((unsigned)p >= KT_NPITCH_PARAMS || isnan(v)) return;
  const kt_pitch_param_info *pi = kt_pitch_param_get_info(p);
  if (v < pi->min) v = pi->min;
  if (v > pi->max) v = pi->max;
  t->param[p] = v;
  if (p == KT_PP_GAIN_DB) set_gain(t);
}

float kt_pitch_get_param(const kt_pitch *t, kt_pitch_param p) KT_RT
{
  return (unsigned)p < KT_NPITCH_PARAMS ? t->param[p] : 0.0f;
}

uint32_t kt_pitch_max_events(const kt_pitch *t, uint32_t n_frames) KT_RT
{
  /* two events (off + on) per hop at most */
  uint32_t hops = (uint32_t)(n_frames * t->ratio / HOP) + 2;
  return 2 * hops + 2;
}

uint32_t kt_pitch_latency(const kt_pitch *t) KT_RT
{
  return t->latency;
}

void kt_pitch_get_state(const kt_pitch *t, kt_pitch_state *st) KT_RT
{
  *st = t->st;
  st->note = t->note;
}

/* ---- analysis ----------------------------------------------------------- */

static double tau_midi(const kt_pitch *t, double tau) KT_RT
{
  return 69.0 + 12.0 * log2(KT_PITCH_RATE / tau / t->param[KT_PP_A4]);
}

/* While a note sounds (or has just been released), a period T far below
 * it is most often the common period of the old note's release and the
 * new note's attack: the old period is T/a, the new one T/b with b no
 * multiple of a (else it would be a harmonic of the old note).  Take such
 * a divisor with the deepest dip, if it is deep enough and deeper than the
 * old note's.  Else, if T's dip is deep and the old note's shallow, the
 * old note alone does not explain T: take the deepest such dip however
 * shallow (its confidence is T's).  Else, while the note sounds, stay on
 * it. */
static int resolve_mixture(const kt_pitch *t, int best, int ref, int sounding,
                           float *dip) KT_RT
{
  if (tau_midi(t, best) > ref - LEAP) return best;
  int dips[9] = {-1, -1, -1, -1, -1, -1, -1, -1, -1}, own_k = 0;
  for (int k = 2; k <= 8; ++k) {
    int c = (int)lrint((double)best / k);
    if (c - 2 < TAU_MIN) break;
    int m = c;
    for (int j = c - 2; j <= c + 2 && j < W; ++j)
      if (t->dn[j] < t->dn[m]) m = j;
    if (m <= TAU_MIN || m >= W - 1 || t->dn[m] > t->dn[m - 1] ||
        t->dn[m] > t->dn[m + 1] || abs(k * m - best) > best / 16 + 2)
      continue; /* no dip there (or one of another divisor) */
    dips[k] = m;
    if (!own_k && fabs(tau_midi(t, m) - ref) <= 0.5) own_k = k;
  }
  int alt = -1;
  for (int k = 2; k <= 8; ++k) {
    if (dips[k] < 0 || k == own_k || (own_k && k % own_k == 0)) continue;
    /* the old note's harmonics 2..6 (semitones above it), also when its
     * own period shows no dip */
    static const float harm[5] = {12.0f, 19.02f, 24.0f, 27.86f, 31.02f};
    double up = tau_midi(t, dips[k]) - ref;
    int h = 0;
    for (int i = 0; i < 5; ++i)
      h |= fabs(up - harm[i]) <= 0.5;
    if (h) continue;
    if (alt < 0 || t->dn[dips[k]] < t->dn[alt]) alt = dips[k];
  }
  int own = own_k ? dips[own_k] : -1;
  if (alt >= 0 && t->dn[alt] < KEEP && (own < 0 || t->dn[alt] < t->dn[own]))
    return alt;
  if (own < 0) return best;
  if (alt >= 0 && t->dn[best] < VOICED && t->dn[own] > KEEP &&
      t->dn[alt] < t->dn[own]) {
    *dip = t->dn[best]; /* the new note explains T together with the old */
    return alt;
  }
  return sounding ? own : best;
}

/* The depth of the dip at lag m between the lags: the vertex of the
 * parabola through m - 1, m, m + 1. */
static float dip_between(const float *dn, int m) KT_RT
{
  double a = dn[m - 1], b = dn[m], c = dn[m + 1], den = a - 2 * b + c;
  if (den <= 0) return (float)b;
  double v = b - (a - c) * (a - c) / (8 * den);
  return (float)(v < 0 ? 0 : v > b ? b : v);
}

/* The lag of the dip at m between the lags: the vertex of the parabola
 * through m - 1, m, m + 1 (at most half a lag away). */
static double vertex_lag(const float *dn, int m) KT_RT
{
  double a = dn[m - 1], b = dn[m], c = dn[m + 1], den = a - 2 * b + c;
  double off = den > 0 ? 0.5 * (a - c) / den : 0;
  return m + (off > 0.5 ? 0.5 : off < -0.5 ? -0.5 : off);
}

static double midi_tau(const kt_pitch *t, double midi) KT_RT
{
  return KT_PITCH_RATE / (t->param[KT_PP_A4] * exp2((midi - 69.0) / 12.0));
}

/* The newest RES_W + RES_TAU samples with the period T cancelled (a comb
 * filter: x[n] - x[n - T], the delayed sample by 4-point Lagrange
 * interpolation), and YIN on them: what sounds besides the note of period
 * T.  *share: the residual's energy over twice the input's (a new note
 * alone under a cancelled old one gives about its share of the energy).
 * Returns 0 if T is too long to be cancelled in the history. */
static int residual(kt_pitch *t, double T, float *rmidi, float *rdip,
                    float *share) KT_RT
{
  enum { R = RES_W + RES_TAU };
  const float *x = t->hist;
  *rmidi = 0;
  *rdip = 1;
  *share = 0;
  int ti = (int)floor(T);
  if (ti < TAU_MIN || ti + 2 > L - R) return 0; /* too low: none */
  double f = T - ti;
  double c0 = -f * (f - 1) * (f - 2) / 6, c1 = (f + 1) * (f - 1) * (f - 2) / 2;
  double c2 = -(f + 1) * f * (f - 2) / 2, c3 = (f + 1) * f * (f - 1) / 6;
  for (int i = 0; i < R; ++i) {
    int n = L - R + i;
    double y = c0 * x[n - ti + 1] + c1 * x[n - ti] + c2 * x[n - ti - 1] +
               c3 * x[n - ti - 2];
    t->res[i] = (float)(x[n] - y);
  }
  double er = 0, ex = t->cum[L] - t->cum[L - RES_W];
  for (int i = R - RES_W; i < R; ++i)
    er += (double)t->res[i] * t->res[i];
  if (ex < 1e-12 || er < 1e-14) return 1;
  *share = (float)(er / (2 * ex));
  double sum = 0;
  t->res_dn[0] = 1;
  for (int tau = 1; tau <= RES_TAU; ++tau) {
    double d = 0;
    for (int i = R - RES_W; i < R; ++i) {
      double v = (double)t->res[i] - t->res[i - tau];
      d += v * v;
    }
    sum += d;
    t->res_dn[tau] = sum > 0 ? (float)(d * tau / sum) : 1.0f;
  }
  /* the first dip within a step of RES_STEP of the cancelled note
   * (further ones are not taken anyway), unless it is the sub-octave of a
   * dip as deep at a shorter period: then that one, or none if out of the
   * range (a leap further up) */
  double span = exp2((RES_STEP + 0.5) / 12.0);
  int lo = (int)floor(T / span), hi = (int)ceil(T * span);
  if (lo < TAU_MIN + 1) lo = TAU_MIN + 1;
  if (hi > RES_TAU - 2) hi = RES_TAU - 2;
  if (lo > hi) return 1;
  /* (the cancelled note's own period left out: what leaks of it) */
  int own_lo = (int)floor(T * 0.97), own_hi = (int)ceil(T * 1.03);
  int best = -1;
  for (int tau = lo; tau <= hi; ++tau)
    if ((tau < own_lo || tau > own_hi) && t->res_dn[tau] < YIN_THR) {
      while (tau + 1 <= hi && t->res_dn[tau + 1] < t->res_dn[tau])
        ++tau;
      best = tau;
      break;
    }
  for (int tau = lo; best < 0 && tau <= hi; ++tau)
    if ((tau < own_lo || tau > own_hi) && t->res_dn[tau] < t->res_dn[tau - 1] &&
        t->res_dn[tau] <= t->res_dn[tau + 1] &&
        dip_between(t->res_dn, tau) < RES_DIP)
      best = tau; /* else the first dip deep enough to count */
  if (best < 0) return 1;
  for (int k = 3; k >= 2; --k) {
    int c = (int)lrint((double)best / k), m = c;
    if (c - 1 <= TAU_MIN) continue;
    for (int j = c - 1; j <= c + 1; ++j)
      if (t->res_dn[j] < t->res_dn[m]) m = j;
    if (t->res_dn[m] > t->res_dn[best] + RES_SUB) continue;
    if (m < lo) return 1; /* a leap further up: the main path's */
    best = m;
    break;
  }
  *rdip = dip_between(t->res_dn, best);
  *rmidi = (float)tau_midi(t, vertex_lag(t->res_dn, best));
  return 1;
}

/* One YIN frame on hist: fractional MIDI (0 if no period), dip, level. */
static void analyse(kt_pitch *t, float *midi, float *dip, float *level) KT_RT
{
  const float *x = t->hist;
  t->cum[0] = 0;
  for (int i = 0; i < L; ++i)
    t->cum[i + 1] = t->cum[i] + (double)x[i] * x[i];
  const double es = t->cum[L] - t->cum[L - W];
  *level = (float)(10.0 * log10(es / W + 1e-20));
  *midi = 0;
  *dip = 1;
  if (es < 1e-12) return;

  /* cross term: c(tau) = sum_j s_j x[L-W+j-tau] = r[L-W-tau] */
  memcpy(t->fx, x, sizeof(float) * N);
  fftwf_execute_dft_r2c(t->fwd, t->fx, t->fX);
  memcpy(t->fx, x + L - W, sizeof(float) * W);
  memset(t->fx + W, 0, sizeof(float) * (N - W));
  fftwf_execute_dft_r2c(t->fwd, t->fx, t->fS);
  for (int k = 0; k <= N / 2; ++k) {
    float ar = t->fX[k][0], ai = t->fX[k][1];
    float br = t->fS[k][0], bi = t->fS[k][1];
    t->fX[k][0] = ar * br + ai * bi; /* X * conj(S) */
    t->fX[k][1] = ai * br - ar * bi;
  }
  fftwf_execute_dft_c2r(t->inv, t->fX, t->fr);

  double sum = 0;
  t->dn[0] = 1;
  for (int tau = 1; tau <= W; ++tau) {
    double e = t->cum[L - tau] - t->cum[L - W - tau];
    double c = t->fr[L - W - tau] / (double)N;
    double d = es + e - 2 * c;
    if (d < 0) d = 0;
    t->d[tau] = (float)d;
    sum += d;
    t->dn[tau] = sum > 0 ? (float)(d * tau / sum) : 1.0f;
  }
  int best = -1;
  for (int tau = TAU_MIN; tau < W; ++tau)
    if (t->dn[tau] < YIN_THR) {
      while (tau + 1 < W && t->dn[tau + 1] < t->dn[tau])
        ++tau;
      best = tau;
      break;
    }
  if (best < 0) {
    best = TAU_MIN;
    for (int tau = TAU_MIN; tau < W; ++tau)
      if (t->dn[tau] < t->dn[best]) best = tau;
  }
  /* harmonic errors (a strong second harmonic, as sung "aah"s have, or a
   * third, as an oboe's): the dip at 2, 3 or 4 times the period is much
   * deeper */
  {
    int base = best, kmax = t->dn[best] >= HARM_MIN ? 4 : 2;
    for (int k = 2; k <= kmax && k * base + 2 < W; ++k) {
      int m = k * base;
      for (int j = k * base - 2; j <= k * base + 2; ++j)
        if (t->dn[j] < t->dn[m]) m = j;
      /* compared between the lags (a period seldom is a whole number of
       * samples; a bright tone's dip at the nearest lag can be shallower
       * than at twice the period, which falls nearer a whole lag) */
      float db = dip_between(t->dn, best), dm = dip_between(t->dn, m);
      if (dm < OCTAVE_RATIO * db && db - dm > OCTAVE_MARGIN) best = m;
    }
  }
  float mix_dip = 2;
  if (t->note >= 0)
    best = resolve_mixture(t, best, t->note, 1, &mix_dip);
  else if (t->last >= 0 && t->since < RECENT)
    best = resolve_mixture(t, best, t->last, 0, &mix_dip);
  double tau = vertex_lag(t->dn, best);
  double hz = KT_PITCH_RATE / tau;
  *dip = t->dn[best] < mix_dip ? t->dn[best] : mix_dip;
  t->long_period = tau > LONG_TAU;
  *midi = (float)(69.0 + 12.0 * log2(hz / t->param[KT_PP_A4]));
}

static uint8_t velocity(float level_db) KT_RT
{
  float v = 100.0f + 2.0f * (level_db + 20.0f);
  if (v < 1) v = 1;
  if (v > 127) v = 127;
  return (uint8_t)lrintf(v);
}

static void put(kt_event *e, uint32_t frame, uint8_t status, int note,
                uint8_t vel) KT_RT
{
  memset(e, 0, sizeof *e);
  e->frame = frame;
  e->type = KT_EV_MIDI;
  e->size = 3;
  e->midi[0] = status;
  e->midi[1] = (uint8_t)note;
  e->midi[2] = vel;
}

/* One analysis frame's decision; events at `frame`. */
static uint32_t decide(kt_pitch *t, uint32_t frame, kt_event *ev, uint32_t n,
                       uint32_t cap) KT_RT
{
  float midi, dip, level;
  analyse(t, &midi, &dip, &level);
  t->st.frames++;
  t->st.midi = midi;
  t->st.conf = 1.0f - dip;
  t->st.level = level;
  float rmidi = 0, rdip = 1, rshare = 0, re = 0;
  int res = 0; /* the residual was analysed (not for notes below 126 Hz) */
  if (t->note >= 0) {
    if (midi > 0 && fabsf(midi - (float)t->note) <= 0.5f && dip <= VOICED)
      t->note_tau = midi_tau(t, midi);
    res = residual(t, t->note_tau, &rmidi, &rdip, &rshare);
    re = rshare * powf(10.0f, 0.1f * level);
  }
  t->st.res_midi = rmidi;
  t->st.res_conf = 1.0f - rdip;
  t->st.res_share = rshare;
  if (t->lock_age < LOCK) t->lock_age += HOP;
  if (t->note >= 0) {
    t->age += HOP;
    if (level > t->peak) t->peak = level;
  } else if (t->since < RECENT)
    t->since += HOP;

  const float gate = t->param[KT_PP_GATE_DB];
  const int64_t min_len =
      (int64_t)(t->param[KT_PP_MIN_MS] * 0.001f * KT_PITCH_RATE);
  if (midi < LOW || midi > HIGH) midi = 0;
  int semi = (int)lrintf(midi);
  /* settled: the last frames agree (a glide or a scoop moves faster) */
  float lo = midi, hi = midi;
  for (int i = 0; i < 2; ++i) {
    if (t->prev[i] < lo) lo = t->prev[i];
    if (t->prev[i] > hi) hi = t->prev[i];
  }
  float before = t->prev[0]; /* the previous frame's estimate */
  t->prev[1] = t->prev[0];
  t->prev[0] = midi;
  int settled = midi > 0 && lo > 0 && hi - lo <= SETTLE;
  int centred = midi > 0 && fabsf(midi - (float)semi) <= CENTER;
  /* right after a change the window still holds the old note's tail, which
   * pulls the estimate towards it: a change is settled when two frames
   * agree, and centred a little wider on the old note's side */
  if (t->note >= 0 && midi > 0 && semi != t->note) {
    float off = midi - (float)semi;
    if (!centred && fabsf(off) <= CENTER_OLD && (off > 0) == (t->note > semi))
      centred = 1;
    settled = settled ||
              (fabsf(midi - (float)t->note) >= FAST_STEP && before > 0 &&
               fabsf(midi - before) <= SETTLE2 && (int)lrintf(before) == semi);
  }
  int voiced =
      centred && level >= gate && dip <= (t->long_period ? LONG_DIP : VOICED);

  if (t->note < 0) {
    if (!voiced) {
      t->cand = -1;
      t->cand_n = 0;
      return n;
    }
    t->cand_n = semi == t->cand ? t->cand_n + 1 : 1;
    t->cand = semi;
    if (t->cand_n >= K_ON + (t->long_period ? LONG_K : 0) && n + 2 <= cap) {
      put(&ev[n++], frame, 0x90, semi, velocity(level));
      t->note = semi;
      t->note_tau = midi_tau(t, midi);
      t->prev_note = t->since < RECENT ? t->last : -1;
      t->age = 0;
      t->peak = level;
      t->off_n = 0;
      t->cand = -1;
      t->cand_n = 0;
    }
    return n;
  }

  /* a new note rising under the sounding one (its attack under the old
   * one's release, a legato crossfade): the residual with the sounding
   * note cancelled holds a steady pitch whose share does not fade */
  int rsemi = (int)lrintf(rmidi), rd = rsemi - t->note;
  /* the note a residual change replaced must fade (a release); if it
   * does not, the change was wrong: the lock is lifted */
  if (t->lock_age < LOCK && rmidi > 0 && rsemi == t->lock_note) {
    if (t->lock_e < 0)
      t->lock_e = re;
    else if (t->lock_age >= LOCK_CHECK && re >= LOCK_FADE * t->lock_e)
      t->lock_age = LOCK;
  }
  int rok = rmidi >= LOW && rmidi <= HIGH && rdip <= RES_DIP &&
            rshare >= RES_SHARE && fabsf(rmidi - (float)rsemi) <= CENTER &&
            rd != 0 && abs(rd) <= RES_STEP && level >= gate &&
            (rsemi != t->prev_note || t->age >= RES_RET_AGE);
  /* a frame the residual shows no period in holds its candidate (the
   * beating of the two notes hides it now and then) */
  int hold = rmidi <= 0 && t->res_n > 0 && t->res_gap < RES_GAP;
  t->res_gap = hold ? t->res_gap + 1 : 0;
  float rlo = fminf(rmidi, fminf(t->res_prev[0], t->res_prev[1]));
  float rhi = fmaxf(rmidi, fmaxf(t->res_prev[0], t->res_prev[1]));
  if (hold) {
    /* nothing: the candidate and its last estimates stay */
  } else if (rok && rsemi == t->res_cand) {
    t->res_n++;
  } else {
    t->res_cand = rok ? rsemi : -1;
    t->res_n = rok;
    t->res_e0 = re;
  }
  if (!hold) {
    t->res_prev[1] = t->res_prev[0];
    t->res_prev[0] = rmidi;
  }
  if (!hold && t->res_n >= K_RES &&
      re >= (rsemi == t->prev_note ? RES_RISE : 1.0f) * t->res_e0 &&
      rhi - rlo <= RES_SETTLE && t->age >= min_len && n + 2 <= cap) {
    put(&ev[n++], frame, 0x80, t->note, 0);
    put(&ev[n++], frame, 0x90, rsemi, velocity(level));
    t->prev_note = t->lock_note = t->note;
    t->lock_age = 0;
    t->lock_e = -1;
    t->note = rsemi;
    t->note_tau = midi_tau(t, rmidi);
    t->age = 0;
    t->peak = level;
    t->off_n = 0;
    t->cand = t->res_cand = -1;
    t->cand_n = t->res_n = 0;
    return n;
  }

  /* while the replaced note rings, the two make no clear period: only
   * silence ends the note */
  int keep = level >= gate - KEEP_DB &&
             ((midi > 0 && dip <= KEEP) || t->lock_age < LOCK);
  if (!keep) {
    t->cand = -1;
    t->cand_n = 0;
    if (++t->off_n >= K_OFF && t->age >= min_len && n < cap) {
      put(&ev[n++], frame, 0x80, t->note, 0);
      t->last = t->note;
      t->since = 0;
      t->note = -1;
    }
    return n;
  }
  t->off_n = 0;
  /* while the note a residual change replaced rings, the estimate is a
   * mixture of the two (one of them, a pitch between, their common
   * period): only the residual changes the note.  A period far below the
   * sounding note's (often the common period of it and another) is a new
   * note only once the sounding one no longer explains the input. */
  /* Nor, while the note it replaced may still ring, is a semitone between
   * the two: their mixture pulls the estimate there (a choir's release). */
  int between = t->prev_note >= 0 && t->age < MIX_AGE &&
                ((t->prev_note < semi && semi < t->note) ||
                 (t->note < semi && semi < t->prev_note));
  /* A return to the replaced note soon after (its release beating with the
   * new note: a choir's level swings by several dB) needs a few frames
   * close to it; a wrong change is still undone. */
  int ret = semi == t->prev_note && t->age < RET_AGE;
  int unsure_ret = ret && (fabsf(midi - (float)semi) > RET_CENTER ||
                           level < t->peak - RET_DB);
  if (fabsf(midi - (float)t->note) <= CHANGE || !voiced || !settled ||
      t->lock_age < LOCK || between || unsure_ret ||
      (semi <= t->note - LEAP && res && rshare < GONE)) {
    t->cand = -1;
    t->cand_n = 0;
    return n;
  }
  t->cand_n = semi == t->cand ? t->cand_n + 1 : 1;
  t->cand = semi;
  int need = semi <= t->note - LEAP || semi == t->note + 12 ? K_LEAP
             : ret                                          ? K_RET
             : abs(semi - t->note) <= NEAR                  ? K_NEAR
                                                            : K_CHANGE;
  if (t->cand_n >= need && t->age >= min_len && n < cap) {
    put(&ev[n++], frame, 0x80, t->note, 0);
    t->prev_note = t->note;
    t->note = -1;
    if (n + 2 <= cap) {
      put(&ev[n++], frame, 0x90, semi, velocity(level));
      t->note = semi;
      t->note_tau = midi_tau(t, midi);
      t->age = 0;
      t->peak = level;
    }
    t->cand = -1;
    t->cand_n = 0;
  }
  return n;
}

static uint32_t process(kt_pitch *t, const float *in, uint32_t n_frames,
                        kt_event *ev, uint32_t cap) KT_RT
{
  uint32_t n = 0;
  for (uint32_t at = 0; at < n_frames;) {
    uint32_t len = n_frames - at < PIECE ? n_frames - at : PIECE;
    for (uint32_t i = 0; i < len; ++i) {
      float v = in ? in[at + i] * t->gain : 0.0f;
      t->src_in[i] = isfinite(v) ? v : 0.0f;
    }
    long used = 0;
    while (used < (long)len) {
      SRC_DATA d;
      memset(&d, 0, sizeof d);
      d.data_in = t->src_in + used;
      d.input_frames = (long)len - used;
      d.data_out = t->src_out;
      d.output_frames = t->src_out_cap;
      d.src_ratio = t->ratio;
      if (src_process(t->src, &d) != 0) {
        used = (long)len; /* cannot happen with a valid ratio: drop */
        break;
      }
      used += d.input_frames_used;
      for (long i = 0; i < d.output_frames_gen; ++i) {
        double v = t->src_out[i]; /* high-pass */
        double y = t->hp_b[0] * v + t->hp_z[0];
        t->hp_z[0] = t->hp_b[1] * v - t->hp_a[0] * y + t->hp_z[1];
        t->hp_z[1] = t->hp_b[2] * v - t->hp_a[1] * y;
        t->pend[t->n_pend++] = (float)y;
        if (t->n_pend == HOP) {
          memmove(t->hist, t->hist + HOP, sizeof(float) * (L - HOP));
          memcpy(t->hist + L - HOP, t->pend, sizeof(float) * HOP);
          t->n_pend = 0;
          n = decide(t, at + len - 1, ev, n, cap);
        }
      }
      if (d.input_frames_used == 0 && d.output_frames_gen == 0) break;
    }
    at += len;
  }
  return n;
}

uint32_t kt_pitch_process(kt_pitch *t, const float *in, uint32_t n_frames,
                          kt_event *ev, uint32_t cap) KT_RT
{
  kt_fpmode fp; /* the filters' state decays in silence: no subnormals */
  kt_fpmode_enter(&fp);
  uint32_t n = process(t, in, n_frames, ev, cap);
  kt_fpmode_leave(&fp);
  return n;
}
