/* nn/style.h -- the style statistics of ../shared/style/ (style.py,
 * style_check.py, score.py's rules), computed in C with exactly the
 * reference definitions, so that kantor eval can hold a harmonizer's
 * alto, tenor and bass against Bach's on the same set.  Offline code (the
 * accumulator allocates); no I/O.
 *
 * Per piece (four voices on the sixteenth grid, KT_REST = rest; "full" =
 * a slice where all four voices sound; A, T, B = alto, tenor, bass):
 *  - rest_pct_X: % of the slices where the soprano sounds and X rests.
 *  - leap_gt5_pct_X, mean_move_X: over X's pitch changes (t >= 1, both
 *    slices sounding, pitch differs; a held note and a re-strike of the
 *    same pitch are no change): % wider than 7 semitones (the bass's
 *    exact octave excepted), mean size in semitones.
 *  - mean_pitch_X: mean MIDI pitch over X's sounding slices.
 *  - changes_per_bar_X: 16 * (sounding slices t where t = 0 or the pitch
 *    differs from t-1, a rest at t-1 included) / all slices.
 *  - chord of a full slice: the pitch-class set's (root, quality) among
 *    maj min dim aug dom7 min7 maj7 dim7 hdim7, the set a subset of the
 *    template on that root, holding the root and at least min(3, size of
 *    the template) pitch classes; the fewest missing tones first, then the
 *    lowest root, then the quality's name (alphabetical).  Two pitch
 *    classes or fewer: no chord.
 *  - nonchord_pct, q_Q: % of full slices with no chord / of quality Q.
 *  - unison_pct: % of (full slice, adjacent pair S-A, A-T, T-B) on one
 *    pitch.
 *  - chord_changes_per_bar: 16 * (consecutive full slices, t-1 and t,
 *    whose chords differ; no chord is a label) / full slices.
 *  - root_position_pct: % of the full chord slices with the root in the
 *    bass; final_root_triad: 100 when the last full slice is a maj or min
 *    chord with its root in the bass, else 0.
 *  - hidden_outer_per_100: moves = full slices t whose t-1 is full and
 *    where soprano or bass changes; hidden = soprano and bass moving in
 *    the same direction into (S - B) mod 12 of 0 or 7 with a soprano move
 *    of more than 2 semitones; per 100 moves.
 *  - parallels_per_100: moves = full slices t whose t-1 is full and where
 *    any voice changes; at each, every pair of the four voices where both
 *    change, (upper - lower) mod 12 (never negative) equal before and
 *    after and 0 or 7 counts one; per 100 moves.  Any direction.
 *  - crossings_pct: (full slice, adjacent pair) with the lower voice
 *    strictly above, per 100 full slices; wide_spacing_pct: S-A or A-T
 *    wider than 12 semitones, per 100 full slices.
 *  All rates take max(denominator, 1).
 * A set: each statistic's mean over the pieces weighted by their slice
 * count (n_slices), and the per-piece 10th/50th/90th percentiles (linear
 * interpolation, as style.py's pct).
 * Compare (style_check.py): z = (other - bach) / max(bach p90 - p10,
 * 1e-6) on the figures rounded to 3 decimals (as style.py prints them);
 * off when |z| > 0.25, only z > 0.25 for the one-sided statistics
 * (leaps, hidden fifths, crossings, wide spacing); 26 such statistics plus
 * parallels (off above 0.5 per 100 moves) and the final root-position
 * triad (off below 97 %) make the 28. */
#ifndef KT_STYLE_H
#define KT_STYLE_H

#include "harmony.h"
#include "metrics.h"

/* In style.py's output order. */
enum kt_style_stat {
  KT_ST_REST_PCT_A,
  KT_ST_REST_PCT_T,
  KT_ST_REST_PCT_B,
  KT_ST_LEAP_A,
  KT_ST_MOVE_A,
  KT_ST_PITCH_A,
  KT_ST_CHANGES_A,
  KT_ST_LEAP_T,
  KT_ST_MOVE_T,
  KT_ST_PITCH_T,
  KT_ST_CHANGES_T,
  KT_ST_LEAP_B,
  KT_ST_MOVE_B,
  KT_ST_PITCH_B,
  KT_ST_CHANGES_B,
  KT_ST_NONCHORD,
  KT_ST_UNISON,
  KT_ST_CHORD_CHANGES,
  KT_ST_Q_MAJ,
  KT_ST_Q_MIN,
  KT_ST_Q_DIM,
  KT_ST_Q_DOM7,
  KT_ST_Q_MIN7,
  KT_ST_Q_DIM7,
  KT_ST_Q_HDIM7,
  KT_ST_Q_NONE,
  KT_ST_ROOT_POS,
  KT_ST_FINAL_ROOT,
  KT_ST_HIDDEN,
  KT_ST_PARALLELS,
  KT_ST_CROSSINGS,
  KT_ST_WIDE,
  KT_ST_N
};

/* How style_check.py judges a statistic. */
enum kt_style_check {
  KT_SC_NONE = 0,  /* reported, not judged (rests, q_none) */
  KT_SC_TWO_SIDED, /* off when |z| > tol */
  KT_SC_ONE_SIDED, /* off when z > tol (only too many is a fault) */
  KT_SC_PARALLELS, /* off when above KT_STYLE_PAR_MAX */
  KT_SC_FINAL      /* off when below KT_STYLE_FINAL_MIN */
};

#define KT_STYLE_TOL 0.25
#define KT_STYLE_PAR_MAX 0.5
#define KT_STYLE_FINAL_MIN 97.0
#define KT_STYLE_N_CHECKED 28

const char *kt_style_name(int stat);      /* "mean_move_B" (style.py's key) */
const char *kt_style_desc(int stat);      /* a short English description */
int kt_style_check_of(int stat);          /* enum kt_style_check */
const char *kt_style_quality_name(int q); /* "dom7"; "none" for -1 */

/* The statistics of one piece (all voices read through kt_metrics_voices; a
 * NULL voice rests throughout). */
typedef struct {
  double v[KT_ST_N];
  long slices; /* n_slices: the piece's weight in the pooled mean */
  /* the raw counts behind the parallels (score.py's rules) */
  long moves, parallels;
} kt_style_piece;

void kt_style_piece_stats(const kt_metrics_voices *m, kt_style_piece *out);

/* Pieces of a set, in the order added. */
typedef struct {
  kt_style_piece *p;
  int n, cap;
} kt_style_acc;

void kt_style_acc_init(kt_style_acc *a);
/* Adds one piece; -1 on out of memory (the accumulator is unchanged). */
int kt_style_acc_add(kt_style_acc *a, const kt_metrics_voices *m);
void kt_style_acc_free(kt_style_acc *a);

typedef struct {
  double mean, p10, p50, p90;
} kt_style_fig;

typedef struct {
  int pieces;
  long slices;
  kt_style_fig s[KT_ST_N];
} kt_style_result;

/* Pooled means and percentiles (all 0 when no piece was added). */
void kt_style_finish(const kt_style_acc *a, kt_style_result *r);

typedef struct {
  double z[KT_ST_N]; /* z for the two- and one-sided statistics, else 0 */
  int off[KT_ST_N];  /* 1 where off (parallels and final included) */
  int n_off;         /* of KT_STYLE_N_CHECKED */
} kt_style_cmp;

/* other against bach, as style_check.py with tolerance tol (0.25). */
void kt_style_compare(const kt_style_result *bach, const kt_style_result *other,
                      double tol, kt_style_cmp *out);

#endif
