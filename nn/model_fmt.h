/* nn/model_fmt.h -- the model file's header layout, shared by the reader
 * (model_io.c, in the plugin's library) and the writer (offline.c,
 * kt_model_save: tools and trainer only).  Not for other modules. */
#ifndef KT_MODEL_FMT_H
#define KT_MODEL_FMT_H

#include "model.h"

#include <stdint.h>

/* kt_repr fields stored: version 1 has 14, version 2 adds key_ctx,
 * version 3 sounding, version 4 shift_avg, version 5 tgt_sound, version 6
 * rel_out and rel_in, version 7 quant. */
#define KT_REPR_FIELDS 21
#define KT_REPR_FIELDS_V1 14

/* How many kt_repr fields a file of this version stores. */
int kt_model_repr_fields(uint32_t version);

#endif
