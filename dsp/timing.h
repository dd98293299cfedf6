/* dsp/timing.h -- where the player's notes fall against the host's grid,
 * and so when the engine opens and decides a slice (live timing).
 *
 * A player's note-on reaches the plugin late by the host's buffers and
 * their own timing (16-64 ms and a jitter of 15-30 ms are usual).  The
 * engine therefore listens on a grid moved by the input's lateness `tau`:
 * slice k's moment is G_k + tau (G_k its boundary on the host's grid).
 *  - A melody note-on from half a slice before that moment on opens slice
 *    k at once (an early or on-time note: the harmony sounds with it).
 *  - Without a note, slice k opens `win` frames after its moment (the
 *    listen window: a late note may still come), with the melody held.
 *  - A note-on after that, up to half a slice after the moment, still
 *    belongs to slice k: the slice is decided again with it.
 * In Auto mode (the `timing` parameter at -1) tau and win are learned from
 * the onsets themselves: tau follows their mean offset from the grid
 * (clamped to 0 .. 0.45 slice, or in short slices up to 70 ms within 0.6
 * slice: an early player is served by the first rule), win = 1.5 standard
 * deviations of that offset.  Before any onset a note is split between
 * the slices at a prior lateness of 25 ms (kt_timing_centre).  A player on the
 * grid keeps both at 0 (an exact file is decided on the grid as without
 * any of this); a steady one (every onset off the grid by the same
 * amount) gets tau = that amount and no window.  For a jittery player the
 * held offset tau + win, where harmony under a held note changes, is kept
 * steady: set from a prior spread on the first onset off the grid, it
 * follows the estimate (over the first two onsets; then it only rises)
 * until harmony has moved under a held note with it (kt_timing_heard), may
 * rise at the second onset, and is then moved only
 * when the estimate stays far from it for KT_TIMING_RECENT onsets
 * (timing.c).  A fixed timing sets tau to
 * that many ms and win to the grace parameter.  Everything is in absolute
 * frames: the same input gives the same slices whatever the block
 * partition. */
#ifndef KT_TIMING_H
#define KT_TIMING_H

#include "rt.h"
#include <stdint.h>

#define KT_TIMING_RECENT 16 /* onsets that show a changed player */

typedef struct {
  double rate;
  double mean;     /* learned offset of onsets from the grid, frames */
  double dev;      /* learned mean absolute deviation from `mean`, frames */
  int64_t seen;    /* onsets learned from */
  double tau, win; /* in use (auto): mean and window, moved in steps */
  /* the held-slice offset in use (auto): tau + win, kept steady */
  double held;
  double tau_held; /* the tau `held` was set with */
  double first;    /* the first onset off the grid, frames */
  int64_t off;     /* onsets since (and with) the first off the grid */
  int64_t jit;     /* onsets taken for a jittery player's, in a row */
  int64_t strikes; /* onsets in a row whose estimate left `held` */
  int disagree;    /* the off-grid onsets disagree: a jittery player */
  int heard;       /* harmony moved under a held note with `held` */
  double recent[KT_TIMING_RECENT]; /* the last offsets (a jittery player) */
  int64_t n_recent;
  /* fixed mode (set_fixed): tau and win in frames; fixed < 0 = auto */
  double fixed_tau, fixed_win;
  int fixed;
} kt_timing;

void kt_timing_init(kt_timing *t, double rate) KT_RT;
/* Forget what was learned (a new player, a reset). */
void kt_timing_reset(kt_timing *t) KT_RT;
/* timing_ms < 0: Auto; else the input is that late, listened to for
 * grace_ms. */
void kt_timing_set(kt_timing *t, double timing_ms, double grace_ms) KT_RT;
/* The moment offset and listen window for a slice of `spf` frames. */
void kt_timing_offsets(const kt_timing *t, double frames_per_slice, double *tau,
                       double *win) KT_RT;
/* Where a melody note-on is split between the last slice and the next:
 * it belongs to the slice whose moment (boundary + the returned centre)
 * is nearer.  The tau in use once an onset was learned; before any, a
 * prior lateness (a host's buffers make players late, rarely early), so a
 * first note well after the boundary is not taken for an early one of
 * the next slice. */
double kt_timing_centre(const kt_timing *t, double frames_per_slice) KT_RT;
/* Harmony moved under a held note (or a rest): the held offset in use has
 * been heard, and from now on is kept steady. */
void kt_timing_heard(kt_timing *t) KT_RT;
/* An onset that opened or joined a slice: `offset` = its frame minus the
 * slice's grid boundary. */
void kt_timing_learn(kt_timing *t, double offset) KT_RT;

#endif
