/* dsp/pitch.h -- monophonic pitch tracker: audio in, melody note-on/off
 * kt_events out, fed to the same kt_engine_process as MIDI would be.
 *
 * The host rate is resampled to KT_PITCH_RATE with libsamplerate; every
 * KT_PITCH_HOP analysis samples YIN (difference function through FFTW3's
 * real FFT, cumulative mean normalization, parabolic interpolation) runs
 * on the newest KT_PITCH_WIN samples against lags up to KT_PITCH_WIN.
 * Notes: onset after a few stable voiced frames (confidence gate + level
 * gate), a pitch change only beyond the semitone plus a hysteresis band,
 * release after a few unvoiced frames, never shorter than the minimum note
 * length; nearest semitone of the tuning reference A4.  While a note
 * sounds, its measured period is cancelled (a comb filter) and YIN runs on
 * what is left: a new note rising under the old one's release (a sung
 * "aah", a bowed legato) is heard there before it is the louder, and
 * until the old one has faded the mixture of the two changes nothing.
 *
 * Its own static library (links fftw3f and samplerate): dsp_lib and the
 * MIDI plugin never pull those in.  The resampler state, FFTW plans and
 * buffers are made by kt_pitch_new; the KT_RT functions allocate nothing. */
#ifndef KT_PITCH_H
#define KT_PITCH_H

#include "rt.h"
#include "types.h"

#include <stddef.h>
#include <stdint.h>

#define KT_PITCH_RATE 16000 /* analysis rate, Hz */
#define KT_PITCH_HOP 64     /* analysis hop (4 ms) */
#define KT_PITCH_WIN 256    /* window and longest lag (16 ms, 62.5 Hz) */

typedef enum {
  KT_PP_A4 = 0,  /* tuning reference, Hz: 400..480, 440 */
  KT_PP_GAIN_DB, /* input gain, dB: -24..24, 0 */
  KT_PP_GATE_DB, /* level a note needs (RMS after gain), dBFS: -80..0, -50 */
  KT_PP_MIN_MS,  /* minimum note length, ms: 0..500, 40 */
  KT_NPITCH_PARAMS
} kt_pitch_param;

typedef struct {
  const char *symbol, *name, *unit; /* unit: LV2 units local name */
  float min, max, def;
  const char *comment; /* one sentence: the LV2 rdfs:comment */
} kt_pitch_param_info;
const kt_pitch_param_info *kt_pitch_param_get_info(kt_pitch_param p);

typedef struct kt_pitch kt_pitch;

/* Non-RT.  rate: host rate (8000..384000); max_block bounds n_frames of
 * kt_pitch_process.  NULL + err on failure. */
kt_pitch *kt_pitch_new(double rate, uint32_t max_block, char *err,
                       size_t errlen);
void kt_pitch_free(kt_pitch *t);

void kt_pitch_set_param(kt_pitch *t, kt_pitch_param p, float v) KT_RT;
float kt_pitch_get_param(const kt_pitch *t, kt_pitch_param p) KT_RT;

/* Events kt_pitch_process may emit for n_frames (at most). */
uint32_t kt_pitch_max_events(const kt_pitch *t, uint32_t n_frames) KT_RT;

/* RT: n_frames (<= max_block) of mono audio; writes melody MIDI events
 * (channel 1 note-on/off, frames in [0, n_frames), sorted) to ev, at most
 * cap (a note-on is only written with room for its note-off).  Returns
 * the count. */
uint32_t kt_pitch_process(kt_pitch *t, const float *in, uint32_t n_frames,
                          kt_event *ev, uint32_t cap) KT_RT;

/* RT: back to the just-created state (no event: the caller forgets). */
void kt_pitch_reset(kt_pitch *t) KT_RT;

/* Nominal detection delay in host frames (resampler + half a window +
 * the onset confirmation), what the plugin reports as latency. */
uint32_t kt_pitch_latency(const kt_pitch *t) KT_RT;

/* Introspection for tests, benches and the plugin's output port. */
typedef struct {
  int note;        /* sounding MIDI note, -1 */
  float midi;      /* last frame's estimate (fractional MIDI), 0 unvoiced */
  float conf;      /* last frame's confidence 0..1 (1 - YIN dip) */
  float level;     /* last frame's RMS, dBFS after gain */
  int64_t frames;  /* analysis frames so far */
  float res_midi;  /* the residual's estimate (the sounding note cancelled) */
  float res_conf;  /* ... its confidence */
  float res_share; /* ... its energy over the input's */
} kt_pitch_state;
void kt_pitch_get_state(const kt_pitch *t, kt_pitch_state *st) KT_RT;

#endif
