/* tests/corpus/test_corpus.c -- the whole bach-370-chorales corpus: all 333
 * files load, the counts and ranges are the documented ones, split.tsv
 * gives train/valid/test.  Skips (exit 77) without the corpus. */
#include "../check.h"
#include "chorale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const kt_ranges kt_reference = {{36, 48, 52, 57}, {64, 69, 74, 81}};

static int is_suspicious(const char *name)
{
  return !strcmp(name, "chor194.krn") || !strcmp(name, "chor197.krn");
}

static int is_32nd_file(const char *name)
{
  return !strcmp(name, "chor086.krn") || !strcmp(name, "chor195.krn") ||
         !strcmp(name, "chor247.krn") || !strcmp(name, "chor305.krn");
}

static void check_one(const kt_chorale *c)
{
  CHECK(c->n_slices > 0);
  CHECK(c->meter_den > 0);
  CHECK(c->tonic >= 0 && c->tonic < 12);
  CHECK(c->mode >= 0 && c->mode < KT_NMODES);
  for (int s = 0; s < c->n_slices; s++) {
    int bl = c->bar_len[s];
    CHECK(bl == 12 || bl == 16 || bl == 24);
    CHECK(c->bar_pos[s] < bl);
    for (int v = 0; v < KT_NVOICES; v++) {
      int p = c->v[v][s].pitch;
      CHECK(p == KT_REST || (p >= c->stats[v].lo && p <= c->stats[v].hi));
      if (s == 0) CHECK_EQ(c->v[v][s].onset, 1);
    }
  }
  /* notes from slices never overlap and cover every sounding slice */
  for (int v = 0; v < KT_NVOICES; v++) {
    int n = kt_chorale_notes(c, v, NULL, 0), covered = 0, sounding = 0;
    kt_note *notes = malloc(sizeof(kt_note) * (size_t)n);
    kt_chorale_notes(c, v, notes, n);
    for (int i = 0; i < n; i++)
      covered += notes[i].len;
    for (int s = 0; s < c->n_slices; s++)
      sounding += c->v[v][s].pitch != KT_REST;
    CHECK_EQ(covered, sounding);
    /* slices drop the second note of a 32nd pair and nothing else */
    CHECK_EQ(n + c->stats[v].n_32nds / 2, c->stats[v].n_notes);
    free(notes);
  }
}

int main(void)
{
  const char *data = kt_corpus_default_dir();
  char split[4200];
  snprintf(split, sizeof split, "%s/split.tsv", data);
  struct stat st;
  if (stat(split, &st) != 0) {
    printf("SKIP: corpus not found (%s); set KANTOR_DATA to the "
           "bach-370-chorales directory\n",
           split);
    return 77;
  }
  char err[512];
  kt_chorale *c;
  int n;
  if (kt_corpus_load(data, NULL, -1, &c, &n, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  CHECK_EQ(n, 333);

  kt_ranges all = {{999, 999, 999, 999}, {-1, -1, -1, -1}};
  kt_ranges clean = all;
  int m44 = 0, m34 = 0, m32 = 0, changes = 0, n32 = 0, files32 = 0;
  long slices = 0;
  for (int i = 0; i < n; i++) {
    check_one(&c[i]);
    slices += c[i].n_slices;
    for (int v = 0; v < KT_NVOICES; v++) {
      kt_ranges *r[2] = {&all, is_suspicious(c[i].name) ? NULL : &clean};
      for (int k = 0; k < 2; k++) {
        if (!r[k]) continue;
        if (c[i].stats[v].lo < r[k]->lo[v]) r[k]->lo[v] = c[i].stats[v].lo;
        if (c[i].stats[v].hi > r[k]->hi[v]) r[k]->hi[v] = c[i].stats[v].hi;
      }
    }
    if (c[i].meter_num == 4 && c[i].meter_den == 4)
      m44++;
    else if (c[i].meter_num == 3 && c[i].meter_den == 4)
      m34++;
    else if (c[i].meter_num == 3 && c[i].meter_den == 2)
      m32++;
    changes += c[i].n_meter_changes;
    int f32 = 0;
    for (int v = 0; v < KT_NVOICES; v++) {
      f32 += c[i].stats[v].n_32nds;
      if (v != KT_SOPRANO) CHECK_EQ(c[i].stats[v].n_32nds, 0);
    }
    n32 += f32;
    files32 += f32 > 0;
    CHECK_EQ(f32 > 0, is_32nd_file(c[i].name));
    if (!strcmp(c[i].name, "chor001.krn")) {
      CHECK_EQ(c[i].bar_pos[0], 8); /* quarter pickup in 3/4 */
      CHECK_EQ(c[i].bar_len[0], 12);
      CHECK_EQ(c[i].tonic, 7);
      CHECK_EQ(c[i].mode, KT_MAJOR);
      CHECK_EQ(c[i].key_sig, 1);
    }
  }
  for (int v = 0; v < KT_NVOICES; v++) {
    CHECK_EQ(all.lo[v], kt_reference.lo[v]);
    CHECK_EQ(all.hi[v], kt_reference.hi[v]);
    CHECK_EQ(all.lo[v], kt_chorale_ranges.lo[v]);
    CHECK_EQ(all.hi[v], kt_chorale_ranges.hi[v]);
    /* only the soprano's low bound comes from chor194/chor197 */
    CHECK_EQ(clean.lo[v], v == KT_SOPRANO ? 60 : all.lo[v]);
    CHECK_EQ(clean.hi[v], all.hi[v]);
  }
  CHECK_EQ(m44, 297);
  CHECK_EQ(m34, 35);
  CHECK_EQ(m32, 1);
  CHECK(m44 > m34 && m44 > m32);
  CHECK_EQ(changes, 4); /* chor011 (2), chor252, chor280 */
  CHECK_EQ(n32, 10);    /* five pairs: chor247 has two */
  CHECK_EQ(files32, 4);
  printf("333 files, %ld slices, 4/4 %d, 3/4 %d, 3/2 %d\n", slices, m44, m34,
         m32);

  /* every chorale moved to C: how many notes leave the corpus ranges */
  int outside = 0, pieces_out = 0;
  for (int i = 0; i < n; i++) {
    kt_chorale t;
    CHECK_EQ(kt_chorale_copy(&c[i], &t), 0);
    int k =
        kt_chorale_transpose(&t, kt_harmony_key_shift_to_c(t.tonic), &kt_chorale_ranges);
    CHECK(k >= 0);
    CHECK_EQ(t.tonic, 0);
    outside += k;
    pieces_out += k > 0;
    kt_chorale_free(&t);
  }
  printf("shifted to C: %d notes in %d files outside the corpus ranges\n",
         outside, pieces_out);

  /* same input -> same output */
  kt_chorale *c2;
  int n2;
  CHECK_EQ(kt_corpus_load(data, NULL, -1, &c2, &n2, err, sizeof err), 0);
  CHECK_EQ(n2, n);
  for (int i = 0; i < n && i < n2; i++) {
    CHECK_EQ(c2[i].n_slices, c[i].n_slices);
    if (c2[i].n_slices != c[i].n_slices) continue;
    for (int v = 0; v < KT_NVOICES; v++)
      CHECK(!memcmp(c2[i].v[v], c[i].v[v],
                    sizeof(kt_slice) * (size_t)c[i].n_slices));
    CHECK(!memcmp(c2[i].bar_pos, c[i].bar_pos, (size_t)c[i].n_slices));
  }
  kt_corpus_free(c2, n2);

  /* split.tsv */
  kt_split_entry *e;
  int ne;
  CHECK_EQ(kt_split_load(split, &e, &ne, err, sizeof err), 0);
  CHECK_EQ(ne, 333);
  int per[3] = {0, 0, 0};
  int saw155 = 0, saw237 = 0;
  for (int i = 0; i < ne; i++) {
    per[e[i].set]++;
    if (!strcmp(e[i].file, "chor155.krn")) {
      saw155 = 1;
      CHECK_EQ(e[i].set, KT_SET_TRAIN);
    }
    if (!strcmp(e[i].file, "chor237.krn")) {
      saw237 = 1;
      CHECK_EQ(e[i].set, KT_SET_TEST);
    }
  }
  CHECK(saw155 && saw237);
  CHECK(per[0] > 0 && per[1] > 0 && per[2] > 0);
  int total = 0;
  for (int set = 0; set < 3; set++) {
    kt_chorale *s;
    int ns;
    CHECK_EQ(kt_corpus_load(data, NULL, set, &s, &ns, err, sizeof err), 0);
    CHECK_EQ(ns, per[set]);
    int k = 0;
    for (int i = 0; i < ne && k < ns; i++)
      if (e[i].set == set) CHECK(!strcmp(s[k++].name, e[i].file));
    total += ns;
    kt_corpus_free(s, ns);
  }
  CHECK_EQ(total, 333);
  printf("split: train %d, valid %d, test %d\n", per[0], per[1], per[2]);
  free(e);
  kt_corpus_free(c, n);
  return kt_check_done("test_corpus");
}
