/* dsp/melody.h -- monophonic tracking of the input melody (last-note
 * priority, velocity kept) and what it means for the slice starting at a
 * boundary. */
#ifndef KT_MELODY_H
#define KT_MELODY_H

#include "rt.h"
#include <stdint.h>

#define KT_MELODY_STACK 16

typedef struct {
  uint8_t note[KT_MELODY_STACK]; /* held notes, the last one on top */
  uint8_t vel[KT_MELODY_STACK];
  int n;
  int pending;     /* a note-on since the last boundary (pitch) or -1 */
  int pending_vel;
} kt_melody;

void kt_melody_reset(kt_melody *m) KT_RT;
void kt_melody_note_on(kt_melody *m, int pitch, int vel) KT_RT;
void kt_melody_note_off(kt_melody *m, int pitch) KT_RT;
/* The soprano of the slice starting now, given the previous slice's pitch
 * (-1 = rest); consumes the pending note-on. */
void kt_melody_slice(kt_melody *m, int prev_pitch, int *pitch, int *onset,
                     int *vel) KT_RT;
int kt_melody_top(const kt_melody *m) KT_RT; /* sounding key or -1 */

#endif
