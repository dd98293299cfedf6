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

int bench_io_new(bench_io *io, const kt_model *m)
{
  const kt_repr *r = &m->repr;
  io->idx = calloc((size_t)kt_repr_max_active(r) + 1, sizeof *io->idx);
  io->scratch = calloc(kt_model_scratch_floats(m) + 1, sizeof(float));
  io->out = calloc((size_t)m->n_out_total + 1, sizeof(float));
  io->x = calloc((size_t)kt_repr_n_inputs(r), sizeof(float));
  io->a = calloc(KT_MAX_WIDTH, sizeof(float));
  io->b = calloc(KT_MAX_WIDTH, sizeof(float));
  if (!io->idx || !io->scratch || !io->out || !io->x || !io->a || !io->b) {
    bench_io_free(io);
    return -1;
  }
  io->n = bench_make_input(r, io->idx, 1);
  for (int k = 0; k < io->n; ++k)
    io->x[io->idx[k]] = 1.0f;
  return 0;
}

void bench_io_free(bench_io *io)
{
  free(io->idx);
  free(io->scratch);
  free(io->out);
  free(io->x);
  free(io->a);
  free(io->b);
  memset(io, 0, sizeof *io);
}

void bench_kernel_pair(const kt_model *m, int iters, stat *kantor, stat *blas)
{
  bench_io io;
  if (bench_io_new(&io, m)) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  TIME(*kantor, iters, kt_model_forward(m, io.idx, io.n, io.scratch, io.out);
       bench_sink += io.out[0]);
  int bi = iters / 6 > 10 ? iters / 6 : 10;
  TIME(*blas, bi, bench_dense_blas(m, io.x, io.a, io.b, io.out);
       bench_sink += io.out[0]);
  bench_io_free(&io);
}
