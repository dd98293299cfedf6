/* bench/bench.h -- shared helpers of the benchmark program (bench.c):
 * timing, min/median statistics, a realistic one-hot input and the dense
 * OpenBLAS reference.  Benchmarks report; nothing asserts time. */
#ifndef KT_BENCH_H
#define KT_BENCH_H

#include "model.h"

#include <stdio.h>

#define REPEATS 9

typedef struct {
  double min, median;
} stat;

double now_us(void);
double cpu_s(void); /* CPU time of this process, seconds */
stat summarize(double *v, int n);
int bench_cmp_double(const void *a, const void *b); /* qsort, ascending */
extern volatile float bench_sink;

/* Time body over iters runs, REPEATS times: microseconds per run. */
#define TIME(out, iters, body)                                                 \
  do {                                                                         \
    double v_[REPEATS];                                                        \
    for (int r_ = 0; r_ < REPEATS; ++r_) {                                     \
      double t0_ = now_us();                                                   \
      for (int it_ = 0; it_ < (iters); ++it_) {                                \
        body;                                                                  \
      }                                                                        \
      v_[r_] = (now_us() - t0_) / (iters);                                     \
    }                                                                          \
    out = summarize(v_, REPEATS);                                              \
  } while (0)

/* The encoding of a random melody context (seeded). */
int bench_make_input(const kt_repr *r, int32_t *idx, unsigned seed);
/* The same net as a dense chain of cblas_sgemv (x: dense input). */
void bench_dense_blas(const kt_model *m, const float *x, float *a, float *b,
                      float *out);

/* One inference's buffers for m, with a seeded melody context encoded in
 * idx (n rows) and as the dense input x; a and b hold a layer each
 * (KT_MAX_WIDTH).  bench_io_new returns 0, or -1 (out of memory, nothing
 * left allocated). */
typedef struct {
  int32_t *idx;
  int n;
  float *scratch, *out, *x, *a, *b;
} bench_io;
int bench_io_new(bench_io *io, const kt_model *m);
void bench_io_free(bench_io *io);

/* Kantor kernel and OpenBLAS on one model: microseconds per inference. */
void bench_kernel_pair(const kt_model *m, int iters, stat *kantor, stat *blas);

/* bench_growth.c: inference cost vs hidden width, window and lookahead;
 * writes docs/cost-growth.{md,svg} under src_dir; prints the table and
 * the JSON array (without a leading comma) to json. */
int bench_growth(const char *src_dir, FILE *json);

/* bench_train.c: kantor's training epoch vs PyTorch's on the same exported
 * data.  Seconds per epoch (median, min); -1 when not measured. */
typedef struct {
  double kantor_s, kantor_min_s, kantor_cpu_s;
  double torch_s, torch_min_s, torch_cpu_s;
  int examples, epochs;
  char note[1024];
} bench_train_res;
void bench_train(const char *src_dir, const char *data_dir, int epochs,
                 bench_train_res *res);

#endif
