/* nn/train/dataset.h -- the trainer's datasets (dataset.c): chorales under
 * the augmentation's transpositions, as the nets see them, and the
 * examples' inputs and targets.  train.c and export.c build on it; it
 * knows nothing of them. */
#ifndef KT_DATASET_H
#define KT_DATASET_H

#include "chorale.h"
#include "encode.h"
#include "harmony.h"
#include "model.h"
#include "rng.h"

#include <stddef.h>
#include <stdint.h>

/* Augmentation / key handling:
 *   none   pitches as written (key_norm 0)
 *   key    each chorale moved to C by its key label (key_norm 1)
 *   all12  key, plus the 11 other shifts -6..+5 around it
 *   detect key_norm 1 with the key the engine would detect at each slice
 *          (Krumhansl-Kessler on the soprano, as dsp/engine.c does), so the
 *          net trains on what it sees at run time with --key auto
 *   raw12  key_norm 0: pitches as written plus the shifts -6..+5
 *   near   key_norm 0: pitches as written plus the shifts -N..-1, +1..+N
 *          (neighbouring keys only; N = kt_train_opts.near_span, default
 *          KT_AUG_NEAR_MAX)
 *   sig    key_norm 2: each slice moved so that the key signature the
 *          engine would track there (kt_harmony_sig_tracker) is C's
 *   siglab sig, plus a second copy of each chorale moved by its label's
 *          signature (valid: sig only)
 * With none, raw12, near, sig and siglab the mode family is the detected one
 * (as the engine gives it with --key auto). */
#define KT_AUG_NEAR_MAX 2  /* near: the default span, shifts -2..+2 */
#define KT_NEAR_SPAN_MAX 5 /* near: the widest span, -5..+5 */
enum {
  KT_AUG_NONE = 0,
  KT_AUG_KEY = 1,
  KT_AUG_ALL12 = 2,
  KT_AUG_DETECT = 3,
  KT_AUG_RAW12 = 4,
  KT_AUG_SIG = 5,
  KT_AUG_SIGLAB = 6,
  KT_AUG_NEAR = 7
};

/* The span augment near uses for kt_train_opts.near_span n: n clamped to
 * 1..KT_NEAR_SPAN_MAX, and < 1 (unset) is KT_AUG_NEAR_MAX. */
static inline int kt_near_span(int n)
{
  return n < 1 ? KT_AUG_NEAR_MAX : n > KT_NEAR_SPAN_MAX ? KT_NEAR_SPAN_MAX : n;
}

/* The augmentation a valid or test set is built with: the same key
 * handling, never the extra copies. */
static inline int kt_aug_eval(int augment)
{
  return augment == KT_AUG_ALL12    ? KT_AUG_KEY
         : augment == KT_AUG_RAW12 || augment == KT_AUG_NEAR ? KT_AUG_NONE
         : augment == KT_AUG_SIGLAB ? KT_AUG_SIG
                                    : augment;
}

/* One chorale under one transposition, as the nets see it.  Pitches are
 * MIDI pitches after the fixed augmentation shift; kshift[t] is added on
 * top when slice t is encoded (the detected-key shift, else 0). */
typedef struct {
  int n;        /* slices */
  int8_t *sop;  /* soprano pitch, KT_REST */
  uint8_t *son; /* soprano onset */
  uint8_t *bar_pos, *bar_len;
  int8_t *kshift;   /* per slice: extra shift applied when encoding */
  uint8_t *kmode;   /* per slice: mode family given to the net */
  kt_harmony_key_tracker *ktrk; /* repr.key_ctx: the engine's key tracker as it is
                           when slice t is decided (else NULL) */
  int8_t *vp[3];    /* Bach's voices, heads alto/tenor/bass: pitch */
  uint8_t *von[3];  /*   and onset */
  int8_t *own_p[3]; /* the model's own free-running output */
  uint8_t *own_on[3];
  int has_own;
  int16_t *chord; /* chord class at each slice (chord arch) */
} kt_seq;

typedef struct {
  int seq, t; /* sequence and slice (live, chord) or window start */
} kt_example;

typedef struct {
  kt_repr repr;
  int n_seq;
  kt_seq *seq;
  int n_ex;
  kt_example *ex;
} kt_dataset;

/* Ranges over chorales under the augmentation's shifts (key_norm).
 * near_span: augment near's N (< 1: KT_AUG_NEAR_MAX); other augmentations
 * ignore it. */
void kt_dataset_ranges(const kt_chorale *c, int n, int augment, int near_span,
                       kt_repr *r);
/* Build the sequences and examples; returns 0 or -1 with err. */
int kt_dataset_build(kt_dataset *ds, const kt_repr *r, const kt_chorale *c,
                     int n, int augment, int near_span, char *err,
                     size_t errlen);
void kt_dataset_free(kt_dataset *ds);
/* Number of target slots (heads) of net `net` for this arch. */
int kt_dataset_n_targets(const kt_repr *r, int net);
/* Input indices and targets (-1 = ignored) of an example for net `net`.
 * own: feed back the model's own tokens (live); noise/rng: corruption. */
int kt_dataset_example(const kt_dataset *ds, const kt_example *e, int net,
                       int own, float noise, kt_rng *rng, int32_t *idx,
                       int *tgt);
/* Live: the input of example e (Bach's voices fed back, no noise) with
 * the melody moved by mv more semitones and the key context with it, as
 * the engine encodes its averaging pass mv (repr.shift_avg); *ref: the
 * soprano at the slice as encoded.  mv = 0: kt_dataset_example's input. */
int kt_dataset_example_moved(const kt_dataset *ds, const kt_example *e, int mv,
                             int32_t *idx, int *ref);
/* Live: the soprano pitch sounding at the example's slice as encoded
 * (moved, folded), KT_REST if none: what repr.rel_out heads measure from. */
int kt_dataset_ref(const kt_dataset *ds, const kt_example *e);
/* Bach's four voices at the example's slice make a chord
 * (kt_harmony_style_chord, the style statistics' labels) whose root is not the
 * bass's pitch class: 1, else 0 (no chord, a voice resting, or the root in the
 * bass). */
int kt_dataset_inverted(const kt_dataset *ds, const kt_example *e);
/* Live: run the model free-running over every sequence (argmax), filling
 * seq->own*; returns exact-pitch accuracy over all voices and slices. */
double kt_dataset_rollout(kt_dataset *ds, const kt_model *m);

#endif
