/* nn/train/train.h -- the trainer (kantor train): datasets built from
 * chorales, mini-batch Adam on the MLPs of nn/model.h.  Never linked into
 * the plugin. */
#ifndef KT_TRAIN_H
#define KT_TRAIN_H

#include "chorale.h"
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
 *          engine would track there (kt_sig_tracker) is C's
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

typedef struct {
  int arch; /* enum kt_arch */
  int window, lookahead, feedback;
  int chord_len; /* chord arch: slices per segment (4) */
  int n_hidden;  /* hidden layers */
  int hidden[KT_MAX_LAYERS - 1];
  int epochs, batch;
  float lr, l1, l2, dropout;
  int early_stop;  /* epochs without improvement, 0 = off */
  int augment;     /* KT_AUG_* (key/all12 imply key_norm) */
  int near_span;   /* augment near: the shifts -N..+N (1..KT_NEAR_SPAN_MAX) */
  float fb_own;    /* live: share of examples fed back the model's own
                      free-running outputs (scheduled sampling) */
  float fb_noise;  /* live: per-token probability of a random corruption */
  int lr_cosine;   /* 1: lr follows a half cosine from lr to 0 over the
                     epochs; 0: constant */
  float in_dropout; /* share of active inputs dropped per example */
  float label_smooth; /* training targets: 1 - e on Bach's token, e spread
                         over all of the head's tokens (0 = one-hot) */
  float ema;       /* >0: evaluate, roll out and keep an exponential moving
                     average of the weights (decay per step), 0 = off */
  int key_ctx;     /* live: key context inputs (nn/encode.h) */
  int sounding;    /* live: sounding-pitch inputs (nn/encode.h) */
  int tgt_sound;   /* live: the heads name the sounding pitch (nn/encode.h) */
  int rel_out;     /* live, tgt_sound: heads also score the distance below
                      the soprano (nn/encode.h) */
  int rel_in;      /* live: melody intervals from the slice's soprano pitch
                      as inputs (nn/encode.h) */
  int shift_avg;   /* live: repr.shift_avg, how far the engine moves the
                      melody to average the net; -1 = the augmentation's
                      own shifts (near: near_span, at most
                      KT_MAX_SHIFT_AVG; else 0) */
  int select_free; /* live: keep the epoch with the best free-running
                      valid accuracy instead of the lowest valid loss */
  const kt_model *teacher; /* live: distil this model (kt_distil_targets)
                              into the net, NULL = off */
  float distil_hard;       /* with a teacher: the training target is
                              (1 - w) x the teacher's distribution + w x Bach's
                              token (0 = the teacher's only) */
  int distil_shift;        /* with a teacher: the moves -N..+N its targets
                              are averaged over (-1 = its own shift_avg) */
  uint64_t seed;
  int verbose; /* progress lines on stderr */
  int net_no;  /* > 0: progress lines start "net N: " (ensemble members) */
} kt_train_opts;

void kt_train_opts_default(kt_train_opts *o);
/* Seconds on the monotonic clock (training times, curves). */
double kt_train_clock_s(void);

typedef struct {
  int epoch;
  double train_loss, train_acc, valid_loss, valid_acc;
  double valid_free_acc; /* live: free-running exact-pitch accuracy, else -1 */
  double seconds;        /* since the start of training */
} kt_curve_pt;

/* kt_train() keeps no state between calls: ensemble members may train in
 * threads of their own, each with its own options, and give the same nets
 * as one after the other. */

/* ---- dataset (dataset.c) ---- */

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
  kt_key_tracker *ktrk; /* repr.key_ctx: the engine's key tracker as it is
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
/* Live: run the model free-running over every sequence (argmax), filling
 * seq->own*; returns exact-pitch accuracy over all voices and slices. */
double kt_dataset_rollout(kt_dataset *ds, const kt_model *m);

/* ---- distillation (train.c) ---- */

/* Whether teacher t can be distilled into a net of representation r: a
 * live model of the same inputs and outputs (every kt_repr field but
 * shift_avg equal), no fed-back voices (feedback 0, sounding off: its
 * input must not depend on what it played).  0, or -1 with err. */
int kt_distil_check(const kt_model *t, const kt_repr *r, char *err,
                    size_t errlen);
/* The teacher's distribution for every example of ds (live), as the
 * engine decides a slice with it: its ensemble's mean probability
 * (kt_model_live_logits_batch), averaged over its repr.shift_avg moves
 * (kt_dataset_example_moved, kt_shift_avg_combine: the engine's passes and
 * geometric mean), normalized per head.  n_shift >= 0: averaged over the
 * moves -n_shift..+n_shift instead (0: one pass, the ensemble's mean).  soft:
 * ds->n_ex rows of kt_repr_n_out_live floats (probabilities), row i for
 * ds->ex[i]. Returns 0, or -1 (out of memory). */
int kt_distil_targets(const kt_model *t, const kt_dataset *ds, int n_shift,
                      float *soft);

/* ---- training (train.c) ---- */

/* The representation kt_train uses for these options and chorales. */
int kt_train_repr(const kt_train_opts *o, const kt_chorale *train, int n_train,
                  kt_repr *r, char *err, size_t errlen);

/* ---- encoded training data (export.c), for training other frameworks on
 * exactly what kt_train sees (bench/torch_train.py) ----
 * File (little endian): "KTTRAIN1", u32 version 1, u32 n_in, u32 n_hidden,
 * u32 hidden[n_hidden], u32 n_heads, u32 head_size[n_heads], u32 batch,
 * f32 lr, f32 dropout, u32 n_ex, u32 n_idx, i32 cnt[n_ex] (active inputs
 * per example), i32 idx[n_idx] (the active inputs, example after example),
 * i32 tgt[n_ex * n_heads] (target class per head, -1 = none), u32 CRC-32
 * of everything before it.  The examples are the train set's, in dataset
 * order, teacher-forced (Bach's voices fed back, no noise): the first
 * epoch's data of `kantor train` with the same options. */
typedef struct {
  int n_in, n_hidden, hidden[KT_MAX_LAYERS - 1];
  int n_heads, head_size[KT_MAX_HEADS];
  int batch;
  float lr, dropout;
  int n_ex, n_idx, maxa; /* maxa: the largest cnt */
  int *cnt, *off;        /* off[i]: start of example i in idx */
  int32_t *idx;
  int *tgt;
} kt_train_data;

/* Build the train set as kt_train would and write it (path.tmp, then
 * rename).  Single-net archs (live, forwardbach, chord). */
int kt_train_export(const kt_train_opts *o, const kt_chorale *train,
                    int n_train, const char *path, int *n_ex, char *err,
                    size_t errlen);
/* Read and validate a file written by kt_train_export. */
int kt_train_data_load(const char *path, kt_train_data *d, char *err,
                       size_t errlen);
void kt_train_data_free(kt_train_data *d);
/* Train a fresh net of d's shape on d with kt_train's kernels (same batch
 * step: forward with dropout, softmax cross-entropy per head, backward,
 * Adam; single-threaded OpenBLAS), for the speed comparison: no
 * validation, no roll-outs.  epoch_s[e]: seconds of epoch e.  Returns the
 * mean training loss of the last epoch, or -1 when out of memory. */
double kt_train_fixed(const kt_train_data *d, uint64_t seed, int epochs,
                      double *epoch_s);

/* Train on train/valid sets.  curve has room for o->epochs points. */
kt_model *kt_train(const kt_train_opts *o, const kt_chorale *train, int n_train,
                   const kt_chorale *valid, int n_valid, kt_curve_pt *curve,
                   int *n_curve, int *best_epoch, char *err, size_t errlen);

/* Teacher-forced loss/accuracy of a model on a dataset (all nets). */
void kt_evaluate(const kt_model *m, const kt_dataset *ds, double *loss,
                 double *acc);

/* Mean loss of a batch (no dropout) and its gradient into grad, a model of
 * the same shape (may be NULL).  Targets: per net, nb x n_heads (-1 =
 * ignored), nets one after the other; ref: nb soprano pitches for
 * repr.rel_out (kt_dataset_ref; NULL = none sounds).  For the gradient
 * check. */
double kt_train_loss_grad(kt_model *m, const int32_t *idx, const int *cnt,
                          int maxa, const int *tgt, const int *ref, int nb,
                          kt_model *grad);

#endif
