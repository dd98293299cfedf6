/* tools/take.h -- what `kantor live --record DIR` keeps: the melody played
 * in and the three voices the engine played, recorded block by block on
 * the audio thread into storage allocated before the stream starts (no
 * allocation, lock or I/O there; when it is full, later notes are counted
 * as dropped), and written when the session stops as DIR/take-N.mid and
 * DIR/take-N.musicxml (the chorale layout of score.h). */
#ifndef KT_TAKE_H
#define KT_TAKE_H

#include "engine.h"
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int64_t frame;
  uint8_t voice; /* 0 melody, 1 alto, 2 tenor, 3 bass */
  uint8_t d[3];
} kt_take_event;

typedef struct {
  kt_take_event *ev;
  int n, cap;
  int64_t dropped;
  int ch[4];       /* output channels (0..15) of voices 1..3 */
  int64_t latency; /* the engine's, frames: output is moved earlier */
  double rate, bpm;
  int beats_per_bar;
} kt_take;

/* cap events; ch_alto.. are 0-based output channels.  0 or -1 (memory). */
int kt_take_init(kt_take *t, int cap, double rate, double bpm, int bpb,
                 int ch_alto, int ch_tenor, int ch_bass, int64_t latency);
void kt_take_free(kt_take *t);

/* One block at absolute frame now: the input events (the melody) and what
 * the engine emitted.  Audio thread: bounded, no allocation. */
void kt_take_block(kt_take *t, int64_t now, const kt_event *in, uint32_t n_in,
                   const kt_out *out) KT_RT;

/* Writes the take when there is a note in it: the first free
 * DIR/take-N.{mid,musicxml} (DIR made if missing); key as
 * kt_engine_key() (-1: C major).  stem gets "DIR/take-N" (or "" when
 * nothing was played).  0, or -1 with err and nothing left behind. */
int kt_take_write(const kt_take *t, const char *dir, int key, int64_t end,
                  char *stem, size_t stemlen, char *err, size_t errlen);

#endif
