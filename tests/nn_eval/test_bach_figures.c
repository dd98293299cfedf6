/* tests/nn_eval/test_bach_figures.c -- Bach's own voices over the test split
 * must come out inside the calibration bands documented in docs/eval.md
 * (parallels per 100 moves, chord slices, crossings, onsets per bar), and
 * Bach compared with himself is exact.  Skips (77) without the corpus. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Calibration bands (see docs/eval.md). */
#define KT_BACH_PAR_LO 0.15
#define KT_BACH_PAR_HI 0.8
#define KT_BACH_CHORD_LO 84.0
#define KT_BACH_CHORD_HI 94.0

int main(void)
{
  const char *data = kt_corpus_default_dir();
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/split.tsv", data);
  if (stat(path, &st) != 0) {
    printf("SKIP: corpus not found at %s (set KANTOR_DATA)\n", data);
    return 77;
  }
  kt_chorale *cs = NULL;
  int n = 0;
  char err[512];
  if (kt_corpus_load(data, NULL, KT_SET_TEST, &cs, &n, err, sizeof err)) {
    fprintf(stderr, "corpus load: %s\n", err);
    return 1;
  }
  kt_metrics_count c;
  kt_metrics_count_init(&c);
  for (int i = 0; i < n; ++i) {
    kt_metrics_voices m;
    kt_metrics_voices_from_chorale(&cs[i], &m);
    kt_metrics_style(&m, &c);
    kt_metrics_compare(&m, &m, &c);
  }
  kt_metrics r;
  kt_metrics_finish(&c, &r);
  printf("test split: %d chorales, %ld slices, %ld moves\n", n, c.slices,
         c.moves);
  printf("parallels/100 moves %.3f (5ths %ld, 8ves %ld; contrary %ld)\n",
         r.par_per100, c.par5, c.par8, c.contra5 + c.contra8);
  printf("chord slices %.2f %%, crossings %.2f %%\n", r.chord_pct, r.cross_pct);
  printf("onsets/bar B %.2f T %.2f A %.2f S %.2f\n", r.onsets_per_bar[KT_BASS],
         r.onsets_per_bar[KT_TENOR], r.onsets_per_bar[KT_ALTO],
         r.onsets_per_bar[KT_SOPRANO]);
  int fail = 0;
#define BAND(x, lo, hi)                                                        \
  do {                                                                         \
    if (!((x) >= (lo) && (x) <= (hi))) {                                       \
      fprintf(stderr, "out of band: %s = %g not in [%g, %g]\n", #x,            \
              (double)(x), (double)(lo), (double)(hi));                        \
      fail = 1;                                                                \
    }                                                                          \
  } while (0)
  BAND(n, 30, 40);
  BAND(r.acc_mean, 1, 1);
  BAND(r.pc_mean, 1, 1);
  BAND(r.par_per100, KT_BACH_PAR_LO, KT_BACH_PAR_HI);
  BAND(r.chord_pct, KT_BACH_CHORD_LO, KT_BACH_CHORD_HI);
  BAND(r.cross_pct, 0.5, 8);
  BAND(r.onsets_per_bar[KT_SOPRANO], 2, 6);
  BAND(r.onsets_per_bar[KT_BASS], 3, 9);
  kt_corpus_free(cs, n);
  return fail;
}
