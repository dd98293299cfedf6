/* dsp/decode.c -- decoding with temperature, seed and guard (see decode.h). */
#include "decode.h"
#include "bass_prior.h"
#include "chord_prior.h"
#include "harmony.h"
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_decode_is_parallel(int a0, int b0, int a1, int b1) KT_RT
{
  if (a0 < 0 || b0 < 0 || a1 < 0 || b1 < 0)
    return 0;
  if (a0 == a1 || b0 == b1)
    return 0; /* both voices must move */
  if ((a1 - a0 > 0) != (b1 - b0 > 0))
    return 0; /* in the same direction */
  int i0 = (a0 > b0 ? a0 - b0 : b0 - a0) % 12;
  int i1 = (a1 > b1 ? a1 - b1 : b1 - a1) % 12;
  return i0 == i1 && (i1 == 0 || i1 == 7);
}

typedef struct {
  int n;
  float score[KT_DECODE_CANDIDATES];
  kt_choice c[KT_DECODE_CANDIDATES];
} cand_list;

static int in_range(int p, int lo, int hi) { return p < 0 || (p >= lo && p <= hi); }

static int fold(int p, int lo, int hi)
{
  if (p < 0)
    return p;
  return kt_repr_fold_pitch(p, lo, hi);
}

const float *kt_decode_chord_prior(int lookahead) KT_RT
{
  return kt_chord_prior[lookahead >= 2];
}

int kt_decode_chord_cell(int qual, int root, int bass_pc) KT_RT
{
  if (qual < 0 || qual >= KT_SQ_N || root < 0) return 0;
  return 1 + qual * 12 + ((bass_pc - root) % 12 + 12) % 12;
}

const float *kt_decode_bass_prior(int lookahead) KT_RT
{
  return kt_bass_prior[lookahead >= 2];
}

int kt_decode_bass_cell(int qual, int root, int prev, int bass) KT_RT
{
  /* degree by the bass's interval above the root: 0 root; 3, 4 third;
     6, 7, 8 fifth; 9, 10, 11 seventh (no chord label puts it elsewhere) */
  static const unsigned char deg[12] = {0, 4, 4, 1, 1, 4, 2, 2, 2, 3, 3, 3};
  int d = qual < 0 || qual >= KT_SQ_N || root < 0
              ? 4
              : deg[((bass - root) % 12 + 12) % 12];
  int m = bass > prev ? bass - prev : prev - bass;
  return d * KT_BASS_MOVES + (m < KT_BASS_MOVES - 1 ? m : KT_BASS_MOVES - 1);
}

/* The largest bonus of a table term (for the search's bound). */
static float table_gain(float w, const float *tab, int n) KT_RT
{
  float g = 0.0f;
  if (tab && w > 0.0f)
    for (int i = 0; i < n; ++i)
      if (w * tab[i] > g) g = w * tab[i];
  return g;
}

static float chord_gain(const kt_decode_style *st) KT_RT
{
  return table_gain(st->chord, st->chord_prior, KT_CHORD_PRIOR_N) +
         table_gain(st->bass, st->bass_prior, KT_BASS_PRIOR_N);
}

/* Candidates of one head, best first. */
static void head_candidates(const kt_repr *r, int h, const float *lg,
                            const float *gumbel, const kt_decode_opts *o,
                            int shift, int prev, kt_rng *rng, int n_keep,
                            cand_list *cl)
{
  int voice = kt_repr_head_voice(h);
  int n = kt_repr_n_tok(r, voice);
  float lse = kt_model_log_sum_exp(lg, n);
  cl->n = 0;
  for (int j = 0; j < n; ++j) {
    /* one noise draw per token, used or not (deterministic), or the
       caller's */
    float g = 0.0f;
    if (o->temperature > 0.0f) g = gumbel ? gumbel[j] : kt_rng_gumbel(rng);
    kt_choice c;
    c.tok = j;
    if (j == KT_TOK_HOLD) {
      c.pitch = prev;
      c.onset = 0;
    } else if (j == KT_TOK_REST) {
      c.pitch = -1;
      c.onset = prev >= 0;
    } else {
      c.pitch = kt_repr_tok_pitch(r, voice, j) - shift;
      c.onset = 1;
      if (c.pitch < 0 || c.pitch > 127)
        continue;
    }
    float s = lg[j] - lse; /* log-probability */
    if (r->tgt_sound && c.pitch >= 0 && c.pitch == prev) {
      /* Sounding-pitch heads: the pitch already sounding goes on sounding,
         struck again only if the caller says so; and it is preferred a
         little over a near-equal other pitch. */
      c.onset = o->restrike;
      if (j >= 2) s += o->style ? o->style->hold[h] : o->hold_bonus;
    }
    if (o->hold_only && (c.onset || c.pitch != prev))
      s -= 1000.0f; /* as a broken rule */
    if (o->keep && o->keep[h] != KT_KEEP_NONE) {
      if (c.pitch == o->keep[h])
        c.onset = 0;
      else
        s -= 1000.0f;
    }
    if (o->temperature > 0.0f)
      s = s / o->temperature + g;
    if (!isfinite(s))
      s = -1e30f;
    /* insert into the sorted keep-list */
    int pos = cl->n;
    while (pos > 0 && cl->score[pos - 1] < s)
      --pos;
    if (pos >= n_keep)
      continue;
    int last = cl->n < n_keep ? cl->n : n_keep - 1;
    for (int k = last; k > pos; --k) {
      cl->score[k] = cl->score[k - 1];
      cl->c[k] = cl->c[k - 1];
    }
    cl->score[pos] = s;
    cl->c[pos] = c;
    if (cl->n < n_keep)
      cl->n++;
  }
}

/* Consecutive fifths or octaves by style.py's definition: both voices
 * move, in any direction, and the interval class (upper - lower) mod 12 is
 * 0 or 7 before and after. */
static int pc_of(int p) KT_RT
{
  /* a division costs more than this on the guard's innermost loop */
  static const unsigned char pc[128] = {
#define KT_PC12 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
      KT_PC12, KT_PC12, KT_PC12, KT_PC12, KT_PC12, KT_PC12, KT_PC12,
      KT_PC12, KT_PC12, KT_PC12, 0,       1,       2,       3,
      4,       5,       6,       7
#undef KT_PC12
  };
  return p >= 0 && p < 128 ? pc[p] : ((p % 12) + 12) % 12;
}

static int parallel_any(int a0, int b0, int a1, int b1) KT_RT
{
  if (a0 < 0 || b0 < 0 || a1 < 0 || b1 < 0 || a0 == a1 || b0 == b1) return 0;
  int i0 = pc_of(a0) - pc_of(b0), i1 = pc_of(a1) - pc_of(b1);
  if (i0 < 0) i0 += 12;
  if (i1 < 0) i1 += 12;
  return i0 == i1 && (i1 == 0 || i1 == 7);
}

static int violations(const int p[4], const int q[4],
                      const kt_decode_opts *o) KT_RT
{
  /* p: previous S A T B, q: new S A T B (-1 rest) */
  int v = 0;
  for (int h = 0; h < KT_NGEN; ++h)
    v += !in_range(q[h + 1], o->lo[h], o->hi[h]);
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 4; ++j) {
      if (q[i] >= 0 && q[j] >= 0 && q[j] > q[i])
        ++v; /* crossing: a lower voice above a higher one */
      v += o->style && o->style->par_any
               ? parallel_any(p[i], p[j], q[i], q[j])
               : kt_decode_is_parallel(p[i], p[j], q[i], q[j]);
    }
  return v;
}

/* Voices (alto, tenor, bass) that leap wider than a fifth from p to q;
 * the bass's octave leap is idiomatic and not counted. */
static int wide_leaps(const int p[4], const int q[4]) KT_RT
{
  int n = 0;
  for (int h = 1; h < 4; ++h) {
    if (p[h] < 0 || q[h] < 0) continue;
    int d = q[h] > p[h] ? q[h] - p[h] : p[h] - q[h];
    n += d > 7 && !(h == 3 && d == 12);
  }
  return n;
}

/* The style terms' cost of the sonority q (S A T B, -1 rest) after p. */
static float style_cost(const kt_decode_style *st, const int p[4],
                        const int q[4], float chord_bias, int cadence,
                        int phrase_end) KT_RT
{
  /* a phrase end weighs like a cadence (with end = 0: as before) */
  float cad_w = cadence ? st->cadence : 0.0f;
  if (phrase_end && st->end > 0.0f) {
    cad_w += st->end;
    cadence = 1;
  }
  float c = 0.0f;
  for (int h = 1; h < 4; ++h)
    if (p[h] >= 0 && q[h] >= 0) {
      int d = q[h] > p[h] ? q[h] - p[h] : p[h] - q[h];
      int free = st->step[h - 1] > 0 ? st->step[h - 1] : 2;
      if (d > free) c += st->move[h - 1] * (float)(d - free);
    }
  if (st->unison != 0.0f)
    for (int v = 0; v < 3; ++v)
      if (q[v] >= 0 && q[v] == q[v + 1]) c += st->unison;
  if (q[0] < 0) return c;
  unsigned pcs = 0;
  for (int v = 0; v < 4; ++v)
    if (q[v] >= 0) pcs |= 1u << pc_of(q[v]);
  int root, qual;
  if (st->chord_tab) {
    unsigned e = st->chord_tab[pcs];
    qual = (int)(e & 15u) - 1;
    root = (int)(e >> 4);
  } else {
    qual = kt_harmony_style_chord(pcs, &root);
  }
  float none = st->none >= 0.0f ? st->none : chord_bias;
  if (st->chord_prior && st->chord > 0.0f && q[1] >= 0 && q[2] >= 0 &&
      q[3] >= 0)
    c -= st->chord *
         st->chord_prior[kt_decode_chord_cell(qual, root, pc_of(q[3]))];
  if (st->bass_prior && st->bass > 0.0f && q[1] >= 0 && q[2] >= 0 &&
      q[3] >= 0 && p[3] >= 0)
    c -= st->bass * st->bass_prior[kt_decode_bass_cell(qual, root, p[3], q[3])];
  if (cadence) {
    /* a major or minor triad in root position, or the cost */
    if (qual == KT_SQ_MAJ || qual == KT_SQ_MIN)
      return q[3] >= 0 && pc_of(q[3]) == root ? c : c + cad_w;
    return c + cad_w + (qual < 0 ? none : st->quality[qual]);
  }
  if (qual < 0) return c + none;
  c += st->quality[qual];
  if (q[3] >= 0 && pc_of(q[3]) == root) c += st->root_pos;
  return c;
}

void kt_decode(const kt_repr *r, const float *logits,
               const kt_decode_opts *o, int shift, int sop_prev, int sop_now,
               const int prev[KT_NGEN], kt_rng *rng, kt_choice out[KT_NGEN])
    KT_RT
{
  cand_list cl[KT_NGEN];
  int n_keep = o->guard ? KT_DECODE_CANDIDATES : 1;
  for (int h = 0, off = 0; h < KT_NGEN; ++h) {
    head_candidates(r, h, logits + off, o->gumbel ? o->gumbel + off : NULL, o,
                    shift, prev[h], rng, n_keep, &cl[h]);
    off += kt_repr_n_tok(r, kt_repr_head_voice(h));
  }
  for (int h = 0; h < KT_NGEN; ++h) {
    if (cl[h].n == 0) { /* nothing usable: rest */
      cl[h].n = 1;
      cl[h].score[0] = 0;
      cl[h].c[0].pitch = -1;
      cl[h].c[0].onset = prev[h] >= 0;
      cl[h].c[0].tok = KT_TOK_REST;
    }
  }
  if (!o->guard) {
    for (int h = 0; h < KT_NGEN; ++h) {
      out[h] = cl[h].c[0];
      int f = fold(out[h].pitch, o->lo[h], o->hi[h]);
      if (f != out[h].pitch) {
        out[h].pitch = f;
        out[h].onset = f != prev[h] || out[h].onset;
      }
    }
    return;
  }
  const int p[4] = {sop_prev, prev[0], prev[1], prev[2]};
  float best = -INFINITY;
  /* the most a combination's terms can add (a chord quality's bonus) */
  float gain = 0.0f;
  if (o->style)
    for (int q = 0; q < KT_SQ_N; ++q)
      if (-o->style->quality[q] > gain) gain = -o->style->quality[q];
  if (o->style) gain += chord_gain(o->style);
  if (o->style && o->style->unison < 0.0f) gain -= 3.0f * o->style->unison;
  int bi[KT_NGEN] = {0, 0, 0};
  /* Score = sum of the three log-probabilities, minus 1000 per broken rule,
   * minus leap_cost per wide leap, minus chord_bias if the sonority is no
   * chord.  The penalties only lower it, so a combination whose plain sum
   * does not beat the best so far is skipped without checking the rules,
   * and as each list is sorted best first, neither does any later bass
   * candidate.  Same choice as scoring all 216, at a fraction of the rule
   * and chord-label checks. */
  for (int a = 0; a < cl[0].n; ++a)
    for (int t = 0; t < cl[1].n; ++t)
      for (int b = 0; b < cl[2].n; ++b) {
        float s = cl[0].score[a] + cl[1].score[t] + cl[2].score[b];
        if (!(s + gain > best)) break;
        int q[4] = {sop_now, cl[0].c[a].pitch, cl[1].c[t].pitch,
                    cl[2].c[b].pitch};
        if (o->style) {
          /* the style terms first: a table lookup, and once they are in
             the score is exact but for the costs still to come */
          s -= style_cost(o->style, p, q, o->chord_bias, o->cadence,
                          o->phrase_end);
          if (!(s > best)) continue;
        }
        s -= 1000.0f * (float)violations(p, q, o);
        if (!(s + gain > best)) continue;
        s -= o->leap_cost * (float)wide_leaps(p, q);
        if (!(s + gain > best)) continue;
        if (!o->style && o->chord_bias > 0.0f && sop_now >= 0 &&
            kt_harmony_chord_label(q, 4, NULL, NULL) == 0)
          s -= o->chord_bias;
        if (s > best) {
          best = s;
          bi[0] = a;
          bi[1] = t;
          bi[2] = b;
        }
      }
  for (int h = 0; h < KT_NGEN; ++h) {
    out[h] = cl[h].c[bi[h]];
    /* Never leave the range, even when every candidate broke a rule. */
    int f = fold(out[h].pitch, o->lo[h], o->hi[h]);
    if (f != out[h].pitch) {
      out[h].pitch = f;
      out[h].onset = 1;
    }
  }
}
