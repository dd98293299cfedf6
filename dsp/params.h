/* dsp/params.h -- what a user interface needs of the engine without the
 * engine itself: the parameter table (the plugin's control ports, the CLAP
 * parameters, the CLI's options; dsp/params.c) and one decided slice as it
 * sounded (the plugin's notify port, ui/roll.h).  engine.h includes it. */
#ifndef KT_PARAMS_H
#define KT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Parameters: the plugin's control ports, in port order after the atom ports. */
typedef enum {
  KT_P_ENABLED = 0,  /* toggle, 1 */
  KT_P_TEMPERATURE,  /* 0..2, 0 = argmax */
  KT_P_SEED,         /* 0..65535 integer, 1 */
  KT_P_KEY,          /* -1 = auto (detected), 0..11 = C..B, -1 */
  KT_P_MODE,         /* 0 major, 1 minor (used when key is not auto) */
  KT_P_LOOKAHEAD,    /* 0..8 slices; the nearest model is used, 0 */
  KT_P_GUARD,        /* toggle, 1 */
  KT_P_ALTO_ON,      /* toggles, 1 */
  KT_P_TENOR_ON,
  KT_P_BASS_ON,
  KT_P_VEL_MODE,     /* 0 follow melody, 1 fixed */
  KT_P_VELOCITY,     /* 1..127, 80 */
  KT_P_CH_ALTO,      /* 1..16, 2 */
  KT_P_CH_TENOR,     /* 1..16, 3 */
  KT_P_CH_BASS,      /* 1..16, 4 */
  KT_P_CH_IN,        /* 0 = omni, 1..16 */
  KT_P_PASSTHRU,     /* toggle, 1: the melody goes out too (channel kept) */
  KT_P_GRACE_MS,     /* 0..50 ms, 12 */
  KT_P_BPM,          /* 20..300, 100: free-run tempo when the host sends none */
  KT_P_ALTO_LO,      /* voice ranges, MIDI pitches */
  KT_P_ALTO_HI,
  KT_P_TENOR_LO,
  KT_P_TENOR_HI,
  KT_P_BASS_LO,
  KT_P_BASS_HI,
  KT_P_RHYTHM,       /* 0 free, 1 eighths: alto, tenor and bass start no
                        note on an off-eighth sixteenth (Bach's inner voices
                        almost never do), 0 */
  KT_P_TIMING,       /* -1 = auto (learned), 0..150 ms: how late the
                        melody reaches the plugin (dsp/timing.h), -1 */
  KT_P_STYLE,        /* the guard's style terms (engine.h,
                        kt_engine_set_style): 0 plain (none), 1 balanced
                        (the light weights), 2 Bach (the style weights), 1 */
  KT_NPARAMS
} kt_param;

/* Port groups: how hosts lay the parameters out (LV2 pg:group, the CLAP
 * parameter's module path).  KT_G_AUDIO holds the audio plugin's own ports. */
typedef enum {
  KT_G_HARMONY = 0, /* on/off, key, mode, sampling, guard, rhythm */
  KT_G_MELODY,      /* melody input: what comes in, pass-through, grace */
  KT_G_VOICES,      /* which voices sound, their velocity */
  KT_G_CHANNELS,    /* MIDI channels in and out */
  KT_G_RANGES,      /* lowest and highest note of each voice */
  KT_G_TIMING,      /* lookahead, free-run tempo, latency */
  KT_G_AUDIO,       /* audio input: the pitch tracker (audio plugin) */
  KT_NGROUPS
} kt_group;
typedef struct {
  const char *symbol; /* the group's LV2 lv2:symbol */
  const char *name;   /* rdfs:label, the CLAP parameters' module */
} kt_group_info;
const kt_group_info *kt_param_group_info(kt_group g);

typedef struct {
  const char *symbol; /* LV2 port symbol / CLI name */
  const char *name;
  float min, max, def;
  int integer, toggle;
  kt_group group;
  const char *unit;    /* LV2 units: local name ("ms"), NULL = none */
  const char *comment; /* one sentence: rdfs:comment, hosts' tooltips */
} kt_param_info;
const kt_param_info *kt_param_get_info(kt_param p);
/* A parameter value as text and back (CLAP value-to-text, the TTL scale
 * points).  kt_param_label: the label of an enumerated value ("Auto", "C#",
 * "Minor", "Follow melody", "Omni") or NULL.  kt_param_format: the label,
 * else On/Off for toggles, a note name for the voice ranges ("F3"), or the
 * number with its unit ("12.0 ms").  kt_param_parse reads all of those and
 * plain numbers back: 0, or -1 if the text is no legal value of p. */
const char *kt_param_label(kt_param p, int value);
void kt_param_format(kt_param p, double v, char *buf, size_t len);
int kt_param_parse(kt_param p, const char *text, double *v);

/* One decided slice as it sounded (the plugin's notify port, the UI). */
typedef struct {
  int64_t index;        /* slice index since creation/reset */
  int bar_pos, bar_len; /* sixteenths since the barline, sixteenths per bar */
  int pitch[4];         /* melody, alto, tenor, bass as sounding; -1 none */
  unsigned onset;       /* bit v: pitch[v] starts (or restarts) here */
} kt_slice_view;

#endif
