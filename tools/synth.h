/* tools/synth.h -- four-voice playback with libfluidsynth and the Debian
 * FluidR3 GM soundfont, and WAV output with libsndfile.  Channels 1-4
 * (0-3 here) are soprano, alto, tenor, bass, each with the chosen program
 * and its own pan; channel 10 is GM percussion (the live click). */
#ifndef KT_SYNTH_H
#define KT_SYNTH_H

#include "drive.h"
#include <stddef.h>
#include <stdint.h>

#define KT_SF2_DEFAULT "/usr/share/sounds/sf2/FluidR3_GM.sf2"

enum { KT_SYNTH_CHOIR = 0, KT_SYNTH_ORGAN = 1, KT_SYNTH_STRINGS = 2 };
/* "choir", "organ", "strings" -> enum, -1 if unknown. */
int kt_synth_instrument(const char *name);

typedef struct kt_synth kt_synth;
/* sf2 NULL: $KANTOR_SF2 or KT_SF2_DEFAULT. */
kt_synth *kt_synth_new(double rate, const char *sf2, int instrument, char *err,
                       size_t errlen);
void kt_synth_free(kt_synth *s);
/* A 1..3-byte channel message. */
void kt_synth_midi(kt_synth *s, const uint8_t *d, int size);
/* n stereo frames into l and r (overwritten). */
void kt_synth_render(kt_synth *s, float *l, float *r, int n);

/* WAV (16-bit PCM stereo) written to path.tmp and renamed on commit. */
typedef struct kt_wav kt_wav;
kt_wav *kt_synth_wav_open(const char *path, double rate, char *err, size_t errlen);
int kt_synth_wav_write(kt_wav *w, const float *l, const float *r, int n);
/* commit 1: rename into place; 0: remove the tmp.  Frees w. */
int kt_synth_wav_close(kt_wav *w, int commit, char *err, size_t errlen);

/* Render timed MIDI events (frames at rate, sorted) for 'frames' frames
 * plus a release tail of tail_s seconds into a WAV. */
int kt_synth_render_wav(const char *path, double rate, const kt_rec_event *ev,
                        int n, int64_t frames, double tail_s, int instrument,
                        const char *sf2, char *err, size_t errlen);

#endif
