/* dsp/voices.h -- the sounding note of each generated voice and the MIDI it
 * takes to change it.  The single place that guarantees every note-on gets
 * its note-off: a note-on is written only with room left for the note-offs
 * that may follow it. */
#ifndef KT_VOICES_H
#define KT_VOICES_H

#include "rt.h"
#include "types.h"

#define KT_NGEN 3 /* heads: alto, tenor, bass */

typedef struct {
  int pitch[KT_NGEN]; /* sounding pitch or -1 */
  int chan[KT_NGEN];  /* 0..15, channel it sounds on */
  const uint8_t (*other)[16]; /* notes sounding from elsewhere (bitset per
                                 channel), never doubled; may be NULL */
} kt_voices;

/* Is (chan, pitch) sounding from any voice? */
int kt_voices_busy(const kt_voices *v, int chan, int pitch) KT_RT;

void kt_voices_reset(kt_voices *v) KT_RT;
/* Make head h sound pitch (-1: silence).  onset: re-attack even if the
 * same pitch sounds. */
void kt_voices_set(kt_voices *v, int h, int pitch, int onset, int chan,
                   int vel, uint32_t frame, kt_out *out) KT_RT;
void kt_voices_off(kt_voices *v, int h, uint32_t frame, kt_out *out) KT_RT;
void kt_voices_all_off(kt_voices *v, uint32_t frame, kt_out *out) KT_RT;

#endif
