/* tests/nn/test_shipped.c -- the shipped live models load, are small
 * enough to embed, and harmonize the test split: teacher-forced token
 * accuracy and free-running exact-pitch accuracy (trainer's own rollout,
 * key from the file's label, without the engine's averaging over moved
 * melodies; L4's nets int8, as the engine runs them) above floors.  Needs the
 * corpus (exit 77). */
#include "train.h"
#include "../check.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(void)
{
  const char *data = kt_corpus_default_dir();
  char path[4096], err[512];
  snprintf(path, sizeof path, "%s/split.tsv", data);
  struct stat sb;
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "SKIP: corpus not found at %s (set KANTOR_DATA)\n", data);
    return 77;
  }
  const char *src = getenv("KANTOR_SRC");
  kt_chorale *te = NULL;
  int nte = 0;
  if (kt_corpus_load(data, NULL, KT_SET_TEST, &te, &nte, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  const char *names[2] = {"live-l0.kmod", "live-l4.kmod"};
  const double free_floor[2] = {0.38, 0.40}; /* without the averaging */
  for (int i = 0; i < 2; ++i) {
    snprintf(path, sizeof path, "%s/models/%s", src ? src : ".", names[i]);
    kt_model *m = NULL;
    if (kt_model_load_file(path, &m, err, sizeof err)) {
      CHECK(0, "%s", err);
      continue;
    }
    /* L0: one net, the student distilled from teacher-l0.kmod's ensemble,
       4.8 MB; L4: teacher-l4.kmod itself run int8, 4.3 MB */
    CHECK(stat(path, &sb) == 0 && sb.st_size <= 5000000, "%s too big", path);
    CHECK(m->repr.arch == KT_ARCH_LIVE && m->repr.lookahead == 4 * i,
          "%s: arch %d lookahead %d", path, m->repr.arch, m->repr.lookahead);
    /* L0: one net, one float pass per slice (the student learnt its
       teacher's averaging over the moves -3..+3, kantor train
       --distil-from); L4: two nets, each averaged over those moves, int8
       (kantor model --quant int8) */
    const int want_sa[2] = {0, 3}, want_nets[2] = {1, 2}, want_q[2] = {0, 1};
    CHECK(m->repr.key_norm == 0 && m->repr.shift_avg == want_sa[i] &&
              m->n_nets == want_nets[i] && m->repr.quant == want_q[i],
          "%s: key_norm %d shift_avg %d nets %d quant %d", path,
          m->repr.key_norm, m->repr.shift_avg, m->n_nets, m->repr.quant);
    /* the melody alone, heads naming the sounding pitch */
    CHECK(m->repr.feedback == 0 && m->repr.tgt_sound == 1,
          "%s: feedback %d tgt_sound %d", path, m->repr.feedback,
          m->repr.tgt_sound);
    kt_dataset ds;
    if (kt_dataset_build(&ds, &m->repr, te, nte,
                         m->repr.key_norm == 2   ? KT_AUG_SIG
                         : m->repr.key_norm == 1 ? KT_AUG_DETECT
                                                 : KT_AUG_NONE,
                         0, err, sizeof err)) {
      CHECK(0, "%s", err);
      kt_model_free(m);
      continue;
    }
    double loss, acc;
    kt_train_evaluate(m, &ds, &loss, &acc);
    double fr = kt_dataset_rollout(&ds, m);
    printf("%s: test teacher-forced loss %.4f acc %.4f, free-running "
           "exact-pitch %.4f\n",
           names[i], loss, acc, fr);
    /* sounding-pitch heads: the token accuracy is the pitch accuracy (with
       no fed-back voices, the same as free-running but for the guard) */
    double acc_floor = m->repr.tgt_sound ? 0.37 : 0.75;
    CHECK(acc >= acc_floor, "%s: teacher-forced accuracy %.4f < %.2f",
          names[i], acc, acc_floor);
    CHECK(fr >= free_floor[i], "%s: free-running accuracy %.4f < %.2f",
          names[i], fr, free_floor[i]);
    kt_dataset_free(&ds);
    kt_model_free(m);
  }
  kt_corpus_free(te, nte);
  DONE();
}
