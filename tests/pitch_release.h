/* tests/pitch_release.h -- the tests' end of a take of the pitch tracker:
 * the note-off of the sounding note (if any, and if cap allows) at frame,
 * then the tracker back to its just-created state (kt_pitch_reset).
 * Returns the events written (0 or 1). */
#ifndef KT_TEST_PITCH_RELEASE_H
#define KT_TEST_PITCH_RELEASE_H

#include "pitch.h"

#include <string.h>

static inline uint32_t kt_test_pitch_release(kt_pitch *t, uint32_t frame,
                                             kt_event *ev, uint32_t cap)
{
  kt_pitch_state st;
  kt_pitch_get_state(t, &st);
  kt_pitch_reset(t);
  if (st.note < 0 || cap == 0) return 0;
  memset(ev, 0, sizeof *ev);
  ev->frame = frame;
  ev->type = KT_EV_MIDI;
  ev->size = 3;
  ev->midi[0] = 0x80;
  ev->midi[1] = (uint8_t)st.note;
  return 1;
}

#endif
