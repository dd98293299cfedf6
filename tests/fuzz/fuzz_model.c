/* tests/fuzz/fuzz_model.c -- libFuzzer target: the model-file loader must
 * reject anything malformed with a message and never crash; what it accepts
 * must run. */
#include "../../nn/model.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  kt_model *m = NULL;
  char err[256];
  err[0] = 0;
  if (kt_model_load_mem(data, size, &m, err, sizeof err) != 0) {
    if (!err[0])
      abort(); /* an error always says what is wrong */
    return 0;
  }
  float *scratch = calloc(kt_model_scratch_floats(m) + 1, sizeof(float));
  float *out = calloc((size_t)m->n_out_total + 1, sizeof(float));
  int32_t idx[4] = {0, 1, 2, 3};
  int n_in = kt_repr_n_inputs(&m->repr);
  int n = n_in < 4 ? n_in : 4;
  kt_model_forward(m, idx, n, scratch, out);
  free(scratch);
  free(out);
  kt_model_free(m);
  return 0;
}
