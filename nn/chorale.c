/* nn/chorale.c -- chorale helpers: free, copy, transpose, key shift, slices
 * back to notes, and the corpus-wide voice ranges. */
#include "chorale.h"

#include <stdlib.h>
#include <string.h>

/* Measured by the kern reader over all 333 files of bach-370-chorales
 * (`kantor corpus`).  They equal the reference figures; see nn/README.md
 * for which bounds come from chor194/chor197. */
const kt_ranges kt_chorale_ranges = {
    .lo = {36, 48, 52, 57}, /* bass, tenor, alto, soprano */
    .hi = {64, 69, 74, 81},
};

void kt_chorale_free(kt_chorale *c)
{
  if (!c) return;
  for (int v = 0; v < KT_NVOICES; v++) {
    free(c->v[v]);
    c->v[v] = NULL;
  }
  free(c->bar_pos);
  free(c->bar_len);
  free(c->fermata);
  c->bar_pos = c->bar_len = c->fermata = NULL;
  c->n_slices = 0;
}

int kt_chorale_copy(const kt_chorale *src, kt_chorale *dst)
{
  *dst = *src;
  for (int v = 0; v < KT_NVOICES; v++)
    dst->v[v] = NULL;
  dst->bar_pos = dst->bar_len = dst->fermata = NULL;
  size_t n = (size_t)(src->n_slices > 0 ? src->n_slices : 0);
  if (n == 0) return 0;
  for (int v = 0; v < KT_NVOICES; v++) {
    dst->v[v] = malloc(n * sizeof(kt_slice));
    if (!dst->v[v]) goto oom;
    memcpy(dst->v[v], src->v[v], n * sizeof(kt_slice));
  }
  dst->bar_pos = malloc(n);
  dst->bar_len = malloc(n);
  dst->fermata = malloc(n);
  if (!dst->bar_pos || !dst->bar_len || !dst->fermata) goto oom;
  memcpy(dst->bar_pos, src->bar_pos, n);
  memcpy(dst->bar_len, src->bar_len, n);
  memcpy(dst->fermata, src->fermata, n);
  return 0;
oom:
  kt_chorale_free(dst);
  return -1;
}

int kt_chorale_transpose(kt_chorale *c, int semis, const kt_ranges *ranges)
{
  /* Refuse (and change nothing) if a pitch would leave MIDI 0..127. */
  for (int v = 0; v < KT_NVOICES; v++)
    for (int s = 0; s < c->n_slices; s++) {
      int p = c->v[v][s].pitch;
      if (p != KT_REST && (p + semis < 0 || p + semis > 127)) return -1;
    }
  int outside = 0;
  for (int v = 0; v < KT_NVOICES; v++) {
    for (int s = 0; s < c->n_slices; s++) {
      kt_slice *sl = &c->v[v][s];
      if (sl->pitch == KT_REST) continue;
      sl->pitch = (int8_t)(sl->pitch + semis);
      int starts = sl->onset || s == 0 || c->v[v][s - 1].pitch == KT_REST;
      if (ranges && starts &&
          (sl->pitch < ranges->lo[v] || sl->pitch > ranges->hi[v]))
        outside++;
    }
    if (c->stats[v].lo >= 0) {
      c->stats[v].lo += semis;
      c->stats[v].hi += semis;
    }
  }
  c->tonic = ((c->tonic + semis) % 12 + 12) % 12;
  /* Each semitone up adds 7 sharps modulo 12; keep it in -6..+5. */
  int k = ((c->key_sig + 7 * semis) % 12 + 12) % 12;
  c->key_sig = k > 5 ? k - 12 : k;
  return outside;
}


int kt_chorale_notes(const kt_chorale *c, int voice, kt_note *out, int cap)
{
  if (voice < 0 || voice >= KT_NVOICES) return 0;
  const kt_slice *v = c->v[voice];
  int count = 0;
  int s = 0;
  while (s < c->n_slices) {
    if (v[s].pitch == KT_REST) {
      s++;
      continue;
    }
    int start = s++;
    while (s < c->n_slices && !v[s].onset && v[s].pitch == v[start].pitch)
      s++;
    if (out && count < cap) {
      out[count].voice = voice;
      out[count].start = start;
      out[count].len = s - start;
      out[count].pitch = v[start].pitch;
    }
    count++;
  }
  return out ? (count < cap ? count : cap) : count;
}
