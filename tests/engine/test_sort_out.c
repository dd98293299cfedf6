/* tests/engine/test_sort_out.c -- the engine's output sort (kt_out_sort,
 * dsp/out.h): stable by frame, in place, against an
 * insertion sort on random lists of 1..5000 events with few and many
 * distinct frames, already sorted, reversed and nearly sorted. */
#include "out.h"
#include "../check.h"

static uint64_t s = 7;
static uint32_t rnd32(void)
{
  s = s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(s >> 33);
}

int main(void)
{
  static kt_midi_out a[5000], r[5000];
  for (int it = 0; it < 4000; ++it) {
    uint32_t n = 1 + rnd32() % (it < 3000 ? 40 : 5000);
    uint32_t range = 1 + rnd32() % (it % 3 ? 1000 : 4);
    for (uint32_t i = 0; i < n; ++i) {
      a[i].frame = rnd32() % range;
      if (it % 5 == 0) a[i].frame = i / 7;             /* sorted */
      if (it % 5 == 1) a[i].frame = n - i;             /* reversed */
      if (it % 5 == 2 && i % 50 == 49) a[i].frame = 0; /* nearly sorted */
      if (it % 5 == 2 && i % 50 != 49) a[i].frame = i;
      a[i].size = 3;
      a[i].data[0] = (uint8_t)(0x80 | (i >> 7 & 15));
      a[i].data[1] = (uint8_t)(i & 127);
      a[i].data[2] = (uint8_t)(i >> 11);
      r[i] = a[i];
    }
    for (uint32_t i = 1; i < n; ++i) { /* the stable reference */
      kt_midi_out x = r[i];
      uint32_t j = i;
      while (j > 0 && r[j - 1].frame > x.frame) {
        r[j] = r[j - 1];
        --j;
      }
      r[j] = x;
    }
    kt_out o = {a, n, n, 0};
    kt_out_sort(&o, 0);
    CHECK(!memcmp(a, r, sizeof(kt_midi_out) * n),
          "list %d (%u events, %u frames): not the stable sort", it, n, range);
  }
  return kt_check_done("kt_out_sort");
}
