/* tools/drive.h -- feed a timed melody to the engine block by block, as a
 * host would (time:Position from the tempo map and meters, MIDI note
 * events at their frames), and record what comes out.  Used by kantor
 * render, eval and live (file mode) and by the tests: there is no other
 * path from a melody to harmony. */
#ifndef KT_DRIVE_H
#define KT_DRIVE_H

#include "engine.h"
#include <stdint.h>

/* Times are in quarter notes from the start (beat 0 = a barline). */
typedef struct {
  double start, dur;       /* quarter notes */
  int pitch, vel, channel; /* channel 0..15 */
} kt_mnote;
typedef struct {
  double at;  /* quarter notes */
  double qpm; /* quarter notes per minute */
} kt_tempo;
typedef struct {
  double at; /* quarter notes; must fall on a barline of the previous meter */
  int num, den;
} kt_meter;

typedef struct {
  kt_mnote *notes;
  int n_notes;
  kt_tempo *tempo;
  int n_tempo; /* none: opts->bpm */
  kt_meter *meter;
  int n_meter; /* none: 4/4 */
  double end;  /* quarter notes; the run stops one bar later */
} kt_melody;

typedef struct {
  double rate;       /* Hz, 48000 */
  uint32_t block;    /* frames per block, 256 */
  int random_blocks; /* 1: block sizes random in 1..block (seeded) */
  uint32_t seed;
  double bpm;        /* quarter notes per minute when the melody has no tempo */
  int send_position; /* 1: time:Position each block (as jalv/Ardour do) */
  /* Optional event source (the audio melody input): for the block of n
   * frames at absolute frame start, up to cap events with frames in
   * [0, n), sorted; merged after the melody's at equal frames. */
  uint32_t (*source)(void *ctx, int64_t start, uint32_t n, kt_event *ev,
                     uint32_t cap);
  void *source_ctx;
  uint32_t source_cap;
} kt_drive_opts;
void kt_drive_opts_default(kt_drive_opts *o);

typedef struct {
  int64_t frame; /* absolute frame */
  double qn;     /* the same time in quarter notes */
  uint8_t size, data[3];
} kt_rec_event;

typedef struct {
  kt_rec_event *ev;
  int n, cap;
  int64_t frames; /* total frames run */
} kt_recording;
void kt_drive_recording_free(kt_recording *r);

/* Map quarter notes <-> frames with the melody's tempo map. */
int64_t kt_drive_frame_at(const kt_melody *m, const kt_drive_opts *o,
                           double qn);
double kt_drive_qn_at(const kt_melody *m, const kt_drive_opts *o,
                       int64_t frame);

/* Runs the melody through e; 0 or -1 with err. */
int kt_drive(kt_engine *e, const kt_melody *m, const kt_drive_opts *o,
             kt_recording *rec, char *err, size_t errlen);

#endif
