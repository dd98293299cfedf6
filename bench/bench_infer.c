/* bench/bench_infer.c -- speed of one inference of each shipped model with
 * (a) Kantor's kernel (sparse first layer), (b) the same weights as a dense
 * chain of OpenBLAS cblas_sgemv (one thread), (c) plain dense loops, and
 * (d) the time just to read the weights once (the memory floor); then the
 * engine's per-block cost at 48 kHz / 64 frames with a new note every slice
 * at 240 BPM and every voice on.  Prints a table and one JSON line.
 * Reports only: nothing here asserts time. */
#include "../dsp/engine.h"
#include "../nn/model.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int n);

static double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#define REPEATS 9
typedef struct {
  double min, median;
} stat;

static stat summarize(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  stat s = {v[0], v[n / 2]};
  return s;
}

static volatile float sink;

/* A realistic input: the encoding of a melody context. */
static int make_input(const kt_repr *r, int32_t *idx, unsigned seed)
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
  kt_key_tracker kt; /* a tracker that heard the window (key_ctx models) */
  kt_key_tracker_reset(&kt);
  for (int j = 0; j < r->window + r->lookahead; ++j)
    kt_key_tracker_push(&kt, sp[j]);
  kt_live_ctx c = {sp, so, 3, 16, 0, fb, &kt};
  return kt_encode_live(r, &c, idx);
}

static void dense_blas(const kt_model *m, const float *x, float *a, float *b,
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

static void dense_loops(const kt_model *m, const float *x, float *a, float *b,
                        float *out)
{
  const kt_net *net = &m->net[0];
  const float *in = x;
  for (int l = 0; l < net->n_layers; ++l) {
    const kt_layer *L = &net->layer[l];
    int last = l == net->n_layers - 1;
    float *y = last ? out : (l % 2 ? b : a);
    for (int o = 0; o < L->n_out; ++o) {
      float s = L->b[o];
      for (int i = 0; i < L->n_in; ++i)
        s += in[i] * L->w[(size_t)i * L->n_out + o];
      y[o] = (!last && s < 0) ? 0 : s;
    }
    in = y;
  }
}

/* Read every weight once (integer XOR: vectorized, no FP latency chain). */
static double read_weights(const kt_model *m)
{
  uint32_t acc = 0;
  const kt_net *net = &m->net[0];
  for (int l = 0; l < net->n_layers; ++l) {
    const kt_layer *L = &net->layer[l];
    size_t n = (size_t)L->n_in * L->n_out;
    const uint32_t *w = (const uint32_t *)(const void *)L->w;
    for (size_t i = 0; i < n; ++i)
      acc ^= w[i];
  }
  return (double)acc;
}

/* Time fn over iters calls, REPEATS times: microseconds per call. */
#define TIME(out, iters, body)                                                \
  do {                                                                        \
    double v_[REPEATS];                                                       \
    for (int r_ = 0; r_ < REPEATS; ++r_) {                                    \
      double t0_ = now_us();                                                  \
      for (int it_ = 0; it_ < (iters); ++it_) {                               \
        body;                                                                 \
      }                                                                       \
      v_[r_] = (now_us() - t0_) / (iters);                                    \
    }                                                                         \
    out = summarize(v_, REPEATS);                                             \
  } while (0)

typedef struct {
  stat kantor, blas, loops, floor;
  int lookahead, n_in, hidden0, n_active;
} model_res;

static void bench_model(const kt_model *m, model_res *res)
{
  const kt_repr *r = &m->repr;
  int n_in = kt_repr_n_inputs(r);
  int32_t *idx = calloc((size_t)kt_repr_max_active(r) + 1, sizeof *idx);
  float *scratch = calloc(kt_model_scratch_floats(m) + 1, sizeof(float));
  float *out = calloc((size_t)m->n_out_total + 1, sizeof(float));
  float *x = calloc((size_t)n_in, sizeof(float));
  float *a = calloc(KT_MAX_WIDTH, sizeof(float));
  float *b = calloc(KT_MAX_WIDTH, sizeof(float));
  int n = make_input(r, idx, 1);
  for (int k = 0; k < n; ++k)
    x[idx[k]] = 1.0f;
  res->lookahead = r->lookahead;
  res->n_in = n_in;
  res->hidden0 = m->net[0].layer[0].n_out;
  res->n_active = n;
  TIME(res->kantor, 2000, kt_model_forward(m, idx, n, scratch, out);
       sink += out[0]);
  TIME(res->blas, 300, dense_blas(m, x, a, b, out); sink += out[0]);
  TIME(res->loops, 30, dense_loops(m, x, a, b, out); sink += out[0]);
  TIME(res->floor, 100, sink += (float)read_weights(m));
  free(idx);
  free(scratch);
  free(out);
  free(x);
  free(a);
  free(b);
}

/* The engine as the plugin runs it: 48 kHz, 64-frame blocks, 240 BPM with
 * a new melody note every slice, all voices on, 60 s of audio. */
static void bench_engine(int lookahead, double *mean, double *p999,
                         double *worst, double *median)
{
  char err[256];
  kt_engine *e = kt_engine_new(48000, 64, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    exit(1);
  }
  kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)lookahead);
  const int blocks = 48000 * 60 / 64;
  double *t = malloc(sizeof(double) * blocks);
  kt_midi_out obuf[512];
  const double fps = 48000.0 * 60.0 / 240.0 / 4.0; /* frames per slice */
  int64_t now = 0;
  int note = 60, prev = -1;
  for (int bi = 0; bi < blocks; ++bi) {
    kt_event ev[4];
    uint32_t ne = 0;
    memset(ev, 0, sizeof ev);
    ev[ne].type = KT_EV_POSITION;
    ev[ne].pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR |
                       KT_POS_BARBEAT | KT_POS_BPB | KT_POS_BEATUNIT;
    double beats = (double)now / 48000.0 * 4.0;
    ev[ne].pos.speed = 1;
    ev[ne].pos.bpm = 240;
    ev[ne].pos.beats_per_bar = 4;
    ev[ne].pos.beat_unit = 4;
    ev[ne].pos.bar = (int64_t)(beats / 4);
    ev[ne].pos.bar_beat = beats - 4.0 * (double)ev[ne].pos.bar;
    ++ne;
    int64_t k = (int64_t)((double)(now + 63) / fps);
    int64_t f = (int64_t)((double)k * fps + 0.999);
    if (f >= now && f < now + 64) {
      if (prev >= 0) {
        ev[ne].type = KT_EV_MIDI;
        ev[ne].frame = (uint32_t)(f - now);
        ev[ne].size = 3;
        ev[ne].midi[0] = 0x80;
        ev[ne].midi[1] = (uint8_t)prev;
        ++ne;
      }
      note = 60 + (int)((k * 7) % 13);
      ev[ne].type = KT_EV_MIDI;
      ev[ne].frame = (uint32_t)(f - now);
      ev[ne].size = 3;
      ev[ne].midi[0] = 0x90;
      ev[ne].midi[1] = (uint8_t)note;
      ev[ne].midi[2] = 90;
      ++ne;
      prev = note;
    }
    kt_out o = {obuf, 0, 512, 0};
    double t0 = now_us();
    kt_engine_process(e, ev, ne, 64, &o);
    t[bi] = now_us() - t0;
    now += 64;
  }
  double s = 0;
  for (int i = 0; i < blocks; ++i)
    s += t[i];
  *mean = s / blocks;
  qsort(t, (size_t)blocks, sizeof *t, cmp_d);
  *median = t[blocks / 2];
  *p999 = t[(int)(blocks * 0.999)];
  *worst = t[blocks - 1];
  free(t);
  kt_engine_free(e);
}

int main(void)
{
  openblas_set_num_threads(1);
  int n = kt_model_embedded_count();
  model_res res[8];
  printf("One inference (microseconds, min / median of %d repeats)\n",
         REPEATS);
  printf("%-10s %6s %7s %7s %15s %15s %15s %15s %8s\n", "model", "inputs",
         "active", "hidden", "kantor", "openblas", "loops", "read-weights",
         "ratio");
  for (int i = 0; i < n && i < 8; ++i) {
    size_t len;
    const void *d = kt_model_embedded_at(i, &len);
    kt_model *m = NULL;
    char err[256];
    if (kt_model_load_mem(d, len, &m, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    bench_model(m, &res[i]);
    printf("live-L%-4d %6d %7d %7d %7.2f/%7.2f %7.2f/%7.2f %7.1f/%7.1f "
           "%7.2f/%7.2f %8.3f\n",
           res[i].lookahead, res[i].n_in, res[i].n_active, res[i].hidden0,
           res[i].kantor.min, res[i].kantor.median, res[i].blas.min,
           res[i].blas.median, res[i].loops.min, res[i].loops.median,
           res[i].floor.min, res[i].floor.median,
           res[i].kantor.median / res[i].blas.median);
    kt_model_free(m);
  }
  double mean, p999, worst, median;
  bench_engine(0, &mean, &p999, &worst, &median);
  printf("\nEngine, 48 kHz / 64 frames (1333 us per block), 240 BPM, a note "
         "every slice, L=0, 60 s:\n  mean %.2f us, median %.2f us, p99.9 %.2f "
         "us, worst %.2f us\n", mean, median, p999, worst);
  printf("\nJSON {\"models\":[");
  for (int i = 0; i < n && i < 8; ++i)
    printf("%s{\"lookahead\":%d,\"kantor_us\":%.3f,\"openblas_us\":%.3f,"
           "\"loops_us\":%.3f,\"read_weights_us\":%.3f,"
           "\"ratio_vs_openblas\":%.4f}",
           i ? "," : "", res[i].lookahead, res[i].kantor.median,
           res[i].blas.median, res[i].loops.median, res[i].floor.median,
           res[i].kantor.median / res[i].blas.median);
  printf("],\"kantor_us\":%.3f,\"openblas_us\":%.3f,\"ratio_vs_openblas\":%.4f,"
         "\"run_mean_us\":%.3f,\"run_p999_us\":%.3f,\"run_worst_us\":%.3f}\n",
         res[0].kantor.median, res[0].blas.median,
         res[0].kantor.median / res[0].blas.median, mean, p999, worst);
  return 0;
}
