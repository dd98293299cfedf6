/* tools/cmd_live.c -- `kantor live`: ALSA sequencer MIDI in -> engine ->
 * fluidsynth -> PortAudio out, with this program as the host: a rolling
 * transport at --bpm (time:Position every block) and an optional click.
 *
 * File mode (--in FILE.mid --wav OUT.wav) runs the same per-block code,
 * live_block(), with the melody's notes as the input events and a WAV file
 * as the output instead of the devices: testable on a headless machine.
 *
 * Threads (device mode): the ALSA reader thread pushes 3-byte messages into
 * a lock-free single-producer/single-consumer ring; the PortAudio callback
 * (the audio thread) drains it and runs live_block().  Everything
 * live_block() touches is allocated before the stream starts. */
#include "args.h"
#include "cmds.h"
#include "drive.h"
#include "smf.h"
#include "synth.h"
#include "take.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <portaudio.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RING 1024  /* power of two */
#define MAX_IN 256 /* input events per block */

static const char *usage_text =
    "usage: kantor live [options]\n"
    "       kantor live --in FILE.mid --wav OUT.wav [options]\n"
    "       kantor live --list\n"
    "\n"
    "Play a melody on a MIDI keyboard (ALSA sequencer input port \"Kantor\n"
    "in\") and hear it harmonized (fluidsynth, FluidR3 GM) on the default\n"
    "audio output (PortAudio).  kantor is the host: its transport rolls at\n"
    "--bpm from the start, in 4/4.  Stop with Ctrl-C.\n"
    "File mode (--in, --wav) runs the same per-block path without devices.\n"
    "\n"
    "options:\n"
    "  --list               list MIDI inputs and audio output devices\n"
    "  --connect C:P        connect this ALSA client:port to our input\n"
    "  --no-midi            no MIDI input (check the audio and the click)\n"
    "  --device N|NAME      audio output device (index or name part)\n"
    "  --bpm N              20..300 beats per minute (default 100; in file\n"
    "                       mode the file's first tempo)\n"
    "  --click              metronome click (GM percussion, channel 10)\n"
    "  --in FILE.mid        file mode: the melody from a MIDI file\n"
    "  --wav OUT.wav        file mode: the audio to a WAV file\n"
    "  --record DIR         keep what was played: when it stops, the melody\n"
    "                       and the three voices as DIR/take-N.mid and\n"
    "                       DIR/take-N.musicxml\n"
    "  --instrument NAME    choir (default), organ or strings\n"
    "  --lookahead N        0..8 slices (adds latency), default 0\n"
    "  --key K|auto         C C# Db ... B (lowercase = minor), or auto\n"
    "  --temperature T      0..2 (default 0)\n"
    "  --seed S             0..65535 (default 1)\n"
    "  --decode plain|balanced|bach  harmony style (default balanced)\n"
    "  --block N            frames per block, 16..1024 (default 256)\n"
    "  --rate HZ            sample rate (default 48000)\n"
    "  -h, --help           this text\n";

static int usage_err(const char *fmt, const char *a)
{
  fprintf(stderr, "kantor live: ");
  fprintf(stderr, fmt, a);
  fprintf(stderr, "\n(see kantor live --help)\n");
  return KT_EXIT_USAGE;
}

/* ---- the per-block path (shared by device and file mode) -------------- */

typedef struct {
  kt_engine *e;
  kt_synth *syn;
  double rate, bpm;
  uint32_t block; /* the engine's max block */
  int beats_per_bar;
  int click;
  int64_t now;        /* frames since the start */
  int64_t click_next; /* beat index of the next click */
  int64_t click_off;  /* frame of the pending click note-off, -1 none */
  kt_event ev[MAX_IN + 1];
  kt_midi_out out_buf[4096];
  kt_out out;
  kt_take *take; /* --record: NULL when off */
} live_ctx;

static void synth_upto(live_ctx *c, float *l, float *r, uint32_t *done,
                       uint32_t upto)
{
  if (upto > *done) {
    kt_synth_render(c->syn, l + *done, r + *done, (int)(upto - *done));
    *done = upto;
  }
}

/* One block: position + input MIDI -> engine -> synth (with the click).
 * in[] frames are inside the block and sorted.  KT_RT in spirit: no
 * allocation, locking or I/O here (fluidsynth's note calls are its own). */
static void live_block(live_ctx *c, const kt_event *in, uint32_t n_in,
                       uint32_t n, float *l, float *r)
{
  double fpb = c->rate * 60.0 / c->bpm; /* frames per beat */
  double beat = c->now / fpb;
  int64_t b = (int64_t)floor(beat + 1e-9);
  kt_event *p = &c->ev[0];
  memset(p, 0, sizeof *p);
  p->type = KT_EV_POSITION;
  p->pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
                 KT_POS_BPB | KT_POS_BEATUNIT | KT_POS_FRAME;
  p->pos.speed = 1;
  p->pos.bpm = c->bpm;
  p->pos.bar = b / c->beats_per_bar;
  p->pos.bar_beat = beat - (double)(p->pos.bar * c->beats_per_bar);
  p->pos.beats_per_bar = c->beats_per_bar;
  p->pos.beat_unit = 4;
  p->pos.frame = c->now;
  if (n_in > MAX_IN) n_in = MAX_IN;
  memcpy(&c->ev[1], in, sizeof *in * n_in);
  c->out.n = 0;
  c->out.dropped = 0;
  kt_engine_process(c->e, c->ev, n_in + 1, n, &c->out);
  if (c->take) kt_take_block(c->take, c->now, in, n_in, &c->out);

  /* Synth: render up to each event's frame, then apply it. */
  uint32_t done = 0, oi = 0;
  for (;;) {
    int64_t next_click =
        c->click ? (int64_t)llround(c->click_next * fpb) - c->now : INT64_MAX;
    int64_t next_off = c->click_off >= 0 ? c->click_off - c->now : INT64_MAX;
    int64_t next_out = oi < c->out.n ? c->out.ev[oi].frame : INT64_MAX;
    int64_t t = next_out;
    int which = 0; /* 0 engine output, 1 click on, 2 click off */
    if (next_click < t) {
      t = next_click;
      which = 1;
    }
    if (next_off < t) {
      t = next_off;
      which = 2;
    }
    if (t >= n) break;
    if (t < 0) /* overdue (a click late by rounding): now */
      t = 0;
    synth_upto(c, l, r, &done, (uint32_t)t);
    if (which == 2) {
      uint8_t d[3] = {0x89, 76, 0};
      kt_synth_midi(c->syn, d, 3);
      c->click_off = -1;
    } else if (which == 1) {
      uint8_t d[3] = {0x99, 76,
                      (uint8_t)(c->click_next % c->beats_per_bar ? 70 : 110)};
      kt_synth_midi(c->syn, d, 3);
      c->click_off = c->now + t + (int64_t)(0.05 * c->rate);
      c->click_next++;
    } else {
      kt_synth_midi(c->syn, c->out.ev[oi].data, c->out.ev[oi].size);
      ++oi;
    }
  }
  synth_upto(c, l, r, &done, n);
  c->now += n;
}

static int live_ctx_init(live_ctx *c, double rate, uint32_t block, double bpm,
                         int bpb, int click, int instrument, char *err,
                         size_t errlen)
{
  memset(c, 0, sizeof *c);
  c->rate = rate;
  c->block = block;
  c->bpm = bpm;
  c->beats_per_bar = bpb > 0 ? bpb : 4;
  c->click = click;
  c->click_off = -1;
  c->out.ev = c->out_buf;
  c->out.cap = (uint32_t)(sizeof c->out_buf / sizeof c->out_buf[0]);
  if (kt_engine_out_needed(MAX_IN + 1, block, rate) > c->out.cap) {
    snprintf(err, errlen, "block of %u frames is too large", block);
    return -1;
  }
  c->e = kt_engine_new(rate, block, err, errlen);
  if (!c->e) return -1;
  c->syn = kt_synth_new(rate, NULL, instrument, err, errlen);
  if (!c->syn) {
    kt_engine_free(c->e);
    c->e = NULL;
    return -1;
  }
  return 0;
}

static void live_ctx_free(live_ctx *c)
{
  kt_synth_free(c->syn);
  kt_engine_free(c->e);
}

/* ---- file mode ---------------------------------------------------------- */

/* --record: storage for about 2.5 hours of four voices, made before the
 * audio starts. */
#define TAKE_CAP (1 << 18)
static int take_start(live_ctx *c, kt_take *t, const char *dir)
{
  if (!dir) return 0;
  if (kt_take_init(t, TAKE_CAP, c->rate, c->bpm, c->beats_per_bar,
                   (int)kt_engine_get_param(c->e, KT_P_CH_ALTO) - 1,
                   (int)kt_engine_get_param(c->e, KT_P_CH_TENOR) - 1,
                   (int)kt_engine_get_param(c->e, KT_P_CH_BASS) - 1,
                   kt_engine_latency(c->e)) < 0) {
    fprintf(stderr, "kantor live: --record: out of memory\n");
    return -1;
  }
  c->take = t;
  return 0;
}

/* When it stops: the take to DIR.  0 or -1 (reported). */
static int take_finish(live_ctx *c, const char *dir)
{
  if (!c->take) return 0;
  char stem[4300], err[512];
  int r = kt_take_write(c->take, dir, kt_engine_key(c->e), c->now, stem,
                        sizeof stem, err, sizeof err);
  if (r < 0)
    fprintf(stderr, "kantor live: --record: %s\n", err);
  else if (!stem[0])
    printf("kantor live: nothing was played: no take written\n");
  else
    printf("kantor live: recorded %s.mid and %s.musicxml%s\n", stem, stem,
           c->take->dropped ? " (the recording filled up: later notes lost)"
                            : "");
  kt_take_free(c->take);
  c->take = NULL;
  return r;
}

static int file_mode(live_ctx *c, const char *in, const char *wav,
                     double bpm_opt, uint32_t block, double rate,
                     const float *params, int instrument, int click,
                     const char *record)
{
  char err[512];
  kt_take take;
  kt_smf smf;
  kt_melody mel;
  if (kt_smf_read_file(in, &smf, err, sizeof err) < 0) {
    fprintf(stderr, "kantor live: %s\n", err);
    return KT_EXIT_FAIL;
  }
  int r = kt_smf_to_melody(&smf, in, &mel, err, sizeof err);
  kt_smf_free(&smf);
  if (r < 0) {
    fprintf(stderr, "kantor live: %s\n", err);
    return KT_EXIT_FAIL;
  }
  /* The live transport runs at one tempo: the file's first (or --bpm). */
  double bpm = bpm_opt > 0 ? bpm_opt : mel.n_tempo ? mel.tempo[0].qpm : 120;
  int bpb = 4;
  if (mel.n_meter > 0 && mel.meter[0].den == 4) bpb = mel.meter[0].num;
  free(mel.tempo);
  mel.tempo = NULL;
  mel.n_tempo = 0;
  kt_drive_opts o;
  kt_drive_opts_default(&o);
  o.bpm = bpm;
  o.rate = rate;
  if (live_ctx_init(c, rate, block, bpm, bpb, click, instrument, err,
                    sizeof err) < 0) {
    fprintf(stderr, "kantor live: %s\n", err);
    kt_smf_free_melody(&mel);
    return KT_EXIT_FAIL;
  }
  for (int p = 0; p < KT_NPARAMS; ++p)
    if (!isnan(params[p])) kt_engine_set_param(c->e, (kt_param)p, params[p]);
  if (take_start(c, &take, record) < 0) {
    kt_smf_free_melody(&mel);
    live_ctx_free(c);
    return KT_EXIT_FAIL;
  }
  /* The melody's note events, by absolute frame (offs before ons). */
  int nev = 0;
  kt_rec_event *ev = malloc(sizeof *ev * (size_t)(2 * mel.n_notes + 1));
  float *l = malloc(sizeof *l * block), *rr = malloc(sizeof *rr * block);
  kt_wav *w = NULL;
  int ret = KT_EXIT_FAIL;
  if (!ev || !l || !rr) {
    fprintf(stderr, "kantor live: out of memory\n");
    goto done;
  }
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < mel.n_notes; ++i) {
      const kt_mnote *n = &mel.notes[i];
      kt_rec_event *x = &ev[nev++];
      memset(x, 0, sizeof *x);
      x->size = 3;
      if (pass == 0) {
        x->frame = kt_drive_frame_at(&mel, &o, n->start + n->dur);
        x->data[0] = (uint8_t)(0x80 | (n->channel & 15));
      } else {
        x->frame = kt_drive_frame_at(&mel, &o, n->start);
        x->data[0] = (uint8_t)(0x90 | (n->channel & 15));
        x->data[2] = (uint8_t)(n->vel < 1 ? 1 : n->vel);
      }
      x->data[1] = (uint8_t)n->pitch;
    }
  /* stable by frame: offs (pass 0) stay before ons at the same frame */
  for (int i = 1; i < nev; ++i) {
    kt_rec_event x = ev[i];
    int j = i;
    while (j > 0 && ev[j - 1].frame > x.frame) {
      ev[j] = ev[j - 1];
      --j;
    }
    ev[j] = x;
  }
  double bar_qn = bpb;
  int64_t total = kt_drive_frame_at(&mel, &o, mel.end + bar_qn) +
                  kt_engine_latency(c->e) + (int64_t)(2.0 * rate);
  if ((double)total > rate * 12 * 3600) {
    fprintf(stderr, "kantor live: %s lasts %.1f hours at %g bpm: too long\n",
            in, (double)total / rate / 3600, bpm);
    goto done;
  }
  w = kt_synth_wav_open(wav, rate, err, sizeof err);
  if (!w) {
    fprintf(stderr, "kantor live: %s\n", err);
    goto done;
  }
  kt_event inev[MAX_IN];
  int k = 0;
  while (c->now < total) {
    uint32_t n = block;
    if ((int64_t)n > total - c->now) n = (uint32_t)(total - c->now);
    uint32_t n_in = 0;
    while (k < nev && ev[k].frame < c->now + n && n_in < MAX_IN) {
      kt_event *x = &inev[n_in++];
      memset(x, 0, sizeof *x);
      x->frame = ev[k].frame > c->now ? (uint32_t)(ev[k].frame - c->now) : 0;
      x->type = KT_EV_MIDI;
      x->size = 3;
      memcpy(x->midi, ev[k].data, 3);
      ++k;
    }
    live_block(c, inev, n_in, n, l, rr);
    if (kt_synth_wav_write(w, l, rr, (int)n) < 0) break;
  }
  if (kt_synth_wav_close(w, 1, err, sizeof err) < 0) {
    w = NULL;
    fprintf(stderr, "kantor live: %s\n", err);
    goto done;
  }
  w = NULL;
  printf("kantor live: file mode: %s -> %s (%lld frames at %g Hz, %g bpm)\n",
         in, wav, (long long)c->now, rate, bpm);
  ret = take_finish(c, record) < 0 ? KT_EXIT_FAIL : KT_EXIT_OK;
done:
  if (c->take) {
    kt_take_free(c->take);
    c->take = NULL;
  }
  if (w) kt_synth_wav_close(w, 0, err, sizeof err);
  free(ev);
  free(l);
  free(rr);
  kt_smf_free_melody(&mel);
  live_ctx_free(c);
  return ret;
}

/* ---- devices ------------------------------------------------------------ */

typedef struct {
  _Atomic uint32_t head, tail;
  uint8_t msg[RING][3];
} ring_t;

static ring_t g_ring;
static live_ctx g_ctx; /* big (fixed buffers): static, not on a stack */
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
  (void)sig;
  g_stop = 1;
}

static void alsa_silent(const char *file, int line, const char *function,
                        int err, const char *fmt, ...)
{
  (void)file;
  (void)line;
  (void)function;
  (void)err;
  (void)fmt;
}

static int pa_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *ti,
                       PaStreamCallbackFlags flags, void *user)
{
  (void)input;
  (void)ti;
  (void)flags;
  live_ctx *c = user;
  kt_event in[MAX_IN];
  uint32_t n_in = 0;
  uint32_t tail = atomic_load_explicit(&g_ring.tail, memory_order_relaxed);
  uint32_t head = atomic_load_explicit(&g_ring.head, memory_order_acquire);
  while (tail != head && n_in < MAX_IN) {
    kt_event *x = &in[n_in++];
    memset(x, 0, sizeof *x);
    x->type = KT_EV_MIDI;
    x->size = 3;
    memcpy(x->midi, g_ring.msg[tail & (RING - 1)], 3);
    ++tail;
  }
  atomic_store_explicit(&g_ring.tail, tail, memory_order_release);
  float *o = output;
  float l[1024], r[1024];
  while (frames > 0) { /* in pieces no larger than the engine's max block */
    uint32_t n = frames > c->block ? c->block : (uint32_t)frames;
    if (n > 1024) n = 1024;
    live_block(c, in, n_in, n, l, r);
    n_in = 0; /* the input went with the first piece */
    for (uint32_t i = 0; i < n; ++i) {
      o[2 * i] = l[i];
      o[2 * i + 1] = r[i];
    }
    o += 2 * n;
    frames -= n;
  }
  return paContinue;
}

static void ring_push(uint8_t a, uint8_t b, uint8_t d)
{
  uint32_t head = atomic_load_explicit(&g_ring.head, memory_order_relaxed);
  uint32_t tail = atomic_load_explicit(&g_ring.tail, memory_order_acquire);
  if (head - tail >= RING)
    return; /* full: the oldest are being played, drop this one */
  uint8_t *m = g_ring.msg[head & (RING - 1)];
  m[0] = a;
  m[1] = b;
  m[2] = d;
  atomic_store_explicit(&g_ring.head, head + 1, memory_order_release);
}

/* PortAudio's ALSA and JACK back ends print connection attempts to stderr
 * on a machine without sound; our own message says what matters. */
static PaError pa_init_quiet(void)
{
  fflush(stderr);
  int saved = dup(2), null = open("/dev/null", O_WRONLY);
  if (saved >= 0 && null >= 0) dup2(null, 2);
  PaError e = Pa_Initialize();
  if (saved >= 0 && null >= 0) dup2(saved, 2);
  if (saved >= 0) close(saved);
  if (null >= 0) close(null);
  return e;
}

static void list_devices(void)
{
  snd_seq_t *seq;
  printf("MIDI inputs (ALSA sequencer ports; use --connect CLIENT:PORT):\n");
  if (snd_seq_open(&seq, "default", SND_SEQ_OPEN_INPUT, 0) < 0) {
    printf("  (no ALSA sequencer: /dev/snd/seq is missing)\n");
  } else {
    snd_seq_client_info_t *ci;
    snd_seq_port_info_t *pi;
    snd_seq_client_info_alloca(&ci);
    snd_seq_port_info_alloca(&pi);
    snd_seq_client_info_set_client(ci, -1);
    int n = 0;
    while (snd_seq_query_next_client(seq, ci) >= 0) {
      int cl = snd_seq_client_info_get_client(ci);
      snd_seq_port_info_set_client(pi, cl);
      snd_seq_port_info_set_port(pi, -1);
      while (snd_seq_query_next_port(seq, pi) >= 0) {
        unsigned cap = snd_seq_port_info_get_capability(pi);
        if ((cap & (SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ)) !=
            (SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ))
          continue;
        printf("  %3d:%-3d %s / %s\n", cl, snd_seq_port_info_get_port(pi),
               snd_seq_client_info_get_name(ci),
               snd_seq_port_info_get_name(pi));
        ++n;
      }
    }
    if (!n) printf("  (none)\n");
    snd_seq_close(seq);
  }
  printf("Audio outputs (PortAudio; use --device N):\n");
  if (pa_init_quiet() != paNoError) {
    printf("  (PortAudio failed to initialize)\n");
    return;
  }
  int nd = Pa_GetDeviceCount(), n = 0;
  PaDeviceIndex def = Pa_GetDefaultOutputDevice();
  for (int i = 0; i < nd; ++i) {
    const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
    if (!d || d->maxOutputChannels < 2) continue;
    printf("  %3d %s%s\n", i, d->name, i == def ? " (default)" : "");
    ++n;
  }
  if (!n) printf("  (none: no sound card on this machine)\n");
  Pa_Terminate();
}

static int pick_device(const char *want, char *err, size_t errlen)
{
  int nd = Pa_GetDeviceCount();
  if (nd <= 0) {
    snprintf(err, errlen,
             "no audio output device found (no sound card on this machine; "
             "see kantor live --list, or use file mode: --in FILE.mid "
             "--wav OUT.wav)");
    return -1;
  }
  if (!want) {
    PaDeviceIndex d = Pa_GetDefaultOutputDevice();
    if (d == paNoDevice) {
      snprintf(err, errlen,
               "no default audio output device (see kantor live --list, or "
               "use file mode: --in FILE.mid --wav OUT.wav)");
      return -1;
    }
    return d;
  }
  char *end;
  long k = strtol(want, &end, 10);
  for (int i = 0; i < nd; ++i) {
    const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
    if (!d || d->maxOutputChannels < 2) continue;
    if ((*end == 0 && k == i) || (*end && strstr(d->name, want))) return i;
  }
  snprintf(err, errlen, "no audio output device '%s' (see kantor live --list)",
           want);
  return -1;
}

/* The ALSA sequencer input port; 0 or -1 with a message. */
static int open_midi(const char *connect, snd_seq_t **seq, int *port)
{
  if (snd_seq_open(seq, "default", SND_SEQ_OPEN_INPUT, 0) < 0) {
    fprintf(stderr, "kantor live: cannot open the ALSA sequencer "
                    "(/dev/snd/seq): no MIDI input available (--no-midi "
                    "runs without one)\n");
    *seq = NULL;
    return -1;
  }
  snd_seq_set_client_name(*seq, "Kantor");
  *port = snd_seq_create_simple_port(
      *seq, "Kantor in", SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE,
      SND_SEQ_PORT_TYPE_MIDI_GENERIC | SND_SEQ_PORT_TYPE_APPLICATION);
  if (*port < 0) {
    fprintf(stderr, "kantor live: cannot create an ALSA sequencer port\n");
    goto fail;
  }
  if (connect) {
    snd_seq_addr_t a;
    if (snd_seq_parse_address(*seq, &a, connect) < 0 ||
        snd_seq_connect_from(*seq, *port, a.client, a.port) < 0) {
      fprintf(stderr,
              "kantor live: cannot connect from MIDI port '%s' "
              "(see kantor live --list)\n",
              connect);
      goto fail;
    }
  }
  return 0;
fail:
  snd_seq_close(*seq);
  *seq = NULL;
  return -1;
}

/* Sequencer events -> the ring, until a signal stops us. */
static void midi_loop(snd_seq_t *seq)
{
  struct pollfd pfd[8];
  int npfd = 0;
  if (seq) {
    npfd = snd_seq_poll_descriptors_count(seq, POLLIN);
    if (npfd > 8) npfd = 8;
    snd_seq_poll_descriptors(seq, pfd, (unsigned)npfd, POLLIN);
  }
  while (!g_stop) {
    if (poll(pfd, (nfds_t)npfd, 200) <= 0) continue;
    snd_seq_event_t *ev;
    while (snd_seq_event_input(seq, &ev) >= 0 && ev) {
      const snd_seq_ev_note_t *nt = &ev->data.note;
      const snd_seq_ev_ctrl_t *ct = &ev->data.control;
      switch (ev->type) {
      case SND_SEQ_EVENT_NOTEON:
        ring_push((uint8_t)(0x90 | (nt->channel & 15)), nt->note & 127,
                  nt->velocity & 127);
        break;
      case SND_SEQ_EVENT_NOTEOFF:
        ring_push((uint8_t)(0x80 | (nt->channel & 15)), nt->note & 127, 0);
        break;
      case SND_SEQ_EVENT_CONTROLLER:
        ring_push((uint8_t)(0xb0 | (ct->channel & 15)),
                  (uint8_t)(ct->param & 127), (uint8_t)(ct->value & 127));
        break;
      default:
        break;
      }
      if (snd_seq_event_input_pending(seq, 0) <= 0) break;
    }
  }
}

static int device_mode(const char *device, const char *connect, int no_midi,
                       double bpm, uint32_t block, double rate,
                       const float *params, int instrument, int click,
                       const char *record)
{
  char err[512];
  kt_take take;
  snd_lib_error_set_handler(alsa_silent); /* headless: no ALSA lib noise */
  if (pa_init_quiet() != paNoError) {
    fprintf(stderr, "kantor live: PortAudio failed to initialize: no audio "
                    "output available (use file mode: --in FILE.mid --wav "
                    "OUT.wav)\n");
    return KT_EXIT_FAIL;
  }
  int dev = pick_device(device, err, sizeof err);
  if (dev < 0) {
    fprintf(stderr, "kantor live: %s\n", err);
    Pa_Terminate();
    return KT_EXIT_FAIL;
  }
  snd_seq_t *seq = NULL;
  int port = -1;
  if (!no_midi && open_midi(connect, &seq, &port) < 0) {
    Pa_Terminate();
    return KT_EXIT_FAIL;
  }
  live_ctx *c = &g_ctx;
  if (live_ctx_init(c, rate, block, bpm, 4, click, instrument, err,
                    sizeof err) < 0) {
    fprintf(stderr, "kantor live: %s\n", err);
    if (seq) snd_seq_close(seq);
    Pa_Terminate();
    return KT_EXIT_FAIL;
  }
  for (int p = 0; p < KT_NPARAMS; ++p)
    if (!isnan(params[p])) kt_engine_set_param(c->e, (kt_param)p, params[p]);
  if (take_start(c, &take, record) < 0) {
    live_ctx_free(c);
    if (seq) snd_seq_close(seq);
    Pa_Terminate();
    return KT_EXIT_FAIL;
  }
  PaStreamParameters op = {0};
  op.device = dev;
  op.channelCount = 2;
  op.sampleFormat = paFloat32;
  op.suggestedLatency = Pa_GetDeviceInfo(dev)->defaultLowOutputLatency;
  PaStream *st = NULL;
  PaError pe =
      Pa_OpenStream(&st, NULL, &op, rate, block, paClipOff, pa_callback, c);
  if (pe == paNoError) pe = Pa_StartStream(st);
  if (pe != paNoError) {
    fprintf(stderr, "kantor live: cannot start audio on '%s': %s\n",
            Pa_GetDeviceInfo(dev)->name, Pa_GetErrorText(pe));
    if (st) Pa_CloseStream(st);
    if (c->take) kt_take_free(c->take);
    c->take = NULL;
    live_ctx_free(c);
    if (seq) snd_seq_close(seq);
    Pa_Terminate();
    return KT_EXIT_FAIL;
  }
  if (seq)
    printf("kantor live: playing on '%s' at %g bpm; MIDI input: ALSA %d:%d "
           "\"Kantor in\".  Ctrl-C to stop.\n",
           Pa_GetDeviceInfo(dev)->name, bpm, snd_seq_client_id(seq), port);
  else
    printf("kantor live: playing on '%s' at %g bpm, no MIDI input.  Ctrl-C "
           "to stop.\n",
           Pa_GetDeviceInfo(dev)->name, bpm);
  fflush(stdout);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  midi_loop(seq);
  Pa_StopStream(st);
  Pa_CloseStream(st);
  Pa_Terminate();
  if (seq) snd_seq_close(seq);
  int64_t frames = c->now;
  printf("kantor live: stopped after %.1f s of audio\n", frames / rate);
  int r = take_finish(c, record);
  live_ctx_free(c);
  return r < 0 ? KT_EXIT_FAIL : KT_EXIT_OK;
}

int kt_cmd_live(int argc, char **argv)
{
  const char *in = NULL, *wav = NULL, *device = NULL, *connect = NULL;
  const char *record = NULL;
  double bpm = 0, block = 256, rate = 48000, v;
  int click = 0, list = 0, no_midi = 0, instrument = KT_SYNTH_CHOIR;
  float params[KT_NPARAMS];
  for (int p = 0; p < KT_NPARAMS; ++p)
    params[p] = NAN;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage_text, stdout);
      return KT_EXIT_OK;
    }
    if (!strcmp(a, "--click")) {
      click = 1;
      continue;
    }
    if (!strcmp(a, "--list")) {
      list = 1;
      continue;
    }
    if (!strcmp(a, "--no-midi")) {
      no_midi = 1;
      continue;
    }
    if (a[0] != '-') return usage_err("unexpected argument '%s'", a);
    if (i + 1 >= argc) return usage_err("option %s needs a value", a);
    const char *s = argv[++i];
    if (!strcmp(a, "--in"))
      in = s;
    else if (!strcmp(a, "--wav"))
      wav = s;
    else if (!strcmp(a, "--device"))
      device = s;
    else if (!strcmp(a, "--record"))
      record = s;
    else if (!strcmp(a, "--connect"))
      connect = s;
    else if (!strcmp(a, "--instrument")) {
      if ((instrument = kt_synth_instrument(s)) < 0)
        return usage_err("--instrument: '%s' is not choir, organ or strings",
                         s);
    } else if (!strcmp(a, "--bpm")) {
      if (kt_arg_number(s, 20, 300, 0, &bpm) < 0)
        return usage_err("--bpm: '%s' is not a tempo 20..300", s);
    } else if (!strcmp(a, "--block")) {
      if (kt_arg_number(s, 16, 1024, 1, &block) < 0)
        return usage_err("--block: '%s' is not an integer 16..1024", s);
    } else if (!strcmp(a, "--rate")) {
      if (kt_arg_number(s, 8000, 192000, 1, &rate) < 0)
        return usage_err("--rate: '%s' is not a sample rate 8000..192000", s);
    } else if (!strcmp(a, "--lookahead")) {
      if (kt_arg_number(s, 0, 8, 1, &v) < 0)
        return usage_err("--lookahead: '%s' is not an integer 0..8", s);
      params[KT_P_LOOKAHEAD] = (float)v;
    } else if (!strcmp(a, "--temperature")) {
      if (kt_arg_number(s, 0, 2, 0, &v) < 0)
        return usage_err("--temperature: '%s' is not a number 0..2", s);
      params[KT_P_TEMPERATURE] = (float)v;
    } else if (!strcmp(a, "--seed")) {
      if (kt_arg_number(s, 0, 65535, 1, &v) < 0)
        return usage_err("--seed: '%s' is not an integer 0..65535", s);
      params[KT_P_SEED] = (float)v;
    } else if (!strcmp(a, "--decode")) {
      int d = kt_arg_decode(s);
      if (d < 0)
        return usage_err("--decode: '%s' is not " KT_ARG_DECODE_NAMES, s);
      params[KT_P_STYLE] = (float)d;
    } else if (!strcmp(a, "--key")) {
      int t, mi;
      if (kt_arg_key(s, &t, &mi) < 0)
        return usage_err("--key: '%s' is not a key name (C, F#, Bb, a, "
                         "c#, ... or auto)",
                         s);
      params[KT_P_KEY] = (float)t;
      params[KT_P_MODE] = (float)mi;
    } else {
      return usage_err("unknown option '%s'", a);
    }
  }
  if (list) {
    snd_lib_error_set_handler(alsa_silent);
    list_devices();
    return KT_EXIT_OK;
  }
  if (in || wav) {
    if (!in || !wav)
      return usage_err("%s", "file mode needs both --in FILE.mid and "
                             "--wav OUT.wav");
    return file_mode(&g_ctx, in, wav, bpm, (uint32_t)block, rate, params,
                     instrument, click, record);
  }
  return device_mode(device, connect, no_midi, bpm > 0 ? bpm : 100,
                     (uint32_t)block, rate, params, instrument, click, record);
}
