/* nn/corpus.c -- load the chorales of one split set from DATA/kern. */
#include "chorale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kt_corpus_default_dir(void)
{
  const char *e = getenv("KANTOR_DATA");
  if (e && *e) return e;
  return "../shared/data/bach-370-chorales";
}

void kt_corpus_free(kt_chorale *c, int n)
{
  if (!c) return;
  for (int i = 0; i < n; i++)
    kt_chorale_free(&c[i]);
  free(c);
}

int kt_corpus_load(const char *data_dir, const char *split_path, int set,
                   kt_chorale **out, int *n, char *err, size_t errlen)
{
  *out = NULL;
  *n = 0;
  if (!data_dir) data_dir = kt_corpus_default_dir();
  char path[4096];
  if (!split_path) {
    snprintf(path, sizeof path, "%s/split.tsv", data_dir);
    split_path = path;
  }
  kt_split_entry *e;
  int ne;
  if (kt_split_load(split_path, &e, &ne, err, errlen)) return -1;
  int want = 0;
  for (int i = 0; i < ne; i++)
    if (set < 0 || e[i].set == set) want++;
  kt_chorale *c = calloc((size_t)(want ? want : 1), sizeof *c);
  if (!c) {
    snprintf(err, errlen, "%s:0: out of memory", split_path);
    free(e);
    return -1;
  }
  int k = 0;
  for (int i = 0; i < ne; i++) {
    if (set >= 0 && e[i].set != set) continue;
    char fp[4096 + 80];
    snprintf(fp, sizeof fp, "%s/kern/%s", data_dir, e[i].file);
    if (kt_kern_read(fp, &c[k], err, errlen)) {
      kt_corpus_free(c, k);
      free(e);
      return -1;
    }
    k++;
  }
  free(e);
  *out = c;
  *n = k;
  return 0;
}
