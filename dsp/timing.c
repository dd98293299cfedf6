/* dsp/timing.c -- the input's lateness against the grid (see timing.h). */
#include "timing.h"

#include <math.h>

#define KT_TIMING_MIN_RATE 0.05  /* the running mean's weight, at least */
#define KT_TIMING_WIN_SD 1.5     /* listen window, in standard deviations */
#define KT_TIMING_MAX_TAU 0.45   /* of a slice */
#define KT_TIMING_MAX_WIN 0.45   /* of a slice */
#define KT_TIMING_MAX_HELD 0.7   /* of a slice: tau + win, at most */
#define KT_TIMING_ON_GRID_MS 2.0 /* an onset this near the grid is on it */
#define KT_TIMING_STEP_MS 5.0    /* the offsets in use follow in such steps */

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

void kt_timing_offsets(const kt_timing *t, double frames_per_slice, double *tau,
                       double *win) KT_RT
{
  double s = isfinite(frames_per_slice) && frames_per_slice > 0
                 ? frames_per_slice
                 : 0.0;
  if (t->fixed) {
    *tau = t->fixed_tau;
    *win = t->fixed_win;
  } else {
    *tau = t->tau;
    *win = t->win;
  }
  *tau = clampd(*tau, 0.0, KT_TIMING_MAX_TAU * s);
  *win = clampd(*win, 0.0, KT_TIMING_MAX_WIN * s);
  /* harmony under a held note changes within the slice's first 70 % */
  if (*tau + *win > KT_TIMING_MAX_HELD * s)
    *win = fmax(0.0, KT_TIMING_MAX_HELD * s - *tau);
}

void kt_timing_learn(kt_timing *t, double offset) KT_RT
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
}
