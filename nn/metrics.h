/* nn/metrics.h -- music statistics over four voices at sixteenth-slice
 * resolution, for the evaluator (kantor eval) and the tests.  Pure C, no
 * I/O, no allocation.
 *
 * Counts are accumulated (kt_metrics_count, sums over any number of chorales)
 * and turned into rates at the end (kt_metrics_finish), so a set's figure is a
 * pooled rate, not a mean of per-chorale rates.  The same functions are
 * applied to Bach's voices and to generated ones.
 *
 * Definitions (v[voice][t], voices ordered bass < tenor < alto < soprano):
 *  - accuracy of a voice: fraction of the reference's slices where the
 *    generated pitch equals the reference pitch (a rest equals a rest;
 *    onsets ignored).  Pitch-class accuracy: the same modulo 12 (a rest
 *    only equals a rest).  Generated slices past its end count as rests.
 *    The "mean" is over alto, tenor and bass.
 *  - move: a slice t >= 1 where at least one voice changes pitch from t-1
 *    to t, both of those pitches sounding (rest boundaries are no moves;
 *    a repeated note is no move).  One slice is one move whatever the
 *    number of voices that change.
 *  - parallel: at a move slice t, for each of the 6 voice pairs (soprano
 *    included) where both voices sound at t-1 and t and BOTH change pitch,
 *    in the same direction, with the same interval class (|a-b| mod 12) of
 *    0 (unison, octave, compound octave) or 7 (fifth, compound fifth)
 *    before and after.  Each pair counts once per slice.  Reported per 100
 *    moves.  Consecutive fifths/octaves by contrary motion (e.g. 5th ->
 *    12th) are counted apart (contrary) and are not in the headline rate.
 *  - crossing: a slice where some lower voice sounds strictly above a
 *    higher one (both sounding).  Percent of slices.
 *  - chord slice: kt_harmony_chord_label (nn/harmony.h) of the 4 sounding pitches
 *    is not 0 (triad or seventh, complete or as harmony.c's incomplete
 *    templates).  Percent of slices where at least one voice sounds.
 *  - onsets per bar: note starts (onset flag on a sounding slice) of a
 *    voice divided by the bars covered, bars = sum over slices of
 *    1 / bar_len[t] (so pickups and meter changes count fractionally).
 *  - melodic motion of a voice: at each slice t >= 1 where it sounds a
 *    different pitch than at t-1 (both sounding), the interval |p - q| in
 *    semitones: its mean ("step"), and the percent of those changes wider
 *    than a perfect fifth (> 7 semitones, "leaps > 5th").
 *  - flicker of a voice: a slice t where it sounds B for that one slice
 *    between A at t-1 and A again at t+1 (A != B, all sounding), as a
 *    percentage of its pitch changes (each such return is two changes). */
#ifndef KT_METRICS_H
#define KT_METRICS_H

#include "chorale.h"
#include <stdint.h>

/* A view of four voices (no ownership). */
typedef struct {
  int n_slices;
  const kt_slice *v[KT_NVOICES]; /* by enum kt_voice */
  const uint8_t *bar_len; /* sixteenths per bar at each slice; NULL: 16 */
} kt_metrics_voices;

void kt_metrics_voices_from_chorale(const kt_chorale *c,
                                    kt_metrics_voices *out);

typedef struct {
  /* kt_metrics_compare */
  long cmp_slices;
  long exact[KT_NVOICES];
  long pc[KT_NVOICES];
  /* kt_metrics_style */
  long slices;          /* all slices seen */
  long sounding_slices; /* slices where at least one voice sounds */
  long moves;
  long par5, par8;       /* similar-motion consecutive fifths / octaves */
  long contra5, contra8; /* the same by contrary motion (not in par) */
  long crossing_slices;
  long chord_slices;
  long onsets[KT_NVOICES];
  long changes[KT_NVOICES];  /* pitch changes between sounding slices */
  long interval[KT_NVOICES]; /* their summed size in semitones */
  long wide[KT_NVOICES];     /* those wider than a fifth */
  long flicker[KT_NVOICES];  /* one-slice returns A B A */
  double bars;
  int pieces;
} kt_metrics_count;

typedef struct {
  long cmp_slices;        /* the slices compared (the accuracies' weight) */
  double acc[KT_NVOICES]; /* per voice (soprano: trivially 1 when copied) */
  double acc_mean;        /* alto, tenor, bass */
  double pc_acc[KT_NVOICES];
  double pc_mean;
  double par_per100; /* (par5 + par8) per 100 moves */
  double par5_per100, par8_per100;
  double contra_per100;
  double cross_pct; /* 0..100 */
  double chord_pct; /* 0..100 */
  double onsets_per_bar[KT_NVOICES];
  double step[KT_NVOICES];     /* mean interval of a pitch change */
  double wide_pct[KT_NVOICES]; /* 0..100: changes wider than a fifth */
  double flicker_pct[KT_NVOICES]; /* 0..100: one-slice returns per change */
} kt_metrics;

void kt_metrics_count_init(kt_metrics_count *c);
void kt_metrics_count_add(kt_metrics_count *dst, const kt_metrics_count *src);
/* Accuracy counts of gen against ref over ref's slices. */
void kt_metrics_compare(const kt_metrics_voices *ref,
                        const kt_metrics_voices *gen, kt_metrics_count *c);
/* Parallels, crossings, chords, onsets of one set of voices. */
void kt_metrics_style(const kt_metrics_voices *v, kt_metrics_count *c);
/* Rates from counts (0 where a denominator is 0). */
void kt_metrics_finish(const kt_metrics_count *c, kt_metrics *m);

#endif
