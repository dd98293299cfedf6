/* tests/nn/synth_chorale.h -- a small synthetic chorale for the trainer's
 * tests (test_train.c, test_distil.c): n slices in a major key on tonic,
 * one chord degree per beat drawn from seed, the lower voices a third
 * apart below the soprano; with rest_every > 0 the soprano rests on every
 * slice t with t % rest_every == rest_every - 1.  synth_chorale_free
 * releases what it allocated. */
#ifndef KT_TEST_SYNTH_CHORALE_H
#define KT_TEST_SYNTH_CHORALE_H

#include "chorale.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void synth_chorale_rests(kt_chorale *c, int n, int tonic,
                                       uint64_t seed, int rest_every)
{
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "synth%d.krn", (int)seed);
  c->n_slices = n;
  for (int v = 0; v < KT_NVOICES; ++v)
    c->v[v] = calloc((size_t)n, sizeof(kt_slice));
  c->bar_pos = calloc((size_t)n, 1);
  c->bar_len = calloc((size_t)n, 1);
  c->fermata = calloc((size_t)n, 1);
  c->tonic = tonic;
  c->mode = KT_MAJOR;
  static const int scale[7] = {0, 2, 4, 5, 7, 9, 11};
  static const int below[4] = {19, 12, 7, 0}; /* bass, tenor, alto, sop */
  int deg = 0;
  kt_rng g = {seed};
  for (int t = 0; t < n; ++t) {
    if (t % 4 == 0) deg = (int)(kt_rng_next(&g) % 7);
    c->bar_pos[t] = (uint8_t)(t % 16);
    c->bar_len[t] = 16;
    for (int v = 0; v < KT_NVOICES; ++v) {
      int d = v == KT_SOPRANO ? deg : (deg + 7 - 2 * (3 - v)) % 7;
      int rest = v == KT_SOPRANO && rest_every > 0 &&
                 t % rest_every == rest_every - 1;
      c->v[v][t].pitch = (int8_t)(rest ? -1
                                       : 67 + tonic + scale[d] - below[v] -
                                             (v == KT_SOPRANO ? 0 : 5));
      c->v[v][t].onset = (uint8_t)(t % 4 == 0);
    }
  }
}

static inline void synth_chorale_free(kt_chorale *c)
{
  for (int v = 0; v < KT_NVOICES; ++v)
    free(c->v[v]);
  free(c->bar_pos);
  free(c->bar_len);
  free(c->fermata);
}

#endif
