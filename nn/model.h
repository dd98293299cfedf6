/* nn/model.h -- model file format, validation, embedded defaults and the
 * inference kernel.  A model is one or more MLPs (ReLU hidden layers, linear
 * output) over the same one-hot input; their outputs are split into softmax
 * heads.
 *
 * The file format is read and written by nn/model_io.c, the inference kernel
 * is nn/infer.c.
 *
 * File format (little endian), versions 1 to 7:
 *   "KANTORNN" magic, u32 version, u32 header bytes, kt_repr fields (i32:
 *   arch, window, lookahead, feedback, key_norm, lo[4], hi[4], chord_len,
 *   from version 2 key_ctx, from version 3 sounding, from version 4
 *   shift_avg, from version 5 tgt_sound, from version 6 rel_out and rel_in
 *   (rel_out widens each live head by the distances it scores,
 *   kt_repr_n_head), from version 7 quant (the engine runs the model
 *   int8, nn/q8.h); a file is written in the oldest
 *   version that holds its model),
 *   u32 n_nets, per net: u32 n_layers, u32 sizes[n_layers + 1],
 *   u32 n_heads, u32 head sizes, then per net per layer float32 weights
 *   (n_in x n_out, row i = input i) and biases, then u32 CRC-32 of all the
 *   bytes before it.  kt_model_load_* validate every field.  key_norm 2
 *   (signature-normalized) needs no new field: a file holding it keeps its
 *   version, and builds that predate it reject it as an invalid key_norm. */
#ifndef KT_MODEL_H
#define KT_MODEL_H

#include "encode.h"
#include "rt.h"
#include <stddef.h>
#include <stdint.h>

#define KT_MODEL_MAGIC "KANTORNN"
#define KT_MODEL_VERSION 7
#define KT_MAX_LAYERS 4
#define KT_MAX_NETS 4
#define KT_MAX_HEADS 256
#define KT_MAX_WIDTH 8192 /* ForwardBach: 64 slices x 3 heads of ~32 tokens */

typedef struct {
  int n_in, n_out;
  float *w; /* n_in * n_out, w[i * n_out + o] */
  float *b; /* n_out */
  int8_t *q; /* int8 models (nn/q8.h): the quantized weights, else NULL */
  float *qs; /* their per-output scales */
} kt_layer;

typedef struct {
  int n_layers;                   /* hidden layers + output layer */
  kt_layer layer[KT_MAX_LAYERS];  /* ReLU after all but the last */
  int n_heads;
  int head_size[KT_MAX_HEADS];    /* sums to the last layer's n_out */
} kt_net;

typedef struct kt_model {
  kt_repr repr;
  int n_nets;
  kt_net net[KT_MAX_NETS];
  int n_out_total;  /* sum over nets of the output width */
  void *mem;        /* one block holding every weight */
  void *qmem;       /* int8 models (nn/q8.h): the quantized weights */
  int q_isa;        /* and the kernel that runs them */
} kt_model;

/* Allocate a model with the given layer sizes (sizes[0] = n_inputs), zero
 * weights.  For the trainer. */
kt_model *kt_model_new(const kt_repr *r, int n_nets, const int *n_layers,
                       const int sizes[][KT_MAX_LAYERS + 1],
                       const int *n_heads, const int heads[][KT_MAX_HEADS]);
void kt_model_free(kt_model *m);

int kt_model_load_mem(const void *data, size_t len, kt_model **out,
                      char *err, size_t errlen);
int kt_model_load_file(const char *path, kt_model **out, char *err,
                       size_t errlen);
/* Writes to path.tmp then renames: never a half-written file.  nn/offline.c:
 * tools and trainer only. */
int kt_model_save(const kt_model *m, const char *path, char *err,
                  size_t errlen);

/* The embedded defaults compiled into the binaries (models/live-l*.kmod):
 * how many, and the file bytes of the i-th (NULL if none). */
int kt_model_embedded_count(void);
const void *kt_model_embedded_at(int i, size_t *len);

/* Scratch for one inference, in floats: the hidden activations and the
 * list of their nonzero entries (row numbers, stored as int32, and values),
 * so it must come from malloc/calloc (no declared float array). */
size_t kt_model_scratch_floats(const kt_model *m);
/* Logits of every head of every net, concatenated (n_out_total floats). */
void kt_model_forward(const kt_model *m, const int32_t *idx, int n_idx,
                      float *scratch, float *out) KT_RT;

/* Several passes of one model at once (a slice's shifted passes): n (at
 * most KT_MAX_BATCH) inputs idx[p] of n_idx[p] rows, scratch of n *
 * kt_model_scratch_floats(m) floats, outputs out[p] of n_out_total floats.
 * Layer by layer, so each weight matrix comes from memory once for all the
 * passes; out[p] is bitwise kt_model_forward's (or kt_model_live_logits'
 * with ref[p]) for input p. */
#define KT_MAX_BATCH (2 * KT_MAX_SHIFT_AVG + 1)
void kt_model_forward_batch(const kt_model *m, int n, const int32_t *const *idx,
                            const int *n_idx, float *scratch,
                            float *const *out) KT_RT;
void kt_model_live_logits_batch(const kt_model *m, int n,
                                const int32_t *const *idx, const int *n_idx,
                                const int *ref, float *scratch,
                                float *const *out) KT_RT;

/* repr.shift_avg: the heads' log-probabilities of the 2n + 1 passes of a
 * slice (n <= KT_MAX_SHIFT_AVG), lg[s + n] the live logits
 * (kt_model_live_logits) of the melody moved by s semitones, combined:
 * each pass's pitch tokens moved back by s, hold and rest kept, and the
 * mean log-probability of each token over the passes that have it (a
 * pitch that leaves the voice's range under a move has fewer terms; none:
 * -1e9).  The geometric mean of the passes' probabilities, unnormalized.
 * out: kt_repr_n_out_live(r) floats; it may be one of the lg[p] (all are
 * read before out is written).  Returns 0 (nothing written) if the
 * heads are wider than KT_SHIFT_AVG_MAX_OUT or n is out of range.  The
 * engine's averaging (dsp/engine.c) and the trainer's distillation
 * targets (nn/train) are this function. */
/* 3 heads of at most 128 pitches + hold and rest */
#define KT_SHIFT_AVG_MAX_OUT (KT_NHEADS_LIVE * 130)
int kt_model_shift_avg_combine(const kt_repr *r, int n, const float *const *lg,
                               float *out) KT_RT;

/* log(sum exp x[j]) over n >= 1 entries, computed stably: the
 * normalizer that turns a head's logits into log-probabilities. */
float kt_model_log_sum_exp(const float *x, int n) KT_RT;

/* Live models: the three heads' token logits in out[0 ..
 * kt_repr_n_out_live).  ref: the soprano pitch sounding at the slice, as
 * encoded (KT_REST if none), which repr.rel_out models score their
 * distances from (kt_repr_rel_combine).  A live model of several nets is an
 * ensemble: the result is the log of the nets' mean probability per head
 * (out needs n_out_total floats). */
void kt_model_live_logits(const kt_model *m, const int32_t *idx, int n_idx,
                          int ref, float *scratch, float *out) KT_RT;
/* A live ensemble of the nets of n live models (single nets or ensembles)
 * of the same representation, at most KT_MAX_NETS in all (copied), or
 * NULL.  nn/offline.c: tools and trainer only. */
kt_model *kt_model_stack(const kt_model *const *ms, int n);

uint32_t kt_model_crc32(const void *data, size_t len);

#endif
