/* dsp/clock.c -- sixteenth-slice clock (see clock.h). */
#include "clock.h"

#include <math.h>

#define KT_MAX_BPM 1000.0
#define KT_MIN_BPM 1.0

static double slices_per_beat(int beat_unit) { return 16.0 / beat_unit; }

static void update_spf(kt_clock *c)
{
  c->spf = c->bpm / 60.0 * slices_per_beat(c->beat_unit) * c->speed / c->rate;
  int len = (int)lround(c->beats_per_bar * slices_per_beat(c->beat_unit));
  c->bar_len = len < 1 ? 1 : (len > 64 ? 64 : len);
}

static double pos_at(const kt_clock *c, int64_t frame)
{
  return c->anchor_pos + (double)(frame - c->anchor_frame) * c->spf;
}

void kt_clock_init(kt_clock *c, double rate, double free_bpm) KT_RT
{
  c->rate = rate > 0 ? rate : 48000.0;
  c->rolling = 0;
  c->host_seen = 0;
  c->free_bpm = free_bpm;
  c->bpm = free_bpm;
  c->speed = 1.0;
  c->beat_unit = 4;
  c->beats_per_bar = 4.0;
  c->anchor_frame = 0;
  c->anchor_pos = 0.0;
  c->next_k = 0;
  c->bar_origin = 0.0;
  update_spf(c);
}

/* Frame of boundary k; before the anchor only with `past` (else the
 * anchor's frame). */
static int64_t frame_of(const kt_clock *c, int64_t k, int past)
{
  double d = ((double)k - c->anchor_pos) / c->spf;
  if (!(d >= (past ? -4e15 : 0.0))) /* also NaN */
    d = past && d < 0.0 ? -4e15 : 0.0;
  if (d > 4e15) /* saturate: never overflow the frame counter */
    d = 4e15;
  return c->anchor_frame + (int64_t)ceil(d - 1e-7);
}

int64_t kt_clock_next_frame(const kt_clock *c) KT_RT
{
  /* the true frame, also when it has passed: a boundary whose slice waits
     for its listen window (dsp/timing.h) keeps its moment when a wandering
     host position or a tempo change re-anchors the clock after it */
  return frame_of(c, c->next_k, 1);
}

int64_t kt_clock_frame_at(const kt_clock *c, int64_t k) KT_RT
{
  return frame_of(c, k, 1);
}

int64_t kt_clock_advance(kt_clock *c, int *bar_pos, int *bar_len) KT_RT
{
  int64_t k = c->next_k++;
  int64_t rel = (int64_t)floor((double)k - c->bar_origin + 1e-9);
  int64_t m = rel % c->bar_len;
  if (m < 0)
    m += c->bar_len;
  *bar_pos = (int)m;
  *bar_len = c->bar_len;
  return k;
}

double kt_clock_frames_per_slice(const kt_clock *c) KT_RT
{
  return 1.0 / c->spf;
}

/* Re-anchor at frame now keeping the slice position continuous. */
static void reanchor(kt_clock *c, int64_t now)
{
  c->anchor_pos = pos_at(c, now);
  c->anchor_frame = now;
}

void kt_clock_restart(kt_clock *c, int64_t now) KT_RT
{
  c->anchor_frame = now;
  c->anchor_pos = (double)c->next_k;
  c->bar_origin = (double)c->next_k;
}

void kt_clock_set_free_bpm(kt_clock *c, double bpm, int64_t now) KT_RT
{
  if (!isfinite(bpm) || bpm < KT_MIN_BPM || bpm > KT_MAX_BPM)
    return;
  c->free_bpm = bpm;
  if (!c->rolling && !c->host_seen && bpm != c->bpm) {
    reanchor(c, now);
    c->bpm = bpm;
    update_spf(c);
  }
}

int kt_clock_position(kt_clock *c, const kt_position *p, int64_t now) KT_RT
{
  const uint32_t f = p->flags;
  int stopped = 0;

  /* Validate each field on its own; nonsense is ignored, never trusted. */
  int have_speed = (f & KT_POS_SPEED) && isfinite(p->speed);
  int have_bpm = (f & KT_POS_BPM) && isfinite(p->bpm) &&
                 p->bpm >= KT_MIN_BPM && p->bpm <= KT_MAX_BPM;
  int have_bpb = (f & KT_POS_BPB) && isfinite(p->beats_per_bar) &&
                 p->beats_per_bar >= 1.0 && p->beats_per_bar <= 32.0;
  int have_unit = (f & KT_POS_BEATUNIT) && p->beat_unit >= 1 &&
                  p->beat_unit <= 32;
  double bpb = have_bpb ? p->beats_per_bar : c->beats_per_bar;
  int have_bar = (f & KT_POS_BAR) && (f & KT_POS_BARBEAT) && p->bar >= 0 &&
                 p->bar < 100000000 && isfinite(p->bar_beat) &&
                 p->bar_beat >= 0.0 && p->bar_beat < bpb + 1.0;

  int rolling = c->rolling;
  if (have_speed)
    rolling = p->speed >= 1e-3 && p->speed <= 16.0; /* slower = stopped */
  else if (have_bar && !c->rolling)
    rolling = 1;

  if (!rolling) {
    if (c->rolling) {
      /* Transport stopped: free-run on from here at the last tempo. */
      reanchor(c, now);
      c->rolling = 0;
      c->speed = 1.0;
      update_spf(c);
      stopped = 1;
    }
    if (have_bpm) {
      reanchor(c, now);
      c->bpm = p->bpm;
      c->host_seen = 1;
      update_spf(c);
    }
    return stopped;
  }

  /* Rolling: follow the host. */
  double old_spf = c->spf;
  double pred = pos_at(c, now);
  int was_rolling = c->rolling;
  if (have_bpm) {
    c->bpm = p->bpm;
    c->host_seen = 1;
  }
  if (have_speed)
    c->speed = p->speed;
  if (have_bpb)
    c->beats_per_bar = p->beats_per_bar;
  if (have_unit)
    c->beat_unit = p->beat_unit;
  update_spf(c);
  c->rolling = 1;

  if (have_bar) {
    double origin = (double)p->bar * c->bar_len;
    double hpos = origin + p->bar_beat * slices_per_beat(c->beat_unit);
    double tol = 2.0 * (old_spf > c->spf ? old_spf : c->spf) + 1e-9;
    if (!was_rolling || fabs(hpos - pred) > 0.5) {
      /* Start, relocation or loop: jump to the host position. */
      c->anchor_frame = now;
      c->anchor_pos = hpos;
      c->next_k = (int64_t)ceil(hpos - 1e-7);
    } else if (fabs(hpos - pred) > tol) {
      /* A host whose positions wander by a few frames (Ardour: ~6): follow
       * it, but keep the boundary count, so that a boundary whose slice has
       * not opened yet (the engine listens a little after it) is kept. */
      c->anchor_frame = now;
      c->anchor_pos = hpos;
    } else {
      /* Same place (maybe a new tempo): re-anchor on our own exact
       * position (hosts send barBeat as a float, rounded), keep the
       * boundary count so a boundary due at this very frame is not
       * skipped. */
      if (c->spf != old_spf) {
        c->anchor_frame = now;
        c->anchor_pos = pred;
      }
    }
    c->bar_origin = origin;
  } else {
    c->anchor_frame = now;
    c->anchor_pos = pred;
  }
  return 0;
}
