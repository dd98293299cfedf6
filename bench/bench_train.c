/* bench/bench_train.c -- training speed: kantor's trainer against PyTorch
 * (Debian python3-torch, bench/torch_train.py) on the same exported data:
 * a live L0 model's train set and network (window 16, feedback 8, the
 * shape shipped before the melody-only nets,
 * hidden 512,256, --augment none, batch 128, Adam, dropout 0.2), one
 * thread each.  Seconds per epoch of the gradient passes only (no
 * validation or roll-outs on either side). */
#include "chorale.h"
#include "train.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_train(const char *src_dir, const char *data_dir, int epochs,
                 bench_train_res *res)
{
  memset(res, 0, sizeof *res);
  res->kantor_s = res->kantor_min_s = res->kantor_cpu_s = -1;
  res->torch_s = res->torch_min_s = res->torch_cpu_s = -1;
  res->epochs = epochs;
  char err[512];
  kt_chorale *tr = NULL;
  int ntr = 0;
  if (kt_corpus_load(data_dir, NULL, KT_SET_TRAIN, &tr, &ntr, err,
                     sizeof err)) {
    snprintf(res->note, sizeof res->note, "skipped: corpus: %s", err);
    return;
  }
  /* models/MODEL.md's L0 command */
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.window = 16;
  o.lookahead = 0;
  o.feedback = 8;
  o.hidden[0] = 512;
  o.hidden[1] = 256;
  o.augment = KT_AUG_NONE;
  const char *path = "bench_train_l0.ktd";
  int rc = kt_train_export(&o, tr, ntr, path, &res->examples, err, sizeof err);
  kt_corpus_free(tr, ntr);
  if (rc) {
    snprintf(res->note, sizeof res->note, "skipped: export: %s", err);
    return;
  }
  kt_train_data d;
  if (kt_train_data_load(path, &d, err, sizeof err)) {
    snprintf(res->note, sizeof res->note, "skipped: %s", err);
    remove(path);
    return;
  }
  double es[64];
  if (epochs > 64) epochs = 64;
  double c0 = cpu_s();
  kt_train_fixed(&d, 1, epochs, es);
  res->kantor_cpu_s = (cpu_s() - c0) / epochs;
  kt_train_data_free(&d);
  for (int e = 0; e < epochs; ++e)
    printf("kantor epoch %d: %.3f s\n", e + 1, es[e]);
  qsort(es, (size_t)epochs, sizeof *es, bench_cmp_double);
  res->kantor_s = es[epochs / 2];
  res->kantor_min_s = es[0];

  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 '%s/bench/torch_train.py' '%s' --epochs %d "
           "--threads 1 2>&1",
           src_dir, path, epochs);
  FILE *p = popen(cmd, "r");
  char line[4096];
  int got = 0;
  while (p && fgets(line, sizeof line, p)) {
    char *j = strstr(line, "JSON ");
    if (j) {
      char *a = strstr(j, "\"torch_epoch_s\": ");
      char *b = strstr(j, "\"torch_epoch_min_s\": ");
      char *c = strstr(j, "\"torch_epoch_cpu_s\": ");
      if (a && b && c) {
        res->torch_s = atof(a + 17);
        res->torch_min_s = atof(b + 21);
        res->torch_cpu_s = atof(c + 21);
        got = 1;
      }
    } else {
      fputs(line, stdout);
    }
  }
  int prc = p ? pclose(p) : -1;
  if (!got)
    snprintf(res->note, sizeof res->note,
             "torch not measured (exit %d; needs /usr/bin/python3 with "
             "python3-torch)",
             prc);
  remove(path);
}
