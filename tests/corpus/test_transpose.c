/* tests/corpus/test_transpose.c -- kt_chorale_transpose, kt_harmony_key_shift_to_c,
 * kt_chorale_copy.  usage: test_transpose FIXTURE_DIR */
#include "../check.h"
#include "chorale.h"

#include <stdio.h>
#include <string.h>

static int same_slices(const kt_chorale *a, const kt_chorale *b)
{
  if (a->n_slices != b->n_slices) return 0;
  size_t n = (size_t)a->n_slices;
  for (int v = 0; v < KT_NVOICES; v++)
    if (memcmp(a->v[v], b->v[v], n * sizeof(kt_slice))) return 0;
  return !memcmp(a->bar_pos, b->bar_pos, n) &&
         !memcmp(a->bar_len, b->bar_len, n) &&
         !memcmp(a->fermata, b->fermata, n) && a->tonic == b->tonic &&
         a->mode == b->mode && a->key_sig == b->key_sig &&
         !memcmp(a->stats, b->stats, sizeof a->stats);
}

/* Notes (not slices) outside r, counted independently. */
static int count_outside(const kt_chorale *c, const kt_ranges *r)
{
  int k = 0;
  for (int v = 0; v < KT_NVOICES; v++) {
    kt_note n[256];
    int m = kt_chorale_notes(c, v, n, 256);
    for (int i = 0; i < m; i++)
      k += n[i].pitch < r->lo[v] || n[i].pitch > r->hi[v];
  }
  return k;
}

static int load(const char *dir, const char *name, kt_chorale *c)
{
  char path[4096], err[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (kt_kern_read(path, c, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: test_transpose FIXTURE_DIR\n");
    return 2;
  }
  /* key shift: tonic -> C within -6..+5 */
  static const int shift[12] = {0, -1, -2, -3, -4, -5, -6, 5, 4, 3, 2, 1};
  for (int t = 0; t < 12; t++) {
    int s = kt_harmony_key_shift_to_c(t);
    CHECK_EQ(s, shift[t]);
    CHECK_EQ(((t + s) % 12 + 12) % 12, 0);
  }

  kt_chorale c, orig;
  if (load(argv[1], "basic.krn", &c)) return 1;
  CHECK_EQ(kt_chorale_copy(&c, &orig), 0);
  CHECK(same_slices(&c, &orig));
  CHECK(c.v[0] != orig.v[0]); /* a deep copy */

  /* G major -> A major: every pitch +2, onsets and rests unchanged */
  int out = kt_chorale_transpose(&c, 2, &kt_chorale_ranges);
  CHECK_EQ(out, 0);
  CHECK_EQ(out, count_outside(&c, &kt_chorale_ranges));
  for (int v = 0; v < KT_NVOICES; v++)
    for (int s = 0; s < c.n_slices; s++) {
      int p = orig.v[v][s].pitch;
      CHECK_EQ(c.v[v][s].pitch, p == KT_REST ? KT_REST : p + 2);
      CHECK_EQ(c.v[v][s].onset, orig.v[v][s].onset);
    }
  CHECK_EQ(c.tonic, 9);
  CHECK_EQ(c.key_sig, 3);
  CHECK_EQ(c.stats[KT_BASS].lo, 38);
  CHECK_EQ(c.stats[KT_SOPRANO].hi, 81);
  /* and back */
  CHECK_EQ(kt_chorale_transpose(&c, -2, NULL), 0);
  CHECK(same_slices(&c, &orig));

  /* down a fourth: the bass CC (36) leaves the corpus range; reported, not
   * clamped */
  out = kt_chorale_transpose(&c, -5, &kt_chorale_ranges);
  CHECK_EQ(out, 1);
  CHECK_EQ(out, count_outside(&c, &kt_chorale_ranges));
  CHECK_EQ(c.v[KT_BASS][28].pitch, 31);
  CHECK_EQ(c.tonic, 2);
  CHECK_EQ(c.key_sig, 2); /* D major */
  CHECK_EQ(kt_chorale_transpose(&c, 5, NULL), 0);
  CHECK(same_slices(&c, &orig));

  /* tight ranges: each note outside counts once (a tied chain is one) */
  kt_ranges tight = {{40, 60, 63, 68}, {50, 61, 66, 75}};
  out = kt_chorale_transpose(&c, 0, &tight);
  CHECK_EQ(out, count_outside(&c, &tight));
  CHECK(out > 0);
  CHECK(same_slices(&c, &orig));

  /* to C: G major +5 -> C major with no accidentals */
  CHECK_EQ(kt_chorale_transpose(&c, kt_harmony_key_shift_to_c(c.tonic), NULL), 0);
  CHECK_EQ(c.tonic, 0);
  CHECK_EQ(c.key_sig, 0);

  /* beyond MIDI 0..127: refused, nothing changed */
  kt_chorale_free(&c);
  CHECK_EQ(kt_chorale_copy(&orig, &c), 0);
  CHECK_EQ(kt_chorale_transpose(&c, 49, NULL), -1); /* 79 + 49 > 127 */
  CHECK(same_slices(&c, &orig));
  CHECK_EQ(kt_chorale_transpose(&c, -37, NULL), -1); /* 36 - 37 < 0 */
  CHECK(same_slices(&c, &orig));
  kt_chorale_free(&c);
  kt_chorale_free(&orig);

  /* g dorian -> c dorian: two flats */
  if (load(argv[1], "meter.krn", &c)) return 1;
  CHECK_EQ(kt_chorale_transpose(&c, kt_harmony_key_shift_to_c(c.tonic), NULL), 0);
  CHECK_EQ(c.tonic, 0);
  CHECK_EQ(c.mode, KT_DORIAN);
  CHECK_EQ(c.key_sig, -2);
  kt_chorale_free(&c);
  return kt_check_done("test_transpose");
}
