/* nn/infer.c -- the inference kernel (see model.h): one forward pass, a
 * batch of passes of one model layer by layer, and the live heads'
 * log-probabilities.  Audio-thread code: no allocation, lock or I/O. */
#include "harmony.h"
#include "model.h"
#include "q8.h"
#include "simd.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define KT_ALIGN_FLOATS 16 /* 64-byte aligned arrays */

static size_t pad(size_t n)
{
  return (n + KT_ALIGN_FLOATS - 1) / KT_ALIGN_FLOATS * KT_ALIGN_FLOATS;
}

/* ---- inference ---- */

size_t kt_model_scratch_floats(const kt_model *m)
{
  size_t w = 1;
  for (int n = 0; n < m->n_nets; ++n)
    for (int l = 0; l < m->net[n].n_layers; ++l) {
      const kt_layer *L = &m->net[n].layer[l];
      if ((size_t)L->n_out > w) w = (size_t)L->n_out;
      if (m->qmem && kt_q8_in_bytes(L->n_in) > w) w = kt_q8_in_bytes(L->n_in);
    }
  /* activations, their nonzero rows (int8: groups), values (int8: the
   * quantized inputs, bytes) and for int8 the layer's integer sums */
  return (m->qmem ? 4 : 3) * pad(w);
}

/* Sparse-input layer kernel.  y = bias + sum over the listed rows k (in
 * list order) of val[k] * row[k] (val NULL: 1, i.e. a plain add), then an
 * optional ReLU.  Outputs are computed 64 at a time in eight 8-float vector
 * accumulators that stay in registers over the whole row list, so each
 * weight is loaded once and y is written once.  Every output lane sees the
 * same additions in the same order as the scalar definition, and nothing is
 * contracted into FMA, so the result is bitwise the same whatever vector
 * width the compiler picks (the x86-64 clones below give AVX2 / AVX-512 code
 * where the CPU has it, selected once at load time).  Returns the first
 * output not done: sparse_layer does the last few one at a time. */
typedef float kt_v8 __attribute__((vector_size(32)));
typedef int32_t kt_v8i __attribute__((vector_size(32)));
#define V8_LD(v, p) memcpy(&(v), (p), sizeof(kt_v8))
#define V8_ST(p, v) memcpy((p), &(v), sizeof(kt_v8))
/* x > 0 ? x : +0 per lane (NaN -> 0), as the scalar ReLU */
#define RELU8(v) ((v) = (kt_v8)((kt_v8i)(v) & (kt_v8i)((v) > (kt_v8){0})))

static inline __attribute__((always_inline)) int
sparse_layer_wide(const float *restrict w, const float *restrict bias, int n_in,
                  int n_out, const int32_t *restrict rows,
                  const float *restrict val, int n, int relu, float *restrict y)
{
  int o = 0;
  for (; o + 64 <= n_out; o += 64) {
    kt_v8 a0, a1, a2, a3, a4, a5, a6, a7;
    V8_LD(a0, bias + o + 0);
    V8_LD(a1, bias + o + 8);
    V8_LD(a2, bias + o + 16);
    V8_LD(a3, bias + o + 24);
    V8_LD(a4, bias + o + 32);
    V8_LD(a5, bias + o + 40);
    V8_LD(a6, bias + o + 48);
    V8_LD(a7, bias + o + 56);
    for (int k = 0; k < n; ++k) {
      if ((uint32_t)rows[k] >= (uint32_t)n_in) continue;
      const float *r = w + (size_t)rows[k] * (size_t)n_out + o;
      kt_v8 r0, r1, r2, r3, r4, r5, r6, r7;
      V8_LD(r0, r + 0);
      V8_LD(r1, r + 8);
      V8_LD(r2, r + 16);
      V8_LD(r3, r + 24);
      V8_LD(r4, r + 32);
      V8_LD(r5, r + 40);
      V8_LD(r6, r + 48);
      V8_LD(r7, r + 56);
      if (val) {
        kt_v8 v = {val[k], val[k], val[k], val[k],
                   val[k], val[k], val[k], val[k]};
        r0 *= v, r1 *= v, r2 *= v, r3 *= v;
        r4 *= v, r5 *= v, r6 *= v, r7 *= v;
      }
      a0 += r0, a1 += r1, a2 += r2, a3 += r3;
      a4 += r4, a5 += r5, a6 += r6, a7 += r7;
    }
    if (relu) {
      RELU8(a0), RELU8(a1), RELU8(a2), RELU8(a3);
      RELU8(a4), RELU8(a5), RELU8(a6), RELU8(a7);
    }
    V8_ST(y + o + 0, a0);
    V8_ST(y + o + 8, a1);
    V8_ST(y + o + 16, a2);
    V8_ST(y + o + 24, a3);
    V8_ST(y + o + 32, a4);
    V8_ST(y + o + 40, a5);
    V8_ST(y + o + 48, a6);
    V8_ST(y + o + 56, a7);
  }
  for (; o + 8 <= n_out; o += 8) {
    kt_v8 a0;
    V8_LD(a0, bias + o);
    for (int k = 0; k < n; ++k) {
      if ((uint32_t)rows[k] >= (uint32_t)n_in) continue;
      kt_v8 r0;
      V8_LD(r0, w + (size_t)rows[k] * (size_t)n_out + o);
      if (val) {
        kt_v8 v = {val[k], val[k], val[k], val[k],
                   val[k], val[k], val[k], val[k]};
        r0 *= v;
      }
      a0 += r0;
    }
    if (relu) {
      RELU8(a0);
    }
    V8_ST(y + o, a0);
  }
  return o;
}

/* The same kernel for CPUs whose vectors hold 4 floats (x86-64 without
 * AVX2, AArch64): there the compiler keeps 8-float vectors in memory, a
 * load and two stores per addition.  KT_NARROW accumulators of 4 floats
 * (as many as the registers hold beside a row's vector and its value:
 * 16 of AArch64's 32, 8 of SSE's 16) per sweep of the row list; every
 * lane sees the same operations in the same order as above, so the
 * outputs are bitwise the same. */
typedef float kt_v4 __attribute__((vector_size(16)));
typedef int32_t kt_v4i __attribute__((vector_size(16)));
#if defined(__aarch64__)
#define KT_NARROW 16
#else
#define KT_NARROW 8
#endif

/* na accumulators of 4 floats: outputs [o, o + 4 na) */
static inline __attribute__((always_inline)) void
narrow_tile(const float *restrict w, const float *restrict bias, int n_in,
            int n_out, const int32_t *restrict rows, const float *restrict val,
            int n, int relu, float *restrict y, int o, int na)
{
  kt_v4 a[KT_NARROW];
  for (int j = 0; j < na; ++j)
    memcpy(&a[j], bias + o + 4 * j, sizeof(kt_v4));
  for (int k = 0; k < n; ++k) {
    if ((uint32_t)rows[k] >= (uint32_t)n_in) continue;
    const float *r = w + (size_t)rows[k] * (size_t)n_out + o;
    kt_v4 v = {1.0f, 1.0f, 1.0f, 1.0f};
    if (val) v = (kt_v4){val[k], val[k], val[k], val[k]};
    for (int j = 0; j < na; ++j) {
      kt_v4 rj;
      memcpy(&rj, r + 4 * j, sizeof(kt_v4));
      if (val) rj *= v;
      a[j] += rj;
    }
  }
  for (int j = 0; j < na; ++j) {
    if (relu) a[j] = (kt_v4)((kt_v4i)a[j] & (kt_v4i)(a[j] > (kt_v4){0}));
    memcpy(y + o + 4 * j, &a[j], sizeof(kt_v4));
  }
}

/* KT_NARROW vectors per sweep of the row list, then one */
static inline __attribute__((always_inline)) int
sparse_layer_narrow(const float *restrict w, const float *restrict bias,
                    int n_in, int n_out, const int32_t *restrict rows,
                    const float *restrict val, int n, int relu,
                    float *restrict y)
{
  int o = 0;
  for (; o + 4 * KT_NARROW <= n_out; o += 4 * KT_NARROW)
    narrow_tile(w, bias, n_in, n_out, rows, val, n, relu, y, o, KT_NARROW);
  for (; o + 4 <= n_out; o += 4)
    narrow_tile(w, bias, n_in, n_out, rows, val, n, relu, y, o, 1);
  return o;
}

/* Which of the two: the x86-64 clones run the wide one where the CPU has
 * AVX2 (the v3 and v4 clones), the narrow one in the baseline clone;
 * elsewhere the compiler's target decides. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&        \
    !defined(KT_NO_CLONES)
#define KT_WIDE_VECTORS() __builtin_cpu_supports("avx2")
#elif defined(__AVX2__)
#define KT_WIDE_VECTORS() 1
#else
#define KT_WIDE_VECTORS() 0
#endif

static inline __attribute__((always_inline)) void
sparse_layer(const float *restrict w, const float *restrict bias, int n_in,
             int n_out, const int32_t *restrict rows, const float *restrict val,
             int n, int relu, float *restrict y)
{
  int o =
      KT_WIDE_VECTORS()
          ? sparse_layer_wide(w, bias, n_in, n_out, rows, val, n, relu, y)
          : sparse_layer_narrow(w, bias, n_in, n_out, rows, val, n, relu, y);
  for (; o < n_out; ++o) { /* the last outputs, one at a time */
    float s = bias[o];
    for (int k = 0; k < n; ++k)
      if ((uint32_t)rows[k] < (uint32_t)n_in)
        s += (val ? val[k] : 1.0f) * w[(size_t)rows[k] * (size_t)n_out + o];
    y[o] = relu ? (s > 0.0f ? s : 0.0f) : s;
  }
}

/* An int8 model (kt_q8_quantize): np passes layer by layer, as
 * forward_batch (a layer's weights stay in the cache for all the passes).
 * Scratch per pass: activations, pair list, quantized inputs, integer
 * sums. */
static void forward_q8(const kt_model *m, int np, const int32_t *const *idx,
                       const int *n_idx, float *scratch,
                       float *const *out) KT_RT
{
  size_t per = kt_model_scratch_floats(m), q = per / 4;
  int off = 0;
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    int ng[KT_MAX_BATCH] = {0};
    float a[KT_MAX_BATCH] = {0};
    for (int l = 0; l < net->n_layers; ++l) {
      const kt_layer *L = &net->layer[l];
      int last = l == net->n_layers - 1;
      for (int p = 0; p < np; ++p) {
        float *s = scratch + (size_t)p * per;
        int32_t *grp = (int32_t *)(void *)(s + q);
        uint8_t *x = (uint8_t *)(void *)(s + 2 * q);
        int32_t *acc = (int32_t *)(void *)(s + 3 * q);
        float *y = last ? out[p] + off : s;
        if (l == 0)
          kt_q8_layer0(m, L, idx[p], n_idx[p], !last, acc, y);
        else
          kt_q8_layer(m, L, x, grp, ng[p], a[p], !last, acc, y);
        if (!last) ng[p] = kt_q8_acts(m, y, L->n_out, x, grp, &a[p]);
      }
    }
    off += net->layer[net->n_layers - 1].n_out;
  }
}

KT_CLONES static void forward(const kt_model *m, const int32_t *idx, int n_idx,
                              float *scratch, float *out) KT_RT;
static void forward(const kt_model *m, const int32_t *idx, int n_idx,
                    float *scratch, float *out)
{
  /* scratch: hidden activations, then the list of their nonzero entries
   * (row numbers and values) that the next layer reads. */
  if (m->qmem) {
    forward_q8(m, 1, &idx, &n_idx, scratch, &out);
    return;
  }
  size_t q = kt_model_scratch_floats(m) / 3;
  int32_t *rows = (int32_t *)(void *)(scratch + q);
  float *val = scratch + 2 * q;
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    int cnt = 0;
    for (int l = 0; l < net->n_layers; ++l) {
      const kt_layer *L = &net->layer[l];
      int last = l == net->n_layers - 1;
      float *y = last ? out : scratch;
      if (l == 0) /* one-hot input: add the active rows */
        sparse_layer(L->w, L->b, L->n_in, L->n_out, idx, NULL, n_idx, !last, y);
      else
        sparse_layer(L->w, L->b, L->n_in, L->n_out, rows, val, cnt, !last, y);
      if (!last) {
        cnt = 0;
        for (int i = 0; i < L->n_out; ++i)
          if (y[i] != 0.0f) {
            rows[cnt] = i;
            val[cnt++] = y[i];
          }
      }
    }
    out += net->layer[net->n_layers - 1].n_out;
  }
}

void kt_model_forward(const kt_model *m, const int32_t *idx, int n_idx,
                      float *scratch, float *out)
{
  forward(m, idx, n_idx, scratch, out);
}

/* n passes of the model, net by net and layer by layer: each layer runs
 * every pass before the next layer starts, so its weights come from memory
 * once and stay in the cache for the other passes (a slice's shifted passes
 * read each matrix once).  Each pass sees exactly forward()'s operations in
 * the same order: the outputs are bitwise those of n calls of forward(). */
KT_CLONES static void forward_batch(const kt_model *m, int np,
                                    const int32_t *const *idx, const int *n_idx,
                                    float *scratch, float *const *out) KT_RT;
static void forward_batch(const kt_model *m, int np, const int32_t *const *idx,
                          const int *n_idx, float *scratch, float *const *out)
{
  if (m->qmem) {
    forward_q8(m, np, idx, n_idx, scratch, out);
    return;
  }
  size_t per = kt_model_scratch_floats(m), q = per / 3;
  int off = 0;
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    int cnt[KT_MAX_BATCH] = {0};
    for (int l = 0; l < net->n_layers; ++l) {
      const kt_layer *L = &net->layer[l];
      int last = l == net->n_layers - 1;
      for (int p = 0; p < np; ++p) {
        float *s = scratch + (size_t)p * per;
        int32_t *rows = (int32_t *)(void *)(s + q);
        float *val = s + 2 * q;
        float *y = last ? out[p] + off : s;
        if (l == 0)
          sparse_layer(L->w, L->b, L->n_in, L->n_out, idx[p], NULL, n_idx[p],
                       !last, y);
        else
          sparse_layer(L->w, L->b, L->n_in, L->n_out, rows, val, cnt[p], !last,
                       y);
        if (!last) {
          int c = 0;
          for (int i = 0; i < L->n_out; ++i)
            if (y[i] != 0.0f) {
              rows[c] = i;
              val[c++] = y[i];
            }
          cnt[p] = c;
        }
      }
    }
    off += net->layer[net->n_layers - 1].n_out;
  }
}

void kt_model_forward_batch(const kt_model *m, int n, const int32_t *const *idx,
                            const int *n_idx, float *scratch, float *const *out)
{
  if (n < 1) return;
  if (n > KT_MAX_BATCH) n = KT_MAX_BATCH;
  forward_batch(m, n, idx, n_idx, scratch, out);
}

float kt_model_log_sum_exp(const float *x, int n)
{
  float mx = x[0];
  for (int j = 1; j < n; ++j)
    mx = x[j] > mx ? x[j] : mx;
  double sum = 0.0;
  for (int j = 0; j < n; ++j)
    sum += exp((double)(x[j] - mx));
  return mx + (float)log(sum);
}

/* log(sum exp) of consecutive segments of x (len[k] floats each, at
 * most KT_LSE_SEGS, all together at most KT_SHIFT_AVG_MAX_OUT * KT_MAX_NETS)
 * with nn/q8.h's float arithmetic, one exp and one log call for them all.
 * tmp: as many floats as x. */
#define KT_LSE_SEGS (KT_NHEADS_LIVE * KT_MAX_NETS)
static void lse_segments(const float *x, const int *len, int nseg, float *lse,
                         float *tmp) KT_RT
{
  float mx[KT_LSE_SEGS], sum[KT_LSE_SEGS];
  int o = 0;
  for (int k = 0; k < nseg; o += len[k++]) {
    mx[k] = kt_q8_max(x + o, len[k]);
    for (int j = 0; j < len[k]; ++j)
      tmp[o + j] = x[o + j] - mx[k];
  }
  kt_q8_exp(tmp, tmp, o);
  o = 0;
  for (int k = 0; k < nseg; o += len[k++]) {
    float sm = 0.0f;
    for (int j = 0; j < len[k]; ++j)
      sm += tmp[o + j];
    sum[k] = sm;
  }
  kt_q8_log(sum, sum, nseg);
  for (int k = 0; k < nseg; ++k)
    lse[k] = mx[k] + sum[k];
}

/* An int8 model's ensemble mean (nn/q8.h's float arithmetic): each net's
 * log-probabilities d, and per token log(mean exp d) as m + log(mean
 * exp(d - m)) with m their maximum, which cannot underflow.  out: the nets'
 * heads, width floats each, packed. */
static int mix_q8(const kt_repr *r, int nn, int width, float *out) KT_RT
{
  float d[KT_MAX_NETS * KT_SHIFT_AVG_MAX_OUT],
      t[KT_MAX_NETS * KT_SHIFT_AVG_MAX_OUT];
  float mx[KT_SHIFT_AVG_MAX_OUT], lse[KT_LSE_SEGS];
  int len[KT_LSE_SEGS];
  int tot = 0;
  for (int n = 0; n < nn; ++n)
    for (int h = 0; h < KT_NHEADS_LIVE; ++h)
      tot += len[n * KT_NHEADS_LIVE + h] =
          kt_repr_n_tok(r, kt_repr_head_voice(h));
  /* the heads fill each net's outputs (so the nets' are consecutive) */
  if (tot != nn * width || width > KT_SHIFT_AVG_MAX_OUT) return 0;
  lse_segments(out, len, nn * KT_NHEADS_LIVE, lse, t);
  for (int n = 0, o = 0; n < nn; ++n)
    for (int h = 0; h < KT_NHEADS_LIVE; ++h) {
      int k = n * KT_NHEADS_LIVE + h;
      for (int j = 0; j < len[k]; ++j, ++o)
        d[o] = out[o] - lse[k];
    }
  for (int j = 0; j < width; ++j)
    mx[j] = d[j];
  for (int n = 1; n < nn; ++n)
    for (int j = 0; j < width; ++j)
      mx[j] = d[n * width + j] > mx[j] ? d[n * width + j] : mx[j];
  for (int n = 0; n < nn; ++n)
    for (int j = 0; j < width; ++j)
      t[n * width + j] = d[n * width + j] - mx[j];
  kt_q8_exp(t, t, nn * width);
  for (int n = 1; n < nn; ++n)
    for (int j = 0; j < width; ++j)
      t[j] += t[n * width + j];
  for (int j = 0; j < width; ++j)
    t[j] /= (float)nn;
  kt_q8_log(t, t, width);
  for (int j = 0; j < width; ++j)
    out[j] = mx[j] + t[j];
  return 1;
}

/* The live heads from the nets' raw outputs (kt_model_live_logits). */
static void live_heads(const kt_model *m, int ref, float *out) KT_RT
{
  const kt_repr *r = &m->repr;
  int nn = m->n_nets, width = m->n_out_total / nn;
  if (r->rel_out) { /* each net's token logits, packed */
    float raw[KT_LIVE_MAX_RAW];
    int w2 = kt_repr_n_out_live(r);
    for (int n = 0; n < nn; ++n) {
      memcpy(raw, out + n * width, sizeof(float) * (size_t)width);
      for (int h = 0, ro = 0, co = n * w2; h < KT_NHEADS_LIVE; ++h) {
        int v = kt_repr_head_voice(h);
        kt_repr_rel_combine(r, v, ref, raw + ro, out + co);
        ro += kt_repr_n_head(r, v);
        co += kt_repr_n_tok(r, v);
      }
    }
    width = w2;
  }
  if (nn < 2) return;
  if (r->quant && mix_q8(r, nn, width, out)) return;
  int off = 0;
  for (int h = 0; h < KT_NHEADS_LIVE; ++h) {
    int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
    float lse[KT_MAX_NETS];
    for (int n = 0; n < nn; ++n)
      lse[n] = kt_model_log_sum_exp(out + n * width + off, nt);
    for (int j = 0; j < nt; ++j) {
      double p = 0.0;
      for (int n = 0; n < nn; ++n)
        p += exp((double)(out[n * width + off + j] - lse[n]));
      out[off + j] = (float)log(p / nn);
    }
    off += nt;
  }
}

void kt_model_live_logits(const kt_model *m, const int32_t *idx, int n_idx,
                          int ref, float *scratch, float *out)
{
  kt_model_forward(m, idx, n_idx, scratch, out);
  live_heads(m, ref, out);
}

void kt_model_live_logits_batch(const kt_model *m, int n,
                                const int32_t *const *idx, const int *n_idx,
                                const int *ref, float *scratch,
                                float *const *out)
{
  if (n < 1) return;
  if (n > KT_MAX_BATCH) n = KT_MAX_BATCH;
  forward_batch(m, n, idx, n_idx, scratch, out);
  for (int p = 0; p < n; ++p)
    live_heads(m, ref[p], out[p]);
}

int kt_model_shift_avg_combine(const kt_repr *r, int n, const float *const *lg,
                               float *out)
{
  int nt[KT_NHEADS_LIVE], n_out = 0;
  for (int h = 0; h < KT_NHEADS_LIVE; ++h)
    n_out += nt[h] = kt_repr_n_tok(r, kt_repr_head_voice(h));
  if (n_out > KT_SHIFT_AVG_MAX_OUT || n < 0 || 2 * n + 1 > KT_MAX_BATCH)
    return 0;
  float acc[KT_SHIFT_AVG_MAX_OUT], tmp[KT_SHIFT_AVG_MAX_OUT];
  uint8_t cnt[KT_SHIFT_AVG_MAX_OUT];
  for (int i = 0; i < n_out; ++i) {
    acc[i] = 0;
    cnt[i] = 0;
  }
  for (int s = -n; s <= n; ++s) {
    float lse_q[KT_NHEADS_LIVE];
    if (r->quant) lse_segments(lg[s + n], nt, KT_NHEADS_LIVE, lse_q, tmp);
    for (int h = 0, off = 0; h < KT_NHEADS_LIVE; off += nt[h++]) {
      const float *l = lg[s + n] + off;
      float lse = r->quant ? lse_q[h] : kt_model_log_sum_exp(l, nt[h]);
      for (int tok = 0; tok < nt[h]; ++tok) {
        /* hold and rest stay; a pitch token moves back by s */
        int b = tok < 2 ? tok : tok - s;
        if (tok >= 2 && (b < 2 || b >= nt[h])) continue;
        acc[off + b] += l[tok] - lse;
        cnt[off + b]++;
      }
    }
  }
  for (int i = 0; i < n_out; ++i)
    out[i] = cnt[i] ? acc[i] / cnt[i] : -1e9f;
  return 1;
}
