/* nn/train/train.c -- mini-batch Adam for the MLPs of nn/model.h.  First
 * layer as a sparse gather (forward) / scatter (backward) over the active
 * one-hot indices, dense layers with single-threaded cblas_sgemm, softmax
 * cross-entropy per head.  Deterministic for a seed. */
#include "train.h"

#include "harmony.h"
#include "simd.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int num_threads);

/* One BLAS thread per trainer: kantor train runs ensemble members in
 * threads of its own (--jobs), so the setting is made once, not raced. */
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_single(void)
{
  openblas_set_num_threads(1);
}

/* ---- PRNG: splitmix64 (train.h) ---- */

static double rng_normal(kt_rng *s)
{
  double u1 = kt_rng_unit(s), u2 = kt_rng_unit(s);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

void kt_train_opts_default(kt_train_opts *o)
{
  memset(o, 0, sizeof *o);
  o->arch = KT_ARCH_LIVE;
  o->window = 16;
  o->lookahead = 0;
  o->feedback = 4;
  o->chord_len = 4;
  o->n_hidden = 2;
  o->hidden[0] = o->hidden[1] = 256;
  o->epochs = 30;
  o->batch = 128;
  o->lr = 1e-3f;
  o->dropout = 0.2f;
  o->early_stop = 5;
  o->augment = KT_AUG_KEY;
  o->fb_own = 0.5f;
  o->fb_noise = 0.05f;
  o->shift_avg = -1;
  o->distil_shift = -1;
  o->distil_temp = 1.0f;
  o->bass_inv = 1.0f;
  o->near_span = KT_AUG_NEAR_MAX;
  o->seed = 1;
  o->verbose = 0;
}

double kt_train_clock_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- per-net training state ---- */

typedef struct {
  kt_net *net;
  int nl, B, maxa;
  float *act[KT_MAX_LAYERS + 1]; /* act[l]: B x size[l] (l >= 1) */
  float *dact[KT_MAX_LAYERS + 1];
  float *mask[KT_MAX_LAYERS + 1]; /* dropout scale per unit (0 or 1/(1-p)) */
  float *gw[KT_MAX_LAYERS], *gb[KT_MAX_LAYERS];
  float *mw[KT_MAX_LAYERS], *vw[KT_MAX_LAYERS];
  float *mb[KT_MAX_LAYERS], *vb[KT_MAX_LAYERS];
  float smooth; /* label smoothing of the gradient (training passes) */
  float in_drop; /* input dropout (training passes) */
  const float *bw; /* per example of the batch, the bass head's loss weight
                      (opts.bass_inv); NULL: 1 */
  float *in_mask; /* B x maxa: scale of each active input (in_drop > 0) */
} net_state;

static void *xcalloc(size_t n, size_t sz, int *ok)
{
  void *p = calloc(n ? n : 1, sz);
  if (!p) *ok = 0;
  return p;
}

static int state_init(net_state *st, kt_net *net, int B, int maxa)
{
  int ok = 1;
  memset(st, 0, sizeof *st);
  st->net = net;
  st->nl = net->n_layers;
  st->B = B;
  st->maxa = maxa;
  st->in_mask = xcalloc((size_t)B * (size_t)maxa, sizeof(float), &ok);
  for (int l = 0; l < st->nl; ++l) {
    kt_layer *L = &net->layer[l];
    size_t nw = (size_t)L->n_in * L->n_out;
    st->act[l + 1] = xcalloc((size_t)B * L->n_out, sizeof(float), &ok);
    st->dact[l + 1] = xcalloc((size_t)B * L->n_out, sizeof(float), &ok);
    st->mask[l + 1] = xcalloc((size_t)B * L->n_out, sizeof(float), &ok);
    st->gw[l] = xcalloc(nw, sizeof(float), &ok);
    st->mw[l] = xcalloc(nw, sizeof(float), &ok);
    st->vw[l] = xcalloc(nw, sizeof(float), &ok);
    st->gb[l] = xcalloc((size_t)L->n_out, sizeof(float), &ok);
    st->mb[l] = xcalloc((size_t)L->n_out, sizeof(float), &ok);
    st->vb[l] = xcalloc((size_t)L->n_out, sizeof(float), &ok);
  }
  return ok ? 0 : -1;
}

static void state_free(net_state *st)
{
  free(st->in_mask);
  for (int l = 0; l <= KT_MAX_LAYERS; ++l) {
    free(st->act[l]);
    free(st->dact[l]);
    free(st->mask[l]);
  }
  for (int l = 0; l < KT_MAX_LAYERS; ++l) {
    free(st->gw[l]);
    free(st->mw[l]);
    free(st->vw[l]);
    free(st->gb[l]);
    free(st->mb[l]);
    free(st->vb[l]);
  }
}

/* Forward a batch of nb examples; dropout p (0 = eval). Logits end up in
 * act[nl]. */
KT_CLONES static void batch_forward(net_state *st, const int32_t *idx,
                                    const int *cnt, int nb, float p,
                                    kt_rng *rng)
{
  kt_net *net = st->net;
  for (int l = 0; l < st->nl; ++l) {
    kt_layer *L = &net->layer[l];
    int no = L->n_out;
    float *y = st->act[l + 1];
    for (int b = 0; b < nb; ++b)
      memcpy(y + (size_t)b * no, L->b, (size_t)no * sizeof(float));
    if (l == 0) {
      float pi = rng ? st->in_drop : 0.0f, keep = 1.0f / (1.0f - pi);
      for (int b = 0; b < nb; ++b) {
        float *restrict yb = y + (size_t)b * no;
        for (int k = 0; k < cnt[b]; ++k) {
          const float *restrict row = L->w + (size_t)idx[b * st->maxa + k] * no;
          float sk = 1.0f; /* 1 * row is exact: no dropout, same sums */
          if (pi > 0) sk = kt_rng_unit(rng) < pi ? 0.0f : keep;
          st->in_mask[b * st->maxa + k] = sk;
          if (sk != 0.0f)
            for (int o = 0; o < no; ++o)
              yb[o] += sk * row[o];
        }
      }
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, no, L->n_in,
                  1.0f, st->act[l], L->n_in, L->w, no, 1.0f, y, no);
    }
    if (l < st->nl - 1) {
      float *m = st->mask[l + 1];
      float keep = 1.0f / (1.0f - p);
      for (size_t i = 0; i < (size_t)nb * no; ++i) {
        float s = (y[i] > 0.0f) ? 1.0f : 0.0f;
        if (p > 0 && s > 0 && kt_rng_unit(rng) < p)
          s = 0.0f;
        else if (p > 0)
          s *= keep;
        m[i] = s;
        y[i] *= s;
      }
    }
  }
}

/* Softmax cross-entropy per head; writes dlogits into dact[nl] (scaled by
 * 1 / (nb * heads with a target)); returns loss sum, adds hits/count.
 * Live heads of a repr.rel_out net (r) first combine their outputs into
 * token logits (kt_repr_rel_combine, with ref[b] the example's soprano pitch;
 * NULL: none), and the gradient goes back to both terms. */
static double batch_loss_soft(net_state *st, const kt_repr *r, const int *ref,
                              const int *tgt, const float *soft, int sw,
                              float hard, float temp, int nt, int nb,
                              long *hits, long *count, int want_grad)
{
  kt_net *net = st->net;
  int no = net->layer[st->nl - 1].n_out;
  int rel = r && r->arch == KT_ARCH_LIVE && r->rel_out;
  double loss = 0;
  float zc[KT_LIVE_MAX_RAW];
  for (int b = 0; b < nb; ++b) {
    const float *zb = st->act[st->nl] + (size_t)b * no;
    float *dzb = st->dact[st->nl] + (size_t)b * no;
    int rb = rel && ref ? ref[b] : KT_REST;
    int valid = 0;
    float wb = st->bw ? st->bw[b] : 1.0f;
    for (int h = 0; h < nt; ++h)
      valid += tgt[b * nt + h] >= 0;
    float scale = valid ? 1.0f / ((float)valid * (float)nb) : 0.0f;
    int off = 0, soff = 0;
    for (int h = 0; h < net->n_heads; ++h) {
      int hs = net->head_size[h], y = tgt[b * nt + h];
      const float *z = zb + off;
      float *dz = dzb + off;
      int v = rel ? kt_repr_head_voice(h) : 0;
      float w = r && r->arch == KT_ARCH_LIVE && kt_repr_head_voice(h) == KT_BASS
                    ? wb
                    : 1.0f;
      if (rel) { /* the token logits; hs: their count */
        kt_repr_rel_combine(r, v, rb, z, zc);
        z = zc;
        hs = kt_repr_n_tok(r, v);
      }
      float mx = z[0];
      int am = 0;
      for (int j = 1; j < hs; ++j)
        if (z[j] > mx) {
          mx = z[j];
          am = j;
        }
      double sum = 0;
      for (int j = 0; j < hs; ++j)
        sum += exp((double)(z[j] - mx));
      if (y >= 0) {
        loss += w * (log(sum) - (double)(z[y] - mx)) / valid;
        *hits += am == y;
        ++*count;
      }
      if (want_grad) {
        /* soft (distillation): (1 - hard) x the teacher's probabilities +
           hard x Bach's token; else Bach's token, label-smoothed */
        const float *q = soft ? soft + (size_t)b * sw + soff : NULL;
        float e = st->smooth, u = e / (float)hs;
        if (q && temp != 1.0f) {
          /* the soft term at temperature T: T^2 x d/dz of
             CE(q, softmax(z / T)) = T (softmax(z / T) - q); the hard term
             as at T = 1 */
          double sum_t = 0;
          for (int j = 0; j < hs; ++j)
            sum_t += exp((double)(z[j] - mx) / temp);
          for (int j = 0; j < hs; ++j) {
            float pj = (float)(exp((double)(z[j] - mx)) / sum);
            float ptj = (float)(exp((double)(z[j] - mx) / temp) / sum_t);
            float g = (1.0f - hard) * temp * (ptj - q[j]) +
                      hard * (pj - (j == y ? 1.0f : 0.0f));
            dz[j] = y >= 0 ? g * scale * w : 0;
          }
        } else {
          for (int j = 0; j < hs; ++j) {
            float pj = (float)(exp((double)(z[j] - mx)) / sum);
            float tj = q ? (1.0f - hard) * q[j] + (j == y ? hard : 0.0f)
                         : (j == y ? 1.0f - e : 0.0f) + u;
            dz[j] = y >= 0 ? (pj - tj) * scale * w : 0;
          }
        }
        if (rel) { /* each term gets the gradient of the tokens it adds to */
          for (int i = hs; i < net->head_size[h]; ++i)
            dz[i] = 0;
          for (int j = 2; j < hs; ++j) {
            int at[2], n = kt_repr_rel_terms(r, v, rb, j, at);
            for (int k = 0; k < n; ++k)
              dz[at[k]] += dz[j];
          }
        }
      }
      off += net->head_size[h];
      soff += hs;
    }
  }
  return loss;
}

/* batch_loss_soft with Bach's tokens as the targets. */
static double batch_loss(net_state *st, const kt_repr *r, const int *ref,
                         const int *tgt, int nt, int nb, long *hits,
                         long *count, int want_grad)
{
  return batch_loss_soft(st, r, ref, tgt, NULL, 0, 0, 1.0f, nt, nb, hits, count,
                         want_grad);
}

KT_CLONES static void batch_backward(net_state *st, const int32_t *idx,
                                     const int *cnt, int nb)
{
  kt_net *net = st->net;
  for (int l = st->nl - 1; l >= 0; --l) {
    kt_layer *L = &net->layer[l];
    int no = L->n_out;
    const float *dy = st->dact[l + 1];
    for (int b = 0; b < nb; ++b)
      for (int o = 0; o < no; ++o)
        st->gb[l][o] += dy[(size_t)b * no + o];
    if (l == 0) {
      for (int b = 0; b < nb; ++b) {
        const float *restrict d = dy + (size_t)b * no;
        for (int k = 0; k < cnt[b]; ++k) {
          float *restrict g = st->gw[0] + (size_t)idx[b * st->maxa + k] * no;
          float sk = st->in_mask[b * st->maxa + k];
          if (sk != 0.0f)
            for (int o = 0; o < no; ++o)
              g[o] += sk * d[o];
        }
      }
    } else {
      /* gW (n_in x no) += act[l]^T (n_in x nb) * dy (nb x no) */
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L->n_in, no, nb,
                  1.0f, st->act[l], L->n_in, dy, no, 1.0f, st->gw[l], no);
      /* dact[l] = dy * W^T, then through ReLU/dropout */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, L->n_in, no,
                  1.0f, dy, no, L->w, no, 0.0f, st->dact[l], L->n_in);
      float *m = st->mask[l];
      for (size_t i = 0; i < (size_t)nb * L->n_in; ++i)
        st->dact[l][i] *= m[i];
    }
  }
}

KT_CLONES static void adam_update(net_state *st, const kt_train_opts *o,
                                  long step)
{
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  float c1 = 1.0f / (1.0f - powf(b1, (float)step));
  float c2 = 1.0f / (1.0f - powf(b2, (float)step));
  for (int l = 0; l < st->nl; ++l) {
    kt_layer *L = &st->net->layer[l];
    size_t nw = (size_t)L->n_in * L->n_out;
    float *restrict w = L->w, *restrict g = st->gw[l];
    float *restrict m = st->mw[l], *restrict v = st->vw[l];
    for (size_t i = 0; i < nw; ++i) {
      float gi = g[i] + o->l2 * w[i];
      if (o->l1 > 0) gi += w[i] > 0 ? o->l1 : w[i] < 0 ? -o->l1 : 0;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      w[i] -= o->lr * (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
      g[i] = 0;
    }
    float *restrict bb = L->b, *restrict gb = st->gb[l];
    float *restrict mb = st->mb[l], *restrict vb = st->vb[l];
    for (int i = 0; i < L->n_out; ++i) {
      mb[i] = b1 * mb[i] + (1 - b1) * gb[i];
      vb[i] = b2 * vb[i] + (1 - b2) * gb[i] * gb[i];
      bb[i] -= o->lr * (mb[i] * c1) / (sqrtf(vb[i] * c2) + eps);
      gb[i] = 0;
    }
  }
}

static void init_weights(kt_model *m, int max_active, kt_rng *rng)
{
  for (int n = 0; n < m->n_nets; ++n)
    for (int l = 0; l < m->net[n].n_layers; ++l) {
      kt_layer *L = &m->net[n].layer[l];
      /* He init; the first layer sums only max_active rows */
      double fan = l == 0 ? (double)max_active : (double)L->n_in;
      double sd = sqrt((l == m->net[n].n_layers - 1 ? 1.0 : 2.0) / fan);
      size_t nw = (size_t)L->n_in * L->n_out;
      for (size_t i = 0; i < nw; ++i)
        L->w[i] = (float)(sd * rng_normal(rng));
      for (int i = 0; i < L->n_out; ++i)
        L->b[i] = 0;
    }
}

static void copy_weights(kt_model *dst, const kt_model *src)
{
  for (int n = 0; n < src->n_nets; ++n)
    for (int l = 0; l < src->net[n].n_layers; ++l) {
      const kt_layer *S = &src->net[n].layer[l];
      kt_layer *D = &dst->net[n].layer[l];
      memcpy(D->w, S->w, (size_t)S->n_in * S->n_out * sizeof(float));
      memcpy(D->b, S->b, (size_t)S->n_out * sizeof(float));
    }
}

static kt_model *model_like(const kt_repr *r, const kt_train_opts *o)
{
  int n_nets = r->arch == KT_ARCH_FORWARD3BACH ? 3 : 1;
  int nl[KT_MAX_NETS], nh[KT_MAX_NETS];
  int sizes[KT_MAX_NETS][KT_MAX_LAYERS + 1];
  int heads[KT_MAX_NETS][KT_MAX_HEADS];
  for (int n = 0; n < n_nets; ++n) {
    nl[n] = o->n_hidden + 1;
    sizes[n][0] = kt_repr_n_inputs(r);
    for (int l = 0; l < o->n_hidden; ++l)
      sizes[n][l + 1] = o->hidden[l];
    int k = 0, tot = 0;
    switch (r->arch) {
    case KT_ARCH_LIVE:
      for (int h = 0; h < 3; ++h)
        heads[n][k++] = kt_repr_n_head(r, kt_repr_head_voice(h));
      break;
    case KT_ARCH_FORWARDBACH:
      for (int j = 0; j < r->window; ++j)
        for (int h = 0; h < 3; ++h)
          heads[n][k++] = kt_repr_n_tok(r, kt_repr_head_voice(h));
      break;
    case KT_ARCH_FORWARD3BACH:
      for (int j = 0; j < r->window; ++j)
        heads[n][k++] = kt_repr_n_tok(r, kt_repr_head_voice(n));
      break;
    default:
      heads[n][k++] = KT_NCHORDS;
      break;
    }
    nh[n] = k;
    for (int h = 0; h < k; ++h)
      tot += heads[n][h];
    sizes[n][nl[n]] = tot;
  }
  return kt_model_new(r, n_nets, nl, (const int(*)[KT_MAX_LAYERS + 1]) sizes,
                      nh, (const int(*)[KT_MAX_HEADS])heads);
}

/* One pass over ds: train (st != NULL opts) or evaluate. */
/* ema = d * ema + (1 - d) * m, every weight and bias. */
static void ema_update(kt_model *ema, const kt_model *m, float d)
{
  for (int n = 0; n < m->n_nets; ++n)
    for (int l = 0; l < m->net[n].n_layers; ++l) {
      const kt_layer *S = &m->net[n].layer[l];
      kt_layer *E = &ema->net[n].layer[l];
      size_t nw = (size_t)S->n_in * S->n_out;
      float *restrict ew = E->w;
      const float *restrict sw = S->w;
      for (size_t i = 0; i < nw; ++i)
        ew[i] = d * ew[i] + (1 - d) * sw[i];
      for (int i = 0; i < S->n_out; ++i)
        E->b[i] = d * E->b[i] + (1 - d) * S->b[i];
    }
}

typedef struct {
  int32_t *idx;
  int *cnt, *tgt, *ref;
  float *soft;
} batch_buf;

/* soft: with a teacher (training passes), ds->n_ex rows of the teacher's
 * distribution (kt_train_distil_targets), else NULL. */
static double run_pass(kt_model *m, net_state *st, const kt_dataset *ds,
                       const int *order, const kt_train_opts *o, int train,
                       kt_rng *rng, long *step, double *acc, kt_model *ema,
                       const float *soft)
{
  const kt_repr *r = &ds->repr;
  int B = st[0].B, maxa = st[0].maxa;
  int mt = 0;
  for (int n = 0; n < m->n_nets; ++n)
    if (kt_dataset_n_targets(r, n) > mt) mt = kt_dataset_n_targets(r, n);
  batch_buf bb;
  bb.idx = malloc((size_t)B * maxa * sizeof(int32_t));
  bb.cnt = malloc((size_t)B * sizeof(int));
  bb.tgt = malloc((size_t)B * mt * sizeof(int));
  bb.ref = malloc((size_t)B * sizeof(int));
  int sw = r->arch == KT_ARCH_LIVE ? kt_repr_n_out_live(r) : 0;
  if (!train) soft = NULL;
  bb.soft = soft ? malloc((size_t)B * sw * sizeof(float)) : NULL;
  int *own = malloc((size_t)B * sizeof(int));
  /* the bass head's weights (training passes of a live net) */
  int weigh = train && r->arch == KT_ARCH_LIVE && o->bass_inv != 1.0f;
  float *bw = weigh ? malloc((size_t)B * sizeof(float)) : NULL;
  double loss = 0;
  long hits = 0, count = 0, nloss = 0;
  if (!bb.idx || !bb.cnt || !bb.tgt || !bb.ref || !own || (soft && !bb.soft) ||
      (weigh && !bw))
    goto done;
  for (int b0 = 0; b0 < ds->n_ex; b0 += B) {
    int nb = ds->n_ex - b0 < B ? ds->n_ex - b0 : B;
    if (train)
      for (int b = 0; b < nb; ++b) {
        const kt_seq *s = &ds->seq[ds->ex[order[b0 + b]].seq];
        own[b] = s->has_own && kt_rng_unit(rng) < o->fb_own;
      }
    for (int n = 0; n < m->n_nets; ++n) {
      int nt = kt_dataset_n_targets(r, n);
      for (int b = 0; b < nb; ++b) {
        const kt_example *e = &ds->ex[order ? order[b0 + b] : b0 + b];
        bb.cnt[b] = kt_dataset_example(
            ds, e, n, train ? own[b] : 0, train ? o->fb_noise : 0, rng,
            bb.idx + (size_t)b * maxa, bb.tgt + (size_t)b * nt);
        bb.ref[b] = kt_dataset_ref(ds, e);
        if (bw) bw[b] = kt_dataset_inverted(ds, e) ? o->bass_inv : 1.0f;
        if (bb.soft)
          memcpy(bb.soft + (size_t)b * sw,
                 soft + (size_t)(order ? order[b0 + b] : b0 + b) * sw,
                 (size_t)sw * sizeof(float));
      }
      st[n].smooth = train ? o->label_smooth : 0.0f;
      st[n].in_drop = train ? o->in_dropout : 0.0f;
      st[n].bw = bw;
      batch_forward(&st[n], bb.idx, bb.cnt, nb, train ? o->dropout : 0, rng);
      loss += batch_loss_soft(&st[n], r, bb.ref, bb.tgt, bb.soft, sw,
                              o->distil_hard, o->distil_temp, nt, nb, &hits,
                              &count, train);
      if (train) {
        batch_backward(&st[n], bb.idx, bb.cnt, nb);
        adam_update(&st[n], o, *step + 1);
      }
    }
    nloss += nb;
    if (train) ++*step;
    if (train && ema) ema_update(ema, m, o->ema);
  }
done:
  free(bb.idx);
  free(bb.cnt);
  free(bb.tgt);
  free(bb.ref);
  free(bb.soft);
  free(own);
  free(bw);
  *acc = count ? (double)hits / (double)count : 0;
  return nloss ? loss / (double)nloss / m->n_nets : 0;
}

static int states_init(net_state *st, kt_model *m, int B, int maxa)
{
  for (int n = 0; n < m->n_nets; ++n)
    if (state_init(&st[n], &m->net[n], B, maxa) != 0) return -1;
  return 0;
}

void kt_train_evaluate(const kt_model *m, const kt_dataset *ds, double *loss,
                 double *acc)
{
  net_state st[KT_MAX_NETS];
  memset(st, 0, sizeof st);
  kt_train_opts o;
  kt_train_opts_default(&o);
  long step = 0;
  *loss = *acc = 0;
  if (states_init(st, (kt_model *)m, 256, kt_repr_max_active(&ds->repr)) == 0)
    *loss = run_pass((kt_model *)m, st, ds, NULL, &o, 0, NULL, &step, acc, NULL,
                     NULL);
  for (int n = 0; n < m->n_nets; ++n)
    state_free(&st[n]);
}

double kt_train_loss_grad(kt_model *m, const int32_t *idx, const int *cnt,
                          int maxa, const int *tgt, const int *ref,
                          const float *bw, int nb, kt_model *grad)
{
  net_state st[KT_MAX_NETS];
  memset(st, 0, sizeof st);
  double loss = 0;
  int off = 0;
  if (states_init(st, m, nb, maxa) == 0) {
    for (int n = 0; n < m->n_nets; ++n) {
      int nt = m->net[n].n_heads;
      long hits = 0, count = 0;
      st[n].bw = bw;
      batch_forward(&st[n], idx, cnt, nb, 0, NULL);
      loss += batch_loss(&st[n], &m->repr, ref, tgt + off, nt, nb, &hits,
                         &count, 1) /
              nb;
      batch_backward(&st[n], idx, cnt, nb);
      off += nb * nt;
      for (int l = 0; grad && l < m->net[n].n_layers; ++l) {
        kt_layer *G = &grad->net[n].layer[l];
        memcpy(G->w, st[n].gw[l], (size_t)G->n_in * G->n_out * sizeof(float));
        memcpy(G->b, st[n].gb[l], (size_t)G->n_out * sizeof(float));
      }
    }
  }
  for (int n = 0; n < KT_MAX_NETS; ++n)
    state_free(&st[n]);
  return loss;
}

double kt_train_fixed(const kt_train_data *d, uint64_t seed, int epochs,
                      double *epoch_s)
{
  pthread_once(&blas_once, blas_single);
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE; /* only stored: the net's shape comes from d */
  int nl = d->n_hidden + 1, nh = d->n_heads, tot = 0;
  int sizes[1][KT_MAX_LAYERS + 1], heads[1][KT_MAX_HEADS];
  sizes[0][0] = d->n_in;
  for (int l = 0; l < d->n_hidden; ++l)
    sizes[0][l + 1] = d->hidden[l];
  for (int h = 0; h < nh; ++h)
    tot += heads[0][h] = d->head_size[h];
  sizes[0][nl] = tot;
  kt_model *m =
      kt_model_new(&r, 1, &nl, (const int(*)[KT_MAX_LAYERS + 1]) sizes, &nh,
                   (const int(*)[KT_MAX_HEADS])heads);
  int B = d->batch, maxa = d->maxa > 0 ? d->maxa : 1;
  int32_t *idx = malloc((size_t)B * maxa * sizeof *idx);
  int *cnt = malloc((size_t)B * sizeof *cnt);
  int *tgt = malloc((size_t)B * nh * sizeof *tgt);
  int *order = malloc((size_t)(d->n_ex ? d->n_ex : 1) * sizeof *order);
  net_state st;
  memset(&st, 0, sizeof st);
  double loss = -1;
  if (!m || !idx || !cnt || !tgt || !order ||
      state_init(&st, &m->net[0], B, maxa) != 0)
    goto done;
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.batch = B;
  o.lr = d->lr;
  o.dropout = d->dropout;
  kt_rng rng = {seed ^ 0x4B414E544F52ull};
  init_weights(m, maxa, &rng);
  for (int i = 0; i < d->n_ex; ++i)
    order[i] = i;
  long step = 0;
  for (int ep = 0; ep < epochs; ++ep) {
    double t0 = kt_train_clock_s(), sum = 0;
    long hits = 0, count = 0;
    for (int i = d->n_ex - 1; i > 0; --i) {
      int j = (int)(kt_rng_next(&rng) % (uint64_t)(i + 1));
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int b0 = 0; b0 < d->n_ex; b0 += B) {
      int nb = d->n_ex - b0 < B ? d->n_ex - b0 : B;
      for (int b = 0; b < nb; ++b) {
        int e = order[b0 + b];
        cnt[b] = d->cnt[e];
        memcpy(idx + (size_t)b * maxa, d->idx + d->off[e],
               (size_t)d->cnt[e] * sizeof *idx);
        memcpy(tgt + (size_t)b * nh, d->tgt + (size_t)e * nh,
               (size_t)nh * sizeof *tgt);
      }
      batch_forward(&st, idx, cnt, nb, o.dropout, &rng);
      sum += batch_loss(&st, NULL, NULL, tgt, nh, nb, &hits, &count, 1);
      batch_backward(&st, idx, cnt, nb);
      adam_update(&st, &o, ++step);
    }
    if (epoch_s) epoch_s[ep] = kt_train_clock_s() - t0;
    loss = d->n_ex ? sum / d->n_ex : 0;
  }
done:
  state_free(&st);
  kt_model_free(m);
  free(idx);
  free(cnt);
  free(tgt);
  free(order);
  return loss;
}

static void fmt_time(double s, char *buf, size_t len)
{
  int t = (int)(s + 0.5);
  snprintf(buf, len, "%d:%02d", t / 60, t % 60);
}

int kt_train_repr(const kt_train_opts *o, const kt_chorale *train, int n_train,
                  kt_repr *rp, char *err, size_t errlen)
{
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = o->arch;
  r.window = o->arch == KT_ARCH_CHORD && o->window < o->chord_len ? o->chord_len
                                                                  : o->window;
  r.lookahead = o->arch == KT_ARCH_LIVE ? o->lookahead : 0;
  r.feedback = o->arch == KT_ARCH_LIVE ? o->feedback : 0;
  r.key_norm = o->augment == KT_AUG_NONE || o->augment == KT_AUG_RAW12 ||
                       o->augment == KT_AUG_NEAR
                   ? 0
               : o->augment == KT_AUG_SIG || o->augment == KT_AUG_SIGLAB ? 2
                                                                         : 1;
  r.key_ctx = o->arch == KT_ARCH_LIVE && o->key_ctx;
  r.sounding = o->arch == KT_ARCH_LIVE && o->sounding;
  r.tgt_sound = o->arch == KT_ARCH_LIVE && o->tgt_sound;
  r.rel_out = o->arch == KT_ARCH_LIVE ? o->rel_out : 0;
  r.rel_in = o->arch == KT_ARCH_LIVE && o->rel_in;
  r.quant = o->arch == KT_ARCH_LIVE && o->quant;
  int span = kt_near_span(o->near_span);
  if (span > KT_MAX_SHIFT_AVG) span = KT_MAX_SHIFT_AVG;
  r.shift_avg = o->arch != KT_ARCH_LIVE     ? 0
                : o->shift_avg >= 0         ? o->shift_avg
                : o->teacher                ? 0 /* the teacher averaged */
                : o->augment == KT_AUG_NEAR ? span
                                            : 0;
  r.chord_len = o->arch == KT_ARCH_CHORD ? o->chord_len : 0;
  kt_dataset_ranges(train, n_train, o->augment, o->near_span, &r);
  if (!kt_repr_valid(&r, err, errlen)) return -1;
  if (n_train < 1) {
    snprintf(err, errlen, "no training chorales");
    return -1;
  }
  for (int l = 0; l < o->n_hidden; ++l)
    if (o->hidden[l] < 1 || o->hidden[l] > KT_MAX_WIDTH) {
      snprintf(err, errlen, "hidden size %d outside 1..%d", o->hidden[l],
               KT_MAX_WIDTH);
      return -1;
    }
  *rp = r;
  return 0;
}

int kt_train_distil_check(const kt_model *t, const kt_repr *r, char *err,
                    size_t errlen)
{
  const kt_repr *a = &t->repr;
  if (a->arch != KT_ARCH_LIVE || r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "distillation: teacher and student must be live");
    return -1;
  }
  if (a->feedback != 0 || a->sounding) {
    snprintf(err, errlen,
             "distillation: the teacher feeds back its voices (feedback %d, "
             "sounding %d); only feedback 0 without sounding inputs",
             a->feedback, a->sounding);
    return -1;
  }
  /* a teacher may hear further ahead than its student (its targets are
     then computed on the same examples encoded with its own lookahead,
     kt_train_distil_targets_at) */
  int same = a->window == r->window && a->lookahead >= r->lookahead &&
             a->feedback == r->feedback && a->key_norm == r->key_norm &&
             a->key_ctx == r->key_ctx && a->sounding == r->sounding &&
             a->tgt_sound == r->tgt_sound && a->rel_out == r->rel_out &&
             a->rel_in == r->rel_in;
  for (int v = 0; v < KT_NVOICES; ++v)
    same = same && a->lo[v] == r->lo[v] && a->hi[v] == r->hi[v];
  if (!same) {
    snprintf(err, errlen,
             "distillation: the teacher's representation differs from the "
             "student's (window %d/%d, lookahead %d/%d (the teacher's may be "
             "longer), key_norm %d/%d, "
             "key_ctx %d/%d, target sound %d/%d, rel_out %d/%d, rel_in "
             "%d/%d, or the pitch ranges): train the student with the "
             "teacher's options",
             a->window, r->window, a->lookahead, r->lookahead, a->key_norm,
             r->key_norm, a->key_ctx, r->key_ctx, a->tgt_sound, r->tgt_sound,
             a->rel_out, r->rel_out, a->rel_in, r->rel_in);
    return -1;
  }
  return 0;
}

int kt_train_distil_targets(const kt_model *t, const kt_dataset *ds, int n_shift,
                      float *soft)
{
  const kt_repr *r = &t->repr;
  int n = n_shift >= 0 ? n_shift : r->shift_avg, np = 2 * n + 1;
  int sw = kt_repr_n_out_live(r);
  int maxa = kt_repr_max_active(&ds->repr);
  size_t per = kt_model_scratch_floats(t);
  float *scratch = malloc((size_t)np * per * sizeof(float));
  float *lg = malloc((size_t)np * t->n_out_total * sizeof(float));
  int32_t *ib = malloc((size_t)np * maxa * sizeof(int32_t));
  int rc = -1;
  if (!scratch || !lg || !ib || np > KT_MAX_BATCH) goto done;
  const int32_t *idx[KT_MAX_BATCH];
  float *out[KT_MAX_BATCH];
  int n_idx[KT_MAX_BATCH], ref[KT_MAX_BATCH];
  for (int p = 0; p < np; ++p) {
    idx[p] = ib + (size_t)p * maxa;
    out[p] = lg + (size_t)p * t->n_out_total;
  }
  for (int i = 0; i < ds->n_ex; ++i) {
    for (int mv = -n; mv <= n; ++mv)
      n_idx[mv + n] = kt_dataset_example_moved(
          ds, &ds->ex[i], mv, ib + (size_t)(mv + n) * maxa, &ref[mv + n]);
    kt_model_live_logits_batch(t, np, idx, n_idx, ref, scratch, out);
    float *row = soft + (size_t)i * sw;
    if (n > 0) {
      if (!kt_model_shift_avg_combine(r, n, (const float *const *)out, row))
        goto done;
    } else {
      memcpy(row, out[0], (size_t)sw * sizeof(float));
    }
    for (int h = 0, off = 0; h < KT_NHEADS_LIVE; ++h) {
      int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
      float lse = kt_model_log_sum_exp(row + off, nt);
      for (int j = 0; j < nt; ++j)
        row[off + j] = (float)exp((double)(row[off + j] - lse));
      off += nt;
    }
  }
  rc = 0;
done:
  free(scratch);
  free(lg);
  free(ib);
  return rc;
}

void kt_train_distil_temper(const kt_repr *r, float *soft, int n_ex, float T)
{
  if (T == 1.0f || T <= 0.0f) return;
  int sw = kt_repr_n_out_live(r);
  for (int i = 0; i < n_ex; ++i) {
    float *row = soft + (size_t)i * sw;
    for (int h = 0, off = 0; h < KT_NHEADS_LIVE; ++h) {
      int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
      double sum = 0;
      for (int j = 0; j < nt; ++j) {
        double v =
            row[off + j] > 0.0f ? pow((double)row[off + j], 1.0 / T) : 0.0;
        row[off + j] = (float)v;
        sum += v;
      }
      if (sum > 0)
        for (int j = 0; j < nt; ++j)
          row[off + j] = (float)(row[off + j] / sum);
      off += nt;
    }
  }
}

int kt_train_distil_targets_at(const kt_model *t, const kt_dataset *ds,
                               const kt_chorale *c, int n, int augment,
                               int near_span, int n_shift, float *soft,
                               char *err, size_t errlen)
{
  if (t->repr.lookahead == ds->repr.lookahead) {
    if (kt_train_distil_targets(t, ds, n_shift, soft)) {
      snprintf(err, errlen, "out of memory (distillation targets)");
      return -1;
    }
    return 0;
  }
  /* the same chorales, moves and examples, encoded as the teacher hears
     them: its lookahead, and its key tracker as it is when it decides */
  kt_repr tr = ds->repr;
  tr.lookahead = t->repr.lookahead;
  tr.shift_avg = t->repr.shift_avg;
  kt_dataset dt;
  if (kt_dataset_build(&dt, &tr, c, n, augment, near_span, err, errlen))
    return -1;
  int ok = dt.n_ex == ds->n_ex && dt.n_seq == ds->n_seq;
  for (int i = 0; ok && i < ds->n_ex; ++i)
    ok = dt.ex[i].seq == ds->ex[i].seq && dt.ex[i].t == ds->ex[i].t;
  if (!ok) {
    snprintf(err, errlen,
             "distillation: the teacher's examples (lookahead %d: %d) are "
             "not the student's (lookahead %d: %d)",
             tr.lookahead, dt.n_ex, ds->repr.lookahead, ds->n_ex);
    kt_dataset_free(&dt);
    return -1;
  }
  int rc = kt_train_distil_targets(t, &dt, n_shift, soft);
  kt_dataset_free(&dt);
  if (rc) snprintf(err, errlen, "out of memory (distillation targets)");
  return rc;
}

kt_model *kt_train(const kt_train_opts *o, const kt_chorale *train, int n_train,
                   const kt_chorale *valid, int n_valid, kt_curve_pt *curve,
                   int *n_curve, int *best_epoch, char *err, size_t errlen)
{
  pthread_once(&blas_once, blas_single);
  *n_curve = 0;
  *best_epoch = 0;
  kt_repr r;
  if (kt_train_repr(o, train, n_train, &r, err, errlen)) return NULL;
  kt_dataset dtr, dva;
  memset(&dva, 0, sizeof dva);
  if (kt_dataset_build(&dtr, &r, train, n_train, o->augment, o->near_span, err,
                       errlen))
    return NULL;
  /* valid: in C (key_norm) but never augmented with extra shifts */
  int vaug = kt_aug_eval(o->augment);
  if (kt_dataset_build(&dva, &r, valid, n_valid, vaug, 0, err, errlen)) {
    kt_dataset_free(&dtr);
    return NULL;
  }
  float *soft = NULL;
  if (o->teacher) {
    if (kt_train_distil_check(o->teacher, &r, err, errlen)) {
      kt_dataset_free(&dtr);
      kt_dataset_free(&dva);
      return NULL;
    }
    double ts = kt_train_clock_s();
    int dsh =
        o->distil_shift >= 0 ? o->distil_shift : o->teacher->repr.shift_avg;
    soft = malloc((size_t)(dtr.n_ex ? dtr.n_ex : 1) *
                  (size_t)kt_repr_n_out_live(&r) * sizeof(float));
    if (!soft) snprintf(err, errlen, "out of memory (distillation targets)");
    if (!soft || kt_train_distil_targets_at(
                     o->teacher, &dtr, train, n_train, o->augment, o->near_span,
                     o->distil_shift, soft, err, errlen)) {
      free(soft);
      kt_dataset_free(&dtr);
      kt_dataset_free(&dva);
      return NULL;
    }
    kt_train_distil_temper(&r, soft, dtr.n_ex, o->distil_temp);
    if (o->verbose)
      fprintf(stderr,
              "teacher: %d nets, averaged over moves -%d..+%d, %d examples' "
              "distributions in %.1f s; targets (1 - %.2f) x teacher + %.2f x "
              "Bach; temperature %g\n",
              o->teacher->n_nets, dsh, dsh, dtr.n_ex, kt_train_clock_s() - ts,
              (double)o->distil_hard, (double)o->distil_hard,
              (double)o->distil_temp);
  }
  kt_model *m = model_like(&r, o), *best = model_like(&r, o);
  kt_model *ema = o->ema > 0 ? model_like(&r, o) : NULL;
  net_state st[KT_MAX_NETS];
  memset(st, 0, sizeof st);
  int *order = malloc((size_t)(dtr.n_ex ? dtr.n_ex : 1) * sizeof(int));
  int maxa = kt_repr_max_active(&r);
  if (!m || !best || !order || (o->ema > 0 && !ema) ||
      states_init(st, m, o->batch, maxa) != 0) {
    snprintf(err, errlen, "out of memory (model too large?)");
    goto fail;
  }
  kt_rng rng = {o->seed ^ 0x4B414E544F52ull};
  init_weights(m, maxa, &rng);
  copy_weights(best, m);
  if (ema) copy_weights(ema, m);
  /* what is evaluated, rolled out and kept: the running average if any */
  kt_model *ev = ema ? ema : m;
  char tag[24] = ""; /* "net N: " on each progress line of an ensemble */
  if (o->net_no > 0) snprintf(tag, sizeof tag, "net %d: ", o->net_no);
  if (o->verbose)
    fprintf(stderr,
            "%strain: %d chorales -> %d sequences, %d examples; valid %d "
            "examples; %d inputs (%d active), %d outputs\n",
            tag, n_train, dtr.n_seq, dtr.n_ex, dva.n_ex, kt_repr_n_inputs(&r),
            maxa, m->n_out_total);
  for (int i = 0; i < dtr.n_ex; ++i)
    order[i] = i;
  double t0 = kt_train_clock_s(), best_score = 1e300;
  int since = 0;
  long step = 0;
  int live = r.arch == KT_ARCH_LIVE;
  for (int ep = 1; ep <= o->epochs; ++ep) {
    for (int i = dtr.n_ex - 1; i > 0; --i) {
      int j = (int)(kt_rng_next(&rng) % (uint64_t)(i + 1));
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    kt_curve_pt pt;
    memset(&pt, 0, sizeof pt);
    pt.epoch = ep;
    kt_train_opts oe = *o;
    if (o->lr_cosine)
      oe.lr = (float)(o->lr * 0.5 *
                      (1 + cos(3.141592653589793 * (ep - 1) / o->epochs)));
    pt.train_loss = run_pass(m, st, &dtr, order, &oe, 1, &rng, &step,
                             &pt.train_acc, ema, soft);
    kt_train_evaluate(ev, &dva, &pt.valid_loss, &pt.valid_acc);
    pt.valid_free_acc = -1;
    if (live) {
      if (dva.n_seq) pt.valid_free_acc = kt_dataset_rollout(&dva, ev);
      if (o->fb_own > 0)
        kt_dataset_rollout(&dtr, ev); /* own outputs for the next epoch */
    }
    pt.seconds = kt_train_clock_s() - t0;
    curve[(*n_curve)++] = pt;
    double score = o->select_free && live ? -pt.valid_free_acc : pt.valid_loss;
    if (dva.n_ex == 0) score = pt.train_loss;
    int improved = score < best_score;
    if (improved) {
      best_score = score;
      *best_epoch = ep;
      copy_weights(best, ev);
      since = 0;
    } else {
      ++since;
    }
    if (o->verbose) { /* one write per line: nets may train in parallel */
      char eta[32], el[32], fr[32] = "";
      fmt_time(pt.seconds / ep * (o->epochs - ep), eta, sizeof eta);
      fmt_time(pt.seconds, el, sizeof el);
      if (live) snprintf(fr, sizeof fr, " free %.4f", pt.valid_free_acc);
      fprintf(stderr,
              "%sepoch %3d/%d  train loss %.4f acc %.4f | valid loss %.4f "
              "acc %.4f%s | %s, ETA %s%s\n",
              tag, ep, o->epochs, pt.train_loss, pt.train_acc, pt.valid_loss,
              pt.valid_acc, fr, el, eta, improved ? " *" : "");
    }
    if (o->early_stop > 0 && since >= o->early_stop) {
      if (o->verbose)
        fprintf(stderr, "%searly stop: no improvement for %d epochs\n", tag,
                since);
      break;
    }
  }
  for (int n = 0; n < KT_MAX_NETS; ++n)
    state_free(&st[n]);
  kt_model_free(m);
  kt_model_free(ema);
  free(order);
  free(soft);
  kt_dataset_free(&dtr);
  kt_dataset_free(&dva);
  return best;
fail:
  for (int n = 0; n < KT_MAX_NETS; ++n)
    state_free(&st[n]);
  kt_model_free(m);
  kt_model_free(ema);
  kt_model_free(best);
  free(order);
  free(soft);
  kt_dataset_free(&dtr);
  kt_dataset_free(&dva);
  return NULL;
}
