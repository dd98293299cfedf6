/* tests/clap/clap_host.c -- a small CLAP host that dlopens the built
 * kantor.clap (KANTOR_CLAP) and checks the plugin from the outside, as a DAW
 * drives it: the factory and descriptor, parameters against the engine's
 * table (ids, ranges, steps, value <-> text), note ports, a rolling
 * transport with a melody in MIDI and in CLAP note events in blocks of
 * random sizes, sample-accurate parameter changes, stop / reset /
 * deactivate, lookahead and latency (restart requested), state save / load
 * (parameters and the user model path) and malformed states.
 *
 * Output invariants checked on every block: events sorted and inside the
 * block, MIDI only on the output port, no note-on for a note already
 * sounding, no note-off for a note not sounding, at most one note per
 * harmony voice on its channel; after transport stop, stop_processing,
 * reset and deactivate every note is released.
 *
 *   clap_host                  the functional checks (suite host)
 *   clap_host --stress N SEED  N blocks of random everything, with a second
 *                              thread loading states (user models) while
 *                              the audio thread runs (suite rtsan: under
 *                              -fsanitize=realtime any allocation, lock or
 *                              I/O inside process() aborts). */
#include "../check.h"
#include "../costly_model.h"
#include "../listen.h"
#include "engine.h"

#include "clap_log.h"
#include <clap/entry.h>
#include <clap/ext/latency.h>
#include <clap/ext/note-ports.h>
#include <clap/ext/params.h>
#include <clap/ext/state.h>
#include <clap/plugin-factory.h>

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RATE 48000.0
#define STEP 6000 /* frames per sixteenth at 120 BPM, 48 kHz */
/* the latency at lookahead 4, 120 BPM (tests/listen.h) */
#define L4_LATENCY kt_test_latency(4, RATE, STEP)
#define MAX_BLOCK 4096
#define IN_CAP 4096
#define OUT_CAP 65536

static uint64_t g_seed = 0x5EEDu;
static uint32_t rnd(void) /* xorshift64* */
{
  g_seed ^= g_seed >> 12;
  g_seed ^= g_seed << 25;
  g_seed ^= g_seed >> 27;
  return (uint32_t)((g_seed * 2685821657736338717ull) >> 32);
}
static uint32_t rnd_in(uint32_t lo, uint32_t hi) /* inclusive */
{
  return lo + rnd() % (hi - lo + 1);
}

/* ---- host callbacks (RT-safe: they only set flags) ------------------------
 */

typedef struct {
  atomic_int restart, callback, latency_changed, rescans, flushes;
} host_flags;
static host_flags g_flags;

static void h_latency_changed(const clap_host_t *h)
{
  (void)h;
  atomic_fetch_add(&g_flags.latency_changed, 1);
}
static void h_rescan(const clap_host_t *h, clap_param_rescan_flags f)
{
  (void)h;
  (void)f;
  atomic_fetch_add(&g_flags.rescans, 1);
}
static void h_clear(const clap_host_t *h, clap_id id, clap_param_clear_flags f)
{
  (void)h;
  (void)id;
  (void)f;
}
static void h_request_flush(const clap_host_t *h)
{
  (void)h;
  atomic_fetch_add(&g_flags.flushes, 1);
}
static const clap_host_latency_t host_latency = {h_latency_changed};
static const clap_host_params_t host_params = {h_rescan, h_clear,
                                               h_request_flush};

/* clap.log: the plugin's messages (main thread), the last one kept */
static char g_last_log[1024];
static atomic_int g_n_log;
static void h_log(const clap_host_t *h, clap_log_severity sev, const char *m)
{
  (void)h;
  (void)sev;
  snprintf(g_last_log, sizeof g_last_log, "%s", m);
  atomic_fetch_add(&g_n_log, 1);
}
static const clap_host_log_t host_log = {h_log};

static const void *h_get_extension(const clap_host_t *h, const char *id)
{
  (void)h;
  if (!strcmp(id, CLAP_EXT_LOG)) return &host_log;
  if (!strcmp(id, CLAP_EXT_LATENCY)) return &host_latency;
  if (!strcmp(id, CLAP_EXT_PARAMS)) return &host_params;
  return NULL;
}
static void h_request_restart(const clap_host_t *h)
{
  (void)h;
  atomic_fetch_add(&g_flags.restart, 1);
}
static void h_request_process(const clap_host_t *h)
{
  (void)h;
}
static void h_request_callback(const clap_host_t *h)
{
  (void)h;
  atomic_fetch_add(&g_flags.callback, 1);
}

static const clap_host_t the_host = {CLAP_VERSION_INIT,
                                     NULL,
                                     "kantor clap_host",
                                     "kantor",
                                     "",
                                     "0",
                                     h_get_extension,
                                     h_request_restart,
                                     h_request_process,
                                     h_request_callback};

/* ---- event lists ----------------------------------------------------------
 */

typedef union {
  clap_event_header_t h;
  clap_event_note_t note;
  clap_event_midi_t midi;
  clap_event_transport_t tr;
  clap_event_param_value_t pv;
} any_event;

typedef struct {
  any_event ev[IN_CAP];
  uint32_t n;
  uint8_t played[16][128]; /* keys the "player" has sent notes for */
} in_list;

static uint32_t in_size(const clap_input_events_t *l)
{
  return ((const in_list *)l->ctx)->n;
}
static const clap_event_header_t *in_get(const clap_input_events_t *l,
                                         uint32_t i)
{
  const in_list *L = l->ctx;
  return i < L->n ? &L->ev[i].h : NULL;
}

/* Insert keeping the list sorted by time (stable). */
static any_event *in_add(in_list *L, uint32_t time, uint16_t type,
                         uint32_t size)
{
  if (L->n == IN_CAP) {
    CHECK(0, "host input list full");
    L->n--;
  }
  uint32_t i = L->n;
  while (i > 0 && L->ev[i - 1].h.time > time) {
    L->ev[i] = L->ev[i - 1];
    --i;
  }
  memset(&L->ev[i], 0, sizeof L->ev[i]);
  L->ev[i].h =
      (clap_event_header_t){size, time, CLAP_CORE_EVENT_SPACE_ID, type, 0};
  L->n++;
  return &L->ev[i];
}

static void add_midi(in_list *L, uint32_t t, uint8_t a, uint8_t b, uint8_t c)
{
  any_event *e = in_add(L, t, CLAP_EVENT_MIDI, sizeof(clap_event_midi_t));
  e->midi.port_index = 0;
  if ((a & 0xE0) == 0x80) L->played[a & 15][b & 127] = 1;
  e->midi.data[0] = a;
  e->midi.data[1] = b;
  e->midi.data[2] = c;
}

static void add_note(in_list *L, uint32_t t, int on, int ch, int key,
                     double vel)
{
  any_event *e = in_add(L, t, on ? CLAP_EVENT_NOTE_ON : CLAP_EVENT_NOTE_OFF,
                        sizeof(clap_event_note_t));
  if (ch >= 0 && ch < 16 && key >= 0 && key < 128) L->played[ch][key] = 1;
  e->note.note_id = -1;
  e->note.port_index = 0;
  e->note.channel = (int16_t)ch;
  e->note.key = (int16_t)key;
  e->note.velocity = vel;
}

typedef struct {
  const clap_plugin_params_t *params;
  clap_id id[KT_NPARAMS];
} param_ids;

static void add_param(in_list *L, const param_ids *P, uint32_t t, kt_param p,
                      double v)
{
  any_event *e =
      in_add(L, t, CLAP_EVENT_PARAM_VALUE, sizeof(clap_event_param_value_t));
  e->pv.param_id = P->id[p];
  e->pv.note_id = -1;
  e->pv.port_index = -1;
  e->pv.channel = -1;
  e->pv.key = -1;
  e->pv.value = v;
}

/* The output list: MIDI events copied out; refuses after `limit`. */
typedef struct {
  clap_event_midi_t ev[OUT_CAP];
  uint32_t n, limit, refused, foreign;
} out_list;

static bool out_push(const clap_output_events_t *l,
                     const clap_event_header_t *h)
{
  out_list *L = l->ctx;
  if (L->n >= L->limit || L->n >= OUT_CAP) {
    L->refused++;
    return false;
  }
  if (h->type != CLAP_EVENT_MIDI || h->size != sizeof(clap_event_midi_t) ||
      h->space_id != CLAP_CORE_EVENT_SPACE_ID) {
    L->foreign++;
    return true;
  }
  memcpy(&L->ev[L->n++], h, sizeof(clap_event_midi_t));
  return true;
}

/* ---- one plugin instance and what it sent -------------------------------- */

typedef struct {
  void *lib;
  const clap_plugin_entry_t *entry;
  const clap_plugin_t *pl;
  param_ids P;
  const clap_plugin_state_t *state;
  const clap_plugin_latency_t *latency;
  const clap_plugin_note_ports_t *ports;
  int active, processing;

  in_list *in;
  out_list *out;
  clap_input_events_t in_ev;
  clap_output_events_t out_ev;

  /* transport as the host sees it */
  int rolling, send_transport;
  double bpm;
  int64_t tframe, now;
  int64_t origin; /* host frame where the transport started rolling */

  /* what sounds at the output */
  uint8_t sounding[16][128];
  int n_on[16];
  int misaligned, check_alignment, lenient;
  int melody_ch; /* input notes are played on this channel */
  /* stress: the player's note-offs pass through even for notes the plugin
   * released already (stop, reset, pass-through toggled): those keys only */
  int stray_ok;
  /* the last output, for determinism */
  uint64_t digest;
} inst;

static const char *g_path;

static void load_lib(inst *I)
{
  I->lib = dlopen(g_path, RTLD_NOW | RTLD_LOCAL);
  if (!I->lib) {
    fprintf(stderr, "cannot dlopen %s: %s\n", g_path, dlerror());
    exit(1);
  }
  I->entry = (const clap_plugin_entry_t *)dlsym(I->lib, "clap_entry");
  if (!I->entry) {
    fprintf(stderr, "%s: no clap_entry\n", g_path);
    exit(1);
  }
}

static double get_value(const inst *I, kt_param p)
{
  double v = NAN;
  CHECK(I->P.params->get_value(I->pl, I->P.id[p], &v), "get_value %d", p);
  return v;
}

static inst *inst_new(void)
{
  inst *I = calloc(1, sizeof *I);
  load_lib(I);
  CHECK(I->entry->init(g_path), "entry init");
  const clap_plugin_factory_t *f =
      I->entry->get_factory(CLAP_PLUGIN_FACTORY_ID);
  CHECK(f != NULL && f->get_plugin_count(f) == 1, "one plugin in the factory");
  const clap_plugin_descriptor_t *d = f->get_plugin_descriptor(f, 0);
  I->pl = f->create_plugin(f, &the_host, d->id);
  CHECK(I->pl && I->pl->init(I->pl), "create + init");
  I->P.params = I->pl->get_extension(I->pl, CLAP_EXT_PARAMS);
  I->state = I->pl->get_extension(I->pl, CLAP_EXT_STATE);
  I->latency = I->pl->get_extension(I->pl, CLAP_EXT_LATENCY);
  I->ports = I->pl->get_extension(I->pl, CLAP_EXT_NOTE_PORTS);
  if (!I->P.params || !I->state || !I->latency || !I->ports) {
    CHECK(0, "params, state, latency and note-ports extensions");
    exit(1);
  }
  for (uint32_t i = 0; i < KT_NPARAMS; ++i) {
    clap_param_info_t info;
    CHECK(I->P.params->get_info(I->pl, i, &info));
    I->P.id[i] = info.id;
  }
  I->in = calloc(1, sizeof *I->in);
  I->out = calloc(1, sizeof *I->out);
  I->out->limit = OUT_CAP;
  I->in_ev = (clap_input_events_t){I->in, in_size, in_get};
  I->out_ev = (clap_output_events_t){I->out, out_push};
  I->bpm = 120.0;
  I->send_transport = 1;
  return I;
}

static void activate(inst *I, uint32_t max_block)
{
  CHECK(I->pl->activate(I->pl, RATE, 1, max_block), "activate");
  CHECK(I->pl->start_processing(I->pl), "start_processing");
  I->active = I->processing = 1;
}

static void deactivate(inst *I)
{
  if (I->processing) I->pl->stop_processing(I->pl);
  if (I->active) I->pl->deactivate(I->pl);
  I->active = I->processing = 0;
}

static void inst_free(inst *I)
{
  deactivate(I);
  I->pl->destroy(I->pl);
  I->entry->deinit();
  dlclose(I->lib);
  free(I->in);
  free(I->out);
  free(I);
}

static int voice_ch(const inst *I, kt_param p)
{
  return (int)lround(get_value(I, p)) - 1;
}

static int voices_on(const inst *I, int ch)
{
  int n = 0;
  for (int p = KT_P_CH_ALTO; p <= KT_P_CH_BASS; ++p)
    n += voice_ch(I, (kt_param)p) == ch;
  return n;
}

static int sounding(const inst *I, int ch)
{
  int n = 0;
  for (int k = 0; k < 128; ++k)
    n += I->sounding[ch][k];
  return n;
}

static int all_sounding(const inst *I)
{
  int n = 0;
  for (int c = 0; c < 16; ++c)
    n += sounding(I, c);
  return n;
}

/* The output of one block (n frames; 0 = flush). */
static void read_output(inst *I, uint32_t n, int check_voices)
{
  const out_list *L = I->out;
  CHECK(L->foreign == 0, "%u non-MIDI output events", L->foreign);
  uint32_t last = 0;
  for (uint32_t i = 0; i < L->n; ++i) {
    const clap_event_midi_t *m = &L->ev[i];
    const uint8_t *d = m->data;
    CHECK(m->header.time >= last, "output not sorted: %u after %u",
          m->header.time, last);
    CHECK(m->header.time < n || m->header.time == 0,
          "output at %u in a block of %u", m->header.time, n);
    CHECK(m->port_index == 0, "output on port %u", m->port_index);
    last = m->header.time;
    I->digest =
        (I->digest ^ ((uint64_t)(I->now + m->header.time) << 24 ^
                      (uint64_t)d[0] << 16 ^ (uint64_t)d[1] << 8 ^ d[2])) *
        0x100000001B3ull;
    int st = d[0] & 0xF0, ch = d[0] & 15, key = d[1] & 127;
    if (getenv("KT_VERBOSE"))
      fprintf(stderr, "  out %lld: %02x %d %d\n",
              (long long)(I->now + m->header.time), d[0], d[1], d[2]);
    if (st == 0x90 && d[2] > 0) {
      CHECK(!I->sounding[ch][key] || I->lenient,
            "note-on %d ch %d: already sounding", key, ch + 1);
      I->sounding[ch][key] = 1;
      I->n_on[ch]++;
      /* on the grid, moved by the latency (lookahead: L slices and the
         listen time) */
      int64_t r = (I->now + m->header.time - I->origin -
                   (int64_t)I->latency->get(I->pl)) %
                  STEP;
      if (r < 0) r += STEP;
      if (I->check_alignment && ch != I->melody_ch && r != 0 && r != 1 &&
          r != STEP - 1)
        I->misaligned++;
    } else if (st == 0x80 || st == 0x90) {
      CHECK(I->sounding[ch][key] || I->lenient ||
                (I->stray_ok && I->in->played[ch][key]),
            "note-off %d ch %d: not sounding", key, ch + 1);
      I->sounding[ch][key] = 0;
    } else if (st == 0xB0 && (key == 120 || key == 123)) {
      /* a player's all-notes-off passed through: the synth silences the
       * player's notes; the plugin still owes note-offs for its voices */
      for (int k = 0; k < 128; ++k)
        if (I->in->played[ch][k]) I->sounding[ch][k] = 0;
    }
    if (check_voices && !I->lenient && ch != I->melody_ch) {
      int v = voices_on(I, ch);
      CHECK(sounding(I, ch) <= v, "%d notes on channel %d (%d voices)",
            sounding(I, ch), ch + 1, v);
    }
  }
}

/* One block of n frames with the queued input, transport first. */
static void run_block(inst *I, uint32_t n, int check_voices)
{
  clap_event_transport_t tr;
  memset(&tr, 0, sizeof tr);
  tr.header = (clap_event_header_t){sizeof tr, 0, CLAP_CORE_EVENT_SPACE_ID,
                                    CLAP_EVENT_TRANSPORT, 0};
  double beats = (double)I->tframe * I->bpm / 60.0 / RATE;
  double bar = floor(beats / 4.0);
  tr.flags = CLAP_TRANSPORT_HAS_TEMPO | CLAP_TRANSPORT_HAS_BEATS_TIMELINE |
             CLAP_TRANSPORT_HAS_SECONDS_TIMELINE |
             CLAP_TRANSPORT_HAS_TIME_SIGNATURE |
             (I->rolling ? CLAP_TRANSPORT_IS_PLAYING : 0);
  tr.song_pos_beats = llround(beats * (double)CLAP_BEATTIME_FACTOR);
  tr.song_pos_seconds =
      llround((double)I->tframe / RATE * (double)CLAP_SECTIME_FACTOR);
  tr.tempo = I->bpm;
  tr.bar_start = llround(bar * 4.0 * (double)CLAP_BEATTIME_FACTOR);
  tr.bar_number = (int32_t)bar;
  tr.tsig_num = 4;
  tr.tsig_denom = 4;
  clap_process_t pr;
  memset(&pr, 0, sizeof pr);
  pr.steady_time = I->now;
  pr.frames_count = n;
  pr.transport = I->send_transport ? &tr : NULL;
  pr.in_events = &I->in_ev;
  pr.out_events = &I->out_ev;
  I->out->n = 0;
  CHECK(I->pl->process(I->pl, &pr) == CLAP_PROCESS_CONTINUE, "process");
  read_output(I, n, check_voices);
  I->in->n = 0;
  I->now += n;
  if (I->rolling) I->tframe += n;
  if (atomic_exchange(&g_flags.callback, 0)) I->pl->on_main_thread(I->pl);
}

/* ---- a melody -------------------------------------------------------------
 */

/* Note k of a stepwise tune in C major around C5, each a quarter or an
 * eighth long; its start in sixteenths from the tune's start. */
static int tune_pitch(int k)
{
  static const int scale[8] = {0, 2, 4, 5, 7, 9, 11, 12};
  int walk = (k * 5 + (k / 3) * 2) % 15; /* up, down, repeats */
  int deg = walk < 8 ? walk : 15 - walk;
  return 72 + scale[deg] - 12 * (deg > 5);
}
static int tune_len(int k)
{
  return (k % 5 == 4) ? 2 : 4;
}

/* Play `notes` tune notes from host frame `from` (one sixteenth = STEP),
 * in random blocks up to max_len; clap = CLAP note events, else MIDI. */
static void play_tune(inst *I, int notes, uint32_t max_len, int clap, int late)
{
  int64_t at = I->now, t = at;
  int64_t on[64], off[64];
  for (int k = 0; k < notes && k < 64; ++k) {
    on[k] = t + late;
    t += (int64_t)tune_len(k) * STEP;
    off[k] = t - 300;
  }
  int next_on = 0, next_off = 0;
  while (I->now < t + 4 * STEP) {
    uint32_t n = rnd_in(1, max_len);
    for (; next_off < notes && off[next_off] < I->now + n; ++next_off) {
      uint32_t f = (uint32_t)(off[next_off] - I->now);
      if (clap)
        add_note(I->in, f, 0, I->melody_ch, tune_pitch(next_off), 0.0);
      else
        add_midi(I->in, f, (uint8_t)(0x80 | I->melody_ch),
                 (uint8_t)tune_pitch(next_off), 0);
    }
    for (; next_on < notes && on[next_on] < I->now + n; ++next_on) {
      uint32_t f = (uint32_t)(on[next_on] - I->now);
      if (clap)
        add_note(I->in, f, 1, I->melody_ch, tune_pitch(next_on), 0.7);
      else
        add_midi(I->in, f, (uint8_t)(0x90 | I->melody_ch),
                 (uint8_t)tune_pitch(next_on), 90);
    }
    run_block(I, n, 1);
  }
}

static void run_frames(inst *I, int64_t frames, uint32_t max_len)
{
  int64_t until = I->now + frames;
  while (I->now < until) {
    uint32_t n = rnd_in(1, max_len);
    if (I->now + n > until) n = (uint32_t)(until - I->now);
    run_block(I, n, 1);
  }
}

static void start_rolling(inst *I)
{
  I->rolling = 1;
  I->tframe = 0;
  I->origin = I->now;
}

/* ---- memory streams -------------------------------------------------------
 */

typedef struct {
  char *buf;
  size_t n, cap, pos;
  int fail_at; /* read: -1 error once pos reaches it (0 = never) */
} mem_stream;

static int64_t ms_write(const clap_ostream_t *s, const void *b, uint64_t n)
{
  mem_stream *m = s->ctx;
  if (m->n + n > m->cap) {
    m->cap = (m->n + n) * 2;
    m->buf = realloc(m->buf, m->cap);
  }
  memcpy(m->buf + m->n, b, n);
  m->n += n;
  return (int64_t)n;
}

static int64_t ms_read(const clap_istream_t *s, void *b, uint64_t n)
{
  mem_stream *m = s->ctx;
  if (m->fail_at && m->pos >= (size_t)m->fail_at) return -1;
  if (n > 7) n = 7; /* short reads, as some hosts do */
  if (n > m->n - m->pos) n = m->n - m->pos;
  memcpy(b, m->buf + m->pos, n);
  m->pos += n;
  return (int64_t)n;
}

/* Save to a fresh NUL-terminated string (caller frees). */
static char *save_state(inst *I)
{
  mem_stream m = {0};
  clap_ostream_t os = {&m, ms_write};
  CHECK(I->state->save(I->pl, &os), "state save");
  ms_write(&os, "", 1);
  return m.buf;
}

static bool load_state_n(inst *I, const char *text, size_t n, int fail_at)
{
  mem_stream m = {(char *)text, n, n, 0, fail_at};
  clap_istream_t is = {&m, ms_read};
  return I->state->load(I->pl, &is);
}

static bool load_state(inst *I, const char *text)
{
  return load_state_n(I, text, strlen(text), 0);
}

/* ---- the checks -----------------------------------------------------------
 */

static void test_descriptor(inst *I)
{
  printf("# factory, descriptor, parameters, note ports\n");
  const clap_plugin_descriptor_t *d = I->pl->desc;
  CHECK(clap_version_is_compatible(d->clap_version), "descriptor version");
  CHECK(!strcmp(d->name, "Kantor") && d->id && d->id[0], "name %s", d->name);
  int note_effect = 0;
  for (const char *const *f = d->features; f && *f; ++f)
    note_effect |= !strcmp(*f, CLAP_PLUGIN_FEATURE_NOTE_EFFECT);
  CHECK(note_effect, "feature note-effect");

  const clap_plugin_params_t *pp = I->P.params;
  CHECK_EQ(pp->count(I->pl), KT_NPARAMS);
  clap_param_info_t info;
  CHECK(!pp->get_info(I->pl, KT_NPARAMS, &info), "info past the end");
  for (int i = 0; i < KT_NPARAMS; ++i) {
    const kt_param_info *pi = kt_param_get_info((kt_param)i);
    CHECK(pp->get_info(I->pl, (uint32_t)i, &info));
    CHECK(!strcmp(info.name, pi->name), "param %d name %s", i, info.name);
    CHECK(!strcmp(info.module, kt_param_group_info(pi->group)->name),
          "param %s module %s", pi->symbol, info.module);
    CHECK(info.min_value == pi->min && info.max_value == pi->max &&
              info.default_value == pi->def,
          "param %s range", pi->symbol);
    CHECK(!!(info.flags & CLAP_PARAM_IS_STEPPED) == (pi->integer || pi->toggle),
          "param %s stepped", pi->symbol);
    CHECK(info.flags & CLAP_PARAM_IS_AUTOMATABLE, "%s automatable", pi->symbol);
    CHECK(info.id != CLAP_INVALID_ID);
    for (int j = 0; j < i; ++j)
      CHECK(I->P.id[j] != info.id, "params %d and %d share id %u", j, i,
            info.id);
    CHECK(get_value(I, (kt_param)i) == pi->def, "%s default", pi->symbol);
    CHECK(!pp->get_value(I->pl, info.id ^ 0x5A5A5A5Au, &(double){0}) ||
              info.id == (info.id ^ 0x5A5A5A5Au),
          "unknown id has a value");

    /* value -> text -> value */
    char text[64];
    double v, back;
    const int stepped = pi->integer || pi->toggle;
    int steps =
        stepped && pi->max - pi->min <= 200 ? (int)(pi->max - pi->min) : 8;
    for (int k = 0; k <= steps; ++k) {
      v = pi->min + (pi->max - pi->min) * k / steps;
      if (stepped) v = floor(v);
      CHECK(pp->value_to_text(I->pl, info.id, v, text, sizeof text));
      CHECK(pp->text_to_value(I->pl, info.id, text, &back) &&
                fabs(back - v) <= (stepped ? 0 : 0.051),
            "%s: %g -> '%s' -> %g", pi->symbol, v, text, back);
    }
    CHECK(!pp->text_to_value(I->pl, info.id, "banana", &back), "%s banana",
          pi->symbol);
    CHECK(!pp->text_to_value(I->pl, info.id, "", &back), "%s empty",
          pi->symbol);
    snprintf(text, sizeof text, "%g", pi->max + 1000);
    CHECK(!pp->text_to_value(I->pl, info.id, text, &back), "%s %s", pi->symbol,
          text);
  }
  char text[64];
  double v;
  pp->value_to_text(I->pl, I->P.id[KT_P_KEY], -1, text, sizeof text);
  CHECK(!strcmp(text, "Auto"), "key -1 is '%s'", text);
  pp->value_to_text(I->pl, I->P.id[KT_P_ALTO_LO], 53, text, sizeof text);
  CHECK(!strcmp(text, "F3"), "alto_low 53 is '%s'", text);
  CHECK(pp->text_to_value(I->pl, I->P.id[KT_P_GRACE_MS], " 12 ms", &v) &&
        v == 12);
  CHECK(pp->text_to_value(I->pl, I->P.id[KT_P_MODE], "minor", &v) && v == 1);
  CHECK(pp->text_to_value(I->pl, I->P.id[KT_P_ENABLED], "off", &v) && v == 0);
  CHECK(!pp->text_to_value(I->pl, I->P.id[KT_P_SEED], "1.5", &v));
  CHECK(!pp->text_to_value(I->pl, I->P.id[KT_P_TEMPERATURE], "nan", &v));

  clap_note_port_info_t np;
  CHECK(I->ports->count(I->pl, true) == 1 &&
        I->ports->count(I->pl, false) == 1);
  CHECK(I->ports->get(I->pl, 0, true, &np) &&
        (np.supported_dialects & CLAP_NOTE_DIALECT_MIDI) &&
        (np.supported_dialects & CLAP_NOTE_DIALECT_CLAP));
  CHECK(I->ports->get(I->pl, 0, false, &np) &&
        np.supported_dialects == CLAP_NOTE_DIALECT_MIDI);
  CHECK(!I->ports->get(I->pl, 1, true, &np));
}

static void check_harmony(inst *I, const char *what)
{
  for (int ch = 1; ch <= 3; ++ch)
    CHECK(I->n_on[ch] >= 4, "%s: only %d note-ons on channel %d", what,
          I->n_on[ch], ch + 1);
  CHECK(I->n_on[0] >= 30, "%s: melody pass-through sent %d notes", what,
        I->n_on[0]);
  CHECK(I->misaligned == 0, "%s: %d harmony note-ons off the sixteenths", what,
        I->misaligned);
  for (int ch = 4; ch < 16; ++ch)
    CHECK(I->n_on[ch] == 0, "%s: %d notes on channel %d", what, I->n_on[ch],
          ch + 1);
}

static void clear_counts(inst *I)
{
  memset(I->n_on, 0, sizeof I->n_on);
  I->misaligned = 0;
}

/* Transport stops: a few blocks later nothing sounds but held melody. */
static void stop_transport(inst *I)
{
  I->rolling = 0;
  run_frames(I, 2 * STEP, 512);
  for (int ch = 1; ch < 16; ++ch)
    CHECK(sounding(I, ch) == 0, "transport stopped: channel %d sounds", ch + 1);
}

static void test_rolling(inst *I)
{
  printf("# rolling transport, melody in MIDI and in CLAP note events\n");
  activate(I, MAX_BLOCK);
  CHECK_EQ(I->latency->get(I->pl), 0);
  I->check_alignment = 1;
  start_rolling(I);
  play_tune(I, 40, MAX_BLOCK, 0, 0);
  check_harmony(I, "MIDI melody");
  stop_transport(I);

  clear_counts(I);
  start_rolling(I);
  I->check_alignment = 0;        /* late notes: the harmony follows them */
  play_tune(I, 40, 700, 1, 250); /* late inside the grace window */
  check_harmony(I, "CLAP melody");
  stop_transport(I);
  I->check_alignment = 0;
}

/* Parameter changes inside blocks: voice off, channel change. */
static void test_params_in_blocks(inst *I)
{
  printf("# parameter events: voice off, channel change, sample-accurate\n");
  clear_counts(I);
  start_rolling(I);
  add_note(I->in, 0, 1, 0, 72, 0.7);
  run_frames(I, 3 * STEP, 256);
  CHECK(sounding(I, 1) == 1, "alto sounds before the change");
  add_param(I->in, &I->P, 100, KT_P_ALTO_ON, 0);
  run_block(I, 200, 1);
  CHECK(sounding(I, 1) == 0, "alto off: channel 2 still sounds");
  int before = I->n_on[1];
  run_frames(I, 4 * STEP, 256);
  CHECK(I->n_on[1] == before, "alto off: new notes on channel 2");
  add_param(I->in, &I->P, 10, KT_P_ALTO_ON, 1);
  add_param(I->in, &I->P, 10, KT_P_CH_ALTO, 5);
  run_frames(I, 3 * STEP, 256);
  CHECK(I->n_on[4] > 0 && sounding(I, 4) == 1, "alto on channel 5");
  CHECK(sounding(I, 1) == 0, "nothing left on channel 2");
  CHECK(get_value(I, KT_P_CH_ALTO) == 5, "alto channel reads back");
  add_param(I->in, &I->P, 0, KT_P_CH_ALTO, 2);
  add_note(I->in, 0, 0, 0, 72, 0);
  run_block(I, 64, 1);
  stop_transport(I);
}

/* Notes sounding, then `how`: every note is released by the next block. */
static void test_release(inst *I, int how)
{
  static const char *const what[] = {"stop_processing", "reset", "deactivate",
                                     "param flush"};
  start_rolling(I);
  add_note(I->in, 0, 1, 0, 67, 0.8);
  run_frames(I, 3 * STEP, 512);
  CHECK(all_sounding(I) >= 3, "%s: %d notes sound before", what[how],
        all_sounding(I));
  if (how == 0) {
    I->pl->stop_processing(I->pl);
    I->pl->start_processing(I->pl);
  } else if (how == 1) {
    I->pl->reset(I->pl);
  } else if (how == 2) {
    deactivate(I);
    activate(I, 512);
  }
  if (how == 3) { /* active, not processing: flush sends the note-offs */
    I->pl->stop_processing(I->pl);
    I->out->n = 0;
    I->in->n = 0;
    I->P.params->flush(I->pl, &I->in_ev, &I->out_ev);
    read_output(I, 0, 1);
    I->pl->start_processing(I->pl);
  } else {
    I->rolling = 0;
    run_block(I, 32, 1);
  }
  CHECK(all_sounding(I) == 0, "%s: %d notes still sound", what[how],
        all_sounding(I));
  run_frames(I, STEP, 512);
  CHECK(all_sounding(I) == 0, "%s: notes again", what[how]);
}

static void test_latency(inst *I)
{
  printf("# lookahead: latency, restart\n");
  int r0 = atomic_load(&g_flags.restart),
      c0 = atomic_load(&g_flags.latency_changed);
  add_param(I->in, &I->P, 0, KT_P_LOOKAHEAD, 4);
  run_block(I, 64, 1);
  CHECK(atomic_load(&g_flags.restart) == r0 + 1, "lookahead 4: no restart");
  run_block(I, 64, 1);
  CHECK(atomic_load(&g_flags.restart) == r0 + 1, "restart asked twice");
  deactivate(I);
  activate(I, MAX_BLOCK);
  CHECK(atomic_load(&g_flags.latency_changed) == c0 + 1, "latency changed");
  uint32_t lat = I->latency->get(I->pl);
  CHECK((int)lat >= L4_LATENCY - 1 && (int)lat <= L4_LATENCY + 1,
        "latency %u, expected %d", lat, L4_LATENCY);
  clear_counts(I);
  I->check_alignment = 1;
  start_rolling(I);
  play_tune(I, 40, 1500, 0, 0);
  check_harmony(I, "lookahead 4");
  I->check_alignment = 0;
  stop_transport(I);
  add_param(I->in, &I->P, 0, KT_P_LOOKAHEAD, 0);
  run_block(I, 64, 1);
  CHECK(atomic_load(&g_flags.restart) == r0 + 2, "lookahead 0: no restart");
  deactivate(I);
  activate(I, MAX_BLOCK);
  CHECK_EQ(I->latency->get(I->pl), 0);
}

static const char *model_file(const char *name, char *buf, size_t n)
{
  const char *src = getenv("KANTOR_SRC");
  snprintf(buf, n, "%s/models/%s", src ? src : ".", name);
  return buf;
}

static void test_state(inst *I)
{
  printf("# state: round trip, user model, malformed states\n");
  const struct {
    kt_param p;
    double v;
  } set[] = {{KT_P_TEMPERATURE, 0.5}, {KT_P_SEED, 42},    {KT_P_KEY, 2},
             {KT_P_MODE, 1},          {KT_P_CH_BASS, 7},  {KT_P_GRACE_MS, 20},
             {KT_P_BPM, 90.5},        {KT_P_BASS_LO, 40}, {KT_P_PASSTHRU, 0}};
  for (size_t i = 0; i < sizeof set / sizeof set[0]; ++i)
    add_param(I->in, &I->P, 0, set[i].p, set[i].v);
  run_block(I, 16, 0);
  char *s1 = save_state(I);
  CHECK(strncmp(s1, "kantor-clap-state 1\n", 20) == 0, "state header: %.30s",
        s1);

  inst *J = inst_new(); /* inactive: the values wait for activate */
  CHECK(load_state(J, s1), "load into a fresh instance");
  for (int i = 0; i < KT_NPARAMS; ++i)
    CHECK(get_value(J, (kt_param)i) == get_value(I, (kt_param)i),
          "%s: %g after load, %g saved", kt_param_get_info((kt_param)i)->symbol,
          get_value(J, (kt_param)i), get_value(I, (kt_param)i));
  char *s2 = save_state(J);
  CHECK(!strcmp(s1, s2), "state not identical after a round trip");
  free(s2);
  activate(J, 256);
  J->melody_ch = 0;
  start_rolling(J);
  play_tune(J, 12, 256, 0, 0);
  CHECK(J->n_on[6] > 0 && J->n_on[3] == 0, "bass on channel 7 after load");
  CHECK(J->n_on[0] == 0, "pass-through off after load");
  stop_transport(J);

  /* a user model (lookahead 4): loaded off the audio thread, swapped in */
  char path[1024], text[1200];
  snprintf(text, sizeof text, "kantor-clap-state 1\nmodel %s\n",
           model_file("live-l4.kmod", path, sizeof path));
  int r0 = atomic_load(&g_flags.restart);
  CHECK(load_state(J, text), "state with a user model");
  CHECK(get_value(J, KT_P_TEMPERATURE) == 0, "missing values: defaults");
  run_block(J, 64, 0);
  CHECK(atomic_load(&g_flags.restart) == r0 + 1, "user model L4: no restart");
  s2 = save_state(J);
  CHECK(strstr(s2, "\nmodel ") && strstr(s2, path), "model path not saved");
  free(s2);
  deactivate(J); /* the model stays across activations */
  activate(J, 256);
  CHECK(J->latency->get(J->pl) > 0, "user model L4: latency 0");

  /* a model too costly for the audio thread: refused, logged with its
     figures through clap.log, the model stays, false */
  {
    char costly[] = "/tmp/kantor-clap-costly-XXXXXX", cerr[256];
    int fd = mkstemp(costly);
    CHECK(fd >= 0, "mkstemp");
    if (fd >= 0) {
      close(fd);
      CHECK(kt_test_write_costly(costly, cerr, sizeof cerr) == 0, "%s", cerr);
      char ct[1200];
      snprintf(ct, sizeof ct, "kantor-clap-state 1\nmodel %s\n", costly);
      int logs = atomic_load(&g_n_log);
      float lat = (float)J->latency->get(J->pl);
      CHECK(!load_state(J, ct), "costly model accepted");
      CHECK(atomic_load(&g_n_log) == logs + 1 && strstr(g_last_log, costly) &&
                strstr(g_last_log, "too costly for the audio thread") &&
                strstr(g_last_log, "the current model stays"),
            "costly model: log %s", g_last_log);
      s2 = save_state(J);
      CHECK(strstr(s2, path) != NULL, "model lost after a costly one");
      free(s2);
      run_block(J, 64, 0);
      CHECK((float)J->latency->get(J->pl) == lat, "latency changed");
      remove(costly);
    }
  }

  /* an unloadable model: parameters restored, the model stays, false */
  CHECK(!load_state(J, "kantor-clap-state 1\ntemperature 0.25\n"
                       "model /nonexistent/x.kmod\n"),
        "missing model file accepted");
  CHECK(get_value(J, KT_P_TEMPERATURE) == 0.25f, "params of that state");
  s2 = save_state(J);
  CHECK(strstr(s2, path) != NULL, "model lost after a failed load");
  free(s2);
  /* back to the built-in models */
  CHECK(
      load_state(J, "kantor-clap-state 1\r\n# a comment\nkey D\nmode Minor\n"),
      "hand-written state");
  CHECK(get_value(J, KT_P_KEY) == 2 && get_value(J, KT_P_MODE) == 1);
  run_block(J, 64, 0);
  s2 = save_state(J);
  CHECK(strstr(s2, "model") == NULL, "built-in: no model line");
  free(s2);

  /* malformed: rejected, nothing changes, the plugin goes on */
  char *before = save_state(J);
  static const char *const bad[] = {
      "",
      "hello\n",
      "kantor-clap-state\n",
      "kantor-clap-state x\n",
      "kantor-clap-state 2\nseed 3\n",
      "kantor-clap-state 1\nfoo 1\n",
      "kantor-clap-state 1\nseed 1\nseed 2\n",
      "kantor-clap-state 1\nvelocity 999\n",
      "kantor-clap-state 1\ntemperature nan\n",
      "kantor-clap-state 1\nkey Q\n",
      "kantor-clap-state 1\nseed\n",
      "kantor-clap-state 1\nseed 1.5\n",
      "kantor-clap-state 1\nmodel a\nmodel b\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    CHECK(!load_state(J, bad[i]), "bad state %zu accepted: %s", i, bad[i]);
  const char nul[] = "kantor-clap-state 1\nseed 5\0\n";
  CHECK(!load_state_n(J, nul, sizeof nul - 1, 0), "NUL accepted");
  size_t big_n = 70000;
  char *big = malloc(big_n + 1);
  memset(big, '#', big_n);
  memcpy(big, "kantor-clap-state 1\n", 20);
  big[big_n] = '\0';
  CHECK(!load_state(J, big), "70 kB state accepted");
  free(big);
  CHECK(!load_state_n(J, s1, strlen(s1), 30), "read error accepted");
  char *after = save_state(J);
  CHECK(!strcmp(before, after), "a rejected state changed something");
  free(before);
  free(after);
  start_rolling(J);
  play_tune(J, 8, 512, 1, 0);
  stop_transport(J);
  inst_free(J);
  free(s1);
}

/* Same input, same seed, temperature > 0: the same output. */
static uint64_t digest_run(void)
{
  inst *I = inst_new();
  activate(I, 1024);
  g_seed = 99;
  add_param(I->in, &I->P, 0, KT_P_TEMPERATURE, 0.9);
  add_param(I->in, &I->P, 0, KT_P_SEED, 7);
  start_rolling(I);
  play_tune(I, 30, 1024, 0, 0);
  uint64_t d = I->digest;
  inst_free(I);
  return d;
}

static void test_misc(inst *I)
{
  printf("# determinism, refused output, 0-frame blocks, no transport\n");
  uint64_t a = digest_run(), b = digest_run();
  CHECK(a == b, "two runs differ: %llx %llx", (unsigned long long)a,
        (unsigned long long)b);

  /* the host's output list refuses: no crash, notes released later */
  I->lenient = 1;
  I->out->limit = 2;
  start_rolling(I);
  play_tune(I, 10, 512, 0, 0);
  I->out->limit = OUT_CAP;
  CHECK(I->out->refused > 0, "the output never refused");
  memset(I->sounding, 0, sizeof I->sounding); /* refused offs: unknown */
  I->pl->reset(I->pl);
  run_block(I, 16, 0);
  I->lenient = 0;
  memset(I->sounding, 0, sizeof I->sounding);
  stop_transport(I);

  /* blocks of 0 frames with events, and a host without transport */
  add_midi(I->in, 0, 0x90, 60, 80);
  run_block(I, 0, 1);
  I->send_transport = 0;
  add_midi(I->in, 5, 0x80, 60, 0);
  add_midi(I->in, 6, 0xF8, 0, 0);   /* clock: ignored */
  add_midi(I->in, 7, 0x45, 0, 0);   /* running status: ignored */
  add_note(I->in, 8, 1, -1, 60, 1); /* wildcard channel on: ignored */
  add_note(I->in, 9, 0, -1, -1, 0); /* off, every key: all notes off */
  run_frames(I, 4 * STEP, 333);
  I->send_transport = 1;
  I->pl->reset(I->pl);
  run_block(I, 16, 1);
  CHECK(all_sounding(I) == 0, "free-run: notes left after reset");
}

/* ---- stress -----------------------------------------------------------------
 */

typedef struct {
  inst *I;
  long blocks;
  atomic_int done;
  int loads, failed;
  uint64_t seed;
} stress_ctx;

/* The audio thread: random blocks, events and transport. */
static void *stress_audio(void *arg)
{
  stress_ctx *S = arg;
  inst *I = S->I;
  static uint8_t held[16][128]; /* input notes the "player" holds */
  memset(held, 0, sizeof held);
  for (long b = 0; b < S->blocks; ++b) {
    uint32_t n = rnd() % 50 == 0 ? 0 : rnd_in(1, rnd() % 4 ? 512 : MAX_BLOCK);
    int k = (int)rnd_in(0, rnd() % 8 ? 3 : 40);
    for (int i = 0; i < k; ++i) {
      uint32_t f = n ? rnd() % n : 0, r = rnd() % 16;
      int ch = rnd() % 4 ? 0 : (int)rnd_in(0, 15);
      int key = (int)rnd_in(48, 84);
      if (r < 9) { /* a note on, or the off of a note the player holds */
        int on = !held[ch][key];
        held[ch][key] = (uint8_t)on;
        if (r < 5)
          add_midi(I->in, f, (uint8_t)((on ? 0x90 : 0x80) | ch), (uint8_t)key,
                   (uint8_t)(on ? rnd_in(1, 127) : rnd_in(0, 127)));
        else
          add_note(I->in, f, on, ch, key, rnd_in((uint32_t)on, 100) / 100.0);
      } else if (r < 13) {
        kt_param p = (kt_param)rnd_in(0, KT_NPARAMS - 1);
        const kt_param_info *pi = kt_param_get_info(p);
        double v =
            pi->min - 1 + (pi->max - pi->min + 2) * (rnd() % 1001) / 1000;
        if (p == KT_P_ENABLED) v = rnd() % 10 != 0;
        add_param(I->in, &I->P, f, p, rnd() % 100 ? v : NAN);
      } else if (r == 13) {
        add_midi(I->in, f, (uint8_t)(0xB0 | ch), rnd() % 2 ? 123 : 120, 0);
        memset(held[ch], 0, sizeof held[ch]);
      } else { /* anything but a note */
        uint8_t a = (uint8_t)rnd();
        if ((a & 0xE0) == 0x80) a ^= 0x40;
        add_midi(I->in, f, a, (uint8_t)rnd(), (uint8_t)rnd());
      }
    }
    if (rnd() % 300 == 0) I->rolling = !I->rolling;
    if (rnd() % 400 == 0) I->bpm = rnd_in(30, 280);
    if (rnd() % 500 == 0) I->send_transport = !I->send_transport;
    if (rnd() % 700 == 0) {
      I->pl->stop_processing(I->pl);
      I->pl->start_processing(I->pl);
    }
    if (rnd() % 900 == 0) I->pl->reset(I->pl);
    if (rnd() % 600 == 0) {
      I->out->n = 0;
      I->P.params->flush(I->pl, &I->in_ev, &I->out_ev);
      read_output(I, 0, 0);
      I->in->n = 0;
    }
    run_block(I, n, 0);
  }
  atomic_store(&S->done, 1);
  return NULL;
}

/* The main thread meanwhile: states with and without user models. */
static void stress_main(stress_ctx *S, uint64_t *seed)
{
  char p0[1024], p4[1024], text[2400];
  model_file("live-l0.kmod", p0, sizeof p0);
  model_file("live-l4.kmod", p4, sizeof p4);
  while (!atomic_load(&S->done)) {
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    unsigned r = (unsigned)(*seed >> 33);
    snprintf(text, sizeof text,
             "kantor-clap-state 1\nlookahead %u\ntemperature 0.%u\n%s%s\n",
             r % 2 ? 4u : 0u, r % 10, r % 3 ? "model " : "",
             r % 3 == 1 ? p4 : (r % 3 == 2 ? p0 : ""));
    S->failed += !load_state(S->I, text);
    S->loads++;
    free(save_state(S->I));
    if (atomic_exchange(&g_flags.callback, 0))
      S->I->pl->on_main_thread(S->I->pl);
    nanosleep(&(struct timespec){0, 2000000}, NULL);
  }
}

static int stress(long blocks, uint64_t seed)
{
  printf("# stress: %ld blocks, seed %llu\n", blocks, (unsigned long long)seed);
  g_seed = seed * 2654435761u + 1;
  inst *I = inst_new();
  activate(I, MAX_BLOCK);
  I->rolling = 1;
  I->stray_ok = 1;
  uint64_t mseed = seed;
  int loads = 0, failed = 0;
  const int segments = 10;
  for (int s = 0; s < segments; ++s) {
    stress_ctx S = {I, blocks / segments, 0, 0, 0, seed};
    pthread_t t;
    pthread_create(&t, NULL, stress_audio, &S);
    stress_main(&S, &mseed);
    pthread_join(t, NULL);
    loads += S.loads;
    failed += S.failed;
    deactivate(I); /* main thread, audio stopped */
    activate(I, s % 2 ? 1024 : MAX_BLOCK);
    I->rolling = 0;
    run_block(I, 64, 0);
    CHECK(all_sounding(I) == 0, "segment %d: %d notes left after deactivate", s,
          all_sounding(I));
    memset(I->sounding, 0, sizeof I->sounding);
    I->rolling = 1;
  }
  CHECK(failed == 0, "%d of %d state loads failed", failed, loads);
  printf("stress: %d state loads during processing\n", loads);
  inst_free(I);
  return kt_check_done("clap_host --stress");
}

int main(int argc, char **argv)
{
  g_path = getenv("KANTOR_CLAP");
  if (!g_path || !g_path[0]) {
    fprintf(stderr, "clap_host: set KANTOR_CLAP to the kantor.clap to test\n");
    return 77;
  }
  if (argc >= 3 && !strcmp(argv[1], "--stress"))
    return stress(atol(argv[2]), argc >= 4 ? strtoull(argv[3], NULL, 10) : 1);
  inst *I = inst_new();
  test_descriptor(I);
  test_rolling(I);
  test_params_in_blocks(I);
  printf("# no stuck notes: stop_processing, reset, deactivate, flush\n");
  for (int how = 0; how < 4; ++how)
    test_release(I, how);
  test_latency(I);
  test_state(I);
  test_misc(I);
  inst_free(I);
  return kt_check_done("clap_host");
}
