/* dsp/melody.c -- monophonic melody tracking (see melody.h). */
#include "melody.h"

void kt_melody_reset(kt_melody *m) KT_RT
{
  m->n = 0;
  m->pending = -1;
  m->pending_vel = 0;
}

static void remove_note(kt_melody *m, int pitch)
{
  int j = 0;
  for (int i = 0; i < m->n; ++i) {
    if (m->note[i] != pitch) {
      m->note[j] = m->note[i];
      m->vel[j] = m->vel[i];
      ++j;
    }
  }
  m->n = j;
}

void kt_melody_note_on(kt_melody *m, int pitch, int vel) KT_RT
{
  remove_note(m, pitch);
  if (m->n == KT_MELODY_STACK) { /* forget the oldest */
    for (int i = 1; i < m->n; ++i) {
      m->note[i - 1] = m->note[i];
      m->vel[i - 1] = m->vel[i];
    }
    --m->n;
  }
  m->note[m->n] = (uint8_t)pitch;
  m->vel[m->n] = (uint8_t)vel;
  ++m->n;
  m->pending = pitch;
  m->pending_vel = vel;
}

void kt_melody_note_off(kt_melody *m, int pitch) KT_RT
{
  remove_note(m, pitch);
}

int kt_melody_top(const kt_melody *m) KT_RT
{
  return m->n > 0 ? m->note[m->n - 1] : -1;
}

void kt_melody_slice(kt_melody *m, int prev_pitch, int *pitch, int *onset,
                     int *vel) KT_RT
{
  if (m->pending >= 0) {
    /* A key went down since the last boundary: it starts this slice, even
     * when it was already released (a very short note lasts one slice). */
    if (m->n > 0) {
      *pitch = m->note[m->n - 1];
      *vel = m->vel[m->n - 1];
    } else {
      *pitch = m->pending;
      *vel = m->pending_vel;
    }
    *onset = 1;
  } else if (m->n > 0) {
    *pitch = m->note[m->n - 1];
    *vel = m->vel[m->n - 1];
    *onset = *pitch != prev_pitch; /* fell back to a key still held */
  } else {
    *pitch = -1;
    *vel = 0;
    *onset = prev_pitch != -1;
  }
  m->pending = -1;
}
