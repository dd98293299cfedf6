/* tests/fuzz/fuzz_kern.c -- libFuzzer target: the kern reader reports
 * malformed input as FILE:LINE errors and never crashes. */
#include "chorale.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  kt_chorale c;
  char err[512];
  err[0] = 0;
  if (kt_kern_parse((const char *)data, size, "fuzz.krn", &c, err,
                    sizeof err) != 0) {
    if (!err[0])
      abort();
    return 0;
  }
  for (int v = 0; v < KT_NVOICES; ++v)
    kt_chorale_notes(&c, v, NULL, 0);
  kt_chorale_free(&c);
  return 0;
}
