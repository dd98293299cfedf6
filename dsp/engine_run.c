/* dsp/engine_run.c -- kt_engine_run: a host block of any length and any
 * number of events, cut into chunks for kt_engine_process (see engine.h).
 *
 * A chunk is at most the engine's max_block frames and KT_ENGINE_RUN_EVENTS
 * events; its events are copied (frames made chunk-relative) into a small
 * batch on the stack.  By the engine's block-partition identity the output
 * is the same as one kt_engine_process call over the whole block would
 * give with an output array large enough. */
#include "engine.h"

#include <string.h>

uint32_t kt_engine_out_capacity(const kt_engine *e) KT_RT
{
  return kt_engine_out_needed(KT_ENGINE_RUN_EVENTS, kt_engine_max_block(e),
                              kt_engine_rate(e)) +
         256;
}

/* Event i's frame as the block sees it: inside the block, never before the
 * event before it (prev). */
static uint32_t clamp_frame(uint32_t f, uint32_t prev, uint32_t n_frames) KT_RT
{
  if (f >= n_frames) f = n_frames ? n_frames - 1 : 0;
  return f < prev ? prev : f;
}

void kt_engine_run(kt_engine *e, const kt_event *ev, uint32_t n_ev,
                   uint32_t n_frames, kt_out *out, kt_engine_take take,
                   void *ctx) KT_RT
{
  kt_event batch[KT_ENGINE_RUN_EVENTS];
  const uint32_t max_block = kt_engine_max_block(e);
  uint32_t start = 0, i = 0, prev = 0;
  if (n_frames == 0 && n_ev == 0) return;
  do {
    uint32_t len = n_frames - start;
    if (len > max_block) len = max_block;
    uint32_t k = 0;
    while (i < n_ev) {
      uint32_t f = clamp_frame(ev[i].frame, prev, n_frames);
      if (len > 0 && f >= start + len) break;
      if (k == KT_ENGINE_RUN_EVENTS) {
        /* batch full: the chunk ends at this event's frame, and the events
           on that frame wait for the next chunk; a whole batch on the
           chunk's first frame goes now, in 0 frames */
        if (f == start) {
          len = 0;
          break;
        }
        uint32_t j = k;
        while (j > 0 && batch[j - 1].frame == f - start)
          --j;
        i -= k - j;
        k = j;
        len = f - start;
        break;
      }
      batch[k] = ev[i];
      batch[k].frame = f - start;
      prev = f;
      ++k;
      ++i;
    }
    const uint32_t n0 = out ? out->n : 0;
    kt_engine_process(e, batch, k, len, out);
    if (take)
      take(ctx, out, start);
    else if (out) /* kept: frames from the block's start */
      for (uint32_t j = n0; j < out->n; ++j)
        out->ev[j].frame += start;
    start += len;
  } while (start < n_frames || i < n_ev);
}
