/* plugin/kantor_audio_lv2.c -- the audio plugin: a sung or played melody
 * (mono audio) in, that melody (passed through) and three voices out as
 * MIDI.  The pitch tracker (dsp/pitch.h) turns the audio into note-on/off
 * events, which the shared LV2 glue (glue.h) merges by frame with the
 * host's transport and feeds to the same engine as the MIDI plugin's.
 * Reported latency: the tracker's detection delay + the engine's.
 *
 * Own shared object: it links FFTW3 and libsamplerate, the MIDI plugin
 * does not.  Tracker state, FFT plans and buffers are made at instantiate;
 * run() allocates nothing. */
#include "glue.h"
#include "pitch.h"

#include <lv2/core/lv2.h>

#include <math.h>
#include <stdlib.h>

#ifndef KT_AUDIO_URI
#define KT_AUDIO_URI "https://kantor.example.org/plugins/kantor-audio"
#endif

enum {
  KT_APORT_AUDIO = KT_LV2_NPORTS,
  KT_APORT_PARAM0,
  KT_APORT_NOTE = KT_APORT_PARAM0 + KT_NPITCH_PARAMS,
  KT_APORT_N
};

typedef struct {
  kt_lv2 g; /* first: the glue's interfaces cast the handle */
  kt_pitch *tracker;
  const float *audio;
  const float *pparam[KT_NPITCH_PARAMS];
  float plast[KT_NPITCH_PARAMS];
  float *note;
} kt_apl;

/* The glue's event source: the tracker on this piece of the block. */
static uint32_t track(kt_lv2 *g, uint32_t start, uint32_t len, kt_event *ev,
                      uint32_t cap) KT_RT
{
  kt_apl *a = (kt_apl *)g;
  return kt_pitch_process(a->tracker, a->audio ? a->audio + start : NULL, len,
                          ev, cap);
}

static void cleanup(LV2_Handle h)
{
  kt_apl *a = (kt_apl *)h;
  kt_pitch_free(a->tracker);
  kt_lv2_free(&a->g);
}

static LV2_Handle instantiate(const LV2_Descriptor *desc, double rate,
                              const char *bundle_path,
                              const LV2_Feature *const *features)
{
  (void)desc;
  (void)bundle_path;
  if (!(rate >= 8000 && rate <= 384000)) return NULL;
  /* tracker events: two per analysis hop at most */
  uint32_t per_kframe =
      (uint32_t)ceil(2000.0 * KT_PITCH_RATE / rate / KT_PITCH_HOP) + 2;
  kt_apl *a = (kt_apl *)kt_lv2_new(sizeof *a, rate, features, per_kframe);
  if (!a) return NULL;
  char err[256];
  a->tracker = kt_pitch_new(rate, a->g.sh.max_block, err, sizeof err);
  if (!a->tracker ||
      kt_pitch_max_events(a->tracker, a->g.sh.max_block) > a->g.src_cap) {
    lv2_log_error(&a->g.logger, "kantor-audio: pitch tracker: %s\n",
                  a->tracker ? "event room" : err);
    cleanup((LV2_Handle)a);
    return NULL;
  }
  a->g.midi_in = 0; /* the melody is the audio */
  a->g.source = track;
  a->g.extra_latency = kt_pitch_latency(a->tracker);
  for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
    a->plast[i] = NAN;
  return (LV2_Handle)a;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
  kt_apl *a = (kt_apl *)h;
  if (kt_lv2_connect(&a->g, port, data)) return;
  if (port == KT_APORT_AUDIO)
    a->audio = (const float *)data;
  else if (port >= KT_APORT_PARAM0 && port < KT_APORT_NOTE)
    a->pparam[port - KT_APORT_PARAM0] = (const float *)data;
  else if (port == KT_APORT_NOTE)
    a->note = (float *)data;
}

static void activate(LV2_Handle h)
{
  kt_apl *a = (kt_apl *)h;
  kt_lv2_activate(&a->g);
  kt_pitch_reset(a->tracker);
}

static void deactivate(LV2_Handle h)
{
  kt_apl *a = (kt_apl *)h;
  kt_lv2_deactivate(&a->g);
  kt_pitch_reset(a->tracker); /* the engine forgot the melody too */
}

static void run(LV2_Handle h, uint32_t n_samples) KT_RT
{
  kt_apl *a = (kt_apl *)h;
  for (int i = 0; i < KT_NPITCH_PARAMS; ++i) {
    if (!a->pparam[i]) continue;
    float v = *a->pparam[i];
    if (isnan(v) || v == a->plast[i]) continue;
    kt_pitch_set_param(a->tracker, (kt_pitch_param)i, v);
    a->plast[i] = v;
  }
  kt_lv2_run(&a->g, n_samples);
  if (a->note) {
    kt_pitch_state st;
    kt_pitch_get_state(a->tracker, &st);
    *a->note = (float)st.note;
  }
}

static const LV2_Descriptor descriptor = {
    KT_AUDIO_URI, instantiate, connect_port, activate,
    run,          deactivate,  cleanup,      kt_lv2_extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
