/* nn/metrics.c -- music statistics over four voices (see metrics.h for the
 * definitions). */
#include "metrics.h"

#include "harmony.h"

#include <string.h>

void kt_metrics_voices_from_chorale(const kt_chorale *c, kt_metrics_voices *out)
{
  memset(out, 0, sizeof *out);
  if (!c) return;
  out->n_slices = c->n_slices;
  for (int v = 0; v < KT_NVOICES; ++v)
    out->v[v] = c->v[v];
  out->bar_len = c->bar_len;
}

void kt_metrics_count_init(kt_metrics_count *c)
{
  memset(c, 0, sizeof *c);
}

void kt_metrics_count_add(kt_metrics_count *dst, const kt_metrics_count *src)
{
  dst->cmp_slices += src->cmp_slices;
  for (int v = 0; v < KT_NVOICES; ++v) {
    dst->exact[v] += src->exact[v];
    dst->pc[v] += src->pc[v];
    dst->onsets[v] += src->onsets[v];
    dst->changes[v] += src->changes[v];
    dst->interval[v] += src->interval[v];
    dst->wide[v] += src->wide[v];
    dst->flicker[v] += src->flicker[v];
  }
  dst->slices += src->slices;
  dst->sounding_slices += src->sounding_slices;
  dst->moves += src->moves;
  dst->par5 += src->par5;
  dst->par8 += src->par8;
  dst->contra5 += src->contra5;
  dst->contra8 += src->contra8;
  dst->crossing_slices += src->crossing_slices;
  dst->chord_slices += src->chord_slices;
  dst->bars += src->bars;
  dst->pieces += src->pieces;
}

static int pitch_at(const kt_metrics_voices *m, int v, int t)
{
  if (!m->v[v] || t < 0 || t >= m->n_slices) return KT_REST;
  int p = m->v[v][t].pitch;
  return p < 0 ? KT_REST : p;
}

void kt_metrics_compare(const kt_metrics_voices *ref,
                        const kt_metrics_voices *gen, kt_metrics_count *c)
{
  for (int t = 0; t < ref->n_slices; ++t) {
    c->cmp_slices++;
    for (int v = 0; v < KT_NVOICES; ++v) {
      int r = pitch_at(ref, v, t), g = pitch_at(gen, v, t);
      if (r == g) {
        c->exact[v]++;
        c->pc[v]++;
      } else if (r >= 0 && g >= 0 && r % 12 == g % 12) {
        c->pc[v]++;
      }
    }
  }
}

void kt_metrics_style(const kt_metrics_voices *m, kt_metrics_count *c)
{
  c->pieces++;
  for (int t = 0; t < m->n_slices; ++t) {
    int p[KT_NVOICES], q[KT_NVOICES];
    int any = 0;
    for (int v = 0; v < KT_NVOICES; ++v) {
      p[v] = pitch_at(m, v, t);
      q[v] = pitch_at(m, v, t - 1);
      if (p[v] >= 0) {
        any = 1;
        if (m->v[v][t].onset) c->onsets[v]++;
        if (q[v] >= 0 && q[v] != p[v]) {
          int d = p[v] > q[v] ? p[v] - q[v] : q[v] - p[v];
          c->changes[v]++;
          c->interval[v] += d;
          c->wide[v] += d > 7;
          int r = pitch_at(m, v, t + 1);
          c->flicker[v] += r == q[v];
        }
      }
    }
    c->slices++;
    int bl = m->bar_len && m->bar_len[t] ? m->bar_len[t] : 16;
    c->bars += 1.0 / bl;
    if (!any) continue;
    c->sounding_slices++;

    /* crossings: lower index = lower voice */
    int cross = 0;
    for (int i = 0; i < KT_NVOICES && !cross; ++i)
      for (int j = i + 1; j < KT_NVOICES; ++j)
        if (p[i] >= 0 && p[j] >= 0 && p[i] > p[j]) {
          cross = 1;
          break;
        }
    c->crossing_slices += cross;

    if (kt_harmony_chord_label(p, KT_NVOICES, NULL, NULL) != 0) c->chord_slices++;

    if (t == 0) continue;
    int move = 0;
    for (int v = 0; v < KT_NVOICES; ++v)
      if (p[v] >= 0 && q[v] >= 0 && p[v] != q[v]) move = 1;
    if (!move) continue;
    c->moves++;
    for (int i = 0; i < KT_NVOICES; ++i) {
      for (int j = i + 1; j < KT_NVOICES; ++j) {
        if (p[i] < 0 || q[i] < 0 || p[j] < 0 || q[j] < 0) continue;
        int di = p[i] - q[i], dj = p[j] - q[j];
        if (di == 0 || dj == 0) continue;
        /* interval classes, |a - b| mod 12 (a crossed pair keeps its 5th) */
        int ab = q[j] - q[i], aa = p[j] - p[i];
        int cb = (ab < 0 ? -ab : ab) % 12, ca = (aa < 0 ? -aa : aa) % 12;
        if (cb != ca || (cb != 0 && cb != 7)) continue;
        int similar = (di > 0) == (dj > 0);
        if (similar) {
          if (cb == 7)
            c->par5++;
          else
            c->par8++;
        } else {
          if (cb == 7)
            c->contra5++;
          else
            c->contra8++;
        }
      }
    }
  }
}

static double ratio(double num, double den, double scale)
{
  return den > 0 ? scale * num / den : 0.0;
}

void kt_metrics_finish(const kt_metrics_count *c, kt_metrics *m)
{
  memset(m, 0, sizeof *m);
  m->cmp_slices = c->cmp_slices;
  double sum = 0, pcsum = 0;
  for (int v = 0; v < KT_NVOICES; ++v) {
    m->acc[v] = ratio((double)c->exact[v], (double)c->cmp_slices, 1);
    m->pc_acc[v] = ratio((double)c->pc[v], (double)c->cmp_slices, 1);
    m->onsets_per_bar[v] = ratio((double)c->onsets[v], c->bars, 1);
    m->step[v] = ratio((double)c->interval[v], (double)c->changes[v], 1);
    m->wide_pct[v] = ratio((double)c->wide[v], (double)c->changes[v], 100);
    m->flicker_pct[v] =
        ratio((double)c->flicker[v], (double)c->changes[v], 100);
    if (v != KT_SOPRANO) {
      sum += m->acc[v];
      pcsum += m->pc_acc[v];
    }
  }
  m->acc_mean = sum / 3;
  m->pc_mean = pcsum / 3;
  m->par5_per100 = ratio((double)c->par5, (double)c->moves, 100);
  m->par8_per100 = ratio((double)c->par8, (double)c->moves, 100);
  m->par_per100 = ratio((double)(c->par5 + c->par8), (double)c->moves, 100);
  m->contra_per100 =
      ratio((double)(c->contra5 + c->contra8), (double)c->moves, 100);
  m->cross_pct = ratio((double)c->crossing_slices, (double)c->slices, 100);
  m->chord_pct =
      ratio((double)c->chord_slices, (double)c->sounding_slices, 100);
}
