/* tests/nn/test_q8.c -- int8 inference (nn/q8.h): the kernels on every
 * instruction set the CPU has give bitwise the outputs of the definition
 * (a scalar reference here), stay close to the float nets, the heads'
 * exp and log are accurate, and the model format carries the flag
 * (version 7). */
#include "../check.h"
#include "model.h"
#include "q8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* the reference must not fuse either */
#endif

static uint64_t rng = 7;
static float frand(void)
{
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (float)((z ^ (z >> 31)) >> 40) / (float)(1 << 24) * 2.0f - 1.0f;
}

/* A live sounding-pitch model of n_nets nets with the given hidden widths
 * (odd sizes reach every kernel's tail), random weights, quant set. */
static kt_model *make(int n_nets, int nl, const int *hidden, int quant)
{
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE;
  r.window = 4;
  r.lookahead = 1;
  r.key_norm = 1;
  r.tgt_sound = 1;
  r.shift_avg = 2;
  r.quant = quant;
  int lo[4] = {36, 45, 53, 58}, hi[4] = {60, 67, 72, 79};
  memcpy(r.lo, lo, sizeof lo);
  memcpy(r.hi, hi, sizeof hi);
  int sizes[KT_MAX_NETS][KT_MAX_LAYERS + 1], heads[KT_MAX_NETS][KT_MAX_HEADS];
  int n_layers[KT_MAX_NETS], n_heads[KT_MAX_NETS];
  for (int n = 0; n < n_nets; ++n) {
    n_layers[n] = nl;
    n_heads[n] = 3;
    sizes[n][0] = kt_repr_n_inputs(&r);
    for (int l = 0; l < nl - 1; ++l)
      sizes[n][l + 1] = hidden[l];
    int tot = 0;
    for (int h = 0; h < 3; ++h)
      tot += heads[n][h] = kt_repr_n_head(&r, kt_repr_head_voice(h));
    sizes[n][nl] = tot;
  }
  kt_model *m = kt_model_new(&r, n_nets, n_layers,
                             (const int(*)[KT_MAX_LAYERS + 1]) sizes, n_heads,
                             (const int(*)[KT_MAX_HEADS])heads);
  for (int n = 0; m && n < n_nets; ++n)
    for (int l = 0; l < nl; ++l) {
      kt_layer *L = &m->net[n].layer[l];
      for (int i = 0; i < L->n_in * L->n_out; ++i)
        L->w[i] = frand() * (l == 0 ? 0.5f : 0.15f);
      for (int i = 0; i < L->n_out; ++i)
        L->b[i] = frand() * 0.1f;
      if (l == 0 && L->n_out > 3) /* a column of zeros: scale 0 */
        for (int i = 0; i < L->n_in; ++i)
          L->w[(size_t)i * L->n_out + 3] = 0.0f;
    }
  return m;
}

/* q8.h's definition, in scalar code of its own: per-output weight scales,
 * the input rows' counts, 7-bit activations, integer sums. */
static void reference(const kt_model *m, const int32_t *idx, int n_idx,
                      float *out)
{
  static float y[KT_MAX_WIDTH], yn[KT_MAX_WIDTH];
  static int x[KT_MAX_WIDTH + 4];
  int off = 0;
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    float a = 1.0f;
    int n_in = net->layer[0].n_in;
    memset(x, 0, sizeof x);
    for (int k = 0; k < n_idx; ++k)
      if (idx[k] >= 0 && idx[k] < n_in) x[idx[k]]++;
    for (int l = 0; l < net->n_layers; ++l) {
      const kt_layer *L = &net->layer[l];
      int last = l == net->n_layers - 1;
      for (int o = 0; o < L->n_out; ++o) {
        float mx = 0.0f;
        for (int i = 0; i < L->n_in; ++i) {
          float v = fabsf(L->w[(size_t)i * L->n_out + o]);
          mx = v > mx ? v : mx;
        }
        float s = mx / 127.0f;
        int32_t acc = 0;
        for (int i = 0; i < L->n_in; ++i) {
          long q = s > 0.0f ? lrintf(L->w[(size_t)i * L->n_out + o] / s) : 0;
          acc += x[i] * (int32_t)q;
        }
        float v = L->b[o] + ((float)acc * s) * a;
        yn[o] = last ? v : (v > 0.0f ? v : 0.0f);
      }
      if (last) {
        memcpy(out + off, yn, sizeof(float) * (size_t)L->n_out);
        off += L->n_out;
        break;
      }
      float mx = 0.0f;
      for (int o = 0; o < L->n_out; ++o)
        mx = yn[o] > mx ? yn[o] : mx;
      memcpy(y, yn, sizeof(float) * (size_t)L->n_out);
      memset(x, 0, sizeof x);
      if (mx > 0.0f) {
        float inv = 127.0f / mx;
        for (int o = 0; o < L->n_out; ++o) {
          int v = (int)(y[o] * inv + 0.5f);
          x[o] = v > 127 ? 127 : v;
        }
        a = mx / 127.0f;
      } else
        a = 0.0f;
    }
  }
}

static int random_input(int n_in, int32_t *idx)
{
  int n = 0;
  for (int i = 0; i < n_in; ++i)
    if ((frand() + 1.0f) * 0.5f < 12.0f / (float)n_in) idx[n++] = i;
  if (n > 2) idx[n++] = idx[1]; /* a repeated row counts twice */
  idx[n++] = n_in + 3;          /* out of range: ignored */
  idx[n++] = -2;
  return n;
}

/* One batch of np random inputs (with dead, every third from the second
 * on lists no row) through kt_model_forward_batch: each pass bitwise the
 * definition.  got: room for KT_MAX_BATCH outputs, ref: for one. */
static void check_batch(const kt_model *m, int np, int dead, float *scratch,
                        float *got, float *ref)
{
  static int32_t idx[KT_MAX_BATCH][512];
  int n_idx[KT_MAX_BATCH];
  const int32_t *ip[KT_MAX_BATCH];
  float *op[KT_MAX_BATCH];
  int n_in = m->net[0].layer[0].n_in, no = m->n_out_total;
  for (int p = 0; p < np; ++p) {
    n_idx[p] = dead && p % 3 == 1 ? 0 : random_input(n_in, idx[p]);
    ip[p] = idx[p];
    op[p] = got + (size_t)p * (size_t)no;
  }
  kt_model_forward_batch(m, np, ip, n_idx, scratch, op);
  for (int p = 0; p < np; ++p) {
    reference(m, idx[p], n_idx[p], ref);
    CHECK(memcmp(ref, op[p], sizeof(float) * (size_t)no) == 0,
          "%s kernel, pass %d of %d%s, differs from the definition",
          kt_q8_isa_name(m->q_isa), p, np, dead ? " (some dead)" : "");
  }
}

static void check_model(int n_nets, int nl, const int *hidden)
{
  rng = 7;
  kt_model *m = make(n_nets, nl, hidden, 1);
  rng = 7; /* the same weights for the float twin */
  kt_model *f = make(n_nets, nl, hidden, 0);
  CHECK(m && f, "models");
  if (!m || !f) return;
  CHECK(kt_q8_quantize(m, KT_Q8_C) == 0 && m->q_isa == KT_Q8_C, "quantize");
  int n_in = m->net[0].layer[0].n_in, no = m->n_out_total;
  size_t sf = kt_model_scratch_floats(m);
  float *scratch = calloc(KT_MAX_BATCH * sf + 16, sizeof(float));
  float *ref = calloc((size_t)no, sizeof(float));
  float *got = calloc((size_t)KT_MAX_BATCH * (size_t)no, sizeof(float));
  float *fl = calloc(kt_model_scratch_floats(f) + 16, sizeof(float));
  float *fo = calloc((size_t)no, sizeof(float));
  int32_t idx[KT_MAX_BATCH][512];
  int n_idx[KT_MAX_BATCH];
  double err = 0.0, mag = 0.0;
  for (int t = 0; t < 20; ++t) {
    n_idx[0] = random_input(n_in, idx[0]);
    reference(m, idx[0], n_idx[0], ref);
    kt_model_forward(m, idx[0], n_idx[0], scratch, got);
    CHECK(memcmp(ref, got, sizeof(float) * (size_t)no) == 0,
          "C kernel differs from the definition (nets %d, %d layers)", n_nets,
          nl);
    kt_model_forward(f, idx[0], n_idx[0], fl, fo);
    for (int o = 0; o < no; ++o) {
      err += fabs((double)got[o] - fo[o]);
      mag += fabs((double)fo[o]);
    }
  }
  /* 8-bit weights and 7-bit activations: within a few % of the float net */
  CHECK(err < 0.05 * mag, "int8 off the float net by %.3f of its size",
        err / mag);
  /* every kernel the CPU has, one pass and batches: bitwise the same */
  for (int isa = KT_Q8_SSSE3; isa < KT_Q8_N; ++isa) { /* AVX-VNNI too */
    if (kt_q8_isa_pick(isa) != isa) {
      printf("SKIP %s kernel: not on this CPU\n", kt_q8_isa_name(isa));
      continue;
    }
    CHECK(kt_q8_quantize(m, isa) == 0 && m->q_isa == isa, "quantize");
    for (int t = 0; t < 10; ++t)
      check_batch(m, KT_MAX_BATCH, 0, scratch, got, ref);
    /* batches of every size, and passes whose first hidden layer is all
       0 (an input of no rows, the first layer's biases below 0: no pair
       listed) */
    for (int np = 1; np <= KT_MAX_BATCH; ++np)
      for (int dead = 0; dead < 2; ++dead) {
        float keep[KT_MAX_NETS][KT_MAX_WIDTH];
        for (int n = 0; dead && n < m->n_nets; ++n)
          for (int o = 0; o < m->net[n].layer[0].n_out; ++o) {
            keep[n][o] = m->net[n].layer[0].b[o];
            m->net[n].layer[0].b[o] = -1.0f;
          }
        check_batch(m, np, dead, scratch, got, ref);
        for (int n = 0; dead && n < m->n_nets; ++n)
          for (int o = 0; o < m->net[n].layer[0].n_out; ++o)
            m->net[n].layer[0].b[o] = keep[n][o];
      }
    /* a list of 600 rows, repeats and all: the 16-bit sums go by chunks */
    static int32_t many[600];
    for (int k = 0; k < 600; ++k)
      many[k] = (int32_t)((frand() + 1.0f) * 0.5f * (float)(n_in + 2)) - 1;
    reference(m, many, 600, ref);
    kt_model_forward(m, many, 600, scratch, got);
    CHECK(memcmp(ref, got, sizeof(float) * (size_t)no) == 0,
          "%s kernel, 600 listed rows, differs from the definition",
          kt_q8_isa_name(isa));
    printf("%s kernel checked\n", kt_q8_isa_name(isa));
  }
  free(scratch);
  free(ref);
  free(got);
  free(fl);
  free(fo);
  kt_model_free(m);
  kt_model_free(f);
}

/* The 16-bit sums at their bounds: one-hot weights all +-127 (a column
 * +, the next -) and 256 rows or more listed, every kernel. */
static void check_extremes(void)
{
  int hidden[1] = {96};
  rng = 11;
  kt_model *m = make(1, 2, hidden, 1);
  CHECK(m != NULL, "model");
  if (!m) return;
  kt_layer *L = &m->net[0].layer[0];
  for (int i = 0; i < L->n_in; ++i)
    for (int o = 0; o < L->n_out; ++o)
      L->w[(size_t)i * L->n_out + o] = o % 2 ? -0.5f : 0.5f;
  int no = m->n_out_total, n_in = L->n_in;
  CHECK(kt_q8_quantize(m, KT_Q8_C) == 0, "quantize"); /* scratch for int8 */
  float *scratch = calloc(kt_model_scratch_floats(m) + 16, sizeof(float));
  float *ref = calloc((size_t)no, sizeof(float));
  float *got = calloc((size_t)no, sizeof(float));
  static int32_t idx[700];
  for (int isa = KT_Q8_C; isa < KT_Q8_N; ++isa) {
    if (kt_q8_isa_pick(isa) != isa) continue;
    CHECK(kt_q8_quantize(m, isa) == 0, "quantize");
    CHECK(L->q[0] == 127 && L->q[1] == -127, "weights at +-127");
    const int lens[] = {255, 256, 257, 512, 700};
    for (int t = 0; t < 5; ++t) {
      for (int k = 0; k < lens[t]; ++k)
        idx[k] = t == 4 ? k % n_in : 5 % n_in; /* one row again and again */
      reference(m, idx, lens[t], ref);
      kt_model_forward(m, idx, lens[t], scratch, got);
      CHECK(memcmp(ref, got, sizeof(float) * (size_t)no) == 0,
            "%s kernel, %d rows at +-127, differs from the definition",
            kt_q8_isa_name(isa), lens[t]);
    }
  }
  free(scratch);
  free(ref);
  free(got);
  kt_model_free(m);
}

/* kt_q8_acts and kt_q8_max on every kernel the CPU has, against their
 * definitions: x = (int)(y * 127 / max + 0.5) clamped to 0..127 (not a
 * number: 0), the pairs not both 0 in ascending order, a = max / 127; the
 * maximum as a scan would find it (x > m ? x : m: a NaN after the first
 * element is passed over).  Lengths reach every vector width's tail. */
static void check_acts(void)
{
  static float y[800];
  static uint8_t x[800 + 8], xr[800 + 8];
  static int32_t grp[400], gr[400];
  kt_model m;
  memset(&m, 0, sizeof m);
  rng = 5;
  for (int isa = KT_Q8_C; isa < KT_Q8_N; ++isa) {
    if (kt_q8_isa_pick(isa) != isa) continue;
    m.q_isa = isa;
    for (int n = 1; n <= 800; n = n < 80 ? n + 1 : n + 59) {
      for (int i = 0; i < n; ++i) { /* runs of zeros; some exact halves */
        float r = frand();
        y[i] = r < -0.3f ? 0.0f : (r + 1.0f) * 3.0f;
        if (i % 17 == 5) y[i] = 0.5f * (float)(i % 7);
      }
      if (n > 20) y[n / 2] = NAN; /* counts 0, is passed over by the max */
      float mx = y[0];
      for (int i = 1; i < n; ++i)
        mx = y[i] > mx ? y[i] : mx;
      CHECK(memcmp(&mx, (float[]){kt_q8_max(y, n)}, 4) == 0, "%s: max of %d",
            kt_q8_isa_name(isa), n);
      size_t nb = kt_q8_in_bytes(n);
      memset(xr, 0, sizeof xr);
      int ngr = 0;
      if (mx > 0.0f) {
        float inv = 127.0f / mx;
        for (int i = 0; i < n; ++i) {
          float f = y[i] * inv + 0.5f;
          xr[i] = f > 0.0f ? (f < 127.0f ? (uint8_t)(int)f : 127) : 0;
        }
        for (size_t g = 0; g < nb / 2; ++g)
          if (xr[2 * g] | xr[2 * g + 1]) gr[ngr++] = (int32_t)g;
      }
      memset(x, 0xee, sizeof x);
      float a = -1.0f;
      int ng = kt_q8_acts(&m, y, n, x, grp, &a);
      CHECK(ng == ngr && !memcmp(grp, gr, sizeof(int32_t) * (size_t)ngr),
            "%s: the pairs of %d activations", kt_q8_isa_name(isa), n);
      CHECK(ngr == 0 || !memcmp(x, xr, nb), "%s: %d activations quantized",
            kt_q8_isa_name(isa), n);
      CHECK(mx > 0.0f ? a == mx / 127.0f : a == 0.0f, "%s: scale of %d",
            kt_q8_isa_name(isa), n);
    }
  }
}

static void check_math(void)
{
  /* exp: relative error within a few float ulps from -87 to 88 */
  double worst = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    float x = -87.0f + 175.0f * (float)i / 200000.0f, y;
    kt_q8_exp(&x, &y, 1);
    double e = fabs((double)y - exp((double)x)) / exp((double)x);
    worst = e > worst ? e : worst;
  }
  CHECK(worst < 4e-7, "exp relative error %.3g", worst);
  float big = 1000.0f, small = -1000.0f, yb, ys;
  kt_q8_exp(&big, &yb, 1);
  kt_q8_exp(&small, &ys, 1);
  CHECK(isfinite(yb) && ys >= 0.0f && ys < 1e-37f, "exp clamps: %g %g", yb, ys);
  /* log: absolute error within a few ulps of the result */
  worst = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    float x = expf(-80.0f + 160.0f * (float)i / 200000.0f), y;
    kt_q8_log(&x, &y, 1);
    double l = log((double)x);
    double e = fabs((double)y - l) / (fabs(l) > 1.0 ? fabs(l) : 1.0);
    worst = e > worst ? e : worst;
  }
  CHECK(worst < 4e-7, "log error %.3g", worst);
  float z = 0.0f, lz;
  kt_q8_log(&z, &lz, 1);
  CHECK(lz < -87.0f && isfinite(lz), "log(0) = %g", lz);
  /* arrays (vector code) match one value at a time (the padded tail) */
  float xs[37], ya[37], yo;
  for (int i = 0; i < 37; ++i)
    xs[i] = frand() * 30.0f;
  kt_q8_exp(xs, ya, 37);
  for (int i = 0; i < 37; ++i) {
    kt_q8_exp(&xs[i], &yo, 1);
    CHECK(memcmp(&yo, &ya[i], 4) == 0, "exp array lane %d", i);
  }
  float mx = ya[0];
  for (int i = 1; i < 37; ++i)
    mx = ya[i] > mx ? ya[i] : mx;
  CHECK(kt_q8_max(ya, 37) == mx, "max");
}

/* The ensemble mean and the shift averaging of an int8 model (float
 * polynomials) agree with the float models' (libm, double) closely. */
static void check_heads(void)
{
  int hidden[1] = {40};
  rng = 7;
  kt_model *m = make(2, 2, hidden, 1);
  rng = 7;
  kt_model *f = make(2, 2, hidden, 0);
  CHECK(m && f && kt_q8_quantize(m, KT_Q8_ISA_AUTO) == 0, "models");
  if (!m || !f) return;
  int n_in = m->net[0].layer[0].n_in, no = m->n_out_total;
  int nl = kt_repr_n_out_live(&m->repr);
  float *scratch = calloc(KT_MAX_BATCH * kt_model_scratch_floats(m) + 16, 4);
  float *raw = calloc((size_t)no, 4), *live = calloc((size_t)no, 4);
  float *lg[5], *lf[5], avg_q[KT_SHIFT_AVG_MAX_OUT],
      avg_f[KT_SHIFT_AVG_MAX_OUT];
  int32_t idx[512];
  int n_idx = random_input(n_in, idx);
  kt_model_forward(m, idx, n_idx, scratch, raw);
  kt_model_live_logits(m, idx, n_idx, KT_REST, scratch, live);
  /* the double-precision mean of the two nets' probabilities */
  int width = no / 2;
  double worst = 0.0;
  for (int h = 0, off = 0; h < KT_NHEADS_LIVE; ++h) {
    int nt = kt_repr_n_tok(&m->repr, kt_repr_head_voice(h));
    float l0 = kt_model_log_sum_exp(raw + off, nt);
    float l1 = kt_model_log_sum_exp(raw + width + off, nt);
    for (int j = 0; j < nt; ++j) {
      double p = exp((double)raw[off + j] - l0) +
                 exp((double)raw[width + off + j] - l1);
      double e = fabs(log(p / 2.0) - live[off + j]);
      worst = e > worst ? e : worst;
    }
    off += nt;
  }
  CHECK(worst < 1e-5, "ensemble mean off by %.3g", worst);
  for (int p = 0; p < 5; ++p) {
    lg[p] = calloc((size_t)nl, 4);
    lf[p] = lg[p];
    for (int j = 0; j < nl; ++j)
      lg[p][j] = frand() * 8.0f;
  }
  kt_repr rf = m->repr;
  rf.quant = 0;
  CHECK(kt_model_shift_avg_combine(&m->repr, 2, (const float *const *)lg,
                                   avg_q) == 1 &&
            kt_model_shift_avg_combine(&rf, 2, (const float *const *)lf,
                                       avg_f) == 1,
        "combine");
  worst = 0.0;
  for (int j = 0; j < nl; ++j) {
    double e = fabs((double)avg_q[j] - avg_f[j]);
    worst = e > worst ? e : worst;
  }
  CHECK(worst < 1e-5, "shift averaging off by %.3g", worst);
  for (int p = 0; p < 5; ++p)
    free(lg[p]);
  free(scratch);
  free(raw);
  free(live);
  kt_model_free(m);
  kt_model_free(f);
}

/* Version 7 carries quant; a loaded int8 model is quantized; a bad flag is
 * refused by name. */
static void check_format(void)
{
  int hidden[1] = {20};
  kt_model *m = make(1, 2, hidden, 1);
  char path[] = "/tmp/kt_test_q8_XXXXXX", err[256];
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  if (fd < 0) return;
  close(fd);
  CHECK(kt_model_save(m, path, err, sizeof err) == 0, "%s", err);
  size_t len = 0;
  unsigned char *b = kt_test_slurp(path, &len);
  CHECK(b && len > 12 && b[8] == 7, "written as version 7");
  kt_model *l = NULL;
  CHECK(b && kt_model_load_mem(b, len, &l, err, sizeof err) == 0, "%s", err);
  CHECK(l && l->repr.quant == 1 && l->qmem && l->net[0].layer[0].q,
        "loaded int8");
  if (b && len > 16 + 4 * 21) { /* quant is the 21st field */
    uint32_t two = 2;
    memcpy(b + 16 + 4 * 20, &two, 4);
    uint32_t crc = kt_model_crc32(b, len - 4);
    memcpy(b + len - 4, &crc, 4);
    kt_model *bad = NULL;
    CHECK(kt_model_load_mem(b, len, &bad, err, sizeof err) != 0 && !bad &&
              strstr(err, "quant 2"),
          "quant 2 refused: %s", err);
  }
  m->repr.quant = 0; /* a float model stays at the oldest version */
  CHECK(kt_model_save(m, path, err, sizeof err) == 0, "%s", err);
  free(b);
  b = kt_test_slurp(path, &len);
  CHECK(b && b[8] == 5, "float model written as version %d", b ? b[8] : -1);
  free(b);
  remove(path);
  kt_model_free(l);
  kt_model_free(m);
}

int main(void)
{
  int h1[1] = {37}, h2[2] = {130, 45}, h3[2] = {512, 256}, h4[3] = {16, 8, 24};
  int h5[2] = {224, 200}; /* every vector kernel's tiles and tails */
  check_model(1, 2, h1);
  check_model(2, 3, h2);
  check_model(1, 3, h3);
  check_model(3, 4, h4);
  check_model(1, 3, h5);
  check_extremes();
  check_acts();
  check_math();
  check_heads();
  check_format();
  DONE();
}
