/* dsp/types.h -- the types every part of the engine and every shell
 * shares: the host's events in (MIDI, transport position) and the MIDI out
 * (kt_out, caller-owned storage; appended by kt_out_push, dsp/out.h). */
#ifndef KT_TYPES_H
#define KT_TYPES_H

#include <stdint.h>

/* Transport position, as LV2 time:Position carries it. */
enum {
  KT_POS_SPEED = 1u << 0,
  KT_POS_BPM = 1u << 1,
  KT_POS_BAR = 1u << 2,
  KT_POS_BARBEAT = 1u << 3,
  KT_POS_BPB = 1u << 4,
  KT_POS_BEATUNIT = 1u << 5,
  KT_POS_FRAME = 1u << 6
};
typedef struct {
  uint32_t flags;       /* which fields are present */
  double speed;         /* 0 stopped, 1 rolling */
  double bpm;           /* beats (of beat_unit) per minute */
  int64_t bar;          /* 0-based */
  double bar_beat;      /* beats since the bar started */
  double beats_per_bar;
  int beat_unit;        /* 4 = quarter */
  int64_t frame;        /* host transport frame */
} kt_position;

enum { KT_EV_MIDI = 0, KT_EV_POSITION = 1 };
typedef struct {
  uint32_t frame; /* offset inside the block */
  uint8_t type;   /* KT_EV_MIDI or KT_EV_POSITION */
  uint8_t size;   /* MIDI: byte count (only 1..3-byte channel messages are used) */
  uint8_t midi[3];
  kt_position pos;
} kt_event;

typedef struct {
  uint32_t frame;
  uint8_t size;
  uint8_t data[3];
} kt_midi_out;

typedef struct {
  kt_midi_out *ev; /* caller-owned storage */
  uint32_t n, cap;
  uint32_t dropped; /* note-ons not sent for lack of room (note-offs never are) */
} kt_out;

#endif
