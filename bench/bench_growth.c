/* bench/bench_growth.c -- how one inference grows with the hidden width
 * (128..1024), the window (8..64 slices) and the lookahead, Kantor's kernel
 * next to the dense OpenBLAS chain; nets of the shipped live L0 shape with
 * random weights (about half the ReLUs active, as trained nets).  Writes
 * docs/cost-growth.md (table) and docs/cost-growth.svg (plot). */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *axis; /* "hidden", "window", "lookahead" */
  int hidden, window, lookahead;
  int n_in, n_active;
  stat kantor, blas;
} point;

static kt_model *random_model(const kt_repr *base, int hidden, int window,
                              int lookahead, unsigned seed)
{
  kt_repr r = *base;
  r.window = window;
  r.lookahead = lookahead;
  int nl = 3, nh = 3, tot = 0;
  int sizes[1][KT_MAX_LAYERS + 1], heads[1][KT_MAX_HEADS];
  sizes[0][0] = kt_repr_n_inputs(&r);
  sizes[0][1] = hidden;
  sizes[0][2] = hidden / 2;
  for (int h = 0; h < 3; ++h)
    tot += heads[0][h] = kt_repr_n_tok(&r, kt_repr_head_voice(h));
  sizes[0][3] = tot;
  kt_model *m =
      kt_model_new(&r, 1, &nl, (const int(*)[KT_MAX_LAYERS + 1]) sizes, &nh,
                   (const int(*)[KT_MAX_HEADS])heads);
  if (!m) return NULL;
  srand(seed);
  for (int l = 0; l < 3; ++l) {
    kt_layer *L = &m->net[0].layer[l];
    double fan = l == 0 ? kt_repr_max_active(&r) : L->n_in;
    double a = sqrt(6.0 / fan);
    for (size_t i = 0; i < (size_t)L->n_in * L->n_out; ++i)
      L->w[i] = (float)(a * (2.0 * rand() / RAND_MAX - 1.0));
  }
  return m;
}

static int write_atomic(const char *path, const char *text)
{
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return -1;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  ok &= fclose(f) == 0;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return -1;
  }
  return 0;
}

static size_t app(char *buf, size_t cap, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static size_t app(char *buf, size_t cap, size_t len, const char *fmt, ...)
{
  if (len >= cap) return len;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + len, cap - len, fmt, ap);
  va_end(ap);
  return n > 0 ? len + (size_t)n : len;
}

static void write_svg(const char *path, const point *p, int n)
{
  static char s[65536];
  size_t k = 0;
  const char *axes[3] = {"hidden", "window", "lookahead"};
  const char *titles[3] = {"hidden width (h, h/2)", "window (slices)",
                           "lookahead (slices)"};
  const int pw = 260, ph = 220, top = 50, lm = 60, gap = 40;
  double ymax = 0;
  for (int i = 0; i < n; ++i)
    if (p[i].blas.min > ymax) ymax = p[i].blas.min;
  ymax = ymax > 0 ? ymax * 1.1 : 1;
  double lmin = log10(0.1), lmax = log10(ymax);
  k = app(s, sizeof s, k,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"%d\" y=\"20\" font-size=\"14\">One inference, "
          "microseconds (log scale, min of %d repeats: the least disturbed by "
          "other jobs): Kantor kernel "
          "vs dense OpenBLAS sgemv</text>\n",
          lm + 3 * (pw + gap), top + ph + 60, lm, REPEATS);
  for (int a = 0; a < 3; ++a) {
    int x0 = lm + a * (pw + gap), y0 = top;
    const point *q[16];
    int nq = 0;
    for (int i = 0; i < n && nq < 16; ++i)
      if (!strcmp(p[i].axis, axes[a])) q[nq++] = &p[i];
    k = app(s, sizeof s, k,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"none\" stroke=\"#888\"/>\n<text x=\"%d\" y=\"%d\">%s"
            "</text>\n",
            x0, y0, pw, ph, x0, y0 + ph + 36, titles[a]);
    for (double t = 0.1; t <= ymax; t *= 10) {
      double y = y0 + ph - ph * (log10(t) - lmin) / (lmax - lmin);
      k = app(s, sizeof s, k,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
              "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
              "text-anchor=\"end\">%g</text>\n",
              x0, y, x0 + pw, y, x0 - 4, y + 4, t);
    }
    for (int j = 0; j < nq; ++j) {
      double x = x0 + 20 + (pw - 40) * (nq > 1 ? (double)j / (nq - 1) : 0);
      int v = a == 0 ? q[j]->hidden : a == 1 ? q[j]->window : q[j]->lookahead;
      k = app(s, sizeof s, k,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x,
              y0 + ph + 16, v);
    }
    for (int line = 0; line < 2; ++line) {
      k = app(s, sizeof s, k,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
              "points=\"",
              line ? "#d62728" : "#1f77b4");
      for (int j = 0; j < nq; ++j) {
        double v = line ? q[j]->blas.min : q[j]->kantor.min;
        double x = x0 + 20 + (pw - 40) * (nq > 1 ? (double)j / (nq - 1) : 0);
        double y =
            y0 + ph - ph * (log10(v > 0.1 ? v : 0.1) - lmin) / (lmax - lmin);
        k = app(s, sizeof s, k, "%.1f,%.1f ", x, y);
      }
      k = app(s, sizeof s, k, "\"/>\n");
    }
  }
  k = app(s, sizeof s, k,
          "<text x=\"%d\" y=\"38\" fill=\"#1f77b4\">Kantor kernel</text>"
          "<text x=\"%d\" y=\"38\" fill=\"#d62728\">OpenBLAS sgemv chain "
          "(1 thread)</text>\n</svg>\n",
          lm, lm + 120);
  if (write_atomic(path, s)) fprintf(stderr, "cannot write %s\n", path);
}

int bench_growth(const char *src_dir, FILE *json)
{
  size_t len;
  const void *d = kt_model_embedded_at(0, &len);
  kt_model *ship = NULL;
  char err[256];
  if (!d || kt_model_load_mem(d, len, &ship, err, sizeof err)) return -1;
  kt_repr base = ship->repr;
  kt_model_free(ship);
  static const struct {
    const char *axis;
    int h, w, la;
  } sweep[] = {{"hidden", 128, 16, 0},    {"hidden", 256, 16, 0},
               {"hidden", 512, 16, 0},    {"hidden", 768, 16, 0},
               {"hidden", 1024, 16, 0},   {"window", 512, 8, 0},
               {"window", 512, 16, 0},    {"window", 512, 32, 0},
               {"window", 512, 64, 0},    {"lookahead", 512, 16, 0},
               {"lookahead", 512, 16, 2}, {"lookahead", 512, 16, 4},
               {"lookahead", 512, 16, 8}};
  enum { NP = sizeof sweep / sizeof sweep[0] };
  point p[NP];
  printf("\nCost growth (nets of the L0 shape, random weights; "
         "microseconds, min/median of %d)\n",
         REPEATS);
  printf("%-10s %6s %6s %4s %6s %6s %15s %15s %7s\n", "axis", "hidden",
         "window", "L", "inputs", "active", "kantor", "openblas", "ratio");
  for (int i = 0; i < NP; ++i) {
    point *q = &p[i];
    q->axis = sweep[i].axis;
    q->hidden = sweep[i].h;
    q->window = sweep[i].w;
    q->lookahead = sweep[i].la;
    kt_model *m = random_model(&base, q->hidden, q->window, q->lookahead,
                               (unsigned)i + 1);
    if (!m) return -1;
    int32_t idx[KT_MAX_WIDTH];
    q->n_in = kt_repr_n_inputs(&m->repr);
    q->n_active = bench_make_input(&m->repr, idx, 1);
    int iters = 200000 / (q->hidden * q->hidden / 512 + q->n_in / 4);
    bench_kernel_pair(m, iters > 20 ? iters : 20, &q->kantor, &q->blas);
    kt_model_free(m);
    printf("%-10s %6d %6d %4d %6d %6d %7.2f/%7.2f %7.2f/%7.2f %7.3f\n", q->axis,
           q->hidden, q->window, q->lookahead, q->n_in, q->n_active,
           q->kantor.min, q->kantor.median, q->blas.min, q->blas.median,
           q->kantor.median / q->blas.median);
    fprintf(json,
            "%s{\"axis\":\"%s\",\"hidden\":%d,\"window\":%d,\"lookahead\":%d,"
            "\"inputs\":%d,\"kantor_us\":%.3f,\"openblas_us\":%.3f}",
            i ? "," : "", q->axis, q->hidden, q->window, q->lookahead, q->n_in,
            q->kantor.median, q->blas.median);
  }
  static char md[16384];
  size_t k = 0;
  k = app(md, sizeof md, k,
          "# Inference cost growth\n\n"
          "Generated by `./run.sh bench` (bench/bench_growth.c); plot: "
          "[cost-growth.svg](cost-growth.svg).  One inference of a live net "
          "of the shipped L0 shape (hidden h then h/2, feedback %d, random "
          "weights), microseconds, min / median of %d repeats, on a shared "
          "2-core AMD EPYC VM (other jobs running: figures are noisy).  "
          "OpenBLAS: the same weights as a dense chain of `cblas_sgemv`, one "
          "thread.\n\n"
          "| axis | hidden | window | lookahead | inputs | active | kantor "
          "us | openblas us | ratio |\n|---|---|---|---|---|---|---|---|---|"
          "\n",
          base.feedback, REPEATS);
  for (int i = 0; i < NP; ++i)
    k = app(md, sizeof md, k,
            "| %s | %d, %d | %d | %d | %d | %d | %.2f / %.2f | %.2f / %.2f | "
            "%.3f |\n",
            p[i].axis, p[i].hidden, p[i].hidden / 2, p[i].window,
            p[i].lookahead, p[i].n_in, p[i].n_active, p[i].kantor.min,
            p[i].kantor.median, p[i].blas.min, p[i].blas.median,
            p[i].kantor.median / p[i].blas.median);
  k = app(md, sizeof md, k,
          "\nKantor's first layer gathers the active rows only, so a longer "
          "window or lookahead (more inputs, a few more of them active) "
          "costs it little, while the dense product grows with every "
          "input.  The hidden width costs both more than linearly (layer 2 "
          "is h x h/2); Kantor's share grows with it as its weights no "
          "longer fit the 1 MB L2 cache.\n");
  char path[4096];
  snprintf(path, sizeof path, "%s/docs/cost-growth.md", src_dir);
  if (write_atomic(path, md)) fprintf(stderr, "cannot write %s\n", path);
  snprintf(path, sizeof path, "%s/docs/cost-growth.svg", src_dir);
  write_svg(path, p, NP);
  return 0;
}
