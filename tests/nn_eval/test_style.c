/* tests/nn_eval/test_style.c -- nn/style (the reference style statistics of
 * ../shared/style/style.py) on hand-made tiny examples: chord labels and
 * their tie-breaks, parallels in any direction, hidden outer fifths,
 * re-strikes, pooling, percentiles and the style_check verdicts. */
#include "../check.h"
#include "style.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int near(double a, double b)
{
  return fabs(a - b) < 1e-9;
}

static unsigned pcs_of(const int *pc, int n)
{
  unsigned m = 0;
  for (int i = 0; i < n; ++i)
    m |= 1u << pc[i];
  return m;
}

static void check_chord(const int *pc, int n, int want_q, int want_root)
{
  int root = 99;
  int q = kt_harmony_style_chord(pcs_of(pc, n), &root);
  CHECK(q == want_q && root == want_root, "pcs[0]=%d n=%d: got %s root %d",
        pc[0], n, kt_style_quality_name(q), root);
}

static void test_chords(void)
{
  check_chord((int[]){0, 4, 7}, 3, KT_SQ_MAJ, 0);
  check_chord((int[]){9, 0, 4}, 3, KT_SQ_MIN, 9);
  check_chord((int[]){11, 2, 5}, 3, KT_SQ_DIM, 11);
  check_chord((int[]){7, 11, 2, 5}, 4, KT_SQ_DOM7, 7);
  check_chord((int[]){2, 5, 9, 0}, 4, KT_SQ_MIN7, 2); /* not F major 6 */
  check_chord((int[]){0, 4, 7, 9}, 4, KT_SQ_MIN7, 9); /* C6 = Am7 */
  check_chord((int[]){11, 2, 5, 9}, 4, KT_SQ_HDIM7, 11);
  check_chord((int[]){0, 4, 7, 11}, 4, KT_SQ_MAJ7, 0);
  /* symmetric chords: the lowest root */
  check_chord((int[]){3, 6, 9, 0}, 4, KT_SQ_DIM7, 0);
  check_chord((int[]){4, 8, 0}, 3, KT_SQ_AUG, 0);
  /* incomplete sevenths: one tone missing */
  check_chord((int[]){0, 4, 10}, 3, KT_SQ_DOM7, 0);
  /* C Eb Bb: hdim7 and min7 both miss one tone on C: the name decides */
  check_chord((int[]){0, 3, 10}, 3, KT_SQ_HDIM7, 0);
  /* two pitch classes or fewer, or no template: no chord */
  check_chord((int[]){0, 4}, 2, KT_SQ_NONE, -1);
  check_chord((int[]){7}, 1, KT_SQ_NONE, -1);
  check_chord((int[]){0, 2, 4}, 3, KT_SQ_NONE, -1);
  check_chord((int[]){0, 4, 7, 10, 2}, 5, KT_SQ_NONE, -1);
  CHECK(!strcmp(kt_style_quality_name(KT_SQ_NONE), "none"));
  CHECK(!strcmp(kt_style_name(KT_ST_MOVE_B), "mean_move_B"));
}

#define NS 8
typedef struct {
  kt_slice s[KT_NVOICES][NS];
  kt_metrics_voices m;
} piece;

/* rows S, A, T, B (style.py's order); -1 rest */
static void make(piece *p, int n, const int sat[4][NS])
{
  static const int voice[4] = {KT_SOPRANO, KT_ALTO, KT_TENOR, KT_BASS};
  memset(p, 0, sizeof *p);
  for (int i = 0; i < 4; ++i) {
    for (int t = 0; t < n; ++t) {
      p->s[voice[i]][t].pitch = (int8_t)sat[i][t];
      p->s[voice[i]][t].onset = 1; /* re-strikes: never a change */
    }
    p->m.v[voice[i]] = p->s[voice[i]];
  }
  p->m.n_slices = n;
}

static void test_parallels_any_direction(void)
{
  /* t1: tenor G3 -> D4 up, bass C3 -> G2 down: a fifth to a twelfth by
   * contrary motion (counted).  t2: soprano and alto E5/C5 -> D5/B4, a
   * third to a third; tenor and bass hold.  t3: alto, tenor and bass
   * move, no 5th/8ve kept. */
  const int sat[4][NS] = {
      {76, 76, 74, 74},
      {72, 72, 71, 72},
      {55, 62, 62, 65},
      {48, 43, 43, 41},
  };
  piece p;
  make(&p, 4, sat);
  kt_style_piece r;
  kt_style_piece_stats(&p.m, &r);
  CHECK_EQ(r.moves, 3);
  CHECK_EQ(r.parallels, 1);
  CHECK(near(r.v[KT_ST_PARALLELS], 100.0 / 3), "%g", r.v[KT_ST_PARALLELS]);
  /* a crossed fifth is a fourth: upper - lower mod 12, never negative */
  const int cross[4][NS] = {
      {72, 74, 0, 0},
      {67, 69, 0, 0},
      {60, 74, 0, 0}, /* the tenor crosses above the alto */
      {48, 50, 0, 0},
  };
  make(&p, 2, cross);
  kt_style_piece_stats(&p.m, &r);
  CHECK_EQ(r.moves, 1);
  /* S-A 5 -> 5 no; S-T 0 -> 0 yes; S-B 0 -> 0 yes; A-T 7 -> 7 (69-74 =
   * -5 -> 7) yes; A-B 7 -> 7 yes; T-B 0 -> 0 yes */
  CHECK_EQ(r.parallels, 5);
  CHECK(r.v[KT_ST_CROSSINGS] > 0);
}

static void test_motion_and_chords(void)
{
  /* C major, G7 (third inversion), C (first inversion), rest, C major:
   * soprano E5 D5 E5 - C5; bass holds C3 at t0..1 as a re-strike */
  const int sat[4][NS] = {
      {76, 74, 76, -1, 72},
      {67, 67, 67, 67, 67},
      {60, 59, 60, 60, 64},
      {48, 53, 52, 52, 48},
  };
  piece p;
  make(&p, 5, sat);
  kt_style_piece r;
  kt_style_piece_stats(&p.m, &r);
  /* full slices 0, 1, 2, 4; chords C maj (root in bass), G7 with F in
   * the bass, C maj with E in the bass, C maj (root) */
  CHECK(near(r.v[KT_ST_Q_MAJ], 75), "%g", r.v[KT_ST_Q_MAJ]);
  CHECK(near(r.v[KT_ST_Q_DOM7], 25), "%g", r.v[KT_ST_Q_DOM7]);
  CHECK(near(r.v[KT_ST_NONCHORD], 0));
  CHECK(near(r.v[KT_ST_ROOT_POS], 50), "%g", r.v[KT_ST_ROOT_POS]);
  CHECK(near(r.v[KT_ST_FINAL_ROOT], 100));
  /* changes between consecutive full slices only: 0->1, 1->2 (2->4 is
   * not consecutive) */
  CHECK(near(r.v[KT_ST_CHORD_CHANGES], 16.0 * 2 / 4), "%g",
        r.v[KT_ST_CHORD_CHANGES]);
  /* bass moves 5, 1, 4 (the soprano's rest does not break the bass line:
   * 52 -> 48 at t4 is a move of the bass) */
  CHECK(near(r.v[KT_ST_MOVE_B], (5 + 1 + 4) / 3.0), "%g", r.v[KT_ST_MOVE_B]);
  /* alto holds G4 throughout (re-struck every slice): one change */
  CHECK(near(r.v[KT_ST_CHANGES_A], 16.0 * 1 / 5), "%g", r.v[KT_ST_CHANGES_A]);
  CHECK(near(r.v[KT_ST_MOVE_A], 0));
  CHECK(near(r.v[KT_ST_PITCH_T], (60 + 59 + 60 + 60 + 64) / 5.0));
  /* soprano rests at t3: rest_pct counts only where the soprano sounds */
  CHECK(near(r.v[KT_ST_REST_PCT_A], 0));
  /* parallels: t1 and t2 are moves (t4's t3 is not full) */
  CHECK_EQ(r.moves, 2);
  CHECK_EQ(r.slices, 5);
}

static void test_hidden_and_final(void)
{
  /* soprano leaps up a fourth into an octave over the bass, which rises a
   * step: a hidden octave.  The final full slice is a G7: no final triad. */
  const int sat[4][NS] = {
      {67, 72, 71},
      {64, 64, 65},
      {55, 55, 62},
      {48, 48, 55},
  };
  piece p;
  make(&p, 3, sat);
  kt_style_piece r;
  kt_style_piece_stats(&p.m, &r);
  /* t1: soprano 67 -> 72, bass holds: a move, not hidden */
  CHECK(near(r.v[KT_ST_HIDDEN], 0), "%g", r.v[KT_ST_HIDDEN]);
  CHECK(near(r.v[KT_ST_FINAL_ROOT], 0));
  const int hid[4][NS] = {
      {67, 72},
      {64, 64},
      {55, 55},
      {58, 60},
  };
  make(&p, 2, hid);
  kt_style_piece_stats(&p.m, &r);
  CHECK(near(r.v[KT_ST_HIDDEN], 100), "%g", r.v[KT_ST_HIDDEN]);
  /* a bass octave leap is no leap > 5th; a tenor octave is */
  const int oct[4][NS] = {
      {72, 72, 72},
      {67, 67, 67},
      {64, 52, 52},
      {48, 36, 48},
  };
  make(&p, 3, oct);
  kt_style_piece_stats(&p.m, &r);
  CHECK(near(r.v[KT_ST_LEAP_B], 0));
  CHECK(near(r.v[KT_ST_LEAP_T], 100));
  /* wide spacing: A-T 15 semitones at t1 and t2 */
  CHECK(near(r.v[KT_ST_WIDE], 200.0 / 3), "%g", r.v[KT_ST_WIDE]);
}

static void test_pooling_and_compare(void)
{
  kt_style_acc a;
  kt_style_acc_init(&a);
  /* three pieces with 2, 4 and 8 slices whose final chord is a
   * root-position triad or not: final_root_triad 100, 0, 100 */
  const int yes[4][NS] = {{72, 72, 72, 72, 72, 72, 72, 72},
                          {67, 67, 67, 67, 67, 67, 67, 67},
                          {64, 64, 64, 64, 64, 64, 64, 64},
                          {48, 48, 48, 48, 48, 48, 48, 48}};
  const int no[4][NS] = {
      {72, 72, 72, 72}, {67, 67, 67, 67}, {64, 64, 64, 64}, {52, 52, 52, 52}};
  piece p;
  make(&p, 2, yes);
  CHECK(kt_style_acc_add(&a, &p.m) == 0);
  make(&p, 4, no);
  CHECK(kt_style_acc_add(&a, &p.m) == 0);
  make(&p, 8, yes);
  CHECK(kt_style_acc_add(&a, &p.m) == 0);
  kt_style_result r;
  kt_style_finish(&a, &r);
  CHECK_EQ(r.pieces, 3);
  CHECK_EQ(r.slices, 14);
  /* pooled by slices: (2 * 100 + 4 * 0 + 8 * 100) / 14 */
  CHECK(near(r.s[KT_ST_FINAL_ROOT].mean, 1000.0 / 14));
  /* percentiles over 0, 100, 100: k = 2 * p / 100 */
  CHECK(near(r.s[KT_ST_FINAL_ROOT].p10, 20), "%g", r.s[KT_ST_FINAL_ROOT].p10);
  CHECK(near(r.s[KT_ST_FINAL_ROOT].p50, 100));
  CHECK(near(r.s[KT_ST_FINAL_ROOT].p90, 100));
  CHECK(near(r.s[KT_ST_ROOT_POS].mean, 1000.0 / 14));

  /* compare: z on rounded figures; one-sided stats only off when above */
  kt_style_result b, o;
  memset(&b, 0, sizeof b);
  memset(&o, 0, sizeof o);
  for (int s = 0; s < KT_ST_N; ++s) {
    b.s[s] = (kt_style_fig){10, 8, 10, 12};
    o.s[s] = b.s[s];
  }
  b.s[KT_ST_FINAL_ROOT].mean = o.s[KT_ST_FINAL_ROOT].mean = 100;
  b.s[KT_ST_PARALLELS].mean = o.s[KT_ST_PARALLELS].mean = 0.4;
  kt_style_cmp c;
  kt_style_compare(&b, &o, KT_STYLE_TOL, &c);
  CHECK_EQ(c.n_off, 0);
  o.s[KT_ST_MOVE_B].mean = 11.0004;   /* rounds to 11.000: z = 0.25 */
  o.s[KT_ST_LEAP_B].mean = 5;         /* fewer leaps: never off */
  o.s[KT_ST_LEAP_A].mean = 11.2;      /* z = 0.3 */
  o.s[KT_ST_Q_DOM7].mean = 8.9;       /* z = -0.275 */
  o.s[KT_ST_PARALLELS].mean = 0.5004; /* 0.500 */
  o.s[KT_ST_FINAL_ROOT].mean = 96.9;
  o.s[KT_ST_Q_NONE].mean = 50; /* not judged */
  kt_style_compare(&b, &o, KT_STYLE_TOL, &c);
  CHECK(!c.off[KT_ST_MOVE_B] && near(c.z[KT_ST_MOVE_B], 0.25), "%g",
        c.z[KT_ST_MOVE_B]);
  CHECK(!c.off[KT_ST_LEAP_B] && c.z[KT_ST_LEAP_B] < -1);
  CHECK(c.off[KT_ST_LEAP_A]);
  CHECK(c.off[KT_ST_Q_DOM7]);
  CHECK(!c.off[KT_ST_PARALLELS]);
  CHECK(c.off[KT_ST_FINAL_ROOT]);
  CHECK(!c.off[KT_ST_Q_NONE]);
  CHECK_EQ(c.n_off, 3);
  int judged = 0;
  for (int s = 0; s < KT_ST_N; ++s)
    judged += kt_style_check_of(s) != KT_SC_NONE;
  CHECK_EQ(judged, KT_STYLE_N_CHECKED);
  kt_style_acc_free(&a);
  kt_style_acc_free(&a); /* twice is harmless */
}

int main(void)
{
  test_chords();
  test_parallels_any_direction();
  test_motion_and_chords();
  test_hidden_and_final();
  test_pooling_and_compare();
  return kt_check_done("style");
}
