/* nn/style.c -- the style statistics of ../shared/style/style.py (see
 * style.h for the definitions).  Every rate is an integer count divided by
 * an integer, as in the Python, so the figures agree to the last bit. */
#include "style.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name, *desc;
  int check;
} stat_info[KT_ST_N] = {
    [KT_ST_REST_PCT_A] = {"rest_pct_A",
                          "alto rests while the soprano sounds, %", KT_SC_NONE},
    [KT_ST_REST_PCT_T] = {"rest_pct_T",
                          "tenor rests while the soprano sounds, %",
                          KT_SC_NONE},
    [KT_ST_REST_PCT_B] = {"rest_pct_B",
                          "bass rests while the soprano sounds, %", KT_SC_NONE},
    [KT_ST_LEAP_A] = {"leap_gt5_pct_A", "alto: moves wider than a fifth, %",
                      KT_SC_ONE_SIDED},
    [KT_ST_MOVE_A] = {"mean_move_A", "alto: mean size of a move, semitones",
                      KT_SC_TWO_SIDED},
    [KT_ST_PITCH_A] = {"mean_pitch_A", "alto: mean MIDI pitch",
                       KT_SC_TWO_SIDED},
    [KT_ST_CHANGES_A] = {"changes_per_bar_A", "alto: pitch changes per bar",
                         KT_SC_TWO_SIDED},
    [KT_ST_LEAP_T] = {"leap_gt5_pct_T", "tenor: moves wider than a fifth, %",
                      KT_SC_ONE_SIDED},
    [KT_ST_MOVE_T] = {"mean_move_T", "tenor: mean size of a move, semitones",
                      KT_SC_TWO_SIDED},
    [KT_ST_PITCH_T] = {"mean_pitch_T", "tenor: mean MIDI pitch",
                       KT_SC_TWO_SIDED},
    [KT_ST_CHANGES_T] = {"changes_per_bar_T", "tenor: pitch changes per bar",
                         KT_SC_TWO_SIDED},
    [KT_ST_LEAP_B] = {"leap_gt5_pct_B",
                      "bass: moves wider than a fifth (not octaves), %",
                      KT_SC_ONE_SIDED},
    [KT_ST_MOVE_B] = {"mean_move_B", "bass: mean size of a move, semitones",
                      KT_SC_TWO_SIDED},
    [KT_ST_PITCH_B] = {"mean_pitch_B", "bass: mean MIDI pitch",
                       KT_SC_TWO_SIDED},
    [KT_ST_CHANGES_B] = {"changes_per_bar_B", "bass: pitch changes per bar",
                         KT_SC_TWO_SIDED},
    [KT_ST_NONCHORD] = {"nonchord_pct",
                        "non-chord full slices (passing, neighbour tones), %",
                        KT_SC_TWO_SIDED},
    [KT_ST_UNISON] = {"unison_pct", "adjacent voices on one pitch, %",
                      KT_SC_TWO_SIDED},
    [KT_ST_CHORD_CHANGES] = {"chord_changes_per_bar",
                             "chord changes per bar (16 full slices)",
                             KT_SC_TWO_SIDED},
    [KT_ST_Q_MAJ] = {"q_maj", "major-triad slices, %", KT_SC_TWO_SIDED},
    [KT_ST_Q_MIN] = {"q_min", "minor-triad slices, %", KT_SC_TWO_SIDED},
    [KT_ST_Q_DIM] = {"q_dim", "diminished-triad slices, %", KT_SC_TWO_SIDED},
    [KT_ST_Q_DOM7] = {"q_dom7", "dominant-seventh slices, %", KT_SC_TWO_SIDED},
    [KT_ST_Q_MIN7] = {"q_min7", "minor-seventh slices, %", KT_SC_TWO_SIDED},
    [KT_ST_Q_DIM7] = {"q_dim7", "diminished-seventh slices, %",
                      KT_SC_TWO_SIDED},
    [KT_ST_Q_HDIM7] = {"q_hdim7", "half-diminished-seventh slices, %",
                       KT_SC_TWO_SIDED},
    [KT_ST_Q_NONE] = {"q_none", "no-chord slices, % (= nonchord_pct)",
                      KT_SC_NONE},
    [KT_ST_ROOT_POS] = {"root_position_pct",
                        "chord slices with the root in the bass, %",
                        KT_SC_TWO_SIDED},
    [KT_ST_FINAL_ROOT] = {"final_root_triad",
                          "final chord a root-position triad, % of pieces "
                          "(slice-weighted)",
                          KT_SC_FINAL},
    [KT_ST_HIDDEN] = {"hidden_outer_per_100",
                      "hidden 5ths/8ves, outer voices, per 100 moves",
                      KT_SC_ONE_SIDED},
    [KT_ST_PARALLELS] = {"parallels_per_100",
                         "consecutive 5ths/8ves, any pair, any direction, "
                         "per 100 moves",
                         KT_SC_PARALLELS},
    [KT_ST_CROSSINGS] = {"crossings_pct", "voice crossings per 100 full slices",
                         KT_SC_ONE_SIDED},
    [KT_ST_WIDE] = {"wide_spacing_pct",
                    "S-A or A-T wider than an octave, per 100 full slices",
                    KT_SC_ONE_SIDED},
};

const char *kt_style_name(int stat)
{
  return stat >= 0 && stat < KT_ST_N ? stat_info[stat].name : "?";
}

const char *kt_style_desc(int stat)
{
  return stat >= 0 && stat < KT_ST_N ? stat_info[stat].desc : "?";
}

int kt_style_check_of(int stat)
{
  return stat >= 0 && stat < KT_ST_N ? stat_info[stat].check : KT_SC_NONE;
}

static const char *const quality_names[KT_SQ_N] = {
    "aug", "dim", "dim7", "dom7", "hdim7", "maj", "maj7", "min", "min7"};

const char *kt_style_quality_name(int q)
{
  return q >= 0 && q < KT_SQ_N ? quality_names[q] : "none";
}

/* Python's % for a positive modulus: never negative. */
static int pmod12(int x)
{
  int m = x % 12;
  return m < 0 ? m + 12 : m;
}

static int pitch(const kt_metrics_voices *m, int v, int t)
{
  if (!m->v[v]) return KT_REST;
  int p = m->v[v][t].pitch;
  return p < 0 ? KT_REST : p;
}

static double ratio(long num, long den)
{
  return (double)num / (double)(den > 1 ? den : 1);
}

void kt_style_piece_stats(const kt_metrics_voices *m, kt_style_piece *out)
{
  memset(out, 0, sizeof *out);
  int n = m->n_slices > 0 ? m->n_slices : 0;
  out->slices = n;
  /* style.py's V = [S, A, T, B] */
  static const int order[4] = {KT_SOPRANO, KT_ALTO, KT_TENOR, KT_BASS};
  static const int atb[3] = {KT_ALTO, KT_TENOR, KT_BASS};

  /* rests while the soprano sounds */
  long sop_on = 0, rest[3] = {0, 0, 0};
  for (int t = 0; t < n; ++t) {
    if (pitch(m, KT_SOPRANO, t) < 0) continue;
    sop_on++;
    for (int k = 0; k < 3; ++k)
      rest[k] += pitch(m, atb[k], t) < 0;
  }
  for (int k = 0; k < 3; ++k)
    out->v[KT_ST_REST_PCT_A + k] = ratio(100 * rest[k], sop_on);

  /* melodic motion of A, T, B */
  for (int k = 0; k < 3; ++k) {
    int v = atb[k];
    long n_iv = 0, sum_iv = 0, leaps = 0, n_ps = 0, sum_ps = 0, ch = 0;
    for (int t = 0; t < n; ++t) {
      int p = pitch(m, v, t), q = t > 0 ? pitch(m, v, t - 1) : KT_REST;
      if (p < 0) continue;
      n_ps++;
      sum_ps += p;
      if (t == 0 || p != q) ch++;
      if (t > 0 && q >= 0 && p != q) {
        int x = abs(p - q);
        n_iv++;
        sum_iv += x;
        if (x > 7 && !(v == KT_BASS && x == 12)) leaps++;
      }
    }
    int base = KT_ST_LEAP_A + 4 * k;
    out->v[base + 0] = ratio(100 * leaps, n_iv);
    out->v[base + 1] = ratio(sum_iv, n_iv);
    out->v[base + 2] = ratio(sum_ps, n_ps);
    out->v[base + 3] = ratio(16 * ch, n);
  }

  /* full slices: chords, unisons, spacing, hidden and parallel motion */
  long nfull = 0, nonchord = 0, unis = 0, changes = 0, qcount[KT_SQ_N] = {0};
  long chord_sl = 0, rootpos = 0, hmoves = 0, hidden = 0;
  long moves = 0, par = 0, cross = 0, spacing = 0;
  int prev_t = -2, prev_q = KT_SQ_NONE, prev_root = -1;
  int last_q = KT_SQ_NONE, last_root = -1, last_bass = 0;
  for (int t = 0; t < n; ++t) {
    int V[4];
    int full = 1;
    for (int i = 0; i < 4; ++i) {
      V[i] = pitch(m, order[i], t);
      if (V[i] < 0) full = 0;
    }
    if (!full) continue;
    nfull++;
    unsigned pcs = 0;
    for (int i = 0; i < 4; ++i)
      pcs |= 1u << (V[i] % 12);
    int root, q = kt_harmony_style_chord(pcs, &root);
    if (q == KT_SQ_NONE) {
      nonchord++;
    } else {
      qcount[q]++;
      chord_sl++;
      rootpos += V[3] % 12 == root;
    }
    unis += (V[0] == V[1]) + (V[1] == V[2]) + (V[2] == V[3]);
    if (prev_t == t - 1 && (q != prev_q || root != prev_root)) changes++;
    prev_t = t;
    prev_q = q;
    prev_root = root;
    last_q = q;
    last_root = root;
    last_bass = V[3];
    for (int i = 0; i < 3; ++i)
      cross += V[i + 1] > V[i];
    spacing += (V[0] - V[1] > 12) + (V[1] - V[2] > 12);

    if (t == 0) continue;
    int U[4], prev_full = 1;
    for (int i = 0; i < 4; ++i) {
      U[i] = pitch(m, order[i], t - 1);
      if (U[i] < 0) prev_full = 0;
    }
    if (!prev_full) continue;
    int ds = V[0] - U[0], db = V[3] - U[3];
    if (ds != 0 || db != 0) {
      hmoves++;
      int iv = pmod12(V[0] - V[3]);
      if (((ds > 0 && db > 0) || (ds < 0 && db < 0)) && (iv == 0 || iv == 7) &&
          abs(ds) > 2)
        hidden++;
    }
    if (U[0] == V[0] && U[1] == V[1] && U[2] == V[2] && U[3] == V[3]) continue;
    moves++;
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) {
        if (U[i] == V[i] || U[j] == V[j]) continue;
        int iv0 = pmod12(U[i] - U[j]), iv1 = pmod12(V[i] - V[j]);
        if (iv0 == iv1 && (iv0 == 0 || iv0 == 7)) par++;
      }
  }
  out->v[KT_ST_NONCHORD] = ratio(100 * nonchord, nfull);
  out->v[KT_ST_UNISON] =
      (double)(100 * unis) / (double)(3 * (nfull > 1 ? nfull : 1));
  out->v[KT_ST_CHORD_CHANGES] = ratio(16 * changes, nfull);
  out->v[KT_ST_Q_MAJ] = ratio(100 * qcount[KT_SQ_MAJ], nfull);
  out->v[KT_ST_Q_MIN] = ratio(100 * qcount[KT_SQ_MIN], nfull);
  out->v[KT_ST_Q_DIM] = ratio(100 * qcount[KT_SQ_DIM], nfull);
  out->v[KT_ST_Q_DOM7] = ratio(100 * qcount[KT_SQ_DOM7], nfull);
  out->v[KT_ST_Q_MIN7] = ratio(100 * qcount[KT_SQ_MIN7], nfull);
  out->v[KT_ST_Q_DIM7] = ratio(100 * qcount[KT_SQ_DIM7], nfull);
  out->v[KT_ST_Q_HDIM7] = ratio(100 * qcount[KT_SQ_HDIM7], nfull);
  out->v[KT_ST_Q_NONE] = ratio(100 * nonchord, nfull);
  out->v[KT_ST_ROOT_POS] = ratio(100 * rootpos, chord_sl);
  out->v[KT_ST_FINAL_ROOT] =
      nfull > 0 && (last_q == KT_SQ_MAJ || last_q == KT_SQ_MIN) &&
              last_bass % 12 == last_root
          ? 100.0
          : 0.0;
  out->v[KT_ST_HIDDEN] = ratio(100 * hidden, hmoves);
  out->v[KT_ST_PARALLELS] = ratio(100 * par, moves);
  out->v[KT_ST_CROSSINGS] = ratio(100 * cross, nfull);
  out->v[KT_ST_WIDE] = ratio(100 * spacing, nfull);
  out->moves = moves;
  out->parallels = par;
}

void kt_style_acc_init(kt_style_acc *a)
{
  memset(a, 0, sizeof *a);
}

int kt_style_acc_add(kt_style_acc *a, const kt_metrics_voices *m)
{
  if (a->n == a->cap) {
    int cap = a->cap ? 2 * a->cap : 64;
    kt_style_piece *p = realloc(a->p, (size_t)cap * sizeof *p);
    if (!p) return -1;
    a->p = p;
    a->cap = cap;
  }
  kt_style_piece_stats(m, &a->p[a->n++]);
  return 0;
}

void kt_style_acc_free(kt_style_acc *a)
{
  free(a->p);
  memset(a, 0, sizeof *a);
}

static int cmp_double(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* style.py's pct: sorted xs, k = (n - 1) * p / 100, linear between. */
static double pct(const double *xs, int n, int p)
{
  if (n <= 0) return 0;
  double k = (double)((long)(n - 1) * p) / 100.0;
  int i = (int)k;
  if (i + 1 >= n) return xs[i];
  return xs[i] + (xs[i + 1] - xs[i]) * (k - i);
}

void kt_style_finish(const kt_style_acc *a, kt_style_result *r)
{
  memset(r, 0, sizeof *r);
  r->pieces = a->n;
  if (a->n <= 0) return;
  double *xs = malloc((size_t)a->n * sizeof *xs);
  long w = 0;
  for (int i = 0; i < a->n; ++i)
    w += a->p[i].slices;
  r->slices = w;
  for (int s = 0; s < KT_ST_N; ++s) {
    double sum = 0;
    for (int i = 0; i < a->n; ++i)
      sum += a->p[i].v[s] * (double)a->p[i].slices;
    r->s[s].mean = w > 0 ? sum / (double)w : 0;
    if (!xs) continue; /* out of memory: means only */
    for (int i = 0; i < a->n; ++i)
      xs[i] = a->p[i].v[s];
    qsort(xs, (size_t)a->n, sizeof *xs, cmp_double);
    r->s[s].p10 = pct(xs, a->n, 10);
    r->s[s].p50 = pct(xs, a->n, 50);
    r->s[s].p90 = pct(xs, a->n, 90);
  }
  free(xs);
}

/* Python's round(x, 3) (correctly rounded, ties to even on the exact
 * binary value), which glibc's printf also does. */
static double round3(double x)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%.3f", x);
  return strtod(buf, NULL);
}

void kt_style_compare(const kt_style_result *bach, const kt_style_result *other,
                      double tol, kt_style_cmp *out)
{
  memset(out, 0, sizeof *out);
  for (int s = 0; s < KT_ST_N; ++s) {
    int chk = stat_info[s].check;
    double o = round3(other->s[s].mean), b = round3(bach->s[s].mean);
    if (chk == KT_SC_TWO_SIDED || chk == KT_SC_ONE_SIDED) {
      double spread = round3(bach->s[s].p90) - round3(bach->s[s].p10);
      if (spread < 1e-6) spread = 1e-6;
      double z = (o - b) / spread;
      out->z[s] = z;
      out->off[s] = chk == KT_SC_ONE_SIDED ? z > tol : fabs(z) > tol;
    } else if (chk == KT_SC_PARALLELS) {
      out->off[s] = o > KT_STYLE_PAR_MAX;
    } else if (chk == KT_SC_FINAL) {
      out->off[s] = o < KT_STYLE_FINAL_MIN;
    }
    out->n_off += out->off[s];
  }
}
