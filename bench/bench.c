/* bench/bench.c -- the benchmark program's shared helpers (bench.h):
 * timing, min/median statistics, a realistic one-hot input, the dense
 * OpenBLAS reference and the kernel-vs-OpenBLAS pair.  bench_infer.c (the
 * program), bench_growth.c and bench_train.c call these; nothing here calls
 * them back. */
#include "bench.h"
#include "encode.h"
#include "harmony.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

double cpu_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int bench_cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

stat summarize(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  stat s = {v[0], v[n / 2]};
  return s;
}

volatile float bench_sink;

/* A realistic input: the encoding of a melody context. */
int bench_make_input(const kt_repr *r, int32_t *idx, unsigned seed)
{
  int8_t sp[KT_MAX_WINDOW];
  uint8_t so[KT_MAX_WINDOW], fb[KT_MAX_FEEDBACK * 3];
  srand(seed);
  for (int j = 0; j < r->window + r->lookahead; ++j) {
    sp[j] = (int8_t)(60 + rand() % 14);
    so[j] = (uint8_t)(rand() % 3 == 0);
  }
  for (int k = 0; k < r->feedback * 3; ++k)
    fb[k] = (uint8_t)(rand() % 12);
  kt_harmony_key_tracker kt; /* a tracker that heard the window (key_ctx models) */
  kt_harmony_key_tracker_reset(&kt);
  for (int j = 0; j < r->window + r->lookahead; ++j)
    kt_harmony_key_tracker_push(&kt, sp[j]);
  int8_t snd[3] = {64, 55, 43}; /* sounding-pitch models */
  kt_repr_live_ctx c = {sp, so, 3, 16, 0, fb, &kt, snd, 0};
  return kt_repr_encode_live(r, &c, idx);
}

void bench_dense_blas(const kt_model *m, const float *x, float *a, float *b,
                      float *out)
{
  const kt_net *net = &m->net[0];
  const float *in = x;
  for (int l = 0; l < net->n_layers; ++l) {
    const kt_layer *L = &net->layer[l];
    int last = l == net->n_layers - 1;
    float *y = last ? out : (l % 2 ? b : a);
    memcpy(y, L->b, (size_t)L->n_out * sizeof(float));
    cblas_sgemv(CblasRowMajor, CblasTrans, L->n_in, L->n_out, 1.0f, L->w,
                L->n_out, in, 1, 1.0f, y, 1);
    if (!last)
      for (int o = 0; o < L->n_out; ++o)
        y[o] = y[o] > 0 ? y[o] : 0;
    in = y;
  }
}

void bench_kernel_pair(const kt_model *m, int iters, stat *kantor, stat *blas)
{
  const kt_repr *r = &m->repr;
  int n_in = kt_repr_n_inputs(r);
  int32_t *idx = calloc((size_t)kt_repr_max_active(r) + 1, sizeof *idx);
  float *scratch = calloc(kt_model_scratch_floats(m) + 1, sizeof(float));
  float *out = calloc((size_t)m->n_out_total + 1, sizeof(float));
  float *x = calloc((size_t)n_in, sizeof(float));
  float *a = calloc(KT_MAX_WIDTH, sizeof(float));
  float *b = calloc(KT_MAX_WIDTH, sizeof(float));
  int n = bench_make_input(r, idx, 1);
  for (int k = 0; k < n; ++k)
    x[idx[k]] = 1.0f;
  TIME(*kantor, iters, kt_model_forward(m, idx, n, scratch, out);
       bench_sink += out[0]);
  int bi = iters / 6 > 10 ? iters / 6 : 10;
  TIME(*blas, bi, bench_dense_blas(m, x, a, b, out); bench_sink += out[0]);
  free(idx);
  free(scratch);
  free(out);
  free(x);
  free(a);
  free(b);
}
