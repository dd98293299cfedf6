/* tests/embedded.h -- the tests' pick of an embedded model: the file bytes
 * of the one whose lookahead is nearest to the one asked for (the engine
 * chooses among the loaded models itself, choose_model in dsp/engine.c). */
#ifndef KT_TEST_EMBEDDED_H
#define KT_TEST_EMBEDDED_H

#include "model.h"

#include <stdint.h>
#include <stdlib.h>

static inline const void *kt_test_embedded(int lookahead, size_t *len)
{
  int best = -1, bd = 1 << 30;
  for (int i = 0; i < kt_model_embedded_count(); ++i) {
    size_t n = 0;
    const unsigned char *d = kt_model_embedded_at(i, &n);
    if (n < 28) continue;
    /* repr.lookahead: after magic, version, header bytes, arch, window */
    int32_t la = (int32_t)((uint32_t)d[24] | (uint32_t)d[25] << 8 |
                           (uint32_t)d[26] << 16 | (uint32_t)d[27] << 24);
    int dist = abs(la - lookahead);
    if (dist < bd) {
      bd = dist;
      best = i;
    }
  }
  return kt_model_embedded_at(best, len);
}

#endif
