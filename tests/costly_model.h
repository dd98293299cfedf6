/* tests/costly_model.h -- a well-formed live model too costly for the audio
 * thread: the shipped L0 model's representation averaged over -3..+3
 * (7 passes, twice with the grace window), one net with two hidden layers
 * just wide enough that its worst-case cost per slice passes
 * kt_engine_cost_budget (a file of ~4 MB with the shipped models, zero
 * weights).  The hosts' tests send it and expect it refused, logged, and
 * the current model kept. */
#ifndef KT_TEST_COSTLY_MODEL_H
#define KT_TEST_COSTLY_MODEL_H

#include "engine.h"
#include "embedded.h"

#include <math.h>
#include <stdio.h>

/* Writes the model to path; 0, or -1 + err. */
static inline int kt_test_write_costly(const char *path, char *err,
                                       size_t errlen)
{
  size_t len = 0;
  kt_model *ref = NULL;
  const void *d = kt_test_embedded(0, &len);
  if (kt_model_load_mem(d, len, &ref, err, errlen) != 0) return -1;
  kt_repr r = ref->repr;
  kt_model_free(ref);
  r.shift_avg = KT_MAX_SHIFT_AVG;
  int h = (int)sqrt((double)kt_engine_cost_budget() / 14.0) + 64;
  int sizes[1][KT_MAX_LAYERS + 1], heads[1][KT_MAX_HEADS];
  int n_layers = 3, n_heads = 3, tot = 0;
  sizes[0][0] = kt_repr_n_inputs(&r);
  sizes[0][1] = sizes[0][2] = h;
  for (int i = 0; i < 3; ++i)
    tot += heads[0][i] = kt_repr_n_head(&r, kt_repr_head_voice(i));
  sizes[0][3] = tot;
  kt_model *m =
      kt_model_new(&r, 1, &n_layers, (const int(*)[KT_MAX_LAYERS + 1]) sizes,
                   &n_heads, (const int(*)[KT_MAX_HEADS])heads);
  if (!m) {
    snprintf(err, errlen, "costly model: out of memory");
    return -1;
  }
  int rc = kt_model_save(m, path, err, errlen);
  kt_model_free(m);
  return rc;
}

#endif
