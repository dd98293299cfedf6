/* nn/train/train.h -- the trainer (kantor train): mini-batch Adam on the
 * MLPs of nn/model.h over the datasets of dataset.h, distillation, the
 * encoded-data export.  Never linked into the plugin. */
#ifndef KT_TRAIN_H
#define KT_TRAIN_H

#include "chorale.h"
#include "dataset.h"
#include "model.h"
#include "rng.h"
#include <stddef.h>
#include <stdint.h>

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
  float bass_inv;     /* live: the bass head's loss is weighted by this at the
                        slices where Bach's chord is inverted
                        (kt_dataset_inverted), 1 elsewhere (1 = off) */
  float ema;       /* >0: evaluate, roll out and keep an exponential moving
                     average of the weights (decay per step), 0 = off */
  int key_ctx;     /* live: key context inputs (nn/encode.h) */
  int sounding;    /* live: sounding-pitch inputs (nn/encode.h) */
  int tgt_sound;   /* live: the heads name the sounding pitch (nn/encode.h) */
  int rel_out;     /* live, tgt_sound: heads also score the distance below
                      the soprano (nn/encode.h) */
  int rel_in;      /* live: melody intervals from the slice's soprano pitch
                      as inputs (nn/encode.h) */
  int quant;       /* live: the written model says repr.quant (the engine
                      runs it int8, nn/q8.h); training is float */
  int shift_avg;   /* live: repr.shift_avg, how far the engine moves the
                      melody to average the net; -1 = the augmentation's
                      own shifts (near: near_span, at most
                      KT_MAX_SHIFT_AVG; else 0) */
  int select_free; /* live: keep the epoch with the best free-running
                      valid accuracy instead of the lowest valid loss */
  const kt_model *teacher; /* live: distil this model (kt_train_distil_targets)
                              into the net, NULL = off */
  float distil_hard;       /* with a teacher: the training target is
                              (1 - w) x the teacher's distribution + w x Bach's
                              token (0 = the teacher's only) */
  int distil_shift;        /* with a teacher: the moves -N..+N its targets
                              are averaged over (-1 = its own shift_avg) */
  float distil_temp;       /* with a teacher: temperature T >= 1 of the soft
                              term (Hinton et al.): the teacher's
                              distribution raised to 1/T and renormalized,
                              the net's softmax of logits / T, the gradient
                              scaled by T^2; 1 = plain (the default) */
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

/* ---- distillation (train.c) ---- */

/* Whether teacher t can be distilled into a net of representation r: a
 * live model of the same inputs and outputs (every kt_repr field but
 * shift_avg equal, except that the teacher's lookahead may be longer than
 * the student's: a teacher that hears further ahead), no fed-back voices
 * (feedback 0, sounding off: its input must not depend on what it
 * played).  0, or -1 with err. */
int kt_train_distil_check(const kt_model *t, const kt_repr *r, char *err,
                    size_t errlen);
/* The teacher's distribution for every example of ds (live), as the
 * engine decides a slice with it: its ensemble's mean probability
 * (kt_model_live_logits_batch), averaged over its repr.shift_avg moves
 * (kt_dataset_example_moved, kt_model_shift_avg_combine: the engine's passes
 * and geometric mean), normalized per head.  n_shift >= 0: averaged over the
 * moves -n_shift..+n_shift instead (0: one pass, the ensemble's mean).  soft:
 * ds->n_ex rows of kt_repr_n_out_live floats (probabilities), row i for
 * ds->ex[i]. Returns 0, or -1 (out of memory). */
int kt_train_distil_targets(const kt_model *t, const kt_dataset *ds, int n_shift,
                      float *soft);

/* Soft targets at temperature T: every head of each of the n_ex rows
 * (kt_train_distil_targets' layout for r) raised to 1/T and renormalized.
 * T = 1 leaves them as they are. */
void kt_train_distil_temper(const kt_repr *r, float *soft, int n_ex, float T);

/* kt_train_distil_targets for the examples of ds, built from chorales c
 * (n of them) with augment and near_span (kt_dataset_build), by a teacher
 * whose lookahead may be longer than ds->repr's: the same examples are
 * then built again with the teacher's lookahead, checked to be the same
 * (sequence and slice, in order) and scored as the teacher hears them.
 * 0, or -1 with err. */
int kt_train_distil_targets_at(const kt_model *t, const kt_dataset *ds,
                               const kt_chorale *c, int n, int augment,
                               int near_span, int n_shift, float *soft,
                               char *err, size_t errlen);

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
void kt_train_evaluate(const kt_model *m, const kt_dataset *ds, double *loss,
                 double *acc);

/* Mean loss of a batch (no dropout) and its gradient into grad, a model of
 * the same shape (may be NULL).  Targets: per net, nb x n_heads (-1 =
 * ignored), nets one after the other; ref: nb soprano pitches for
 * repr.rel_out (kt_dataset_ref; NULL = none sounds); bw: nb weights of
 * the bass head's loss (opts.bass_inv; NULL = 1).  For the gradient
 * check. */
double kt_train_loss_grad(kt_model *m, const int32_t *idx, const int *cnt,
                          int maxa, const int *tgt, const int *ref,
                          const float *bw, int nb, kt_model *grad);

#endif
