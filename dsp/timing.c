/* dsp/timing.c -- the input's lateness against the grid (see timing.h). */
#include "timing.h"

#include <math.h>
#define KT_TIMING_MIN_RATE 0.05  /* the running mean's weight, at least */
#define KT_TIMING_WIN_SD 1.5     /* listen window, in standard deviations */
#define KT_TIMING_MAX_TAU 0.45   /* of a slice, or up to ... */
#define KT_TIMING_MAX_TAU_MS 70.0  /* ... this (a host's 3 x 1024 frames) */
#define KT_TIMING_MAX_TAU_FAST 0.6 /* ... within this of a slice */
#define KT_TIMING_MAX_WIN 0.45   /* of a slice */
#define KT_TIMING_MAX_HELD 0.7   /* of a slice: tau + win, at most */
#define KT_TIMING_ON_GRID_MS 2.0 /* an onset this near the grid is on it */
#define KT_TIMING_STEP_MS 5.0    /* the offsets in use follow in such steps */
#define KT_TIMING_PRIOR_LATE_MS 25.0 /* the split before any onset */
/* a jittery player's held offset (see kt_timing_learn) */
#define KT_TIMING_PRIOR_SD_MS 30.0 /* the spread assumed at first ... */
#define KT_TIMING_PRIOR_N 4.0      /* ... worth this many onsets */
#define KT_TIMING_RISE 2           /* onsets over which it may rise */
#define KT_TIMING_RISE_MS 10.0     /* by more than this */
#define KT_TIMING_MARGIN_MS 10.0   /* later than the estimate by this */
#define KT_TIMING_UP_MS 45.0       /* kept while the estimate is no more */
#define KT_TIMING_DOWN_MS 40.0     /* later / earlier than it was set at */
#define KT_TIMING_PAST_MS 5.0      /* and the mean lateness this below it */

void kt_timing_init(kt_timing *t, double rate) KT_RT
{
  t->rate = rate > 0 ? rate : 48000.0;
  t->fixed = 0;
  t->fixed_tau = t->fixed_win = 0.0;
  kt_timing_reset(t);
}

void kt_timing_reset(kt_timing *t) KT_RT
{
  t->mean = 0.0;
  t->dev = 0.0;
  t->seen = 0;
  t->tau = t->win = 0.0;
  t->held = t->tau_held = 0.0;
  t->first = 0.0;
  t->off = t->jit = t->strikes = 0;
  t->disagree = 0;
  t->heard = 0;
  t->n_recent = 0;
}

void kt_timing_set(kt_timing *t, double timing_ms, double grace_ms) KT_RT
{
  t->fixed = timing_ms >= 0.0;
  t->fixed_tau = t->fixed ? timing_ms * 0.001 * t->rate : 0.0;
  t->fixed_win = grace_ms > 0.0 ? grace_ms * 0.001 * t->rate : 0.0;
}

static double clampd(double v, double lo, double hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* tau's bound for slices of s frames: 0.45 slice, and in fast pieces
   (short slices) up to a host's usual lateness, within 0.6 slice */
static double max_tau(const kt_timing *t, double s)
{
  return fmax(
      KT_TIMING_MAX_TAU * s,
      fmin(KT_TIMING_MAX_TAU_MS * 0.001 * t->rate, KT_TIMING_MAX_TAU_FAST * s));
}

void kt_timing_offsets(const kt_timing *t, double frames_per_slice, double *tau,
                       double *win) KT_RT
{
  double s = isfinite(frames_per_slice) && frames_per_slice > 0
                 ? frames_per_slice
                 : 0.0;
  if (t->fixed) {
    *tau = clampd(t->fixed_tau, 0.0, max_tau(t, s));
    *win = t->fixed_win;
  } else if (t->jit == 0) {
    *tau = clampd(t->tau, 0.0, max_tau(t, s));
    *win = t->win;
  } else {
    /* a jittery player: the held offset as set, bounded with the tau it
       was set with (not the tau in use, which follows the player) */
    *tau = clampd(t->tau, 0.0, max_tau(t, s));
    double th = clampd(t->tau_held, 0.0, max_tau(t, s));
    double h =
        fmin(t->held, fmin(th + KT_TIMING_MAX_WIN * s, KT_TIMING_MAX_HELD * s));
    *win = fmax(0.0, h - *tau);
    return;
  }
  *win = clampd(*win, 0.0, KT_TIMING_MAX_WIN * s);
  /* harmony under a held note changes within the slice's first 70 % */
  if (*tau + *win > KT_TIMING_MAX_HELD * s)
    *win = fmax(0.0, KT_TIMING_MAX_HELD * s - *tau);
}

void kt_timing_heard(kt_timing *t) KT_RT
{
  t->heard = 1;
}

double kt_timing_centre(const kt_timing *t, double frames_per_slice) KT_RT
{
  double tau, win;
  kt_timing_offsets(t, frames_per_slice, &tau, &win);
  if (t->fixed || t->seen > 0) return tau;
  double s = isfinite(frames_per_slice) && frames_per_slice > 0
                 ? frames_per_slice
                 : 0.0;
  return fmin(KT_TIMING_PRIOR_LATE_MS * 0.001 * t->rate, max_tau(t, s));
}

static void learn_onset(kt_timing *t, double offset) KT_RT;
void kt_timing_learn(kt_timing *t, double offset) KT_RT
{
  const double held = t->held;
  learn_onset(t, offset);
  if (t->held != held) t->heard = 0; /* a new held offset, not heard yet */
}

static void learn_onset(kt_timing *t, double offset) KT_RT
{
  if (!isfinite(offset)) return;
  /* a file's rounding (abc2midi writes note-ons a tick late) or a host's
     position arriving a block after a tempo change: on the grid */
  if (fabs(offset) <= KT_TIMING_ON_GRID_MS * 0.001 * t->rate) offset = 0.0;
  /* a running mean at first, then an exponential one */
  double a = 1.0 / (double)(t->seen + 1);
  if (a < KT_TIMING_MIN_RATE) a = KT_TIMING_MIN_RATE;
  double r = offset - t->mean;
  t->mean += a * r;
  if (t->seen > 0) t->dev += a * (fabs(r) - t->dev);
  t->seen++;
  /* What the engine uses moves only when the estimate has moved by more
     than a step: harmony under held notes keeps a steady offset while the
     estimates wander with the player's jitter. */
  const double step = KT_TIMING_STEP_MS * 0.001 * t->rate;
  /* mean absolute deviation -> standard deviation (normal jitter) */
  const double win = KT_TIMING_WIN_SD * 1.2533 * t->dev;
  if (fabs(t->mean - t->tau) > step) t->tau = t->mean;
  if (fabs(win - t->win) > step) t->win = win;
  const double ms = 0.001 * t->rate;
  /* off the grid: is the player steady (every offset the first) or not */
  if (offset != 0.0 || t->off > 0) {
    if (t->off == 0)
      t->first = offset;
    else if (fabs(offset - t->first) > KT_TIMING_ON_GRID_MS * ms)
      t->disagree = 1;
    t->off++;
  }
  /* The first onset off the grid is taken for a jittery player's (most
     are people); the second tells a steady one, and onsets that differ a
     jittery one. */
  if (!t->disagree && t->off != 1) {
    /* on the grid, or steady since its first onset off it: that offset,
       no window (on-grid onsets before it do not make it jittery) */
    t->jit = 0;
    if (t->off > 0) {
      t->tau = t->first;
      t->win = 0.0;
    }
    t->held = fmax(t->tau, 0.0) + t->win;
    return;
  }
  t->jit++;
  t->recent[t->n_recent++ % KT_TIMING_RECENT] = offset;
  /* A jittery player: the estimate from few onsets is wild, and it keeps
     wandering with the jitter; harmony under held notes that moved with it
     would be heard.  So the held offset (tau + the window) starts from a
     prior spread; until harmony has moved under a held note with it
     (kt_timing_heard: before that nobody heard it) it follows the estimate
     over the first KT_TIMING_RISE onsets and then only rises with it;
     once heard it may still rise at the second onset, and is kept while
     the estimate stays within KT_TIMING_UP_MS above / KT_TIMING_DOWN_MS
     below what it was set at and the mean lateness KT_TIMING_PAST_MS
     below it.  When the estimate has been out for KT_TIMING_RECENT onsets
     in a row the player has changed (a new host buffer): it starts again
     from those onsets alone. */
  double sd = 1.2533 * t->dev;
  const double n = (double)t->seen;
  sd = (KT_TIMING_PRIOR_N * KT_TIMING_PRIOR_SD_MS * ms + n * sd) /
       (KT_TIMING_PRIOR_N + n);
  const double est = fmax(t->mean, 0.0) + KT_TIMING_WIN_SD * sd;
  const double margin = KT_TIMING_MARGIN_MS * ms;
  if (t->jit == 1 ||
      (!t->heard && (t->jit <= KT_TIMING_RISE || est + margin > t->held))) {
    /* not heard yet: it follows the estimate over the first onsets, then
       rises with it */
    t->held = est + margin;
    t->tau_held = t->mean;
    t->strikes = 0;
    return;
  }
  if (!t->heard) {
    t->strikes = 0;
    return;
  }
  if (t->jit <= KT_TIMING_RISE) {
    if (est > t->held + KT_TIMING_RISE_MS * ms) {
      t->held = est + margin;
      t->tau_held = t->mean;
    }
    t->strikes = 0;
    return;
  }
  const double at = t->held - margin; /* the estimate it was set at */
  if (est - at <= KT_TIMING_UP_MS * ms && at - est <= KT_TIMING_DOWN_MS * ms &&
      t->tau <= t->held - KT_TIMING_PAST_MS * ms) {
    t->strikes = 0;
    return;
  }
  /* the player's mean came (nearly) past it: at once */
  if (t->tau > t->held - KT_TIMING_PAST_MS * ms &&
      t->strikes < KT_TIMING_RECENT - 1)
    t->strikes = KT_TIMING_RECENT - 1;
  if (++t->strikes < KT_TIMING_RECENT) return;
  const int64_t k =
      t->n_recent < KT_TIMING_RECENT ? t->n_recent : KT_TIMING_RECENT;
  double m = 0.0, d = 0.0;
  for (int64_t i = 0; i < k; ++i)
    m += t->recent[(t->n_recent - 1 - i) % KT_TIMING_RECENT];
  m /= (double)k;
  for (int64_t i = 0; i < k; ++i)
    d += fabs(t->recent[(t->n_recent - 1 - i) % KT_TIMING_RECENT] - m);
  t->mean = m;
  t->dev = d / (double)k;
  t->tau = t->tau_held = m;
  t->held = fmax(m, 0.0) + KT_TIMING_WIN_SD * 1.2533 * t->dev + margin;
  t->strikes = 0;
}
