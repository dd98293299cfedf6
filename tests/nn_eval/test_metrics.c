/* tests/nn_eval/test_metrics.c -- nn/metrics on hand-made tiny examples. */
#include "../check.h"
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>



#define NS 8
typedef struct {
  kt_slice s[KT_NVOICES][NS];
  uint8_t bar_len[NS];
  kt_metrics_voices m;
} piece;

/* pitches[voice][slice], -1 rest; a slice is an onset when the pitch
 * differs from the previous one. */
static void make(piece *p, int n, const int pitches[KT_NVOICES][NS])
{
  memset(p, 0, sizeof *p);
  for (int v = 0; v < KT_NVOICES; ++v) {
    for (int t = 0; t < n; ++t) {
      p->s[v][t].pitch = (int8_t)pitches[v][t];
      p->s[v][t].onset =
          (uint8_t)(t == 0 || pitches[v][t] != pitches[v][t - 1]);
    }
    p->m.v[v] = p->s[v];
  }
  for (int t = 0; t < n; ++t)
    p->bar_len[t] = 4; /* tiny bars: 4 slices */
  p->m.bar_len = p->bar_len;
  p->m.n_slices = n;
}

static int near(double a, double b)
{
  return fabs(a - b) < 1e-9;
}

static void test_parallel_fifth(void)
{
  /* tenor-alto: C4-G4 -> D4-A4 (a parallel fifth), one move slice;
   * soprano and bass hold. */
  const int pit[KT_NVOICES][NS] = {
      {48, 48, 48, 48}, /* bass C3 */
      {60, 60, 62, 62}, /* tenor */
      {67, 67, 69, 69}, /* alto */
      {76, 76, 76, 76}, /* soprano E5 */
  };
  piece p;
  make(&p, 4, pit);
  kt_metrics_count c;
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  CHECK(c.moves == 1);
  CHECK(c.par5 == 1);
  CHECK(c.par8 == 0);
  CHECK(c.contra5 == 0 && c.contra8 == 0);
  kt_metrics m;
  kt_metrics_finish(&c, &m);
  CHECK(near(m.par_per100, 100.0));
  CHECK(near(m.cross_pct, 0));

  /* the same with a compound fifth (tenor an octave lower) and a parallel
   * octave bass-tenor: bass C3->D3 with tenor C4->D4 */
  const int pit2[KT_NVOICES][NS] = {
      {48, 50, 50, 52},
      {60, 62, 62, 64},
      {79, 81, 81, 83},
      {84, 84, 84, 84},
  };
  make(&p, 4, pit2);
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  /* 2 move slices; per move: B-T octave, B-A compound fifth (31), T-A
   * compound fifth (19) */
  CHECK(c.moves == 2);
  CHECK(c.par8 == 2);
  CHECK(c.par5 == 4);

  /* contrary fifths (5th -> 12th) are not parallels; oblique motion is none */
  const int pit3[KT_NVOICES][NS] = {
      {48, 41, 41, 41}, /* C3 -> F2 */
      {55, 60, 60, 62}, /* G3 -> C4 (contrary: 7 -> 19) then oblique */
      {64, 64, 64, 64},
      {72, 72, 72, 72},
  };
  make(&p, 4, pit3);
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  CHECK(c.moves == 2);
  CHECK(c.par5 == 0 && c.par8 == 0);
  CHECK(c.contra5 == 1);

  /* a repeated note and a rest boundary are no moves */
  const int pit4[KT_NVOICES][NS] = {
      {48, 48, -1, 50},
      {60, 60, -1, 62},
      {67, 67, 67, 67},
      {72, 72, 72, 72},
  };
  make(&p, 4, pit4);
  p.s[KT_SOPRANO][1].onset = 1; /* repeated note */
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  CHECK(c.moves == 0);
  CHECK(c.par8 == 0 && c.par5 == 0);
  CHECK(c.onsets[KT_SOPRANO] == 2);
  CHECK(c.onsets[KT_BASS] == 2); /* rests are no note onsets */
}

static void test_crossing(void)
{
  const int pit[KT_NVOICES][NS] = {
      {48, 48, 48},
      {60, 69, 60}, /* tenor above alto in slice 1 */
      {67, 67, 67},
      {72, 72, 72},
  };
  piece p;
  make(&p, 3, pit);
  kt_metrics_count c;
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  CHECK(c.crossing_slices == 1);
  kt_metrics m;
  kt_metrics_finish(&c, &m);
  CHECK(near(m.cross_pct, 100.0 / 3));
  /* unison is not a crossing */
  const int uni[KT_NVOICES][NS] = {{48}, {60}, {60}, {72}};
  make(&p, 1, uni);
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  CHECK(c.crossing_slices == 0);
}

static void test_chords(void)
{
  /* slice 0: C major triad (C3 G3 E4 C5); slice 1: C D E F (none);
   * slice 2: G7 (G2 F3 B3 D4) */
  const int pit[KT_NVOICES][NS] = {
      {48, 48, 43},
      {55, 50, 53},
      {64, 52, 59},
      {72, 53, 62},
  };
  piece p;
  make(&p, 3, pit);
  kt_metrics_count c;
  kt_metrics_count_init(&c);
  kt_metrics_style(&p.m, &c);
  CHECK(c.sounding_slices == 3);
  CHECK(c.chord_slices == 2);
  kt_metrics m;
  kt_metrics_finish(&c, &m);
  CHECK(near(m.chord_pct, 200.0 / 3));
}

static void test_accuracy(void)
{
  const int pit[KT_NVOICES][NS] = {
      {48, 48, 43, -1},
      {55, 50, 53, 55},
      {64, 52, 59, 60},
      {72, 53, 62, 64},
  };
  piece a, b;
  make(&a, 4, pit);
  make(&b, 4, pit);
  kt_metrics_count c;
  kt_metrics_count_init(&c);
  kt_metrics_compare(&a.m, &b.m, &c);
  kt_metrics m;
  kt_metrics_finish(&c, &m);
  for (int v = 0; v < KT_NVOICES; ++v) {
    CHECK(near(m.acc[v], 1));
    CHECK(near(m.pc_acc[v], 1));
  }
  CHECK(near(m.acc_mean, 1));
  CHECK(near(m.pc_mean, 1));

  /* alto an octave off in one slice, bass sounding where Bach rests, tenor
   * wrong pitch class in two slices */
  b.s[KT_ALTO][1].pitch = 64;
  b.s[KT_BASS][3].pitch = 48;
  b.s[KT_TENOR][0].pitch = 56;
  b.s[KT_TENOR][1].pitch = 51;
  kt_metrics_count_init(&c);
  kt_metrics_compare(&a.m, &b.m, &c);
  kt_metrics_finish(&c, &m);
  CHECK(near(m.acc[KT_ALTO], 0.75));
  CHECK(near(m.pc_acc[KT_ALTO], 1)); /* 52 vs 64: same pitch class */
  CHECK(near(m.acc[KT_BASS], 0.75));
  CHECK(near(m.pc_acc[KT_BASS], 0.75));
  CHECK(near(m.acc[KT_TENOR], 0.5));
  CHECK(near(m.pc_acc[KT_TENOR], 0.5));
  CHECK(near(m.acc_mean, (0.75 + 0.75 + 0.5) / 3));

  /* a shorter generation: missing slices are rests */
  b = a;
  for (int v = 0; v < KT_NVOICES; ++v)
    b.m.v[v] = b.s[v];
  b.m.n_slices = 2;
  kt_metrics_count_init(&c);
  kt_metrics_compare(&a.m, &b.m, &c);
  CHECK(c.cmp_slices == 4);
  CHECK(c.exact[KT_BASS] == 3); /* slice 3 is a rest in both */
  CHECK(c.exact[KT_ALTO] == 2);
}

/* Style counts and rates of an 8-slice piece. */
static void style_of(const int pit[KT_NVOICES][NS], kt_metrics_count *c,
                     kt_metrics *m)
{
  piece p;
  make(&p, 8, pit);
  kt_metrics_count_init(c);
  kt_metrics_style(&p.m, c);
  kt_metrics_finish(c, m);
}

static void test_onsets_per_bar(void)
{
  const int pit[KT_NVOICES][NS] = {
      {48, 48, 50, 50, 52, 52, 53, 53},
      {55, 55, 55, 55, 55, 55, 55, 55},
      {64, 65, 67, 69, 67, 65, 64, 62},
      {72, 72, 72, 72, 72, 72, 72, 72},
  };
  kt_metrics_count c;
  kt_metrics m;
  style_of(pit, &c, &m);
  /* 8 slices, bar_len 4: 2 bars */
  CHECK(near(c.bars, 2));
  CHECK(near(m.onsets_per_bar[KT_BASS], 2));
  CHECK(near(m.onsets_per_bar[KT_TENOR], 0.5));
  CHECK(near(m.onsets_per_bar[KT_ALTO], 4));
  /* melodic motion: the alto moves 1,2,2,2,2,1,2 semitones (mean 12/7, no
     leap); the bass 2, 2, 1 at slices 2, 4, 6 */
  CHECK(c.changes[KT_ALTO] == 7 && c.interval[KT_ALTO] == 12);
  CHECK(near(m.step[KT_ALTO], 12.0 / 7.0) && near(m.wide_pct[KT_ALTO], 0));
  CHECK(near(m.step[KT_BASS], 5.0 / 3.0) && m.step[KT_TENOR] == 0);
  {
    const int leap[KT_NVOICES][NS] = {
        {36, 48, 43, 43, 36, 36, 38, 50},
        {55, 57, 55, 55, 57, 55, 57, 57},
        {64, 64, 64, 64, 64, 64, 64, 64},
        {72, 72, 72, 72, 72, 72, 72, 72},
    };
    kt_metrics_count d;
    style_of(leap, &d, &m);
    /* 12, 5, 7, 2, 12: two of five wider than a fifth (a fifth is not) */
    CHECK(d.changes[KT_BASS] == 5 && near(m.wide_pct[KT_BASS], 40));
    CHECK(near(m.step[KT_BASS], 38.0 / 5.0));
    /* the tenor's 57 at slice 1 and 55 at slice 5 sound one slice between
       two equal pitches, and so does the 57 at slice 4: 3 of 5 changes */
    CHECK(d.changes[KT_TENOR] == 5 && d.flicker[KT_TENOR] == 3);
    CHECK(near(m.flicker_pct[KT_TENOR], 60) && d.flicker[KT_BASS] == 0);
  }
  /* pooled counts */
  kt_metrics_count sum;
  kt_metrics_count_init(&sum);
  kt_metrics_count_add(&sum, &c);
  kt_metrics_count_add(&sum, &c);
  CHECK(sum.pieces == 2 && near(sum.bars, 4) && sum.moves == 2 * c.moves);
}

int main(void)
{
  test_parallel_fifth();
  test_crossing();
  test_chords();
  test_accuracy();
  test_onsets_per_bar();
  if (kt_failures) {
    fprintf(stderr, "%d failure(s)\n", kt_failures);
    return 1;
  }
  printf("metrics: all checks passed\n");
  return 0;
}
