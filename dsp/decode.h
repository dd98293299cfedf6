/* dsp/decode.h -- from the net's logits to one choice per voice: argmax
 * (temperature 0) or seeded sampling (Gumbel-max on logits / T), and the
 * guard: keep voices in range, avoid crossings and parallel fifths and
 * octaves by taking the best-scoring candidate combination that breaks no
 * rule (or the fewest); softer costs prefer chords and steps over wide
 * leaps. */
#ifndef KT_DECODE_H
#define KT_DECODE_H

#include "../nn/encode.h"
#include "voices.h"
#include <stdint.h>

typedef struct {
  uint64_t s;
} kt_rng;

void kt_rng_seed(kt_rng *r, uint64_t seed) KT_RT;
uint64_t kt_rng_next(kt_rng *r) KT_RT;
double kt_rng_uniform(kt_rng *r) KT_RT; /* (0, 1) */
float kt_gumbel(kt_rng *r) KT_RT;       /* -log(-log(uniform)) */

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

/* Rule checks, shared with the evaluator's statistics. */
int kt_is_parallel(int a0, int b0, int a1, int b1) KT_RT;

#endif
