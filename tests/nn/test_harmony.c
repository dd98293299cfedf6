/* tests/nn/test_harmony.c -- chord labels, names and key finding. */
#include "harmony.h"
#include "../check.h"

#include <string.h>

static void label(const int *p, int n, int want_root, int want_q,
                  const char *want_name)
{
  int root, q;
  int c = kt_harmony_chord_label(p, n, &root, &q);
  char name[16];
  kt_harmony_chord_name(c, name, sizeof name);
  CHECK(root == want_root && q == want_q && !strcmp(name, want_name),
        "got root %d quality %d '%s', want %d %d '%s'", root, q, name,
        want_root, want_q, want_name);
  if (want_q != KT_Q_NONE)
    CHECK(c == 1 + want_root * (KT_NQUALITIES - 1) + (want_q - 1), "class %d",
          c);
  else
    CHECK(c == 0, "class %d for none", c);
}

int main(void)
{
  label((int[]){60, 64, 67}, 3, 0, KT_Q_MAJ, "C");
  label((int[]){48, 67, 72, 76}, 4, 0, KT_Q_MAJ, "C"); /* doubled root */
  label((int[]){52, 60, 67, -1}, 4, 0, KT_Q_MAJ, "C"); /* inversion, rest */
  label((int[]){57, 60, 64, 69}, 4, 9, KT_Q_MIN, "a");
  label((int[]){59, 62, 65}, 3, 11, KT_Q_DIM, "bdim");
  label((int[]){60, 64, 68}, 3, 0, KT_Q_AUG, "C+");
  label((int[]){43, 59, 62, 65}, 4, 7, KT_Q_DOM7, "G7");
  label((int[]){48, 64, 67, 71}, 4, 0, KT_Q_MAJ7, "CM7");
  label((int[]){50, 65, 69, 72}, 4, 2, KT_Q_MIN7, "dm7");
  label((int[]){47, 62, 65, 69}, 4, 11, KT_Q_HDIM7, "bm7b5");
  label((int[]){47, 62, 65, 68}, 4, 11, KT_Q_DIM7, "bdim7"); /* bass = root */
  label((int[]){43, 59, 65, 67}, 4, 7, KT_Q_DOM7, "G7");     /* no fifth */
  label((int[]){48, 64, 60, 48}, 4, 0, KT_Q_MAJ, "C");       /* root + third */
  label((int[]){57, 60, 57, 69}, 4, 9, KT_Q_MIN, "a");       /* root + third */
  label((int[]){60, 67, 72}, 3, -1, KT_Q_NONE, "-");         /* open fifth */
  label((int[]){60, 61, 62}, 3, -1, KT_Q_NONE, "-");         /* cluster */
  label((int[]){-1, -1}, 2, -1, KT_Q_NONE, "-");
  label((int[]){66, 70, 73}, 3, 6, KT_Q_MAJ, "F#");
  CHECK(kt_harmony_chord_label((int[]){60, 64, 67}, 3, NULL, NULL) == 1, "C = 1");

  /* key finding */
  float h[12] = {0};
  int minor = -1;
  int maj[7] = {0, 2, 4, 5, 7, 9, 11};
  for (int i = 0; i < 7; ++i)
    h[maj[i]] = 1;
  h[0] += 1; /* tonic and dominant a bit more, as in music */
  h[7] += 0.5f;
  CHECK(kt_harmony_key_find(h, &minor) == 0 && minor == 0, "C major scale: %d %d",
        kt_harmony_key_find(h, &minor), minor);
  float g[12] = {0};
  for (int i = 0; i < 7; ++i)
    g[(maj[i] + 7) % 12] = 1;
  g[7] += 1;
  g[2] += 0.5f;
  CHECK(kt_harmony_key_find(g, &minor) == 7 && minor == 0, "G major");
  float a[12] = {0};
  int mino[7] = {0, 2, 3, 5, 7, 8, 11}; /* harmonic minor */
  for (int i = 0; i < 7; ++i)
    a[(mino[i] + 9) % 12] = 1;
  a[9] += 1;
  a[4] += 0.5f;
  CHECK(kt_harmony_key_find(a, &minor) == 9 && minor == 1, "A minor: %d %d",
        kt_harmony_key_find(a, &minor), minor);
  float z[12] = {0};
  int k = kt_harmony_key_find(z, &minor);
  CHECK(k >= 0 && k < 12, "empty histogram");

  /* key signatures: A harmonic minor (with G#) is C's collection, G major
     one sharp, and a pentatonic C D E G A, which fits C, F and G, is C by
     its tonic triads */
  CHECK(kt_harmony_sig_find(a) == 0, "A harmonic minor: signature %d", kt_harmony_sig_find(a));
  CHECK(kt_harmony_sig_find(g) == 7, "G major: signature %d", kt_harmony_sig_find(g));
  float p5[12] = {0};
  p5[0] = p5[2] = p5[4] = p5[7] = p5[9] = 1;
  CHECK(kt_harmony_sig_find(p5) == 0, "pentatonic: signature %d", kt_harmony_sig_find(p5));
  CHECK(kt_harmony_sig_of_key(9, 1) == 0 && kt_harmony_sig_of_key(7, 0) == 7 &&
            kt_harmony_sig_of_key(2, 1) == 5,
        "signature of a key");
  /* the tracker: silence leaves it unknown; it switches only after
     KT_SIG_SWITCH slices of a new winner */
  kt_harmony_sig_tracker st;
  kt_harmony_sig_tracker_reset(&st);
  kt_harmony_sig_tracker_push(&st, -1); /* a rest */
  CHECK(!st.known, "rest: nothing known");
  static const int cmaj[8] = {60, 62, 64, 65, 67, 69, 71, 72};
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 8; ++j)
      kt_harmony_sig_tracker_push(&st, cmaj[j]);
  CHECK(st.known && st.sig == 0, "C major scale: signature %d", st.sig);
  int took = -1;
  for (int j = 0; j < 400 && took < 0; ++j) {
    kt_harmony_sig_tracker_push(&st, j % 2 ? 66 : 62); /* F# D ... : G or D */
    if (st.sig != 0) took = j;
  }
  CHECK(took >= KT_SIG_SWITCH - 1 && st.sig != 0,
        "switch after %d slices to %d", took, st.sig);
  DONE();
}
