/* tools/cmd_render.c -- `kantor render`: a MIDI melody in, a four-track
 * harmonized MIDI file out (+ WAV, SVG).  It only converts the file to a
 * kt_melody, runs kt_drive (the engine, as a host would run it) and writes
 * what the engine emitted, re-timed with the same tempo map and shifted by
 * the engine's reported latency as a DAW would.
 * With --audio-in the melody is a WAV file: the pitch tracker (dsp/pitch.h)
 * is kt_drive's event source, exactly as in the audio plugin, and the
 * soprano track is the melody the engine passed through. */
#include "decode.h"
#include "args.h"
#include "cmds.h"
#include "drive.h"
#include "lily.h"
#include "musicxml.h"
#include "pitch.h"
#include "player.h"
#include "smf.h"
#include "svg.h"
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_DIV 480
#define NV 4 /* soprano, alto, tenor, bass */

static const char *usage_text =
    "usage: kantor render IN.mid -o OUT.mid [options]\n"
    "       kantor render MELODY.musicxml -o OUT.mid [--part N] [options]\n"
    "       kantor render --audio-in IN.wav -o OUT.mid [options]\n"
    "\n"
    "Harmonize the melody of a MIDI file (type 0 or 1; where notes overlap\n"
    "the highest one is the melody; its tempo map and time signatures are\n"
    "honoured) with the real-time engine, and write a type-1 MIDI file with\n"
    "a tempo track and the tracks Soprano, Alto, Tenor, Bass on channels\n"
    "1-4.\n"
    "With --audio-in the melody is sung or played in a sound file (WAV,\n"
    "FLAC, ... any libsndfile reads; channels are mixed): the pitch tracker\n"
    "of the audio plugin finds it, the engine harmonizes it at --bpm, and\n"
    "the Soprano track is the detected melody.\n"
    "A melody in MusicXML (.musicxml or .xml, uncompressed; one voice, no\n"
    "chords or tuplets) is read from its top part (or --part N) with its\n"
    "tempo and meters.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE    the harmonized MIDI file (required)\n"
    "  --wav FILE           also render audio (fluidsynth, FluidR3 GM)\n"
    "  --svg FILE           also draw a piano roll\n"
    "  --musicxml FILE      also write the chorale as MusicXML (S+A on a\n"
    "                       treble staff, T+B on a bass staff)\n"
    "  --score FILE         also engrave it with LilyPond: FILE.pdf, .png\n"
    "                       or .svg (needs lilypond; Debian: apt-get\n"
    "                       install lilypond), or FILE.ly: the source only\n"
    "  --staves 2|4         staves of --musicxml and --score (default 2)\n"
    "  --part N             the MusicXML input's part holding the melody\n"
    "                       (1 = the top one, default)\n"
    "  --instrument NAME    choir (default), organ or strings (for --wav)\n"
    "  --lookahead N        0..8 slices of lookahead (nearest model), 0\n"
    "  --key K|auto         C C# Db D ... B (lowercase = minor), or auto\n"
    "  --temperature T      0..2, 0 = most likely notes (default 0)\n"
    "  --seed S             0..65535 sampling seed (default 1)\n"
    "  --guard on|off       voice-leading guard (default on)\n"
    "  --rhythm free|eighths  eighths: alto, tenor and bass start notes\n"
    "                       only on eighths, as Bach's do (default free)\n"
    "  --decode plain|balanced|bach  the harmony style (the plugin's\n"
    "                       Harmony style): the guard without its style\n"
    "                       terms, with the light weights (default) or\n"
    "                       with Bach's style first; also classic, light,\n"
    "                       style (docs/eval.md)\n"
    "  --style SPEC         style terms over the shipped (--decode light:\n"
    "                       the light) ones, name=value,... (implies\n"
    "                       --decode style unless --decode light)\n"
    "  --model FILE         a live model file instead of the built-in ones\n"
    "  --bpm N              20..300 quarter notes per minute, replacing the\n"
    "                       file's tempo map (default: the file's, else 120)\n"
    "  --block N            host block size in frames, 1..8192 (default 256)\n"
    "  --rate HZ            sample rate, 8000..192000 (default 48000)\n"
    "  --audio-in FILE      a sound file as the melody (instead of IN.mid);\n"
    "                       --rate is the file's, --bpm defaults to 100\n"
    "  --a4 HZ              tuning reference 400..480 (default 440)\n"
    "  --gain DB            input gain -24..24 (default 0)\n"
    "  --gate DB            input threshold -80..0 dBFS (default -50)\n"
    "  --min-note MS        minimum note length 0..500 (default 40)\n"
    "  --player SPEC        play the melody as a person would, e.g.\n"
    "                       late=16,jitter=30,seed=1[,release=joined|free]:\n"
    "                       every note-on and note-off moved by late ms plus\n"
    "                       normal jitter of sd jitter ms (seeded); the\n"
    "                       Soprano track is the melody as played (see\n"
    "                       docs/timing.md; not with --audio-in)\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 ok, 1 error (bad file, ...), 2 usage error.\n";

static int usage_err(const char *fmt, const char *a)
{
  fprintf(stderr, "kantor render: ");
  fprintf(stderr, fmt, a);
  fprintf(stderr, "\n(see kantor render --help)\n");
  return KT_EXIT_USAGE;
}

typedef struct {
  uint32_t on, off;
  int pitch, vel;
} out_note;

typedef struct {
  out_note *v;
  int n, cap;
} note_list;

static int nl_push(note_list *l, uint32_t on, uint32_t off, int pitch, int vel)
{
  if (off <= on) return 0; /* zero length after re-timing: dropped */
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 128;
    out_note *nv = realloc(l->v, sizeof *nv * (size_t)cap);
    if (!nv) return -1;
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n++] = (out_note){on, off, pitch, vel};
  return 0;
}

/* The audio melody input: the tracker on the file, as kt_drive's source. */
typedef struct {
  kt_pitch *t;
  const float *x;
  int64_t len;
  float *pad; /* a block of the file's end and silence after it */
} audio_src;

static uint32_t audio_source(void *ctx, int64_t start, uint32_t n, kt_event *ev,
                             uint32_t cap)
{
  audio_src *a = ctx;
  const float *in = a->x + start;
  if (start + n > a->len) {
    for (uint32_t i = 0; i < n; ++i)
      a->pad[i] = start + i < a->len ? a->x[start + i] : 0.0f;
    in = a->pad;
  }
  return kt_pitch_process(a->t, in, n, ev, cap);
}

/* Read a sound file, channels mixed to mono.  0 or -1 with err. */
static int read_audio(const char *path, float **out, int64_t *len, double *rate,
                      char *err, size_t errlen)
{
  SF_INFO info;
  memset(&info, 0, sizeof info);
  SNDFILE *f = sf_open(path, SFM_READ, &info);
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, sf_strerror(NULL));
    return -1;
  }
  if (info.frames <= 0 || info.channels <= 0 || info.samplerate < 8000 ||
      info.samplerate > 384000 ||
      info.frames > (sf_count_t)info.samplerate * 4 * 3600) {
    snprintf(err, errlen,
             "%s: %lld frames of %d channels at %d Hz: not a "
             "usable melody (8..384 kHz, up to 4 hours)",
             path, (long long)info.frames, info.channels, info.samplerate);
    sf_close(f);
    return -1;
  }
  float *x = malloc(sizeof *x * (size_t)info.frames);
  float *buf = malloc(sizeof *buf * 4096 * (size_t)info.channels);
  int64_t n = 0;
  if (!x || !buf) {
    snprintf(err, errlen, "%s: out of memory", path);
    goto fail;
  }
  while (n < info.frames) {
    sf_count_t got = sf_readf_float(f, buf, 4096);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got && n < info.frames; ++i, ++n) {
      float v = 0;
      for (int c = 0; c < info.channels; ++c)
        v += buf[i * info.channels + c];
      x[n] = v / (float)info.channels;
    }
  }
  if (n < info.frames) {
    snprintf(err, errlen, "%s: frame %lld: %s", path, (long long)n,
             sf_strerror(f)[0] ? sf_strerror(f) : "file ends early");
    goto fail;
  }
  free(buf);
  sf_close(f);
  *out = x;
  *len = n;
  *rate = info.samplerate;
  return 0;
fail:
  free(x);
  free(buf);
  sf_close(f);
  return -1;
}

static uint32_t qn_tick(double qn)
{
  if (qn <= 0) return 0;
  return (uint32_t)llround(qn * OUT_DIV);
}

typedef struct {
  int64_t frame;
  int seq;
  kt_rec_event e;
} wav_ev;

static int wav_cmp(const void *a, const void *b)
{
  const wav_ev *x = a, *y = b;
  if (x->frame != y->frame) return x->frame < y->frame ? -1 : 1;
  int ox = (x->e.data[0] & 0xf0) == 0x90, oy = (y->e.data[0] & 0xf0) == 0x90;
  if (ox != oy) return ox - oy; /* note-offs first */
  return x->seq - y->seq;
}

/* --musicxml and --score: the four voices as a chorale is printed, in the
 * key set or detected (tools/score.h, musicxml.h, lily.h).  Each file
 * written is added to written[]; 0, or -1 with err. */
static int write_notation(const char *in, const note_list nl[NV],
                          const kt_melody *mel, double bpm, int key, int staves,
                          const char *out_mxl, const char *out_score,
                          const char **written, int *n_written, char *err,
                          size_t errlen)
{
  kt_sc_note *buf[NV] = {0};
  int ret = -1;
  kt_score sc;
  memset(&sc, 0, sizeof sc);
  const char *base = strrchr(in, '/');
  base = base ? base + 1 : in;
  char title[300];
  snprintf(title, sizeof title, "%s (Kantor)", base);
  sc.title = title;
  sc.n_voices = NV;
  for (int v = 0; v < NV; ++v) {
    buf[v] = malloc(sizeof *buf[v] * (size_t)(nl[v].n + 1));
    if (!buf[v]) {
      snprintf(err, errlen, "out of memory");
      goto out;
    }
    for (int i = 0; i < nl[v].n; ++i)
      buf[v][i] = (kt_sc_note){
          nl[v].v[i].on / (double)OUT_DIV,
          (nl[v].v[i].off - nl[v].v[i].on) / (double)OUT_DIV, nl[v].v[i].pitch};
    sc.notes[v] = buf[v];
    sc.n[v] = nl[v].n;
  }
  sc.meter = mel->meter;
  sc.n_meter = mel->n_meter;
  sc.tempo = mel->tempo;
  sc.n_tempo = mel->n_tempo;
  sc.bpm = bpm;
  sc.tonic = key >= 0 ? key % 12 : -1;
  sc.minor = key >= 12;
  sc.staves = staves;
  if (out_mxl) {
    if (kt_mxl_write(out_mxl, &sc, err, errlen) < 0) goto out;
    written[(*n_written)++] = out_mxl;
  }
  if (out_score) {
    if (kt_ly_engrave(out_score, &sc, NULL, err, errlen) < 0) goto out;
    written[(*n_written)++] = out_score;
  }
  ret = 0;
out:
  for (int v = 0; v < NV; ++v)
    free(buf[v]);
  return ret;
}

int kt_cmd_render(int argc, char **argv)
{
  const char *in = NULL, *out_mid = NULL, *out_wav = NULL, *out_svg = NULL;
  const char *model_path = NULL, *audio_in = NULL;
  const char *out_mxl = NULL, *out_score = NULL;
  double staves = 2, part = 1;
  double pitch_param[KT_NPITCH_PARAMS];
  for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
    pitch_param[i] = kt_pitch_param_get_info((kt_pitch_param)i)->def;
  double lookahead = 0, temperature = 0, seed = 1, bpm = 0, block = 256,
         rate = 48000;
  int key_tonic = -1, key_minor = 0, guard = 1, instrument = KT_SYNTH_CHOIR;
  int rhythm = 0, decode = -1;
  const char *style_spec = NULL;
  kt_player player;
  kt_player_default(&player);
  const char *player_spec = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage_text, stdout);
      return KT_EXIT_OK;
    }
    if (a[0] != '-' || !a[1]) {
      if (in) return usage_err("more than one input file ('%s')", a);
      in = a;
      continue;
    }
    if (i + 1 >= argc) return usage_err("option %s needs a value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "-o") || !strcmp(a, "--output"))
      out_mid = v;
    else if (!strcmp(a, "--wav"))
      out_wav = v;
    else if (!strcmp(a, "--svg"))
      out_svg = v;
    else if (!strcmp(a, "--musicxml"))
      out_mxl = v;
    else if (!strcmp(a, "--score")) {
      if (!kt_ly_score_name_ok(v))
        return usage_err("--score: '%s' is not a .pdf, .png, .svg or .ly file",
                         v);
      out_score = v;
    } else if (!strcmp(a, "--staves")) {
      if (kt_arg_number(v, 2, 4, 1, &staves) < 0 || staves == 3)
        return usage_err("--staves: '%s' is not 2 or 4", v);
    } else if (!strcmp(a, "--part")) {
      if (kt_arg_number(v, 1, 1000, 1, &part) < 0)
        return usage_err("--part: '%s' is not an integer 1..1000", v);
    } else if (!strcmp(a, "--model"))
      model_path = v;
    else if (!strcmp(a, "--audio-in"))
      audio_in = v;
    else if (!strcmp(a, "--player")) {
      char perr[256];
      if (kt_player_parse(v, &player, perr, sizeof perr) < 0) {
        fprintf(stderr,
                "kantor render: --player %s: %s\n"
                "(see kantor render --help)\n",
                v, perr);
        return KT_EXIT_USAGE;
      }
      player_spec = v;
    } else if (!strcmp(a, "--a4") || !strcmp(a, "--gain") ||
               !strcmp(a, "--gate") || !strcmp(a, "--min-note")) {
      kt_pitch_param p = a[2] == 'a' ? KT_PP_A4
                         : a[3] == 'a'
                             ? (a[4] == 'i' ? KT_PP_GAIN_DB : KT_PP_GATE_DB)
                             : KT_PP_MIN_MS;
      const kt_pitch_param_info *pi = kt_pitch_param_get_info(p);
      if (kt_arg_number(v, pi->min, pi->max, 0, &pitch_param[p]) < 0) {
        fprintf(stderr,
                "kantor render: %s: '%s' is not a number %g..%g\n"
                "(see kantor render --help)\n",
                a, v, pi->min, pi->max);
        return KT_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--instrument")) {
      if ((instrument = kt_synth_instrument(v)) < 0)
        return usage_err("--instrument: '%s' is not choir, organ or strings",
                         v);
    } else if (!strcmp(a, "--lookahead")) {
      if (kt_arg_number(v, 0, 8, 1, &lookahead) < 0)
        return usage_err("--lookahead: '%s' is not an integer 0..8", v);
    } else if (!strcmp(a, "--key")) {
      if (kt_arg_key(v, &key_tonic, &key_minor) < 0)
        return usage_err("--key: '%s' is not a key name (C, F#, Bb, a, "
                         "c#, ... or auto)",
                         v);
    } else if (!strcmp(a, "--temperature")) {
      if (kt_arg_number(v, 0, 2, 0, &temperature) < 0)
        return usage_err("--temperature: '%s' is not a number 0..2", v);
    } else if (!strcmp(a, "--seed")) {
      if (kt_arg_number(v, 0, 65535, 1, &seed) < 0)
        return usage_err("--seed: '%s' is not an integer 0..65535", v);
    } else if (!strcmp(a, "--guard")) {
      if (!strcmp(v, "on"))
        guard = 1;
      else if (!strcmp(v, "off"))
        guard = 0;
      else
        return usage_err("--guard: '%s' is not on or off", v);
    } else if (!strcmp(a, "--rhythm")) {
      if ((rhythm = kt_arg_choice(v, "free|eighths")) < 0)
        return usage_err("--rhythm: '%s' is not free or eighths", v);
    } else if (!strcmp(a, "--decode")) {
      if ((decode = kt_arg_decode(v)) < 0)
        return usage_err("--decode: '%s' is not " KT_ARG_DECODE_NAMES, v);
    } else if (!strcmp(a, "--style")) {
      kt_decode_style s;
      char serr[160];
      kt_engine_style_default(&s, 0);
      if (kt_decode_style_parse(&s, v, serr, sizeof serr))
        return usage_err("--style: %s", serr);
      style_spec = v;
      if (decode < 0) decode = 2; /* Bach's weights under the spec */
    } else if (!strcmp(a, "--bpm")) {
      if (kt_arg_number(v, 20, 300, 0, &bpm) < 0)
        return usage_err("--bpm: '%s' is not a tempo 20..300", v);
    } else if (!strcmp(a, "--block")) {
      if (kt_arg_number(v, 1, 8192, 1, &block) < 0)
        return usage_err("--block: '%s' is not an integer 1..8192", v);
    } else if (!strcmp(a, "--rate")) {
      if (kt_arg_number(v, 8000, 192000, 1, &rate) < 0)
        return usage_err("--rate: '%s' is not a sample rate 8000..192000", v);
    } else {
      --i;
      return usage_err("unknown option '%s'", a);
    }
  }
  if (in && audio_in)
    return usage_err("%s", "give a MIDI file or --audio-in, not both");
  if (audio_in && player_spec)
    return usage_err("%s", "--player moves a MIDI melody's notes, not "
                           "--audio-in");
  if (audio_in) in = audio_in;
  if (!in) return usage_err("%s", "no input MIDI file given");
  if (!out_mid) return usage_err("%s", "no output file given (-o OUT.mid)");

  char err[512];
  int ret = KT_EXIT_FAIL;
  kt_smf smf;
  kt_melody mel = {0};
  kt_engine *e = NULL;
  kt_recording rec = {0};
  kt_smf outf;
  kt_smf_init(&outf, 1, OUT_DIV);
  note_list nl[NV] = {{0}};
  kt_svg_note *svgn = NULL;
  wav_ev *wev = NULL;
  kt_rec_event *wrec = NULL;
  const char *written[5];
  int n_written = 0;

  float *audio = NULL;
  int64_t audio_len = 0;
  kt_pitch *tracker = NULL;
  audio_src asrc = {0};
  if (audio_in) { /* no notes: the tracker's events are the melody */
    if (read_audio(audio_in, &audio, &audio_len, &rate, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      return KT_EXIT_FAIL;
    }
    if (bpm <= 0) bpm = 100;
    mel.end = (double)audio_len / rate * bpm / 60.0;
  } else if (kt_mxl_is_musicxml_name(in)) {
    if (kt_mxl_read_melody(in, (int)part, &mel, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      return KT_EXIT_FAIL;
    }
  } else {
    if (kt_smf_read_file(in, &smf, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      return KT_EXIT_FAIL;
    }
    int r = kt_smf_to_melody(&smf, in, &mel, err, sizeof err);
    kt_smf_free(&smf);
    if (r < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      return KT_EXIT_FAIL;
    }
  }
  kt_drive_opts o;
  kt_drive_opts_default(&o);
  o.rate = rate;
  o.block = (uint32_t)block;
  o.seed = (uint32_t)seed;
  if (bpm > 0) { /* replaces the file's tempo map */
    free(mel.tempo);
    mel.tempo = NULL;
    mel.n_tempo = 0;
    o.bpm = bpm;
  }
  if (player_spec) { /* the melody as the player plays it */
    kt_melody played;
    if (kt_player_apply(&player, &mel, &o, &played, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      goto done;
    }
    kt_smf_free_melody(&mel);
    mel = played;
  }

  e = kt_engine_new(rate, o.block, err, sizeof err);
  if (!e) {
    fprintf(stderr, "kantor render: engine: %s\n", err);
    goto done;
  }
  kt_engine_set_param(e, KT_P_TEMPERATURE, (float)temperature);
  kt_engine_set_param(e, KT_P_SEED, (float)seed);
  kt_engine_set_param(e, KT_P_KEY, (float)key_tonic);
  kt_engine_set_param(e, KT_P_MODE, (float)key_minor);
  kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)lookahead);
  kt_engine_set_param(e, KT_P_GUARD, (float)guard);
  kt_engine_set_param(e, KT_P_RHYTHM, (float)rhythm);
  /* MIDI: the soprano is the input; audio: the melody passed through */
  kt_engine_set_param(e, KT_P_PASSTHRU, audio_in ? 1.0f : 0.0f);
  if (audio_in) {
    tracker = kt_pitch_new(rate, o.block, err, sizeof err);
    asrc.pad = calloc(o.block, sizeof *asrc.pad);
    if (!tracker || !asrc.pad) {
      fprintf(stderr, "kantor render: %s\n", tracker ? "out of memory" : err);
      goto done;
    }
    for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
      kt_pitch_set_param(tracker, (kt_pitch_param)i, (float)pitch_param[i]);
    asrc.t = tracker;
    asrc.x = audio;
    asrc.len = audio_len;
    o.source = audio_source;
    o.source_ctx = &asrc;
    o.source_cap = kt_pitch_max_events(tracker, o.block);
  }
  if (model_path) {
    kt_model *km;
    if (kt_model_load_file(model_path, &km, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      goto done;
    }
    kt_engine_model *em = kt_engine_model_new(km, err, sizeof err);
    if (!em) {
      kt_model_free(km);
      fprintf(stderr, "kantor render: %s: %s\n", model_path, err);
      goto done;
    }
    kt_midi_out tmp[64];
    kt_out xo = {tmp, 0, 64, 0};
    kt_engine_model_free(kt_engine_swap_model(e, em, &xo));
  }

  if (decode >= 0) {
    kt_engine_reset(e); /* applies the parameters: picks the model */
    kt_engine_set_param(e, KT_P_STYLE, (float)decode); /* its weights */
    if (decode >= 1 && style_spec) {
      kt_decode_style s;
      kt_engine_get_style(e, &s);
      kt_decode_style_parse(&s, style_spec, err, sizeof err); /* checked */
      kt_engine_set_style(e, 1, &s);
    }
  }

  if (kt_drive(e, &mel, &o, &rec, err, sizeof err) < 0) {
    fprintf(stderr, "kantor render: %s: %s\n", in, err);
    goto done;
  }
  /* Latency as the engine reports it; in quarter notes via the tempo map
   * (a DAW moves the track earlier by this many frames). */
  int64_t lat =
      kt_engine_latency(e) + (tracker ? kt_pitch_latency(tracker) : 0);

  /* Soprano = the input melody. */
  for (int i = 0; i < mel.n_notes; ++i) {
    const kt_mnote *n = &mel.notes[i];
    if (nl_push(&nl[0], qn_tick(n->start), qn_tick(n->start + n->dur), n->pitch,
                n->vel) < 0)
      goto oom;
  }
  /* Alto, tenor, bass from the engine output, by channel. */
  int ch_of[NV] = {audio_in ? 0 : -1,
                   (int)kt_engine_get_param(e, KT_P_CH_ALTO) - 1,
                   (int)kt_engine_get_param(e, KT_P_CH_TENOR) - 1,
                   (int)kt_engine_get_param(e, KT_P_CH_BASS) - 1};
  int sounding[NV][128];
  memset(sounding, 0, sizeof sounding); /* on tick + 1, 0 = off */
  int svel[NV][128];
  for (int i = 0; i < rec.n; ++i) {
    const kt_rec_event *x = &rec.ev[i];
    int st = x->data[0] & 0xf0, ch = x->data[0] & 15, p = x->data[1] & 127;
    if (x->size < 3 || (st != 0x80 && st != 0x90)) continue;
    int v = -1;
    for (int k = 0; k < NV; ++k)
      if (ch_of[k] == ch) v = k;
    if (v < 0) continue;
    uint32_t t = qn_tick(kt_drive_qn_at(&mel, &o, x->frame - lat));
    if (sounding[v][p]) { /* note-off, or a retrigger */
      if (nl_push(&nl[v], (uint32_t)sounding[v][p] - 1, t, p, svel[v][p]) < 0)
        goto oom;
      sounding[v][p] = 0;
    }
    if (st == 0x90 && x->data[2] > 0) {
      sounding[v][p] = (int)t + 1;
      svel[v][p] = x->data[2];
    }
  }
  uint32_t last_tick = qn_tick(kt_drive_qn_at(&mel, &o, rec.frames));
  for (int v = audio_in ? 0 : 1; v < NV; ++v)
    for (int p = 0; p < 128; ++p)
      if (sounding[v][p] && nl_push(&nl[v], (uint32_t)sounding[v][p] - 1,
                                    last_tick, p, svel[v][p]) < 0)
        goto oom;

  /* The MIDI file: tempo track + four voices. */
  {
    kt_smf_track *t0 = kt_smf_add_track(&outf);
    if (!t0) goto oom;
    kt_smf_add_meta(t0, 0, 0x03, "Kantor", 6);
    if (mel.n_tempo == 0) kt_smf_add_tempo(t0, 0, o.bpm);
    for (int i = 0; i < mel.n_tempo; ++i)
      kt_smf_add_tempo(t0, qn_tick(mel.tempo[i].at), mel.tempo[i].qpm);
    if (mel.n_meter == 0) kt_smf_add_meter(t0, 0, 4, 4);
    for (int i = 0; i < mel.n_meter; ++i)
      kt_smf_add_meter(t0, qn_tick(mel.meter[i].at), mel.meter[i].num,
                       mel.meter[i].den);
    static const char *names[NV] = {"Soprano", "Alto", "Tenor", "Bass"};
    static const int program[3] = {52, 19, 48};
    for (int v = 0; v < NV; ++v) {
      kt_smf_track *t = kt_smf_add_track(&outf);
      if (!t) goto oom;
      if (kt_smf_add_meta(t, 0, 0x03, names[v], (uint32_t)strlen(names[v])) <
              0 ||
          kt_smf_add_midi(t, 0, (uint8_t)(0xc0 | v),
                          (uint8_t)program[instrument], 0) < 0)
        goto oom;
      for (int i = 0; i < nl[v].n; ++i) {
        const out_note *n = &nl[v].v[i];
        if (kt_smf_add_midi(t, n->on, (uint8_t)(0x90 | v), (uint8_t)n->pitch,
                            (uint8_t)n->vel) < 0 ||
            kt_smf_add_midi(t, n->off, (uint8_t)(0x80 | v), (uint8_t)n->pitch,
                            0) < 0)
          goto oom;
      }
    }
  }
  if (kt_smf_write_file(&outf, out_mid, err, sizeof err) < 0) {
    fprintf(stderr, "kantor render: %s\n", err);
    goto done;
  }
  written[n_written++] = out_mid;
  if (out_mxl || out_score) {
    int key = key_tonic >= 0 ? key_tonic + 12 * key_minor : kt_engine_key(e);
    if (write_notation(in, nl, &mel, o.bpm, key, (int)staves, out_mxl,
                       out_score, written, &n_written, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      goto done;
    }
  }

  int total_notes = 0;
  double end_qn = mel.end;
  for (int v = 0; v < NV; ++v) {
    total_notes += nl[v].n;
    for (int i = 0; i < nl[v].n; ++i)
      if (nl[v].v[i].off / (double)OUT_DIV > end_qn)
        end_qn = nl[v].v[i].off / (double)OUT_DIV;
  }
  if (out_svg) {
    svgn = malloc(sizeof *svgn * (size_t)(total_notes + 1));
    if (!svgn) goto oom;
    int k = 0;
    for (int v = 0; v < NV; ++v)
      for (int i = 0; i < nl[v].n; ++i)
        svgn[k++] =
            (kt_svg_note){nl[v].v[i].on / (double)OUT_DIV,
                          (nl[v].v[i].off - nl[v].v[i].on) / (double)OUT_DIV,
                          nl[v].v[i].pitch, v};
    const char *base = strrchr(in, '/');
    char title[300];
    snprintf(title, sizeof title, "Kantor: %s harmonized",
             base ? base + 1 : in);
    kt_svg_panel panel = {NULL, svgn, k};
    if (kt_svg_write(out_svg, title, &panel, 1, mel.meter, mel.n_meter,
                     ceil(end_qn - 1e-9), err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      goto done;
    }
    written[n_written++] = out_svg;
  }
  if (out_wav) {
    wev = malloc(sizeof *wev * (size_t)(2 * total_notes + 1));
    wrec = malloc(sizeof *wrec * (size_t)(2 * total_notes + 1));
    if (!wev || !wrec) goto oom;
    int k = 0;
    for (int v = 0; v < NV; ++v)
      for (int i = 0; i < nl[v].n; ++i) {
        const out_note *n = &nl[v].v[i];
        for (int on = 1; on >= 0; --on) {
          wav_ev *w = &wev[k];
          memset(w, 0, sizeof *w);
          w->frame = kt_drive_frame_at(
              &mel, &o, (on ? n->on : n->off) / (double)OUT_DIV);
          w->seq = k;
          w->e.frame = w->frame;
          w->e.size = 3;
          w->e.data[0] = (uint8_t)((on ? 0x90 : 0x80) | v);
          w->e.data[1] = (uint8_t)n->pitch;
          w->e.data[2] = on ? (uint8_t)n->vel : 0;
          ++k;
        }
      }
    qsort(wev, (size_t)k, sizeof *wev, wav_cmp);
    for (int i = 0; i < k; ++i)
      wrec[i] = wev[i].e;
    int64_t frames = kt_drive_frame_at(&mel, &o, end_qn);
    if (kt_synth_render_wav(out_wav, rate, wrec, k, frames, 2.0, instrument,
                            NULL, err, sizeof err) < 0) {
      fprintf(stderr, "kantor render: %s\n", err);
      goto done;
    }
    written[n_written++] = out_wav;
  }
  {
    int key = kt_engine_key(e);
    static const char *pcn[12] = {"C",  "C#", "D",  "Eb", "E",  "F",
                                  "F#", "G",  "Ab", "A",  "Bb", "B"};
    char kname[8] = "?";
    if (key >= 0) {
      snprintf(kname, sizeof kname, "%s", pcn[key % 12]);
      if (key >= 12) kname[0] = (char)(kname[0] - 'A' + 'a');
    }
    printf("kantor render: %s -> %s: %d melody notes, alto %d, tenor %d, "
           "bass %d notes; key %s; latency %lld frames\n",
           in, out_mid, nl[0].n, nl[1].n, nl[2].n, nl[3].n, kname,
           (long long)lat);
  }
  n_written = 0; /* keep them */
  ret = KT_EXIT_OK;
  goto done;
oom:
  fprintf(stderr, "kantor render: out of memory\n");
done:
  for (int i = 0; i < n_written; ++i) /* no half set of outputs on failure */
    remove(written[i]);
  free(wev);
  free(wrec);
  free(svgn);
  for (int v = 0; v < NV; ++v)
    free(nl[v].v);
  kt_smf_free(&outf);
  kt_drive_recording_free(&rec);
  kt_engine_free(e);
  kt_smf_free_melody(&mel);
  kt_pitch_free(tracker);
  free(asrc.pad);
  free(audio);
  return ret;
}
