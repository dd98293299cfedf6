/* tests/corpus/test_roundtrip.c -- kern -> slices -> kt_chorale_notes gives
 * back the notes written in the fixture, and notes -> slices gives back the
 * slices.  usage: test_roundtrip FIXTURE_DIR */
#include "../check.h"
#include "chorale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int start, len, pitch;
} want_note;

/* basic.krn, written out by hand from the file. */
static const want_note w_bass[] = {{0, 4, 43},  {4, 6, 55},  {10, 2, 54},
                                   {12, 4, 52}, {16, 4, 50}, {20, 8, 48},
                                   {28, 4, 36}, {32, 4, 45}, {36, 8, 43},
                                   {44, 4, 55}, {48, 16, 43}};
static const want_note w_tenor[] = {{0, 4, 59},  {4, 2, 59},   {6, 2, 60},
                                    {8, 4, 62},  {20, 16, 60}, {36, 8, 59},
                                    {44, 4, 62}, {48, 16, 62}};
static const want_note w_alto[] = {{0, 4, 62},  {4, 4, 62},  {8, 2, 64},
                                   {10, 2, 66}, {12, 4, 67}, {16, 4, 66},
                                   {20, 8, 64}, {28, 4, 67}, {32, 4, 69},
                                   {36, 8, 62}, {44, 4, 67}, {48, 16, 67}};
static const want_note w_sop[] = {
    {0, 4, 67},  {4, 12, 67}, {16, 4, 69}, {20, 8, 79}, {28, 6, 78},
    {34, 1, 76}, {35, 1, 78}, {36, 8, 67}, {44, 4, 71}, {48, 16, 71}};

static void check_voice(const kt_chorale *c, int v, const want_note *w, int nw)
{
  CHECK_EQ(kt_chorale_notes(c, v, NULL, 0), nw);
  kt_note n[64];
  int k = kt_chorale_notes(c, v, n, 64);
  CHECK_EQ(k, nw);
  for (int i = 0; i < k && i < nw; i++) {
    if (n[i].start != w[i].start || n[i].len != w[i].len ||
        n[i].pitch != w[i].pitch || n[i].voice != v) {
      fprintf(stderr, "voice %d note %d: got (%d,%d,%d) want (%d,%d,%d)\n", v,
              i, n[i].start, n[i].len, n[i].pitch, w[i].start, w[i].len,
              w[i].pitch);
      kt_failures++;
    }
  }
  /* cap smaller than the count: fills only cap */
  CHECK_EQ(kt_chorale_notes(c, v, n, 2), 2);
}

/* notes -> slices must reproduce pitches, and onsets wherever a note sounds */
static void check_rebuild(const kt_chorale *c)
{
  for (int v = 0; v < KT_NVOICES; v++) {
    int total = kt_chorale_notes(c, v, NULL, 0);
    kt_note *n = malloc(sizeof(kt_note) * (size_t)(total ? total : 1));
    kt_chorale_notes(c, v, n, total);
    kt_slice *s = malloc(sizeof(kt_slice) * (size_t)c->n_slices);
    for (int i = 0; i < c->n_slices; i++) {
      s[i].pitch = KT_REST;
      s[i].onset = 0;
    }
    int prev_end = -1;
    for (int i = 0; i < total; i++) {
      CHECK(n[i].start >= prev_end); /* notes in order, no overlap */
      prev_end = n[i].start + n[i].len;
      for (int k = 0; k < n[i].len; k++) {
        s[n[i].start + k].pitch = (int8_t)n[i].pitch;
        s[n[i].start + k].onset = k == 0;
      }
    }
    for (int i = 0; i < c->n_slices; i++) {
      CHECK_EQ(s[i].pitch, c->v[v][i].pitch);
      if (c->v[v][i].pitch != KT_REST) CHECK_EQ(s[i].onset, c->v[v][i].onset);
    }
    free(s);
    free(n);
  }
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: test_roundtrip FIXTURE_DIR\n");
    return 2;
  }
  static const char *files[] = {"basic.krn", "meter.krn", "thirtysecond.krn"};
  for (int f = 0; f < 3; f++) {
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s", argv[1], files[f]);
    kt_chorale c;
    if (kt_kern_read(path, &c, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    if (f == 0) {
      check_voice(&c, KT_BASS, w_bass, (int)(sizeof w_bass / sizeof *w_bass));
      check_voice(&c, KT_TENOR, w_tenor,
                  (int)(sizeof w_tenor / sizeof *w_tenor));
      check_voice(&c, KT_ALTO, w_alto, (int)(sizeof w_alto / sizeof *w_alto));
      check_voice(&c, KT_SOPRANO, w_sop, (int)(sizeof w_sop / sizeof *w_sop));
    }
    check_rebuild(&c);
    kt_chorale_free(&c);
  }
  return kt_check_done("test_roundtrip");
}
