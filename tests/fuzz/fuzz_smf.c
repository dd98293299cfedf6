/* tests/fuzz/fuzz_smf.c -- libFuzzer target: the MIDI-file reader rejects
 * malformed files with a message naming the place; never crashes. */
#include "smf.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  kt_smf s;
  char err[512];
  err[0] = 0;
  if (kt_smf_read_mem(data, size, "fuzz.mid", &s, err, sizeof err) != 0) {
    if (!err[0])
      abort();
    return 0;
  }
  kt_melody m;
  if (kt_smf_to_melody(&s, "fuzz.mid", &m, err, sizeof err) == 0)
    kt_smf_free_melody(&m);
  kt_smf_free(&s);
  return 0;
}
