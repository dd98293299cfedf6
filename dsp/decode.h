/* dsp/decode.h -- from the net's logits to one choice per voice: argmax
 * (temperature 0) or seeded sampling (Gumbel-max on logits / T), and the
 * guard: keep voices in range, avoid crossings and parallel fifths and
 * octaves by taking the best-scoring candidate combination that breaks no
 * rule (or the fewest); softer costs prefer chords and steps over wide
 * leaps. */
#ifndef KT_DECODE_H
#define KT_DECODE_H

#include "encode.h"
#include "harmony.h"
#include "rng.h"
#include "voices.h"
#include <stddef.h>
#include <stdint.h>

/* The style terms of the guard (kt_decode_opts.style): costs in
 * log-probability, each >= 0 but the qualities', taken off the score of an
 * (alto, tenor, bass) combination, so that the joint choice leans towards
 * Bach's statistics
 * (../shared/style: a bass that moves by step and takes inversions,
 * dominant sevenths and diminished chords, no consecutive fifths or
 * octaves even in contrary motion).  The chord is kt_harmony_style_chord's label
 * of the sounding pitch classes, soprano included. */
typedef struct kt_decode_style {
  int par_any;            /* consecutive fifths / octaves between any two
                             voices in contrary motion too break the rule
                             (style.py's definition), not only in similar */
  float hold[KT_NGEN];    /* replace kt_decode_opts.hold_bonus, per voice
                             (alto, tenor, bass; < 0: a cost) */
  float move[KT_NGEN];    /* per semitone beyond step[] of a voice's
                             move from its previous pitch (alto, tenor,
                             bass) */
  int step[KT_NGEN];      /* semitones of a move that cost nothing (0: 2,
                             a whole step) */
  float root_pos;         /* a chord with its root in the bass */
  float cadence;          /* at a cadence (kt_decode_opts.cadence): any
                             sonority but a root-position major or minor
                             triad (instead of root_pos) */
  float end;              /* at a phrase end (kt_decode_opts.phrase_end),
                             the same, added to cadence's when both */
  float quality[KT_SQ_N]; /* per chord quality (enum kt_style_quality);
                             < 0: a bonus */
  float none;             /* no chord; < 0: kt_decode_opts.chord_bias */
  const unsigned char *chord_tab; /* kt_harmony_style_chord_table, or NULL (then
                                     kt_harmony_style_chord per combination) */
  float chord; /* the data-driven chord term's weight: chord *
                  chord_prior[cell] is added to a full sonority's score */
  const float *chord_prior; /* KT_CHORD_PRIOR_N log(p_Bach / p_Kantor) per
                               (quality x bass above the root) cell, or
                               NULL (no term): kt_decode_chord_prior */
  float bass;              /* the data-driven bass term's weight: bass *
                              bass_prior[cell] is added to the score of a
                              full sonority after a sounding bass */
  const float *bass_prior; /* KT_BASS_PRIOR_N log(p_Bach / p_Kantor) per
                              (bass's chord degree x size of its move)
                              cell, or NULL: kt_decode_bass_prior */
  float unison;            /* per pair of adjacent voices (S-A, A-T, T-B) on one
                              pitch (style.py's unison_pct); < 0: a bonus */
} kt_decode_style;

typedef struct {
  float temperature; /* 0 = argmax */
  int guard;         /* 1: range / crossing / parallels guard */
  int lo[KT_NGEN], hi[KT_NGEN]; /* absolute ranges per head */
  float chord_bias; /* guard: log-probability cost of a sonority that is
                       no triad or seventh chord */
  const float *gumbel; /* temperature > 0: the Gumbel noise per token (the
                          heads' layout), or NULL to draw it from rng */
  int restrike;     /* sounding-pitch models: a voice that keeps its pitch
                       is struck again (the melody moves on a beat) */
  float hold_bonus; /* sounding-pitch models: added to the log-probability
                       of going on with the pitch (or rest) already
                       sounding, so that two near-equal pitches do not take
                       turns from slice to slice */
  float leap_cost;  /* guard: log-probability cost per voice that leaps
                       wider than a perfect fifth from its previous pitch
                       (the bass's octave excepted) */
  int hold_only;    /* 1: no voice starts a note or a rest here -- each
                       goes on with what it sounds, unless every choice
                       breaks a rule (the rhythm parameter, at off-eighth
                       sixteenths) */
  const int *keep;  /* NULL, or per head: a pitch (-1: silence) the voice
                       must go on sounding without a new attack (its note
                       started too short a while ago), or KT_KEEP_NONE;
                       another choice counts as a broken rule */
  const kt_decode_style *style; /* guard: the style terms, NULL = none
                                   (the classic guard) */
  int cadence; /* 1: a likely cadence (the soprano on the detected key's
                  tonic, on a beat), for the style terms */
  int phrase_end; /* 1: a likely phrase end, seen with lookahead (the
                     soprano on a beat, then held or silent over every
                     slice of the window ahead), for the style terms */
} kt_decode_opts;

#define KT_KEEP_NONE (-2)

typedef struct {
  int pitch; /* absolute MIDI pitch or -1 (rest) */
  int onset; /* 1: (re)attack */
  int tok;   /* token as the net sees it (for feedback) */
} kt_choice;

#define KT_DECODE_CANDIDATES 6

/* logits: heads alto, tenor, bass concatenated (kt_repr_n_tok each).
 * shift: semitones added to absolute pitches to get the net's (normalized)
 * pitches.  sop_prev/sop_now: soprano at the previous/current slice (-1
 * rest); prev: previous pitch of each head (-1 rest). */
void kt_decode(const kt_repr *r, const float *logits,
               const kt_decode_opts *o, int shift, int sop_prev, int sop_now,
               const int prev[KT_NGEN], kt_rng *rng, kt_choice out[KT_NGEN])
    KT_RT;

/* Not RT: the style terms named in spec ("name=value,...": par (0/1),
 * hold (all three) or hold_a, hold_t, hold_b, move_a, move_t, move_b,
 * step_a, step_t, step_b (0..12, whole semitones), root,
 * cad, end, none, chord, bass (0..100), q_QUALITY with QUALITY one of aug dim
 * dim7 dom7 hdim7 maj maj7 min min7; values 0..100, q_ and hold: -100..100) set
 * on *s; the others are left as they are.  Returns 0, or -1 with a message in
 * err.
 */
int kt_decode_style_parse(kt_decode_style *s, const char *spec, char *err,
                          size_t errlen);

#define KT_CHORD_PRIOR_N (1 + KT_SQ_N * 12)

/* The compiled chord table (dsp/chord_prior.h, tools/chord_table.py) for a
 * lookahead (0: L0's, >= 2: L4's), and its cell of a full sonority: 0 no
 * chord, 1 + quality * 12 + (bass - root) mod 12. */
const float *kt_decode_chord_prior(int lookahead) KT_RT;
int kt_decode_chord_cell(int qual, int root, int bass_pc) KT_RT;

/* The bass term's cells: the bass's degree in the chord (0 root, 1 third,
 * 2 fifth, 3 seventh, 4 no chord) x the size of its move from the previous
 * slice's bass (0..12 semitones, 13: wider).  The compiled table
 * (dsp/bass_prior.h, tools/bass_table.py) for a lookahead (0: L0's, >= 2:
 * L4's), and the cell of a bass moving from prev to bass (MIDI pitches)
 * under a chord (kt_harmony_style_chord's quality and root, qual < 0: none).
 */
#define KT_BASS_MOVES 14
#define KT_BASS_PRIOR_N (5 * KT_BASS_MOVES)
const float *kt_decode_bass_prior(int lookahead) KT_RT;
int kt_decode_bass_cell(int qual, int root, int prev, int bass) KT_RT;

/* Rule checks, shared with the evaluator's statistics. */
int kt_decode_is_parallel(int a0, int b0, int a1, int b1) KT_RT;

#endif
