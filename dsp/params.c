/* dsp/params.c -- the parameter table: one source for the engine defaults,
 * the LV2 ports (ttl generated from it), the CLI and the tests. */
#include "engine.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* symbol, name, min, max, default, integer, toggle, group, unit (LV2 units),
 * comment (the LV2 rdfs:comment) */
static const kt_param_info kt_params[KT_NPARAMS] = {
  [KT_P_ENABLED] = {"enabled", "Enabled", 0, 1, 1, 1, 1, KT_G_HARMONY, NULL,
    "Off: the harmony voices are released and MIDI passes through"},
  [KT_P_TEMPERATURE] = {"temperature", "Temperature", 0, 2, 0, 0, 0,
    KT_G_HARMONY, NULL,
    "0 = always the most likely note (argmax); higher = more adventurous "
    "sampling"},
  [KT_P_SEED] = {"seed", "Seed", 0, 65535, 1, 1, 0, KT_G_HARMONY, NULL,
    "Seed of the sampling random generator: same melody and seed, same "
    "harmony"},
  [KT_P_KEY] = {"key", "Key", -1, 11, -1, 1, 0, KT_G_HARMONY, NULL,
    "Key of the melody; Auto = detected from the notes"},
  [KT_P_MODE] = {"mode", "Mode", 0, 1, 0, 1, 0, KT_G_HARMONY, NULL,
    "Mode used when the key is not Auto"},
  [KT_P_LOOKAHEAD] = {"lookahead", "Lookahead", 0, 8, 0, 1, 0, KT_G_TIMING,
    NULL, "Sixteenths of melody heard before deciding (adds that much "
    "latency)"},
  [KT_P_GUARD] = {"guard", "Voice-leading guard", 0, 1, 1, 1, 1, KT_G_HARMONY,
    NULL, "Forbid parallel fifths/octaves and voice crossing when an "
    "alternative is likely"},
  [KT_P_ALTO_ON] = {"alto", "Alto", 0, 1, 1, 1, 1, KT_G_VOICES, NULL,
    "Play the alto voice"},
  [KT_P_TENOR_ON] = {"tenor", "Tenor", 0, 1, 1, 1, 1, KT_G_VOICES, NULL,
    "Play the tenor voice"},
  [KT_P_BASS_ON] = {"bass", "Bass", 0, 1, 1, 1, 1, KT_G_VOICES, NULL,
    "Play the bass voice"},
  [KT_P_VEL_MODE] = {"velocity_mode", "Velocity mode", 0, 1, 0, 1, 0,
    KT_G_VOICES, NULL, "Harmony velocity follows the melody or is fixed"},
  [KT_P_VELOCITY] = {"velocity", "Fixed velocity", 1, 127, 80, 1, 0,
    KT_G_VOICES, NULL, "Velocity of the harmony notes when the velocity "
    "mode is Fixed"},
  [KT_P_CH_ALTO] = {"alto_channel", "Alto channel", 1, 16, 2, 1, 0,
    KT_G_CHANNELS, NULL, "MIDI channel the alto is sent on"},
  [KT_P_CH_TENOR] = {"tenor_channel", "Tenor channel", 1, 16, 3, 1, 0,
    KT_G_CHANNELS, NULL, "MIDI channel the tenor is sent on"},
  [KT_P_CH_BASS] = {"bass_channel", "Bass channel", 1, 16, 4, 1, 0,
    KT_G_CHANNELS, NULL, "MIDI channel the bass is sent on"},
  [KT_P_CH_IN] = {"input_channel", "Input channel", 0, 16, 0, 1, 0,
    KT_G_CHANNELS, NULL, "MIDI channel of the melody (Omni = any)"},
  [KT_P_PASSTHRU] = {"passthrough", "Melody pass-through", 0, 1, 1, 1, 1,
    KT_G_MELODY, NULL, "Send the melody to the output too"},
  [KT_P_GRACE_MS] = {"grace", "Grace window", 0, 50, 12, 0, 0, KT_G_MELODY,
    "ms", "With a fixed input timing: how long after a sixteenth's moment "
    "the harmony waits for its melody note before changing under a held "
    "one"},
  [KT_P_BPM] = {"bpm", "Free-run tempo", 20, 300, 100, 0, 0, KT_G_TIMING,
    "bpm", "Tempo used when the host sends no transport"},
  [KT_P_ALTO_LO] = {"alto_low", "Alto lowest", 36, 96, 53, 1, 0, KT_G_RANGES,
    "midiNote", "Lowest note the alto plays"},
  [KT_P_ALTO_HI] = {"alto_high", "Alto highest", 36, 96, 74, 1, 0,
    KT_G_RANGES, "midiNote", "Highest note the alto plays"},
  [KT_P_TENOR_LO] = {"tenor_low", "Tenor lowest", 28, 84, 48, 1, 0,
    KT_G_RANGES, "midiNote", "Lowest note the tenor plays"},
  [KT_P_TENOR_HI] = {"tenor_high", "Tenor highest", 28, 84, 69, 1, 0,
    KT_G_RANGES, "midiNote", "Highest note the tenor plays"},
  [KT_P_BASS_LO] = {"bass_low", "Bass lowest", 21, 72, 36, 1, 0, KT_G_RANGES,
    "midiNote", "Lowest note the bass plays"},
  [KT_P_BASS_HI] = {"bass_high", "Bass highest", 21, 72, 64, 1, 0,
    KT_G_RANGES, "midiNote", "Highest note the bass plays"},
  [KT_P_RHYTHM] = {"rhythm", "Inner-voice rhythm", 0, 1, 0, 1, 0,
    KT_G_VOICES, NULL, "Free, or Eighths: alto, tenor and bass start "
    "notes only on eighths, as Bach's inner voices do"},
  [KT_P_TIMING] = {"timing", "Input timing", -1, 150, -1, 0, 0, KT_G_TIMING,
    "ms", "How late your notes reach the plugin (host buffers, your "
    "playing); Auto learns it from the notes, so the harmony sounds with "
    "each melody note"},
  [KT_P_STYLE] = {"style", "Harmony style", 0, 2, 1, 1, 0, KT_G_HARMONY,
    NULL, "Plain: each voice's likeliest note within the voice-leading "
    "rules; Balanced: leaned towards Bach's style as far as it keeps "
    "Bach's notes as often; Bach: more inversions, sevenths and a "
    "stepping bass, matching Bach's notes a little less often"},
};

static const kt_group_info kt_groups[KT_NGROUPS] = {
  [KT_G_HARMONY] = {"harmony", "Harmony"},
  [KT_G_MELODY] = {"melody", "Melody input"},
  [KT_G_VOICES] = {"voices", "Voices"},
  [KT_G_CHANNELS] = {"channels", "MIDI channels"},
  [KT_G_RANGES] = {"ranges", "Voice ranges"},
  [KT_G_TIMING] = {"timing", "Timing"},
  [KT_G_AUDIO] = {"audio", "Audio input"},
};

const kt_group_info *kt_param_group_info(kt_group g)
{
  return (int)g >= 0 && g < KT_NGROUPS ? &kt_groups[g] : NULL;
}

const kt_param_info *kt_param_get_info(kt_param p)
{
  if ((int)p < 0 || p >= KT_NPARAMS)
    return NULL;
  return &kt_params[p];
}

/* ---- values as text ----------------------------------------------------- */

static const char *const kt_tonic[12] = {"C",  "C#", "D",  "Eb", "E",  "F",
                                         "F#", "G",  "Ab", "A",  "Bb", "B"};

const char *kt_param_label(kt_param p, int value)
{
  switch (p) {
  case KT_P_KEY:
    return value == -1 ? "Auto"
                       : (value >= 0 && value < 12 ? kt_tonic[value] : NULL);
  case KT_P_MODE:
    return value == 0 ? "Major" : (value == 1 ? "Minor" : NULL);
  case KT_P_VEL_MODE:
    return value == 0 ? "Follow melody" : (value == 1 ? "Fixed" : NULL);
  case KT_P_RHYTHM:
    return value == 0 ? "Free" : (value == 1 ? "Eighths" : NULL);
  case KT_P_CH_IN:
    return value == 0 ? "Omni" : NULL;
  case KT_P_TIMING:
    return value == -1 ? "Auto" : NULL;
  case KT_P_STYLE:
    return value == 0   ? "Plain"
           : value == 1 ? "Balanced"
                        : (value == 2 ? "Bach" : NULL);
  default:
    return NULL;
  }
}

static int is_range(kt_param p)
{
  return p >= KT_P_ALTO_LO && p <= KT_P_BASS_HI;
}

static const char *unit_of(kt_param p)
{
  return p == KT_P_GRACE_MS || p == KT_P_TIMING
             ? "ms"
             : (p == KT_P_BPM ? "BPM" : NULL);
}

void kt_param_format(kt_param p, double v, char *buf, size_t len)
{
  const kt_param_info *pi = kt_param_get_info(p);
  if (!buf || len == 0) return;
  if (!pi || !isfinite(v)) {
    snprintf(buf, len, "?");
    return;
  }
  const int iv = (int)lround(v);
  const char *label = kt_param_label(p, iv);
  if (pi->toggle)
    snprintf(buf, len, "%s", v >= 0.5 ? "On" : "Off");
  else if (label)
    snprintf(buf, len, "%s", label);
  else if (is_range(p) && iv >= 0 && iv <= 127)
    snprintf(buf, len, "%s%d", kt_tonic[iv % 12], iv / 12 - 1);
  else if (pi->integer)
    snprintf(buf, len, "%d", iv);
  else if (unit_of(p))
    snprintf(buf, len, "%.1f %s", v, unit_of(p));
  else
    snprintf(buf, len, "%.3g", v);
}

static int lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive equality of the n bytes at s with the whole of word. */
static int same_word(const char *s, size_t n, const char *word)
{
  size_t i = 0;
  for (; i < n && word[i]; ++i)
    if (lower((unsigned char)s[i]) != lower((unsigned char)word[i])) return 0;
  return i == n && !word[i];
}

/* A note name: C..B, optional # or b, an octave -1..9 (C4 = 60). */
static int parse_note(const char *s, size_t n, double *v)
{
  static const int pcs[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
  if (n < 2) return -1;
  int c = lower((unsigned char)s[0]);
  if (c < 'a' || c > 'g') return -1;
  int pc = pcs[c - 'a'];
  size_t i = 1;
  if (s[i] == '#') {
    ++pc;
    ++i;
  } else if (s[i] == 'b') {
    --pc;
    ++i;
  }
  int neg = i < n && s[i] == '-';
  if (neg) ++i;
  if (i + 1 != n || s[i] < '0' || s[i] > '9') return -1;
  int oct = neg ? -(s[i] - '0') : s[i] - '0';
  *v = (oct + 1) * 12 + pc;
  return 0;
}

int kt_param_parse(kt_param p, const char *text, double *v)
{
  const kt_param_info *pi = kt_param_get_info(p);
  if (!pi || !text || !v) return -1;
  while (*text == ' ' || *text == '\t')
    ++text;
  size_t n = strlen(text);
  while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
    --n;
  if (n == 0) return -1;
  double x;
  /* labelled parameters are small enumerations (key: 13 values), or have
   * one labelled value at their minimum (timing: Auto) */
  for (int k = (int)pi->min;
       k <= (int)pi->max && (pi->max - pi->min <= 16 || k == (int)pi->min);
       ++k) {
    const char *label = kt_param_label(p, k);
    if (label && same_word(text, n, label)) {
      *v = k;
      return 0;
    }
  }
  if (pi->toggle && (same_word(text, n, "on") || same_word(text, n, "off"))) {
    *v = same_word(text, n, "on");
    return 0;
  }
  if (is_range(p) && parse_note(text, n, &x) == 0) {
    /* a note name: checked against the range below */
  } else {
    char *end;
    x = strtod(text, &end);
    if (end == text) return -1;
    size_t rest = n - (size_t)(end - text);
    while (rest > 0 && *end == ' ') {
      ++end;
      --rest;
    }
    if (rest > 0 && !(unit_of(p) && same_word(end, rest, unit_of(p))))
      return -1;
  }
  if (!isfinite(x) || x < pi->min || x > pi->max) return -1;
  if ((pi->integer || pi->toggle) && x != floor(x)) return -1;
  *v = x;
  return 0;
}
