/* tests/fuzz/fuzz_model.c -- libFuzzer target: the model-file loader must
 * reject anything malformed with a message and never crash; what it accepts
 * must run.
 *
 * Each input is loaded twice: as it is (mutations almost always break the
 * CRC-32 at the end, so this exercises the checks before and at the CRC),
 * and with its last four bytes replaced by the right CRC (so every field
 * check behind the CRC is reached too; without this, a campaign of 10^7
 * executions covered only ~150 edges of the loader). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static void load(const uint8_t *data, size_t size)
{
  kt_model *m = NULL;
  char err[256];
  err[0] = 0;
  if (kt_model_load_mem(data, size, &m, err, sizeof err) != 0) {
    if (!err[0]) abort(); /* an error always says what is wrong */
    return;
  }
  float *scratch = calloc(kt_model_scratch_floats(m) + 1, sizeof(float));
  float *out = calloc((size_t)m->n_out_total + 1, sizeof(float));
  int32_t idx[4] = {0, 1, 2, 3};
  int n_in = kt_repr_n_inputs(&m->repr);
  int n = n_in < 4 ? n_in : 4;
  kt_model_forward(m, idx, n, scratch, out);
  if (m->repr.arch == KT_ARCH_LIVE) /* the heads as the engine reads them */
    kt_model_live_logits(m, idx, n, 70, scratch, out);
  free(scratch);
  free(out);
  kt_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  load(data, size);
  if (size < 8) return 0;
  uint8_t *c = malloc(size);
  memcpy(c, data, size);
  uint32_t crc = kt_model_crc32(c, size - 4);
  for (int i = 0; i < 4; ++i)
    c[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
  load(c, size);
  free(c);
  return 0;
}
