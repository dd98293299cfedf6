/* bench/bench_infer.c -- the benchmark program (./run.sh bench): speed of
 * one inference of each shipped model with (a) Kantor's kernel (sparse
 * first layer), (b) the same weights as a dense chain of OpenBLAS
 * cblas_sgemv (one thread), (c) plain dense loops, and (d) the time to read
 * every weight once from a cold cache (the memory floor, with GB/s); the
 * engine's per-block cost at 48 kHz / 64 frames with a new note every slice
 * at 240 BPM and every voice on; the cost growth (bench_growth.c); and
 * training speed against PyTorch (bench_train.c).  Prints tables and one
 * JSON line.  Reports only: nothing here asserts time. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "decode.h"
#include "engine.h"
#include "model.h"
#include "bench.h"
#include "../tools/args.h"
#include "../tests/busy_player.h"
#include "../tests/stack_probe.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void openblas_set_num_threads(int n);

#define sink bench_sink

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
static uint32_t read_weights(const kt_model *m, size_t *bytes)
{
  uint32_t acc = 0;
  *bytes = 0;
  const kt_net *net = &m->net[0];
  for (int l = 0; l < net->n_layers; ++l) {
    const kt_layer *L = &net->layer[l];
    size_t n = (size_t)L->n_in * L->n_out;
    const uint32_t *w = (const uint32_t *)(const void *)L->w;
    for (size_t i = 0; i < n; ++i)
      acc ^= w[i];
    *bytes += n * 4 + (size_t)L->n_out * 4;
    for (int i = 0; i < L->n_out; ++i)
      acc ^= (uint32_t)L->b[i];
  }
  return acc;
}

/* Push the model out of every cache level: write and read a buffer four
 * times the size of the last-level cache (32 MB here; 128 MB is used). */
#define EVICT_BYTES ((size_t)128 << 20)
static unsigned char *evict_buf;
static void evict(void)
{
  for (size_t i = 0; i < EVICT_BYTES; i += 64)
    evict_buf[i] = (unsigned char)(evict_buf[i] + 1);
  unsigned acc = 0;
  for (size_t i = 0; i < EVICT_BYTES; i += 64)
    acc += evict_buf[i];
  sink += (float)acc;
}

typedef struct {
  stat kantor, blas, loops, floor, kantor_cold;
  double floor_gbps, bytes;
  int lookahead, n_in, hidden0, n_active;
} model_res;

static void bench_model(const kt_model *m, model_res *res)
{
  bench_io io;
  if (bench_io_new(&io, m)) {
    fprintf(stderr, "bench_infer: out of memory\n");
    exit(1);
  }
  res->lookahead = m->repr.lookahead;
  res->n_in = kt_repr_n_inputs(&m->repr);
  res->hidden0 = m->net[0].layer[0].n_out;
  res->n_active = io.n;
  bench_kernel_pair(m, 2000, &res->kantor, &res->blas);
  TIME(res->loops, 30, dense_loops(m, io.x, io.a, io.b, io.out);
       sink += io.out[0]);
  /* cold: each repeat evicts first, then one read (or one inference) */
  double v[REPEATS], vk[REPEATS];
  size_t bytes = 0;
  for (int i = 0; i < REPEATS; ++i) {
    evict();
    double t0 = now_us();
    sink += (float)read_weights(m, &bytes);
    v[i] = now_us() - t0;
    evict();
    t0 = now_us();
    kt_model_forward(m, io.idx, io.n, io.scratch, io.out);
    vk[i] = now_us() - t0;
    sink += io.out[0];
  }
  res->floor = summarize(v, REPEATS);
  res->kantor_cold = summarize(vk, REPEATS);
  res->bytes = (double)bytes;
  res->floor_gbps = (double)bytes / (res->floor.median * 1e3);
  bench_io_free(&io);
}

/* The engine as the plugin runs it: 48 kHz, 64-frame blocks, 240 BPM with
 * a new melody note every slice, all voices on, 60 s of audio. */
typedef struct {
  double mean, median, p99, p999, worst;
  double slice; /* median cost of a block that runs the net for a slice,
                   minus the median of the blocks that neither run it nor
                   open a slice */
  /* thread CPU clock runs only (getrusage RUSAGE_THREAD around each block):
     the worst block's index, page faults and context switches; the worst
     of the first 1000 blocks after kt_engine_new (a plugin's first 1.3 s
     after instantiate) and of the rest; faults in all blocks */
  int worst_at;
  long worst_minflt, worst_majflt, worst_nvcsw, worst_nivcsw;
  double first, worst_first, worst_rest;
  long minflt, majflt, flt_blocks, flt_first; /* its block, or -1 */
} engine_res;

/* Thread CPU time (not vDSO: costs a system call, so only in the run that
 * separates the engine's own worst case from preemption by other jobs). */
static double thread_cpu_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* bench_infer engine: model files in place of the embedded L0 / L4 ones
 * (NULL: embedded). */
static const char *g_model[2];
static int g_cold;
static double *g_times; /* non-NULL: each block's time, in block order */

static void bench_engine(int lookahead, int cpu_clock, int blocks,
                         engine_res *res)
{
  double (*clk)(void) = cpu_clock ? thread_cpu_us : now_us;
  char err[256];
  kt_engine *e = kt_engine_new(48000, 64, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    exit(1);
  }
  kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)lookahead);
  /* KANTOR_BENCH_DECODE=plain|balanced|bach (or classic|light|style): the
     harmony style parameter (dsp/params.h KT_P_STYLE); unset: its
     default, balanced */
  const char *dec = getenv("KANTOR_BENCH_DECODE");
  double style = -1;
  if (dec && kt_param_parse(KT_P_STYLE, dec, &style) < 0)
    style = kt_arg_decode(dec); /* the older names too, as --decode */
  if (style >= 0) kt_engine_set_param(e, KT_P_STYLE, (float)style);
  const char *mp = g_model[lookahead > 0];
  if (mp) {
    kt_model *m = NULL;
    kt_engine_model *em = NULL;
    if (kt_model_load_file(mp, &m, err, sizeof err) ||
        !(em = kt_engine_model_new(m, err, sizeof err))) {
      fprintf(stderr, "engine: %s\n", err);
      exit(1);
    }
    kt_midi_out sb[64];
    kt_out so = {sb, 0, 64, 0};
    kt_engine_swap_model(e, em, &so);
  }
  /* g_cold: between instantiate and its first run() a host does other
     work, the caches may hold none of the engine: 64 MB written over them
     before the first block. */
  if (g_cold) {
    static unsigned char *evict;
    const size_t ev_bytes = (size_t)64 << 20;
    if (!evict) evict = malloc(ev_bytes);
    if (evict) memset(evict, blocks & 0xff, ev_bytes);
  }
  double *t = malloc(sizeof(double) * (size_t)blocks);
  double *tb = malloc(sizeof(double) * (size_t)blocks);
  double *tn = malloc(sizeof(double) * (size_t)blocks);
  int nb = 0, nn = 0;
  memset(res, 0, sizeof *res);
  res->worst_at = -1;
  res->flt_first = -1;
  kt_midi_out obuf[512];
  memset(obuf, 0, sizeof obuf); /* the host's buffer: its pages are the host's */
  (void)clk(); /* the clock's own first call may fault a libc page */
  kt_stack_paint(); /* the stack resident, as a real-time host keeps it */
  int64_t now = 0;
  int prev = -1;
  kt_engine_state st;
  kt_engine_get_state(e, &st);
  int64_t net_runs = st.net_runs;
  for (int bi = 0; bi < blocks; ++bi) {
    kt_event ev[KT_BUSY_MAX_EV];
    uint32_t ne = kt_busy_block(now, &prev, ev);
    kt_out o = {obuf, 0, 512, 0};
    struct rusage ru0, ru1;
    if (cpu_clock) getrusage(RUSAGE_THREAD, &ru0);
    double t0 = clk();
    kt_engine_process(e, ev, ne, 64, &o);
    t[bi] = clk() - t0;
    if (cpu_clock) {
      getrusage(RUSAGE_THREAD, &ru1);
      long mi = ru1.ru_minflt - ru0.ru_minflt, ma = ru1.ru_majflt - ru0.ru_majflt;
      res->minflt += mi;
      res->majflt += ma;
      res->flt_blocks += mi + ma > 0;
      if (mi + ma > 0 && res->flt_first < 0) res->flt_first = bi;
      if (res->worst_at < 0 || t[bi] > t[res->worst_at]) {
        res->worst_at = bi;
        res->worst_minflt = mi;
        res->worst_majflt = ma;
        res->worst_nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
        res->worst_nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;
      }
      if (bi == 0) res->first = t[bi];
      if (bi < 1000) {
        if (t[bi] > res->worst_first) res->worst_first = t[bi];
      } else if (t[bi] > res->worst_rest)
        res->worst_rest = t[bi];
    }
    /* a block that ran the net (at lookahead L the decision comes L
       slices and the listen time after the boundary, in another block)
       against one that neither ran it nor opened a slice */
    kt_engine_get_state(e, &st);
    if (st.net_runs > net_runs)
      tb[nb++] = t[bi];
    else if (!st.boundaries)
      tn[nn++] = t[bi];
    net_runs = st.net_runs;
    now += 64;
  }
  double s = 0;
  for (int i = 0; i < blocks; ++i)
    s += t[i];
  res->mean = s / blocks;
  if (g_times) memcpy(g_times, t, sizeof(double) * (size_t)blocks);
  qsort(t, (size_t)blocks, sizeof *t, bench_cmp_double);
  res->median = t[blocks / 2];
  res->p99 = t[(int)(blocks * 0.99)];
  res->p999 = t[(int)(blocks * 0.999)];
  res->worst = t[blocks - 1];
  qsort(tb, (size_t)nb, sizeof *tb, bench_cmp_double);
  qsort(tn, (size_t)nn, sizeof *tn, bench_cmp_double);
  res->slice = nb && nn ? tb[nb / 2] - tn[nn / 2] : 0;
  free(t);
  free(tb);
  free(tn);
  kt_engine_free(e); /* and the user model */
}

/* Engine runs repeated: min and median of each figure over the runs. */
#define ENGINE_RUNS 5
#define ENGINE_BLOCKS (48000 * 60 / 64)
static void bench_engine_runs(int lookahead, engine_res *min, engine_res *med,
                              engine_res *cpu)
{
  bench_engine(lookahead, 1, ENGINE_BLOCKS, cpu);
  double v[6][ENGINE_RUNS];
  for (int r = 0; r < ENGINE_RUNS; ++r) {
    engine_res e;
    bench_engine(lookahead, 0, ENGINE_BLOCKS, &e);
    v[0][r] = e.mean;
    v[1][r] = e.median;
    v[2][r] = e.p99;
    v[3][r] = e.p999;
    v[4][r] = e.worst;
    v[5][r] = e.slice;
  }
  stat s[6];
  for (int i = 0; i < 6; ++i)
    s[i] = summarize(v[i], ENGINE_RUNS);
  *min = (engine_res){.mean = s[0].min,
                      .median = s[1].min,
                      .p99 = s[2].min,
                      .p999 = s[3].min,
                      .worst = s[4].min,
                      .slice = s[5].min};
  *med = (engine_res){.mean = s[0].median,
                      .median = s[1].median,
                      .p99 = s[2].median,
                      .p999 = s[3].median,
                      .worst = s[4].median,
                      .slice = s[5].median};
}

/* The audio-thread case of issue 24 (`bench_infer engine [BLOCKS [RUNS]]`):
 * 48 kHz, 64-frame blocks, 240 BPM, a new melody note every sixteenth,
 * every voice on, thread CPU time per kt_engine_process (the plugin's
 * run()), 200 000 blocks, 3 runs per model; each run's figures printed. */
static int bench_engine_only(int blocks, int runs)
{
  int las[2] = {0, 4};
  printf("Engine, thread CPU time per 64-frame block (1333 us), 48 kHz, 240 "
         "BPM, a note every sixteenth, every voice on, %d blocks per run\n",
         blocks);
  printf("JSON {\"engine_cpu\":[");
  fflush(stdout);
  /* every run plays the same blocks (the engine is deterministic): each
     block's time in every run, to tell the engine's worst work from the
     machine's (a block that is worst in one run and ordinary in the
     others was interrupted, not busy) */
  double *times = malloc(sizeof(double) * (size_t)blocks * (size_t)runs);
  int worst_at[16];
  if (runs > 16) runs = 16;
  for (int i = 0; i < 2; ++i) {
    for (int r = 0; r < runs; ++r) {
      engine_res c;
      g_times = times ? times + (size_t)r * (size_t)blocks : NULL;
      bench_engine(las[i], 1, blocks, &c);
      g_times = NULL;
      worst_at[r] = c.worst_at;
      fprintf(stderr,
              "  L=%d run %d: mean %.2f us, median %.2f, p99 %.2f, p99.9 "
              "%.2f, worst %.1f; a slice's decision %.2f us\n"
              "    first block %.1f us; worst at block %d (page faults %ld minor %ld major, "
              "ctx switches %ld voluntary %ld involuntary); worst of blocks "
              "0-999 %.1f, of the rest %.1f; page faults in run(): %ld minor "
              "%ld major in %ld blocks (the first: %ld)\n",
              las[i], r, c.mean, c.median, c.p99, c.p999, c.worst, c.slice,
              c.first, c.worst_at, c.worst_minflt, c.worst_majflt, c.worst_nvcsw,
              c.worst_nivcsw, c.worst_first, c.worst_rest, c.minflt,
              c.majflt, c.flt_blocks, c.flt_first);
      printf("%s{\"lookahead\":%d,\"run\":%d,\"mean_us\":%.3f,"
             "\"median_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,"
             "\"worst_us\":%.3f,\"slice_us\":%.3f,\"first_us\":%.3f,"
             "\"worst_at\":%d,\"worst_first1000_us\":%.3f,"
             "\"worst_rest_us\":%.3f,\"worst_minflt\":%ld,"
             "\"worst_nivcsw\":%ld,\"minflt\":%ld,\"majflt\":%ld}",
             i || r ? "," : "", las[i], r, c.mean, c.median, c.p99, c.p999,
             c.worst, c.slice, c.first, c.worst_at, c.worst_first,
             c.worst_rest, c.worst_minflt, c.worst_nivcsw, c.minflt,
             c.majflt);
      fflush(stdout);
    }
    if (times && runs > 1) {
      /* each run's worst block in every run; and the block whose largest
         time over the runs is smallest among the worst: the engine's own */
      for (int r = 0; r < runs; ++r) {
        fprintf(stderr, "  L=%d run %d's worst block %d in runs 0..%d:", las[i],
                r, worst_at[r], runs - 1);
        for (int q = 0; q < runs; ++q)
          fprintf(stderr, " %.1f",
                  times[(size_t)q * (size_t)blocks + (size_t)worst_at[r]]);
        fprintf(stderr, " us\n");
      }
      long wb;
      double worst_min = kt_busy_own_worst(times, runs, blocks, &wb);
      fprintf(stderr,
              "  L=%d worst over blocks of the block's fastest run (the "
              "engine's own worst, interruptions removed): %.1f us, block "
              "%ld\n",
              las[i], worst_min, wb);
    }
  }
  free(times);
  printf("],\"engine_cold_first_us\":[");
  /* the first block (a slice's decision at L0; the first decision, block
     47, at L4) with the caches evicted after kt_engine_new */
  g_cold = 1;
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < runs; ++r) {
      engine_res c;
      bench_engine(las[i], 1, 1000, &c);
      fprintf(stderr,
              "  L=%d cold start %d (caches evicted after kt_engine_new): "
              "first block %.1f us, worst of the first 1000 %.1f us (block "
              "%d, %ld page faults, %ld involuntary ctx switches)\n",
              las[i], r, c.first, c.worst, c.worst_at, c.worst_minflt,
              c.worst_nivcsw);
      printf("%s{\"lookahead\":%d,\"first_us\":%.3f,\"worst1000_us\":%.3f,"
             "\"worst_at\":%d}",
             i || r ? "," : "", las[i], c.first, c.worst, c.worst_at);
      fflush(stdout);
    }
  g_cold = 0;
  printf("]}\n");
  return 0;
}

static const char *env_or(const char *name, const char *def)
{
  const char *v = getenv(name);
  return v && *v ? v : def;
}

/* `bench_infer decode`: one kt_decode (guard on, 6 candidates per voice)
 * without and with the style terms (the shipped L4 weights, then the
 * light L4 ones), on random
 * logits and on flat ones (every combination scores the same, so the
 * best-first pruning stops nothing early); min over 5 repeats of 20 000
 * calls, each including the filling of the logits. */
static int bench_decode_only(void)
{
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE;
  r.window = 1;
  r.tgt_sound = 1;
  static const int lo[4] = {36, 45, 50, 55}, hi[4] = {64, 72, 80, 84};
  memcpy(r.lo, lo, sizeof lo);
  memcpy(r.hi, hi, sizeof hi);
  float lg[3 * 64];
  int n = 0;
  for (int h = 0; h < 3; ++h)
    n += kt_repr_n_tok(&r, kt_repr_head_voice(h));
  static unsigned char tab[4096];
  kt_harmony_style_chord_table(tab);
  kt_decode_style st, lt;
  kt_engine_style_default(&st, 4);
  st.chord_tab = tab;
  kt_engine_style_light(&lt, 4);
  lt.chord_tab = tab;
  for (int flat = 0; flat < 2; ++flat)
    for (int sty = 0; sty < 3; ++sty) {
      kt_decode_opts o;
      memset(&o, 0, sizeof o);
      o.guard = 1;
      o.leap_cost = 0.5f;
      o.chord_bias = 0.2f;
      o.hold_bonus = 0.2f;
      o.style = sty == 2 ? &lt : sty ? &st : NULL;
      for (int h = 0; h < 3; ++h) {
        o.lo[h] = lo[kt_repr_head_voice(h)];
        o.hi[h] = hi[kt_repr_head_voice(h)];
      }
      unsigned s = 1;
      kt_rng rng;
      kt_rng_seed(&rng, 1);
      kt_choice c[3];
      const int prev[3] = {67, 60, 48};
      double best = 1e9;
      for (int rep = 0; rep < 5; ++rep) {
        const int N = 20000;
        double t0 = now_us();
        for (int i = 0; i < N; ++i) {
          for (int j = 0; j < n; ++j) {
            s = s * 1103515245u + 12345u;
            lg[j] = flat ? 0.0f : -(float)((s >> 16) % 1000) / 100.0f;
          }
          kt_decode(&r, lg, &o, 0, 72, 74, prev, &rng, c);
        }
        double t = (now_us() - t0) / N;
        if (t < best) best = t;
      }
      printf("kt_decode, %s logits, %s guard: %.2f us\n",
             flat ? "flat" : "random",
             sty == 2 ? "light"
             : sty    ? "style"
                      : "classic",
             best);
    }
  return 0;
}

int main(int argc, char **argv)
{
  openblas_set_num_threads(1);
  const char *src = env_or("KANTOR_SRC", ".");
  const char *data = env_or("KANTOR_DATA", "../shared/data/bach-370-chorales");
  if (argc > 1 && !strcmp(argv[1], "decode")) return bench_decode_only();
  if (argc > 1 && !strcmp(argv[1], "engine")) {
    for (int i = 0; i < 2 && argc > 4 + i; ++i)
      g_model[i] = strcmp(argv[4 + i], "-") ? argv[4 + i] : NULL;
    return bench_engine_only(argc > 2 ? atoi(argv[2]) : 200000,
                             argc > 3 ? atoi(argv[3]) : 3);
  }
  int train_epochs = argc > 1 ? atoi(argv[1]) : 3;
  evict_buf = calloc(EVICT_BYTES, 1);
  if (!evict_buf) return 1;
  int n = kt_model_embedded_count();
  model_res res[8];
  printf("One inference (microseconds, min / median of %d repeats; cold: "
         "after evicting the caches)\n",
         REPEATS);
  printf("%-8s %6s %6s %6s %15s %15s %15s %15s %6s %15s %6s\n", "model",
         "inputs", "active", "hidden", "kantor", "openblas", "loops",
         "kantor-cold", "ratio", "read-all-cold", "GB/s");
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
    printf("live-L%-2d %6d %6d %6d %7.2f/%7.2f %7.2f/%7.2f %7.1f/%7.1f "
           "%7.1f/%7.1f %6.3f %7.1f/%7.1f %6.1f\n",
           res[i].lookahead, res[i].n_in, res[i].n_active, res[i].hidden0,
           res[i].kantor.min, res[i].kantor.median, res[i].blas.min,
           res[i].blas.median, res[i].loops.min, res[i].loops.median,
           res[i].kantor_cold.min, res[i].kantor_cold.median,
           res[i].kantor.median / res[i].blas.median, res[i].floor.min,
           res[i].floor.median, res[i].floor_gbps);
    kt_model_free(m);
  }
  printf("(read-all-cold: every weight and bias of the model, %.2f MB for "
         "L%d, read once after a %zu MB eviction; GB/s from the median)\n",
         res[0].bytes / 1e6, res[0].lookahead, EVICT_BYTES >> 20);
  free(evict_buf);

  engine_res emin[2], emed[2], ecpu[2];
  int las[2] = {0, 4};
  printf("\nEngine, 48 kHz / 64 frames (1333 us per block), 240 BPM, a note "
         "every slice, every voice on, 60 s of audio; min / median of %d "
         "runs:\n",
         ENGINE_RUNS);
  for (int i = 0; i < 2; ++i) {
    bench_engine_runs(las[i], &emin[i], &emed[i], &ecpu[i]);
    printf("  L=%d: mean %.2f/%.2f us, median %.2f/%.2f us, p99 %.2f/%.2f "
           "us, p99.9 %.2f/%.2f us, worst %.1f/%.1f us, a slice's decision "
           "%.2f/%.2f us\n"
           "       thread CPU time per block (excludes preemption, includes "
           "~1 us of clock call): p99 %.2f us, p99.9 %.2f us, worst %.1f us\n",
           las[i], emin[i].mean, emed[i].mean, emin[i].median, emed[i].median,
           emin[i].p99, emed[i].p99, emin[i].p999, emed[i].p999, emin[i].worst,
           emed[i].worst, emin[i].slice, emed[i].slice, ecpu[i].p99,
           ecpu[i].p999, ecpu[i].worst);
  }

  char *gj = NULL;
  size_t gl = 0;
  FILE *gf = open_memstream(&gj, &gl);
  if (!gf || bench_growth(src, gf) != 0) fprintf(stderr, "growth failed\n");
  if (gf) fclose(gf);
  printf("(written: %s/docs/cost-growth.md and .svg)\n", src);

  bench_train_res tr;
  printf("\nTraining, one thread each, the shipped L0 net on its exported "
         "train set (%d epochs each):\n",
         train_epochs);
  fflush(stdout);
  bench_train(src, data, train_epochs, &tr);
  printf("  kantor %.2f s/epoch (min %.2f, CPU %.2f), PyTorch %.2f s/epoch "
         "(min %.2f, CPU %.2f), %d examples%s%s\n",
         tr.kantor_s, tr.kantor_min_s, tr.kantor_cpu_s, tr.torch_s,
         tr.torch_min_s, tr.torch_cpu_s, tr.examples, tr.note[0] ? "; " : "",
         tr.note);

  printf("\nJSON {\"models\":[");
  for (int i = 0; i < n && i < 8; ++i)
    printf("%s{\"lookahead\":%d,\"kantor_us\":%.3f,\"kantor_min_us\":%.3f,"
           "\"openblas_us\":%.3f,\"openblas_min_us\":%.3f,\"loops_us\":%.3f,"
           "\"kantor_cold_us\":%.3f,\"read_cold_us\":%.3f,"
           "\"read_cold_gbps\":%.2f,\"ratio_vs_openblas\":%.4f}",
           i ? "," : "", res[i].lookahead, res[i].kantor.median,
           res[i].kantor.min, res[i].blas.median, res[i].blas.min,
           res[i].loops.median, res[i].kantor_cold.median, res[i].floor.median,
           res[i].floor_gbps, res[i].kantor.median / res[i].blas.median);
  printf("],\"engine\":[");
  for (int i = 0; i < 2; ++i)
    printf("%s{\"lookahead\":%d,\"run_mean_us\":%.3f,\"run_p99_us\":%.3f,"
           "\"run_p999_us\":%.3f,"
           "\"run_p999_min_us\":%.3f,\"run_worst_us\":%.3f,"
           "\"run_worst_min_us\":%.3f,\"run_slice_us\":%.3f,"
           "\"run_cpu_p99_us\":%.3f,\"run_cpu_p999_us\":%.3f,"
           "\"run_cpu_worst_us\":%.3f}",
           i ? "," : "", las[i], emed[i].mean, emed[i].p99, emed[i].p999,
           emin[i].p999, emed[i].worst, emin[i].worst, emed[i].slice,
           ecpu[i].p99, ecpu[i].p999, ecpu[i].worst);
  printf("],\"growth\":[%s]", gj ? gj : "");
  printf(",\"kantor_us\":%.3f,\"openblas_us\":%.3f,\"ratio_vs_openblas\":%.4f,"
         "\"read_cold_gbps\":%.2f,"
         "\"run_mean_us\":%.3f,\"run_p999_us\":%.3f,\"run_worst_us\":%.3f,"
         "\"train_epoch_s\":%.3f,\"train_epoch_min_s\":%.3f,"
         "\"train_epoch_cpu_s\":%.3f,\"torch_epoch_s\":%.3f,"
         "\"torch_epoch_min_s\":%.3f,\"torch_epoch_cpu_s\":%.3f}\n",
         res[0].kantor.median, res[0].blas.median,
         res[0].kantor.median / res[0].blas.median, res[0].floor_gbps,
         emed[0].mean, emed[0].p999, emed[0].worst, tr.kantor_s,
         tr.kantor_min_s, tr.kantor_cpu_s, tr.torch_s, tr.torch_min_s,
         tr.torch_cpu_s);
  free(gj);
  return 0;
}
