/* tests/nn/test_export.c -- kantor train --export-data: the file holds
 * exactly the examples kt_train encodes (inputs and targets, dataset
 * order), the reader accepts it and rejects damaged copies naming the file
 * and the place, kt_train_fixed trains on it.  Uses the synthetic fixture
 * corpus (tests/nn/fixtures, no real corpus needed). */
#include "train.h"
#include "../check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int spit(const char *path, const unsigned char *b, size_t len)
{
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(b, 1, len, f);
  return fclose(f) == 0 && w == len ? 0 : -1;
}

int main(void)
{
  const char *src = getenv("KANTOR_SRC");
  char dir[4096], err[1024];
  snprintf(dir, sizeof dir, "%s/tests/nn/fixtures", src ? src : ".");
  kt_chorale *c = NULL;
  int n = 0;
  if (kt_corpus_load(dir, NULL, KT_SET_TRAIN, &c, &n, err, sizeof err)) {
    fprintf(stderr, "fixture: %s\n", err);
    return 1;
  }
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.window = 4;
  o.feedback = 2;
  o.hidden[0] = 16;
  o.hidden[1] = 8;
  o.batch = 8;
  o.augment = KT_AUG_NONE;
  const char *path = "te_data.ktd";
  int n_ex = 0;
  CHECK(kt_train_export(&o, c, n, path, &n_ex, err, sizeof err) == 0, "%s",
        err);
  CHECK(n_ex > 0);
  kt_train_data d;
  CHECK(kt_train_data_load(path, &d, err, sizeof err) == 0, "%s", err);
  CHECK_EQ(d.n_ex, n_ex);
  CHECK_EQ(d.n_hidden, 2);
  CHECK_EQ(d.hidden[0], 16);
  CHECK_EQ(d.batch, 8);
  CHECK_EQ(d.n_heads, 3);

  /* the same examples kt_train builds, in dataset order */
  kt_repr r;
  kt_dataset ds;
  CHECK(kt_train_repr(&o, c, n, &r, err, sizeof err) == 0, "%s", err);
  CHECK(kt_dataset_build(&ds, &r, c, n, o.augment, o.near_span, err,
                         sizeof err) == 0,
        "%s", err);
  CHECK_EQ(ds.n_ex, d.n_ex);
  CHECK_EQ(kt_repr_n_inputs(&r), d.n_in);
  int32_t idx[KT_MAX_WIDTH];
  int tgt[8], same = 1;
  for (int i = 0; i < ds.n_ex && i < d.n_ex; ++i) {
    int k = kt_dataset_example(&ds, &ds.ex[i], 0, 0, 0, NULL, idx, tgt);
    same &= k == d.cnt[i] && !memcmp(idx, d.idx + d.off[i], (size_t)k * 4);
    for (int h = 0; h < 3; ++h)
      same &= tgt[h] == d.tgt[(size_t)i * 3 + h];
  }
  CHECK(same, "exported examples differ from kt_dataset_example");
  for (int h = 0; h < 3; ++h)
    CHECK_EQ(d.head_size[h], kt_repr_n_tok(&r, kt_repr_head_voice(h)));
  kt_dataset_free(&ds);

  /* trains; deterministic for a seed */
  double es[2];
  double l1 = kt_train_fixed(&d, 3, 2, es), l2 = kt_train_fixed(&d, 3, 2, es);
  CHECK(l1 > 0 && isfinite(l1), "loss %g", l1);
  CHECK(l1 == l2, "same seed, loss %g vs %g", l1, l2);
  kt_train_data_free(&d);

  /* damaged copies: a flipped byte, a truncation, another file */
  size_t len;
  unsigned char *b = kt_test_slurp(path, &len);
  CHECK(b && len > 100 && !memcmp(b, "KTTRAIN1", 8));
  if (b) {
    b[len / 2] ^= 0x40;
    spit("te_bad.ktd", b, len);
    CHECK(kt_train_data_load("te_bad.ktd", &d, err, sizeof err) != 0);
    CHECK_ERR(err, "te_bad.ktd");
    CHECK_ERR(err, "CRC");
    b[len / 2] ^= 0x40;
    spit("te_bad.ktd", b, len - 7);
    CHECK(kt_train_data_load("te_bad.ktd", &d, err, sizeof err) != 0);
    CHECK_ERR(err, "byte");
    memcpy(b, "KANTORNN", 8);
    spit("te_bad.ktd", b, len);
    CHECK(kt_train_data_load("te_bad.ktd", &d, err, sizeof err) != 0);
    CHECK_ERR(err, "not a kantor training-data file");
    free(b);
  }
  CHECK(kt_train_data_load("/nonexistent/x.ktd", &d, err, sizeof err) != 0);
  CHECK_ERR(err, "/nonexistent/x.ktd");
  /* no half-written file: an unwritable path fails and leaves nothing */
  CHECK(kt_train_export(&o, c, n, "/nonexistent/y.ktd", NULL, err,
                        sizeof err) != 0);
  CHECK_ERR(err, "/nonexistent/y.ktd");
  remove("te_bad.ktd");
  remove(path);
  kt_corpus_free(c, n);
  return kt_check_done("test_export");
}
