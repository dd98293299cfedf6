/* dsp/out.c -- the MIDI out list (see out.h). */
#include "out.h"

int kt_out_push(kt_out *out, uint32_t frame, uint8_t s, uint8_t d1,
                uint8_t d2, uint32_t reserve) KT_RT
{
  if (!out || out->n + reserve >= out->cap)
    return 0;
  kt_midi_out *e = &out->ev[out->n++];
  e->frame = frame;
  e->size = 3;
  e->data[0] = s;
  e->data[1] = d1;
  e->data[2] = d2;
  return 1;
}

/* The block's events are emitted nearly in frame order (a few runs); they
 * are sorted stably by frame in place, without a buffer: a natural merge
 * sort whose merges rotate (libstdc++'s merge without buffer), O(n) when
 * already sorted, O(n log^2 n) at worst, recursion depth O(log n). */

static void reverse_out(kt_midi_out *a, uint32_t n)
{
  for (uint32_t i = 0, j = n; i + 1 < j; ++i, --j) {
    kt_midi_out t = a[i];
    a[i] = a[j - 1];
    a[j - 1] = t;
  }
}

/* a[0..n) rotated left by k */
static void rotate_out(kt_midi_out *a, uint32_t n, uint32_t k)
{
  if (k == 0 || k == n) return;
  reverse_out(a, k);
  reverse_out(a + k, n - k);
  reverse_out(a, n);
}

/* Stable in-place merge of the sorted a[0..n1) and a[n1..n1 + n2). */
static void merge_out(kt_midi_out *a, uint32_t n1, uint32_t n2)
{
  while (n1 > 0 && n2 > 0) {
    if (n1 + n2 == 2) {
      if (a[1].frame < a[0].frame) rotate_out(a, 2, 1);
      return;
    }
    uint32_t c1, c2;
    if (n1 > n2) { /* c2: the first right element not before a[c1] */
      c1 = n1 / 2;
      uint32_t lo = 0, hi = n2;
      while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (a[n1 + m].frame < a[c1].frame)
          lo = m + 1;
        else
          hi = m;
      }
      c2 = lo;
    } else { /* c1: the first left element after a[n1 + c2] */
      c2 = n2 / 2;
      uint32_t lo = 0, hi = n1;
      while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (a[m].frame <= a[n1 + c2].frame)
          lo = m + 1;
        else
          hi = m;
      }
      c1 = lo;
    }
    rotate_out(a + c1, n1 - c1 + c2, n1 - c1);
    uint32_t mid = c1 + c2;
    /* recurse on the smaller half, loop on the larger: depth O(log n) */
    if (c1 + c2 < (n1 - c1) + (n2 - c2)) {
      merge_out(a, c1, c2);
      a += mid;
      n1 -= c1;
      n2 -= c2;
    } else {
      merge_out(a + mid, n1 - c1, n2 - c2);
      n1 = c1;
      n2 = c2;
    }
  }
}

void kt_out_sort(kt_out *out, uint32_t from) KT_RT
{
  if (!out || out->n <= from + 1) return;
  kt_midi_out *a = out->ev + from;
  uint32_t n = out->n - from;
  for (;;) { /* merge neighbouring sorted runs until one is left */
    uint32_t start = 0, runs = 0;
    while (start < n) {
      uint32_t e1 = start + 1;
      while (e1 < n && a[e1 - 1].frame <= a[e1].frame)
        ++e1;
      ++runs;
      if (e1 == n) break;
      uint32_t e2 = e1 + 1;
      while (e2 < n && a[e2 - 1].frame <= a[e2].frame)
        ++e2;
      merge_out(a + start, e1 - start, e2 - e1);
      start = e2;
    }
    if (runs <= 1) return;
  }
}
