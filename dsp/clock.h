/* dsp/clock.h -- sixteenth-slice boundaries from the host transport, or
 * free-running.  Boundaries are computed from an anchor (frame, slice
 * position, tempo), so they land on the same frames whatever the block
 * partition: boundary k is at anchor_frame + ceil((k - anchor_pos) / spf). */
#ifndef KT_CLOCK_H
#define KT_CLOCK_H

#include "rt.h"
#include "types.h"

#include <stdint.h>

typedef struct {
  double rate;
  int rolling;        /* host transport rolling with a known position */
  int host_seen;      /* a host tempo has been seen */
  double bpm;         /* beats of beat_unit per minute in use */
  double speed;
  int beat_unit;
  double beats_per_bar;
  double spf;         /* slices per frame */
  int64_t anchor_frame;
  double anchor_pos;  /* slice position at anchor_frame */
  int64_t next_k;     /* next boundary's slice index */
  double bar_origin;  /* slice position of a barline */
  int bar_len;        /* slices per bar */
  double free_bpm;    /* from the BPM parameter */
} kt_clock;

void kt_clock_init(kt_clock *c, double rate, double free_bpm) KT_RT;
/* Absolute frame of the next boundary (in the past when its slice has not
 * opened yet: the engine opens it after a listen window). */
int64_t kt_clock_next_frame(const kt_clock *c) KT_RT;
/* Absolute frame of boundary k on the current grid (also one before the
 * anchor, extrapolated at the current tempo). */
int64_t kt_clock_frame_at(const kt_clock *c, int64_t k) KT_RT;
/* Consume the next boundary: returns its slice index, bar position/length. */
int64_t kt_clock_advance(kt_clock *c, int *bar_pos, int *bar_len) KT_RT;
/* Apply a host position at absolute frame now.  Returns 1 when the
 * transport just stopped (the caller silences the voices). */
int kt_clock_position(kt_clock *c, const kt_position *p, int64_t now) KT_RT;
/* Free-run: restart the grid at frame now (first note after silence),
 * the slice starting there is a downbeat. */
void kt_clock_restart(kt_clock *c, int64_t now) KT_RT;
void kt_clock_set_free_bpm(kt_clock *c, double bpm, int64_t now) KT_RT;
double kt_clock_frames_per_slice(const kt_clock *c) KT_RT;

#endif
