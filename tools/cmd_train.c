/* tools/cmd_train.c -- `kantor train`: train a model on the corpus and
 * write it (atomically), with learning curves (CSV + SVG). */
#include "cmds.h"

#include "train.h"
#include "args.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
  fprintf(
      f,
      "usage: kantor train [--data DIR] [--split FILE]\n"
      "         [--arch live|forwardbach|forward3bach|chord]\n"
      "         [--window N] [--lookahead N] [--feedback N] "
      "[--chord-len N]\n"
      "         [--hidden 256,256] [--epochs N] [--batch N] [--lr F]\n"
      "         [--l1 F] [--l2 F] [--dropout F] [--early-stop N]\n"
      "         [--augment none|key|all12|detect|raw12|near|sig|siglab]\n"
      "         [--near N]\n"
      "         [--fb-own F]\n"
      "         [--fb-noise F] [--key-ctx on|off] [--sounding on|off]\n"
      "         [--target attack|sound] [--rel-out off|dist|pc|both]\n"
      "         [--rel-in on|off] [--quant float|int8]\n"
      "         [--ensemble N] [--jobs N] [--shift-avg N]\n"
      "         [--select loss|free] [--lr-schedule const|cosine] [--ema F]\n"
      "         [--label-smooth E] [--in-dropout P] [--bass-inv W]\n"
      "         [--distil-from MODEL] [--distil-hard W] "
      "[--distil-shift-avg N]\n"
      "         [--distil-temp T]\n"
      "         [--seed N] [--quiet] [--report-test]\n"
      "         -o FILE [--curves PREFIX]\n"
      "       kantor train [options as above] --export-data FILE\n"
      "Trains on the split's train set, stops early on the valid set;\n"
      "--report-test also reports the test set (once per shipped model:\n"
      "never tune on it).  Live models are scheduled-sampled: a share\n"
      "(--fb-own) of the examples is fed back the model's own\n"
      "free-running outputs of the previous epoch.  --augment detect\n"
      "normalizes each slice by the key the engine detects (--key auto)\n"
      "instead of the file's label; --augment sig by the key signature the\n"
      "engine tracks (kt_harmony_sig_tracker), siglab adds a copy of each "
      "chorale\n"
      "moved by its label's signature.  --key-ctx on (live, written pitches:\n"
      "--augment none|raw12|near) adds the engine's running key tracker "
      "(tonic\n"
      "and melody pitch-class histogram) to the inputs.  --sounding on\n"
      "(live) adds each voice's sounding pitch at the previous slice to\n"
      "the inputs (the fed-back tokens say only \"hold\" once a note's\n"
      "attack is more than --feedback slices back).  --target sound\n"
      "(live) has the heads name the pitch each voice sounds at every\n"
      "slice instead of attack, hold or rest (nn/encode.h); with it,\n"
      "--rel-out dist (or on) has each head also score the voice's\n"
      "distance below the melody, added to the pitch's own score; pc a\n"
      "score per pitch class; both.  --rel-in on (live) adds the window's\n"
      "melody as intervals from the slice's pitch.  --quant int8 (live)\n"
      "has the engine run the written model with 8-bit weights and\n"
      "activations (nn/q8.h; the trainer's own figures are float).\n"
      "--label-smooth E trains towards 1 - E on Bach's token and E spread over "
      "all;\n"
      "--in-dropout P drops that share of each example's inputs.\n"
      "--bass-inv W (live; 0.1..10, default 1) weights the bass head's\n"
      "loss by W at the slices where Bach's four voices make a chord with\n"
      "another root than the bass (an inversion, the style statistics'\n"
      "labels): W > 1 has the net choose Bach's inversions more often.\n"
      "--ensemble N\n"
      "(live) trains N nets with seeds SEED..SEED+N-1 and writes them as one\n"
      "model whose heads average their probabilities; --jobs N trains up\n"
      "to N of them at once, one thread each (default: the number of\n"
      "processors), with the same result as one after the other.\n"
      "--near N (--augment near) trains on each chorale moved by\n"
      "-N..+N semitones (1..5, default 2).\n"
      "--shift-avg N (live) has the engine average the net over the\n"
      "melody moved by -N..+N semitones (default: --augment near's N,\n"
      "at most 3, else 0); the trainer's own free-running figures do not.\n"
      "--distil-from MODEL (live) trains towards MODEL's distribution at\n"
      "each train example, as the engine decides a slice with it (its\n"
      "ensemble's mean, averaged over its shift_avg moves), mixed with\n"
      "Bach's token by --distil-hard W (0..1, default 0: the teacher's\n"
      "only); --distil-shift-avg N averages the teacher over -N..+N\n"
      "instead of its own shift_avg (0: its ensemble's mean only);\n"
      "the options must give MODEL's representation (window,\n"
      "lookahead, key context, target, augmentation), but MODEL may\n"
      "look further ahead than --lookahead; the net is written\n"
      "with shift_avg 0 unless --shift-avg says otherwise.\n"
      "--distil-temp T (1..10, default 1) softens the teacher's\n"
      "distribution to the power 1/T and the net's softmax to logits / T\n"
      "in the soft term, scaled by T^2 (the net runs at T = 1).\n"
      "--export-data FILE writes the encoded train set these options give\n"
      "(the first epoch's teacher-forced examples, network sizes, batch,\n"
      "lr, dropout; format in nn/train/train.h) and exits without\n"
      "training: bench/torch_train.py trains PyTorch on it.\n");
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *v)
{
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (errno || *end || end == s || x < lo || x > hi) {
    fprintf(stderr, "kantor train: %s: '%s' is not an integer in %d..%d\n", opt,
            s, lo, hi);
    return -1;
  }
  *v = (int)x;
  return 0;
}

/* One of the '|'-separated words of names: its value in vals (NULL: its
 * index). */
static int parse_choice(const char *opt, const char *s, const char *names,
                        const int *vals, int *v)
{
  int i = kt_arg_choice(s, names);
  if (i < 0) {
    fprintf(stderr, "kantor train: %s %s, not '%s'\n", opt, names, s);
    return -1;
  }
  *v = vals ? vals[i] : i;
  return 0;
}

static int parse_float(const char *opt, const char *s, float lo, float hi,
                       float *v)
{
  char *end;
  errno = 0;
  float x = strtof(s, &end);
  if (errno || *end || end == s || !(x >= lo && x <= hi)) {
    fprintf(stderr, "kantor train: %s: '%s' is not a number in %g..%g\n", opt,
            s, (double)lo, (double)hi);
    return -1;
  }
  *v = x;
  return 0;
}

static int write_atomic(const char *path, const char *text, size_t len)
{
  size_t n = strlen(path);
  char *tmp = malloc(n + 5);
  if (!tmp) return -1;
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".tmp", 5);
  FILE *f = fopen(tmp, "wb");
  int rc = -1;
  if (f) {
    size_t w = fwrite(text, 1, len, f);
    if (fclose(f) == 0 && w == len && rename(tmp, path) == 0)
      rc = 0;
    else
      remove(tmp);
  }
  if (rc)
    fprintf(stderr, "kantor train: cannot write %s: %s\n", path,
            strerror(errno));
  free(tmp);
  return rc;
}

typedef struct {
  char *p;
  size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void sb_printf(sbuf *b, const char *fmt, ...)
{
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0,
                      fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (b->p && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    size_t nc = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
    char *np = realloc(b->p, nc);
    if (!np) return;
    b->p = np;
    b->cap = nc;
  }
}

static int write_curves(const char *prefix, const kt_curve_pt *c, int n,
                        int best)
{
  char path[4096];
  sbuf b = {0};
  sb_printf(&b, "epoch,train_loss,train_acc,valid_loss,valid_acc,"
                "valid_free_acc,seconds,best\n");
  for (int i = 0; i < n; ++i)
    sb_printf(&b, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.2f,%d\n", c[i].epoch,
              c[i].train_loss, c[i].train_acc, c[i].valid_loss, c[i].valid_acc,
              c[i].valid_free_acc, c[i].seconds, c[i].epoch == best);
  snprintf(path, sizeof path, "%s.csv", prefix);
  int rc = b.p ? write_atomic(path, b.p, b.len) : -1;
  free(b.p);
  if (rc) return rc;

  /* SVG: loss (left panel) and accuracy (right panel) per epoch */
  sbuf s = {0};
  const int W = 900, H = 360, pw = 400, ph = 280, top = 40, lm = 50;
  double lmax = 0;
  for (int i = 0; i < n; ++i) {
    if (c[i].train_loss > lmax) lmax = c[i].train_loss;
    if (c[i].valid_loss > lmax) lmax = c[i].valid_loss;
  }
  if (lmax <= 0) lmax = 1;
  int ne = n > 1 ? n - 1 : 1;
  sb_printf(&s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H);
  for (int panel = 0; panel < 2; ++panel) {
    int x0 = lm + panel * (pw + lm), y0 = top;
    double ymax = panel ? 1.0 : lmax;
    sb_printf(&s,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
              "fill=\"none\" stroke=\"#888\"/>\n"
              "<text x=\"%d\" y=\"%d\">%s (max %.3g)</text>\n"
              "<text x=\"%d\" y=\"%d\">epoch 1..%d</text>\n",
              x0, y0, pw, ph, x0, y0 - 8, panel ? "accuracy" : "loss", ymax,
              x0 + pw / 2 - 30, y0 + ph + 18, n);
    const char *colors[3] = {"#1f77b4", "#d62728", "#2ca02c"};
    const char *names[3] = {"train", "valid", "valid free-running"};
    for (int k = 0; k < 3; ++k) {
      if (k == 2 && (panel == 0 || n == 0 || c[0].valid_free_acc < 0)) continue;
      sb_printf(&s, "<polyline fill=\"none\" stroke=\"%s\" points=\"",
                colors[k]);
      for (int i = 0; i < n; ++i) {
        double v = panel == 0 ? (k ? c[i].valid_loss : c[i].train_loss)
                   : k == 0   ? c[i].train_acc
                   : k == 1   ? c[i].valid_acc
                              : c[i].valid_free_acc;
        double x = x0 + (double)pw * i / ne;
        double y = y0 + ph - ph * (v / ymax);
        sb_printf(&s, "%.1f,%.1f ", x, y);
      }
      sb_printf(&s, "\"/>\n<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n",
                x0 + 10, y0 + 16 + 14 * k, colors[k], names[k]);
    }
    if (best >= 1) {
      double x = x0 + (double)pw * (best - 1) / ne;
      sb_printf(&s,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                "stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
                "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">best %d</text>\n",
                x, y0, x, y0 + ph, x + 3, y0 + ph - 6, best);
    }
  }
  sb_printf(&s, "</svg>\n");
  snprintf(path, sizeof path, "%s.svg", prefix);
  rc = s.p ? write_atomic(path, s.p, s.len) : -1;
  free(s.p);
  return rc;
}

/* One ensemble member: its own options (seed), curve and result. */
typedef struct {
  kt_train_opts o;
  const kt_chorale *tr, *va;
  int ntr, nva;
  kt_curve_pt *curve;
  int n_curve, best;
  kt_model *m; /* NULL on failure: err says why */
  char err[512];
} member_job;

static void train_member(member_job *j)
{
  j->m = kt_train(&j->o, j->tr, j->ntr, j->va, j->nva, j->curve, &j->n_curve,
                  &j->best, j->err, sizeof j->err);
}

typedef struct {
  member_job *job;
  int n, next;
  pthread_mutex_t lock;
} job_queue;

static void *worker(void *arg)
{
  job_queue *q = arg;
  for (;;) {
    pthread_mutex_lock(&q->lock);
    int k = q->next < q->n ? q->next++ : -1;
    pthread_mutex_unlock(&q->lock);
    if (k < 0) return NULL;
    train_member(&q->job[k]);
  }
}

/* Trains the n members, up to `jobs` at once.  Each member depends only on
 * its own options, so the nets are the same for any number of jobs.
 * Returns -1 if no thread could be started. */
static int run_jobs(member_job *job, int n, int jobs)
{
  if (jobs <= 1) {
    for (int k = 0; k < n; ++k)
      train_member(&job[k]);
    return 0;
  }
  job_queue q = {job, n, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t th[KT_MAX_NETS];
  int started = 0;
  for (int t = 0; t < jobs; ++t) {
    if (pthread_create(&th[t], NULL, worker, &q)) break;
    ++started;
  }
  if (started == 0) return -1;
  for (int t = 0; t < started; ++t)
    pthread_join(th[t], NULL);
  return 0;
}

int kt_cmd_train(int argc, char **argv)
{
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.verbose = 1;
  const char *data = NULL, *split = NULL, *out = NULL, *curves = NULL;
  int n_ens = 1, jobs = 0, report_test = 0;
  const char *export_path = NULL, *distil = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return KT_EXIT_OK;
    }
    if (!strcmp(a, "--quiet")) {
      o.verbose = 0;
      continue;
    }
    if (!strcmp(a, "--report-test")) {
      report_test = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "kantor train: %s needs a value (or is unknown)\n", a);
      usage(stderr);
      return KT_EXIT_USAGE;
    }
    const char *v = argv[++i];
    int bad = 0, iv;
    (void)iv;
    if (!strcmp(a, "--data"))
      data = v;
    else if (!strcmp(a, "--split"))
      split = v;
    else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
      out = v;
    else if (!strcmp(a, "--curves"))
      curves = v;
    else if (!strcmp(a, "--export-data"))
      export_path = v;
    else if (!strcmp(a, "--distil-from"))
      distil = v;
    else if (!strcmp(a, "--distil-shift-avg"))
      bad = parse_int(a, v, 0, KT_MAX_SHIFT_AVG, &o.distil_shift);
    else if (!strcmp(a, "--distil-hard"))
      bad = parse_float(a, v, 0, 1, &o.distil_hard);
    else if (!strcmp(a, "--distil-temp"))
      bad = parse_float(a, v, 1, 10, &o.distil_temp);
    else if (!strcmp(a, "--arch")) {
      static const int arch[4] = {KT_ARCH_LIVE, KT_ARCH_FORWARDBACH,
                                  KT_ARCH_FORWARD3BACH, KT_ARCH_CHORD};
      bad = parse_choice(a, v, "live|forwardbach|forward3bach|chord", arch,
                         &o.arch);
    } else if (!strcmp(a, "--augment")) {
      static const int aug[8] = {KT_AUG_NONE,   KT_AUG_KEY,   KT_AUG_ALL12,
                                 KT_AUG_DETECT, KT_AUG_RAW12, KT_AUG_NEAR,
                                 KT_AUG_SIG,    KT_AUG_SIGLAB};
      bad = parse_choice(a, v, "none|key|all12|detect|raw12|near|sig|siglab",
                         aug, &o.augment);
    } else if (!strcmp(a, "--key-ctx"))
      bad = parse_choice(a, v, "off|on", NULL, &o.key_ctx);
    else if (!strcmp(a, "--target"))
      bad = parse_choice(a, v, "attack|sound", NULL, &o.tgt_sound);
    else if (!strcmp(a, "--rel-out")) {
      static const int rel[5] = {0, KT_REL_DIST, KT_REL_PC,
                                 KT_REL_DIST | KT_REL_PC, KT_REL_DIST};
      bad = parse_choice(a, v, "off|dist|pc|both|on", rel, &o.rel_out);
    } else if (!strcmp(a, "--rel-in"))
      bad = parse_choice(a, v, "off|on", NULL, &o.rel_in);
    else if (!strcmp(a, "--quant"))
      bad = parse_choice(a, v, "float|int8", NULL, &o.quant);
    else if (!strcmp(a, "--sounding"))
      bad = parse_choice(a, v, "off|on", NULL, &o.sounding);
    else if (!strcmp(a, "--select"))
      bad = parse_choice(a, v, "loss|free", NULL, &o.select_free);
    else if (!strcmp(a, "--lr-schedule"))
      bad = parse_choice(a, v, "const|cosine", NULL, &o.lr_cosine);
    else if (!strcmp(a, "--window"))
      bad = parse_int(a, v, 1, KT_MAX_WINDOW, &o.window);
    else if (!strcmp(a, "--lookahead"))
      bad = parse_int(a, v, 0, KT_MAX_WINDOW - 1, &o.lookahead);
    else if (!strcmp(a, "--feedback"))
      bad = parse_int(a, v, 0, KT_MAX_FEEDBACK, &o.feedback);
    else if (!strcmp(a, "--ensemble"))
      bad = parse_int(a, v, 1, KT_MAX_NETS, &n_ens);
    else if (!strcmp(a, "--shift-avg"))
      bad = parse_int(a, v, 0, KT_MAX_SHIFT_AVG, &o.shift_avg);
    else if (!strcmp(a, "--near"))
      bad = parse_int(a, v, 1, KT_NEAR_SPAN_MAX, &o.near_span);
    else if (!strcmp(a, "--jobs"))
      bad = parse_int(a, v, 1, KT_MAX_NETS, &jobs);
    else if (!strcmp(a, "--chord-len"))
      bad = parse_int(a, v, 1, KT_MAX_WINDOW, &o.chord_len);
    else if (!strcmp(a, "--epochs"))
      bad = parse_int(a, v, 1, 100000, &o.epochs);
    else if (!strcmp(a, "--batch"))
      bad = parse_int(a, v, 1, 65536, &o.batch);
    else if (!strcmp(a, "--early-stop"))
      bad = parse_int(a, v, 0, 100000, &o.early_stop);
    else if (!strcmp(a, "--seed")) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(v, &end, 10);
      if (errno || *end || end == v) {
        fprintf(stderr, "kantor train: --seed: '%s' is not an integer\n", v);
        bad = 1;
      }
      o.seed = s;
    } else if (!strcmp(a, "--lr"))
      bad = parse_float(a, v, 1e-7f, 1.0f, &o.lr);
    else if (!strcmp(a, "--l1"))
      bad = parse_float(a, v, 0, 1, &o.l1);
    else if (!strcmp(a, "--l2"))
      bad = parse_float(a, v, 0, 1, &o.l2);
    else if (!strcmp(a, "--dropout"))
      bad = parse_float(a, v, 0, 0.95f, &o.dropout);
    else if (!strcmp(a, "--in-dropout"))
      bad = parse_float(a, v, 0, 0.9f, &o.in_dropout);
    else if (!strcmp(a, "--label-smooth"))
      bad = parse_float(a, v, 0, 0.5f, &o.label_smooth);
    else if (!strcmp(a, "--bass-inv"))
      bad = parse_float(a, v, 0.1f, 10, &o.bass_inv);
    else if (!strcmp(a, "--ema"))
      bad = parse_float(a, v, 0, 0.99999f, &o.ema);
    else if (!strcmp(a, "--fb-own"))
      bad = parse_float(a, v, 0, 1, &o.fb_own);
    else if (!strcmp(a, "--fb-noise"))
      bad = parse_float(a, v, 0, 1, &o.fb_noise);
    else if (!strcmp(a, "--hidden")) {
      o.n_hidden = 0;
      const char *p = v;
      while (*p) {
        char *end;
        long h = strtol(p, &end, 10);
        if (end == p || h < 1 || h > KT_MAX_WIDTH ||
            o.n_hidden >= KT_MAX_LAYERS - 1 || (*end && *end != ',')) {
          fprintf(stderr,
                  "kantor train: --hidden '%s': 1..%d sizes of 1..%d, "
                  "comma-separated\n",
                  v, KT_MAX_LAYERS - 1, KT_MAX_WIDTH);
          bad = 1;
          break;
        }
        o.hidden[o.n_hidden++] = (int)h;
        p = *end ? end + 1 : end;
      }
      if (!bad && o.n_hidden == 0) bad = 1;
      (void)iv;
    } else {
      fprintf(stderr, "kantor train: unknown option %s\n", a);
      usage(stderr);
      return KT_EXIT_USAGE;
    }
    if (bad) return KT_EXIT_USAGE;
  }
  if (!out && !export_path) {
    fprintf(stderr, "kantor train: -o FILE is required\n");
    usage(stderr);
    return KT_EXIT_USAGE;
  }
  if (o.key_ctx &&
      (o.arch != KT_ARCH_LIVE ||
       (o.augment != KT_AUG_NONE && o.augment != KT_AUG_RAW12 &&
        o.augment != KT_AUG_NEAR))) {
    fprintf(stderr, "kantor train: --key-ctx on needs --arch live and "
                    "--augment none, raw12 or near (the tracker hears "
                    "written pitches)\n");
    return KT_EXIT_USAGE;
  }
  if (!data) data = kt_corpus_default_dir();
  if (export_path) {
    char xerr[512];
    kt_chorale *xtr = NULL;
    int nx = 0, n_ex = 0;
    if (kt_corpus_load(data, split, KT_SET_TRAIN, &xtr, &nx, xerr,
                       sizeof xerr) ||
        kt_train_export(&o, xtr, nx, export_path, &n_ex, xerr, sizeof xerr)) {
      fprintf(stderr, "kantor train: %s\n", xerr);
      kt_corpus_free(xtr, nx);
      return KT_EXIT_FAIL;
    }
    kt_corpus_free(xtr, nx);
    printf("wrote %s (%d examples from %d chorales)\n", export_path, n_ex, nx);
    if (!out) return KT_EXIT_OK;
  }
  { /* fail now, not after training, if the output cannot be written */
    char probe[4096];
    snprintf(probe, sizeof probe, "%s.tmp", out);
    FILE *pf = fopen(probe, "wb");
    if (!pf) {
      fprintf(stderr, "kantor train: cannot write %s: %s\n", probe,
              strerror(errno));
      return KT_EXIT_FAIL;
    }
    fclose(pf);
    remove(probe);
  }
  char err[512];
  kt_model *teacher = NULL;
  if (distil) {
    if (o.arch != KT_ARCH_LIVE) {
      fprintf(stderr, "kantor train: --distil-from needs --arch live\n");
      return KT_EXIT_USAGE;
    }
    if (kt_model_load_file(distil, &teacher, err, sizeof err)) {
      fprintf(stderr, "kantor train: %s\n", err);
      return KT_EXIT_FAIL;
    }
    o.teacher = teacher;
  }
  kt_chorale *tr = NULL, *va = NULL, *te = NULL;
  int ntr = 0, nva = 0, nte = 0;
  if (kt_corpus_load(data, split, KT_SET_TRAIN, &tr, &ntr, err, sizeof err) ||
      kt_corpus_load(data, split, KT_SET_VALID, &va, &nva, err, sizeof err) ||
      (report_test && kt_corpus_load(data, split, KT_SET_TEST, &te, &nte,
                                     err, sizeof err))) {
    fprintf(stderr, "kantor train: %s\n", err);
    kt_corpus_free(tr, ntr);
    kt_corpus_free(va, nva);
    kt_model_free(teacher);
    return KT_EXIT_FAIL;
  }
  if (ntr == 0) {
    fprintf(stderr, "kantor train: %s: no chorales in the train set\n",
            split ? split : data);
    kt_corpus_free(tr, ntr);
    kt_corpus_free(va, nva);
    kt_corpus_free(te, nte);
    kt_model_free(teacher);
    return KT_EXIT_FAIL;
  }
  member_job job[KT_MAX_NETS];
  memset(job, 0, sizeof job);
  int rc = KT_EXIT_FAIL;
  kt_model *m = NULL;
  for (int k = 0; k < n_ens; ++k) {
    job[k].o = o;
    job[k].o.seed = o.seed + (uint64_t)k;
    job[k].o.net_no = n_ens > 1 ? k + 1 : 0;
    job[k].tr = tr;
    job[k].ntr = ntr;
    job[k].va = va;
    job[k].nva = nva;
    job[k].curve = calloc((size_t)o.epochs, sizeof *job[k].curve);
    if (!job[k].curve) {
      fprintf(stderr, "kantor train: out of memory\n");
      goto done;
    }
  }
  if (jobs == 0) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = ncpu < 1 ? 1 : ncpu > KT_MAX_NETS ? KT_MAX_NETS : (int)ncpu;
  }
  if (jobs > n_ens) jobs = n_ens;
  if (n_ens > 1 && o.verbose)
    fprintf(stderr, "ensemble of %d nets, seeds %llu..%llu, %d at a time\n",
            n_ens, (unsigned long long)o.seed,
            (unsigned long long)(o.seed + (uint64_t)n_ens - 1), jobs);
  double wall0 = kt_train_clock_s();
  if (run_jobs(job, n_ens, jobs)) {
    fprintf(stderr, "kantor train: cannot start a training thread\n");
    goto done;
  }
  double wall = kt_train_clock_s() - wall0, secs = 0;
  for (int k = 0; k < n_ens; ++k)
    if (!job[k].m) {
      fprintf(stderr, "kantor train: %s\n", job[k].err);
      goto done;
    }
  for (int k = 0; k < n_ens; ++k) {
    const kt_curve_pt *curve = job[k].curve;
    int n_curve = job[k].n_curve, best = job[k].best;
    if (curves) {
      char pre[3900];
      if (n_ens > 1)
        snprintf(pre, sizeof pre, "%s-net%d", curves, k + 1);
      else
        snprintf(pre, sizeof pre, "%s", curves);
      if (write_curves(pre, curve, n_curve, best)) goto done;
    }
    /* Report the kept epoch (teacher-forced and free-running valid). */
    const kt_curve_pt *b = best >= 1 ? &curve[best - 1] : NULL;
    char tag[24] = "";
    if (n_ens > 1) snprintf(tag, sizeof tag, "net %d: ", k + 1);
    if (b)
      printf("%sbest epoch %d: valid loss %.4f acc %.4f%s", tag, best,
             b->valid_loss, b->valid_acc, b->valid_free_acc >= 0 ? "" : "\n");
    if (b && b->valid_free_acc >= 0)
      printf(" free-running %.4f\n", b->valid_free_acc);
    if (n_curve) secs += curve[n_curve - 1].seconds;
  }
  int n_curve = job[0].n_curve;
  if (n_ens == 1) {
    m = job[0].m;
    job[0].m = NULL;
  } else { /* the members are freed with their jobs */
    const kt_model *ms[KT_MAX_NETS];
    for (int k = 0; k < n_ens; ++k)
      ms[k] = job[k].m;
    m = kt_model_stack(ms, n_ens);
    if (!m) {
      fprintf(stderr, "kantor train: cannot stack the ensemble\n");
      goto done;
    }
    kt_dataset dva;
    if (nva > 0 &&
        kt_dataset_build(&dva, &m->repr, va, nva, kt_aug_eval(o.augment), 0,
                         err, sizeof err) == 0) {
      printf("ensemble of %d: valid free-running %.4f\n", n_ens,
             kt_dataset_rollout(&dva, m));
      kt_dataset_free(&dva);
    }
  }
  if (kt_model_save(m, out, err, sizeof err)) {
    fprintf(stderr, "kantor train: %s\n", err);
    goto done;
  }
  if (nte > 0) {
    kt_dataset dte;
    int aug = kt_aug_eval(o.augment);
    if (kt_dataset_build(&dte, &m->repr, te, nte, aug, 0, err, sizeof err) ==
        0) {
      double l, a;
      kt_train_evaluate(m, &dte, &l, &a);
      printf("test (%d chorales): loss %.4f acc %.4f", nte, l, a);
      if (m->repr.arch == KT_ARCH_LIVE)
        printf(" free-running %.4f", kt_dataset_rollout(&dte, m));
      printf("\n");
      kt_dataset_free(&dte);
    }
  }
  if (n_curve && n_ens > 1)
    printf("training time %.1f s (%d epochs per net; %.1f s wall, %d at a "
           "time)\n",
           secs, n_curve, wall, jobs);
  else if (n_curve)
    printf("training time %.1f s (%d epochs)\n", secs, n_curve);
  printf("wrote %s\n", out);
  rc = KT_EXIT_OK;
done:
  kt_model_free(m);
  for (int k = 0; k < KT_MAX_NETS; ++k) {
    kt_model_free(job[k].m);
    free(job[k].curve);
  }
  kt_corpus_free(tr, ntr);
  kt_corpus_free(va, nva);
  kt_corpus_free(te, nte);
  kt_model_free(teacher);
  return rc;
}
