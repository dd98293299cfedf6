/* dsp/out.h -- the MIDI out list (kt_out, dsp/types.h): appending, and
 * the block's stable sort by frame. */
#ifndef KT_OUT_H
#define KT_OUT_H

#include "rt.h"
#include "types.h"

/* Append a 3-byte MIDI message; keeps `reserve` slots free (0 for
 * note-offs).  Returns 1 if written. */
int kt_out_push(kt_out *out, uint32_t frame, uint8_t s, uint8_t d1,
                uint8_t d2, uint32_t reserve) KT_RT;

/* Sort out->ev[from..n) stably by frame, in place, without a buffer. */
void kt_out_sort(kt_out *out, uint32_t from) KT_RT;

#endif
