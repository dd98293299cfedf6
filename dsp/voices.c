/* dsp/voices.c -- note bookkeeping (see voices.h). */
#include "voices.h"
#include "out.h"

int kt_voices_busy(const kt_voices *v, int chan, int pitch) KT_RT
{
  for (int h = 0; h < KT_NGEN; ++h)
    if (v->pitch[h] == pitch && v->chan[h] == chan)
      return 1;
  return 0;
}

void kt_voices_reset(kt_voices *v) KT_RT
{
  for (int h = 0; h < KT_NGEN; ++h) {
    v->pitch[h] = -1;
    v->chan[h] = 0;
  }
}

void kt_voices_off(kt_voices *v, int h, uint32_t frame, kt_out *out) KT_RT
{
  if (v->pitch[h] < 0)
    return;
  /* Note-offs never need a reserve: the note-on that needed them kept it. */
  if (kt_out_push(out, frame, (uint8_t)(0x80 | v->chan[h]),
                  (uint8_t)v->pitch[h], 64, 0))
    v->pitch[h] = -1;
}

void kt_voices_all_off(kt_voices *v, uint32_t frame, kt_out *out) KT_RT
{
  for (int h = 0; h < KT_NGEN; ++h)
    kt_voices_off(v, h, frame, out);
}

void kt_voices_set(kt_voices *v, int h, int pitch, int onset, int chan,
                   int vel, uint32_t frame, kt_out *out) KT_RT
{
  if (pitch < 0 || pitch > 127) {
    kt_voices_off(v, h, frame, out);
    return;
  }
  if (v->pitch[h] == pitch && v->chan[h] == chan && !onset)
    return;
  kt_voices_off(v, h, frame, out);
  if (v->pitch[h] >= 0)
    return; /* could not silence it: do not stack a second note */
  if (kt_voices_busy(v, chan & 15, pitch) ||
      (v->other && (v->other[chan & 15][pitch >> 3] & (1u << (pitch & 7)))))
    return; /* another voice sounds it on this channel: never double */
  if (vel < 1)
    vel = 1;
  if (vel > 127)
    vel = 127;
  /* Keep room for the note-offs of every voice. */
  if (kt_out_push(out, frame, (uint8_t)(0x90 | (chan & 15)), (uint8_t)pitch,
                  (uint8_t)vel, KT_NGEN + 1)) {
    v->pitch[h] = pitch;
    v->chan[h] = chan & 15;
  } else if (out) {
    out->dropped++;
  }
}
