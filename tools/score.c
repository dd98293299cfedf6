/* tools/score.c -- a chorale laid out for engraving (see score.h). */
#include "score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_sc_fifths(int tonic, int minor)
{
  static const int major[12] = {0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5};
  if (tonic < 0) return 0;
  tonic %= 12;
  if (!minor) return major[tonic];
  int rel = (tonic + 3) % 12;
  return rel == 6 ? -6 : major[rel]; /* eb minor rather than d# minor */
}

static int floordiv(int a, int b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

kt_sc_spelling kt_sc_spell(int pitch, int fifths, int minor)
{
  /* The line of fifths: q = 0 is C, 1 G, -1 F, 6 F#, -2 Bb ...  A pitch
   * class has one spelling in any 12 consecutive fifths; the window holds
   * the key's scale and its usual chromatic notes: major [k-3, k+8] (C:
   * Eb Bb F C G D A E B F# C# G#), minor [k-2, k+9] (a: Bb F C G D A E B
   * F# C# G# D#: raised 6th and 7th are sharps or naturals). */
  static const int letter_of[7] = {3, 0, 4, 1, 5, 2, 6}; /* F C G D A E B */
  static const int natural[7] = {0, 2, 4, 5, 7, 9, 11};
  int pc = ((pitch % 12) + 12) % 12;
  int q0 = (pc * 7) % 12;
  int lo = minor ? fifths - 2 : fifths - 3;
  int q = lo + ((q0 - lo) % 12 + 12) % 12;
  kt_sc_spelling s;
  s.letter = letter_of[((q + 1) % 7 + 7) % 7];
  s.alter = floordiv(q + 1, 7);
  s.octave = floordiv(pitch - natural[s.letter] - s.alter, 12) - 1;
  return s;
}

typedef struct {
  int s, e, pitch;
} qnote;

static int qnote_cmp(const void *a, const void *b)
{
  const qnote *x = a, *y = b;
  if (x->s != y->s) return x->s < y->s ? -1 : 1;
  return y->pitch - x->pitch; /* highest first */
}

/* One voice on the sixteenth grid, monophonic (a note is cut where the
 * next starts; of notes starting together the highest stays). */
static qnote *quantize(const kt_sc_note *n, int cnt, int *out_n)
{
  qnote *q = malloc(sizeof *q * (size_t)(cnt + 1));
  if (!q) return NULL;
  int k = 0;
  for (int i = 0; i < cnt; ++i) {
    if (!(n[i].dur > 0) || n[i].pitch < 0 || n[i].pitch > 127) continue;
    long s = lround(n[i].start * 4), e = lround((n[i].start + n[i].dur) * 4);
    if (s < 0) s = 0;
    if (s > 1000000) continue;
    if (e > 1000000) e = 1000000;
    if (e <= s) e = s + 1;
    q[k++] = (qnote){(int)s, (int)e, n[i].pitch};
  }
  qsort(q, (size_t)k, sizeof *q, qnote_cmp);
  int m = 0;
  for (int i = 0; i < k; ++i) {
    if (m > 0 && q[m - 1].s == q[i].s) continue;
    if (m > 0 && q[m - 1].e > q[i].s) q[m - 1].e = q[i].s;
    q[m++] = q[i];
  }
  *out_n = m;
  return q;
}

static int meter_len(int num, int den)
{
  if (num <= 0 || den <= 0) return 16;
  int l = (num * 16 + den / 2) / den;
  return l < 1 ? 1 : l;
}

static int beat_len(int num, int den)
{
  int compound = num >= 6 && num % 3 == 0;
  switch (den) {
  case 1:
    return 16;
  case 2:
    return 8;
  case 8:
    return compound ? 6 : 2;
  case 16:
    return compound ? 3 : 1;
  default:
    return 4;
  }
}

/* Written values, longest first: sixteenths, undotted base. */
static const int val_len[] = {24, 16, 12, 8, 6, 4, 3, 2, 1};
static const int val_base[] = {16, 16, 8, 8, 4, 4, 2, 2, 1};

/* Splits [p, p + len) (positions from the nominal bar start) into written
 * values: the longest that fits, starts on a multiple of its own value (or
 * of the beat, if shorter) and, starting off the beat, stays in it. */
static int split(kt_sc_item *out, int p, int len, int beat, int pitch,
                 int tie_in, int tie_out)
{
  int k = 0;
  while (len > 0) {
    int j = 0;
    for (; j < (int)(sizeof val_len / sizeof *val_len) - 1; ++j) {
      int d = val_len[j], b = val_base[j];
      int unit = b < beat ? b : beat;
      if (d > len || p % unit) continue;
      if (p % beat && p / beat != (p + d - 1) / beat) continue;
      break;
    }
    kt_sc_item *it = &out[k++];
    memset(it, 0, sizeof *it);
    it->pos = p;
    it->len = val_len[j];
    it->pitch = pitch;
    it->base = val_base[j];
    it->dots = val_len[j] != val_base[j];
    p += val_len[j];
    len -= val_len[j];
    if (pitch >= 0) {
      it->tie_stop = k > 1 || tie_in;
      it->tie_start = len > 0 || tie_out;
    }
  }
  return k;
}

void kt_sc_layout_free(kt_sc_layout *l)
{
  for (int i = 0; i < l->n_measures; ++i)
    for (int v = 0; v < KT_SC_MAXV; ++v)
      free(l->m[i].it[v]);
  free(l->m);
  memset(l, 0, sizeof *l);
}

int kt_sc_layout_make(const kt_score *s, kt_sc_layout *out, char *err,
                      size_t errlen)
{
  memset(out, 0, sizeof *out);
  int nv = s->n_voices < KT_SC_MAXV ? s->n_voices : KT_SC_MAXV;
  qnote *q[KT_SC_MAXV] = {0};
  int qn[KT_SC_MAXV] = {0};
  int end = 0, first = -1;
  for (int v = 0; v < nv; ++v) {
    q[v] = quantize(s->notes[v], s->n[v], &qn[v]);
    if (!q[v]) goto oom;
    if (qn[v] > 0) {
      if (q[v][qn[v] - 1].e > end) end = q[v][qn[v] - 1].e;
      if (first < 0 || q[v][0].s < first) first = q[v][0].s;
    }
  }
  /* the meter map, in sixteenths */
  int nm = s->n_meter > 0 ? s->n_meter : 1;
  int *m_at = malloc(sizeof *m_at * (size_t)nm * 3);
  if (!m_at) goto oom;
  int *m_num = m_at + nm, *m_den = m_at + 2 * nm;
  for (int i = 0; i < nm; ++i) {
    m_at[i] = s->n_meter ? (int)lround(s->meter[i].at * 4) : 0;
    m_num[i] = s->n_meter ? s->meter[i].num : 4;
    m_den[i] = s->n_meter ? s->meter[i].den : 4;
  }
  m_at[0] = 0;
  if (end <= 0) end = meter_len(m_num[0], m_den[0]);
  out->fifths = s->use_fifths ? s->fifths : kt_sc_fifths(s->tonic, s->minor);
  if (out->fifths < -7 || out->fifths > 7) out->fifths = 0;
  out->minor = (s->tonic >= 0 || s->use_fifths) && s->minor;

  /* the measures */
  int cap = 16;
  out->m = calloc((size_t)cap, sizeof *out->m);
  if (!out->m) goto oom_m;
  int t = 0, mi = 0, bar_at = 0, number = 1;
  int nom0 = meter_len(m_num[0], m_den[0]);
  int next0 = nm > 1 ? m_at[1] : end;
  if (first > 0 && first < nom0 && first < next0) { /* a pickup bar */
    t = first;
    number = 0;
  }
  while (t < end) {
    while (mi + 1 < nm && m_at[mi + 1] <= t) {
      ++mi;
      bar_at = m_at[mi];
    }
    int nominal = meter_len(m_num[mi], m_den[mi]);
    int nstart = t - (t - bar_at) % nominal; /* nominal bar start */
    if (nstart < bar_at) nstart = bar_at;
    int me = nstart + nominal;
    if (number == 0) me = nominal; /* the pickup ends on the first bar */
    if (mi + 1 < nm && m_at[mi + 1] < me) me = m_at[mi + 1];
    if (me > end) me = end;
    if (me <= t) me = t + 1;
    if (out->n_measures == cap) {
      kt_sc_measure *nmm = realloc(out->m, sizeof *nmm * (size_t)cap * 2);
      if (!nmm) goto oom_m;
      memset(nmm + cap, 0, sizeof *nmm * (size_t)cap);
      out->m = nmm;
      cap *= 2;
    }
    kt_sc_measure *M = &out->m[out->n_measures++];
    M->start = t;
    M->len = me - t;
    M->nominal = nominal;
    M->offset = number == 0 ? t : t - nstart;
    M->num = m_num[mi];
    M->den = m_den[mi];
    M->number = number++;
    M->new_meter =
        out->n_measures == 1 || M->num != M[-1].num || M->den != M[-1].den;
    t = me;
  }
  /* tempo marks */
  if (s->n_tempo == 0) out->m[0].tempo = s->bpm;
  for (int i = 0; i < s->n_tempo; ++i) {
    long at = lround(s->tempo[i].at * 4);
    int k = 0;
    while (k + 1 < out->n_measures && out->m[k + 1].start <= at)
      ++k;
    out->m[k].tempo = s->tempo[i].qpm;
  }
  /* each voice's items */
  for (int v = 0; v < nv; ++v) {
    int j = 0; /* first note not ended before the measure */
    for (int i = 0; i < out->n_measures; ++i) {
      kt_sc_measure *M = &out->m[i];
      int ms = M->start, me = ms + M->len;
      int beat = beat_len(M->num, M->den);
      M->it[v] = malloc(sizeof(kt_sc_item) * (size_t)(M->len + 1));
      if (!M->it[v]) goto oom_m;
      kt_sc_item *it = M->it[v];
      int k = 0, c = ms;
      while (j < qn[v] && q[v][j].e <= ms)
        ++j;
      for (int x = j; x < qn[v] && q[v][x].s < me; ++x) {
        int a = q[v][x].s > ms ? q[v][x].s : ms;
        int b = q[v][x].e < me ? q[v][x].e : me;
        if (a > c)
          k += split(it + k, c - ms + M->offset, a - c, beat, -1, 0, 0);
        k += split(it + k, a - ms + M->offset, b - a, beat, q[v][x].pitch,
                   q[v][x].s<ms, q[v][x].e> me);
        c = b;
      }
      if (k == 0) { /* silent the whole measure */
        memset(it, 0, sizeof *it);
        it->pos = M->offset;
        it->len = M->len;
        it->pitch = -1;
        it->measure_rest = 1;
        it->base = 16;
        for (int z = 0; z < (int)(sizeof val_len / sizeof *val_len); ++z)
          if (val_len[z] == M->len) {
            it->base = val_base[z];
            it->dots = val_len[z] != val_base[z];
            break;
          }
        k = 1;
      } else if (c < me) {
        k += split(it + k, c - ms + M->offset, me - c, beat, -1, 0, 0);
      }
      M->n_it[v] = k;
    }
  }
  free(m_at);
  for (int v = 0; v < nv; ++v)
    free(q[v]);
  return 0;
oom_m:
  free(m_at);
oom:
  for (int v = 0; v < nv; ++v)
    free(q[v]);
  kt_sc_layout_free(out);
  snprintf(err, errlen, "out of memory laying out the score");
  return -1;
}
