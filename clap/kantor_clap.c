/* clap/kantor_clap.c -- the CLAP shell around the engine (dsp/engine.h).
 *
 * No musical logic here: CLAP note / MIDI / transport events -> kt_event,
 * CLAP parameter events -> kt_engine_set_param (sample-accurate: the block
 * is split at each one), kt_out -> CLAP MIDI events on the output note
 * port.  The parameters are the engine's table (kt_param_get_info), ids
 * are a hash of the symbol (stable if the table is reordered); the state is
 * every parameter by symbol plus the user model path, as versioned text.
 *
 * Threads.  Parameter values live in atomics: the audio thread writes them
 * on automation, the main thread on state load (and marks them dirty for
 * the audio thread).  A model file is loaded on the main thread (state
 * load) and handed to process() through the shell core's atomic slot
 * (shell/core.h, which also keeps the event queue and clamps the output);
 * the model it replaces waits in the core's grave and is freed on the main
 * thread (on_main_thread, the next load, deactivate or destroy).  Note-offs
 * that cannot go out at once (stop_processing, reset, deactivate) wait in
 * `held` for the next process() or flush().  Everything reachable from
 * process(), flush() (when active), start/stop_processing and reset is
 * KT_RT: no allocation, lock or I/O. */
#include "core.h"

#include "clap_log.h"
#include "fpmode.h"
#include <clap/entry.h>
#include <clap/ext/latency.h>
#include <clap/ext/note-ports.h>
#include <clap/ext/params.h>
#include <clap/ext/state.h>
#include <clap/plugin-factory.h>

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KT_VERSION
#define KT_VERSION "0"
#endif
#define KT_CLAP_ID "org.example.kantor"

#define KT_CL_EVENTS 1024     /* input events queued per block */
#define KT_CL_HELD 2304       /* note-offs one all-off can send (3 + 16*128) */
#define KT_CL_PATH 4096       /* longest model path, with the NUL */
#define KT_CL_STATE_MAX 65536 /* largest state accepted */
#define KT_CL_STATE_MAGIC "kantor-clap-state"
#define KT_CL_STATE_VERSION 1

_Static_assert(KT_NPARAMS <= 32, "one dirty bit per parameter");

typedef struct {
  clap_plugin_t plugin;
  const clap_host_t *host;
  const clap_host_latency_t *host_latency;
  const clap_host_params_t *host_params;
  const clap_host_log_t *host_log; /* NULL: messages go to stderr */

  /* parameter values (float bits), see the top comment */
  atomic_uint value[KT_NPARAMS];
  atomic_uint dirty;

  /* model hand-off: sh.inbox while active */
  kt_engine_model *idle_model; /* user model while inactive (main thread) */
  char model_path[KT_CL_PATH]; /* main thread: "" = built-in models */

  /* the engine, its event queue, output clamp and model hand-off; active
   * while sh.engine */
  kt_shell sh;
  const clap_output_events_t *out_events;
  kt_out held;   /* note-offs for the next process / flush */
  int lookahead; /* slices of the model in use when activated */
  int restart_requested;

  atomic_uint latency;     /* frames, as last reported */
  _Atomic double host_bpm; /* last tempo the host sent (0: none) */
} kt_clap;

static kt_clap *self(const clap_plugin_t *pl)
{
  return (kt_clap *)pl->plugin_data;
}

/* ---- parameters --------------------------------------------------------- */

static uint32_t f2u(float v) KT_RT
{
  uint32_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

static float u2f(uint32_t u) KT_RT
{
  float v;
  memcpy(&v, &u, sizeof v);
  return v;
}

static float param_value(const kt_clap *p, int i) KT_RT
{
  return u2f(atomic_load_explicit(&p->value[i], memory_order_relaxed));
}

/* The CLAP id of a parameter: FNV-1a of its symbol. */
static clap_id param_id(int i) KT_RT
{
  uint32_t h = 2166136261u;
  for (const char *s = kt_param_get_info((kt_param)i)->symbol; *s; ++s)
    h = (h ^ (uint8_t)*s) * 16777619u;
  return h == CLAP_INVALID_ID ? 0 : h;
}

static int param_index(clap_id id) KT_RT
{
  for (int i = 0; i < KT_NPARAMS; ++i)
    if (param_id(i) == id) return i;
  return -1;
}

/* v clamped (and rounded) as the engine will read it; NaN: -1. */
static float legal_value(int i, double v) KT_RT
{
  const kt_param_info *pi = kt_param_get_info((kt_param)i);
  if (!isfinite(v)) return NAN;
  if (v < pi->min) v = pi->min;
  if (v > pi->max) v = pi->max;
  if (pi->integer || pi->toggle) v = floor(v + 0.5);
  return (float)v;
}

/* Audio thread (or main thread while inactive): one parameter event. */
static void set_param(kt_clap *p, const clap_event_param_value_t *ev) KT_RT
{
  int i = param_index(ev->param_id);
  if (i < 0) return;
  float v = legal_value(i, ev->value);
  if (isnan(v)) return;
  atomic_store_explicit(&p->value[i], f2u(v), memory_order_relaxed);
  if (p->sh.engine) kt_engine_set_param(p->sh.engine, (kt_param)i, v);
}

/* Audio thread: the values the main thread changed (state load). */
static void take_dirty(kt_clap *p) KT_RT
{
  uint32_t bits = atomic_exchange_explicit(&p->dirty, 0, memory_order_acquire);
  for (int i = 0; bits; ++i, bits >>= 1)
    if (bits & 1)
      kt_engine_set_param(p->sh.engine, (kt_param)i, param_value(p, i));
}

static uint32_t params_count(const clap_plugin_t *pl)
{
  (void)pl;
  return KT_NPARAMS;
}

static bool params_get_info(const clap_plugin_t *pl, uint32_t index,
                            clap_param_info_t *info)
{
  (void)pl;
  if (index >= KT_NPARAMS) return false;
  const kt_param_info *pi = kt_param_get_info((kt_param)index);
  memset(info, 0, sizeof *info);
  info->id = param_id((int)index);
  info->flags = CLAP_PARAM_IS_AUTOMATABLE;
  if (pi->integer || pi->toggle) info->flags |= CLAP_PARAM_IS_STEPPED;
  snprintf(info->name, sizeof info->name, "%s", pi->name);
  /* the LV2 port group, as the parameter's module (hosts group by it) */
  snprintf(info->module, sizeof info->module, "%s",
           kt_param_group_info(pi->group)->name);
  info->min_value = pi->min;
  info->max_value = pi->max;
  info->default_value = pi->def;
  return true;
}

static bool params_get_value(const clap_plugin_t *pl, clap_id id, double *v)
{
  int i = param_index(id);
  if (i < 0) return false;
  *v = param_value(self(pl), i);
  return true;
}

static bool params_value_to_text(const clap_plugin_t *pl, clap_id id, double v,
                                 char *buf, uint32_t size)
{
  (void)pl;
  int i = param_index(id);
  if (i < 0 || !buf || size == 0) return false;
  kt_param_format((kt_param)i, v, buf, size);
  return true;
}

static bool params_text_to_value(const clap_plugin_t *pl, clap_id id,
                                 const char *text, double *v)
{
  (void)pl;
  int i = param_index(id);
  return i >= 0 && kt_param_parse((kt_param)i, text, v) == 0;
}

/* ---- output ------------------------------------------------------------- */

/* The core's output (clamped, sorted) -> a CLAP MIDI event. */
static int out_write(void *ctx, uint32_t frame, const uint8_t *data,
                     uint32_t size) KT_RT
{
  kt_clap *p = (kt_clap *)ctx;
  clap_event_midi_t ev = {
      {sizeof ev, frame, CLAP_CORE_EVENT_SPACE_ID, CLAP_EVENT_MIDI, 0},
      0,
      {0, 0, 0}};
  memcpy(ev.data, data, size < 3 ? size : 3);
  return p->out_events && p->out_events->try_push(p->out_events, &ev.header);
}

/* ---- models ------------------------------------------------------------- */

/* Main thread: em (NULL: the built-in models) becomes the user model. */
static void hand_over(kt_clap *p, kt_engine_model *em)
{
  kt_shell_reap(&p->sh);
  if (!p->sh.engine) {
    kt_engine_model_free(p->idle_model);
    p->idle_model = em;
    return;
  }
  /* one handed over before and never installed: still ours */
  kt_engine_model_free(kt_shell_hand_over(&p->sh, em));
}

/* ---- input -------------------------------------------------------------- */

/* Raw MIDI bytes; the engine checks them (length by status, data bytes,
 * system and running-status messages dropped). */
static void add_midi(kt_clap *p, uint32_t f, uint8_t a, uint8_t b,
                     uint8_t c) KT_RT
{
  kt_event *k = kt_shell_event(&p->sh, f);
  k->type = KT_EV_MIDI;
  k->size = 3;
  k->midi[0] = a;
  k->midi[1] = b;
  k->midi[2] = c;
}

/* CLAP dialect -> MIDI: note on/off, choke = off; a wildcard key (-1) on
 * an off or choke = all notes off on that channel (or all channels). */
static void add_note(kt_clap *p, uint32_t f, const clap_event_note_t *n) KT_RT
{
  if (n->port_index > 0) return;
  const int on = n->header.type == CLAP_EVENT_NOTE_ON;
  double v = isfinite(n->velocity) ? n->velocity : 0.0;
  int vel = (int)lround((v < 0 ? 0 : (v > 1 ? 1 : v)) * 127.0);
  if (on) {
    if (n->key < 0 || n->key > 127 || n->channel < 0 || n->channel > 15) return;
    add_midi(p, f, (uint8_t)(0x90 | n->channel), (uint8_t)n->key,
             (uint8_t)(vel < 1 ? 1 : vel));
    return;
  }
  for (int ch = 0; ch < 16; ++ch) {
    if (n->channel >= 0 && ch != n->channel) continue;
    if (n->key >= 0 && n->key <= 127)
      add_midi(p, f, (uint8_t)(0x80 | ch), (uint8_t)n->key, (uint8_t)vel);
    else if (n->key < 0)
      add_midi(p, f, (uint8_t)(0xB0 | ch), 123, 0);
  }
}

/* clap_event_transport -> kt_position, in quarter notes (beat_unit 4). */
static void add_transport(kt_clap *p, uint32_t f,
                          const clap_event_transport_t *t) KT_RT
{
  kt_event *k = kt_shell_event(&p->sh, f);
  kt_position *pos = &k->pos;
  k->type = KT_EV_POSITION;
  pos->flags = KT_POS_SPEED | KT_POS_BEATUNIT;
  pos->speed = (t->flags & CLAP_TRANSPORT_IS_PLAYING) ? 1.0 : 0.0;
  pos->beat_unit = 4;
  if ((t->flags & CLAP_TRANSPORT_HAS_TEMPO) && isfinite(t->tempo)) {
    pos->flags |= KT_POS_BPM;
    pos->bpm = t->tempo;
    if (t->tempo > 0)
      atomic_store_explicit(&p->host_bpm, t->tempo, memory_order_relaxed);
  }
  if ((t->flags & CLAP_TRANSPORT_HAS_TIME_SIGNATURE) && t->tsig_denom > 0) {
    pos->flags |= KT_POS_BPB;
    pos->beats_per_bar = t->tsig_num * 4.0 / t->tsig_denom;
  }
  if (t->flags & CLAP_TRANSPORT_HAS_BEATS_TIMELINE) {
    pos->flags |= KT_POS_BAR | KT_POS_BARBEAT;
    pos->bar = t->bar_number;
    pos->bar_beat = (double)(t->song_pos_beats - t->bar_start) /
                    (double)CLAP_BEATTIME_FACTOR;
  }
  if (t->flags & CLAP_TRANSPORT_HAS_SECONDS_TIMELINE) {
    double fr =
        (double)t->song_pos_seconds / (double)CLAP_SECTIME_FACTOR * p->sh.rate;
    if (fabs(fr) < 9.0e15) { /* far from overflow */
      pos->flags |= KT_POS_FRAME;
      pos->frame = (int64_t)llround(fr);
    }
  }
}

/* One input event of the host's list. */
static void add_event(kt_clap *p, const clap_event_header_t *h) KT_RT
{
  if (!h || h->space_id != CLAP_CORE_EVENT_SPACE_ID) return;
  uint32_t f = h->time;
  switch (h->type) {
  case CLAP_EVENT_NOTE_ON:
  case CLAP_EVENT_NOTE_OFF:
  case CLAP_EVENT_NOTE_CHOKE:
    if (h->size >= sizeof(clap_event_note_t))
      add_note(p, f, (const clap_event_note_t *)h);
    break;
  case CLAP_EVENT_MIDI:
    if (h->size >= sizeof(clap_event_midi_t)) {
      const clap_event_midi_t *m = (const clap_event_midi_t *)h;
      if (m->port_index == 0)
        add_midi(p, f, m->data[0], m->data[1], m->data[2]);
    }
    break;
  case CLAP_EVENT_TRANSPORT:
    if (h->size >= sizeof(clap_event_transport_t))
      add_transport(p, f, (const clap_event_transport_t *)h);
    break;
  case CLAP_EVENT_PARAM_VALUE:
    if (h->size >= sizeof(clap_event_param_value_t)) {
      /* sample-accurate: what comes before it runs with the old value */
      kt_shell_run_to(&p->sh, f);
      set_param(p, (const clap_event_param_value_t *)h);
    }
    break;
  default:
    break;
  }
}

static void add_events(kt_clap *p, const clap_input_events_t *in) KT_RT
{
  if (!in) return;
  const uint32_t n = in->size(in);
  for (uint32_t i = 0; i < n; ++i)
    add_event(p, in->get(in, i));
}

/* ---- processing --------------------------------------------------------- */

/* A block starts: held note-offs first, then what the main thread sent. */
static void begin(kt_clap *p, uint32_t frames,
                  const clap_output_events_t *out) KT_RT
{
  kt_shell_begin(&p->sh, frames);
  p->out_events = out;
  kt_shell_put(&p->sh, &p->held, 0);
  take_dirty(p);
  if (kt_shell_take_model(&p->sh)) /* the model replaced: in the grave */
    p->host->request_callback(p->host);
}

/* The lookahead (hence the latency) may only change across a restart. */
static void check_latency(kt_clap *p) KT_RT
{
  const kt_model *m = kt_engine_current_model(p->sh.engine);
  int la = m ? m->repr.lookahead : 0;
  if (la != p->lookahead && !p->restart_requested) {
    p->restart_requested = 1;
    p->host->request_restart(p->host);
  }
}

static clap_process_status process(const clap_plugin_t *pl,
                                   const clap_process_t *pr) KT_RT
{
  kt_clap *p = self(pl);
  if (!p->sh.engine || !pr) return CLAP_PROCESS_ERROR;
  kt_fpmode fp; /* flush-to-zero for the whole block (dsp/fpmode.h) */
  kt_fpmode_enter(&fp);
  begin(p, pr->frames_count, pr->out_events);
  if (pr->transport) add_transport(p, 0, pr->transport);
  add_events(p, pr->in_events);
  kt_shell_end(&p->sh);
  check_latency(p);
  p->out_events = NULL;
  kt_fpmode_leave(&fp);
  return CLAP_PROCESS_CONTINUE;
}

/* Parameter changes outside process(): on the audio thread while active
 * (then held note-offs go out too), on the main thread while inactive. */
static void params_flush(const clap_plugin_t *pl, const clap_input_events_t *in,
                         const clap_output_events_t *out) KT_RT
{
  kt_clap *p = self(pl);
  if (p->sh.engine) begin(p, 0, out);
  const uint32_t n = in ? in->size(in) : 0;
  for (uint32_t i = 0; i < n; ++i) {
    const clap_event_header_t *h = in->get(in, i);
    if (h && h->space_id == CLAP_CORE_EVENT_SPACE_ID &&
        h->type == CLAP_EVENT_PARAM_VALUE &&
        h->size >= sizeof(clap_event_param_value_t))
      set_param(p, (const clap_event_param_value_t *)h);
  }
  p->out_events = NULL;
}

static bool start_processing(const clap_plugin_t *pl) KT_RT
{
  (void)pl;
  return true;
}

/* The host stops calling process(): release every note (sent with the
 * next process or flush). */
static void stop_processing(const clap_plugin_t *pl) KT_RT
{
  kt_clap *p = self(pl);
  if (p->sh.engine) kt_engine_all_off(p->sh.engine, 0, &p->held);
}

static void reset(const clap_plugin_t *pl) KT_RT
{
  kt_clap *p = self(pl);
  if (!p->sh.engine) return;
  kt_engine_all_off(p->sh.engine, 0, &p->held);
  kt_engine_reset(p->sh.engine);
}

/* ---- life cycle --------------------------------------------------------- */

static bool activate(const clap_plugin_t *pl, double rate, uint32_t min_frames,
                     uint32_t max_frames)
{
  kt_clap *p = self(pl);
  (void)min_frames;
  if (p->sh.engine) return false;
  char err[256] = "out of memory";
  const kt_shell_output io = {NULL, out_write, p}; /* no limit but try_push */
  if (kt_shell_init(&p->sh, rate, kt_shell_block_size(max_frames), KT_CL_EVENTS,
                    io, err, sizeof err) != 0) {
    fprintf(stderr, "kantor: cannot start the engine: %s\n", err);
    return false;
  }
  kt_engine *e = p->sh.engine;
  for (int i = 0; i < KT_NPARAMS; ++i)
    kt_engine_set_param(e, (kt_param)i, param_value(p, i));
  atomic_store(&p->dirty, 0);
  kt_engine_swap_model(e, p->idle_model, &p->sh.out); /* fresh: NULL */
  p->idle_model = NULL;
  /* the latency in frames is at the host's tempo, as last seen */
  double bpm = atomic_load(&p->host_bpm);
  if (bpm > 0) {
    kt_event k;
    memset(&k, 0, sizeof k);
    k.type = KT_EV_POSITION;
    k.pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BEATUNIT;
    k.pos.bpm = bpm;
    k.pos.beat_unit = 4;
    kt_engine_process(e, &k, 1, 0, &p->sh.out);
  }
  p->sh.out.n = 0;
  const kt_model *m = kt_engine_current_model(e);
  p->lookahead = m ? m->repr.lookahead : 0;
  p->restart_requested = 0;
  uint32_t lat = kt_engine_latency(e);
  if (atomic_exchange(&p->latency, lat) != lat && p->host_latency)
    p->host_latency->changed(p->host);
  return true;
}

static void deactivate(const clap_plugin_t *pl)
{
  kt_clap *p = self(pl);
  if (!p->sh.engine) return;
  kt_engine_all_off(p->sh.engine, 0, &p->held);
  p->idle_model = kt_shell_detach_model(&p->sh); /* the newest */
  kt_shell_fini(&p->sh);
}

static void on_main_thread(const clap_plugin_t *pl)
{
  kt_shell_reap(&self(pl)->sh);
}

/* ---- state: versioned text, one "symbol value" line per parameter ------- */

static bool write_all(const clap_ostream_t *s, const char *buf, size_t n)
{
  while (n > 0) {
    int64_t w = s->write(s, buf, n);
    if (w <= 0 || (uint64_t)w > n) return false;
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

static bool state_save(const clap_plugin_t *pl, const clap_ostream_t *s)
{
  kt_clap *p = self(pl);
  char line[KT_CL_PATH + 64];
  int n = snprintf(line, sizeof line, "%s %d\n", KT_CL_STATE_MAGIC,
                   KT_CL_STATE_VERSION);
  if (!write_all(s, line, (size_t)n)) return false;
  for (int i = 0; i < KT_NPARAMS; ++i) {
    n = snprintf(line, sizeof line, "%s %.9g\n",
                 kt_param_get_info((kt_param)i)->symbol, param_value(p, i));
    if (!write_all(s, line, (size_t)n)) return false;
  }
  if (p->model_path[0]) {
    n = snprintf(line, sizeof line, "model %s\n", p->model_path);
    if (!write_all(s, line, (size_t)n)) return false;
  }
  return true;
}

typedef struct {
  float value[KT_NPARAMS];
  int seen[KT_NPARAMS];
  int has_model;
  char path[KT_CL_PATH];
} kt_cl_state;

/* Parse a whole state (NUL-terminated); -1 + err naming the line. */
static int parse_state(char *buf, kt_cl_state *st, char *err, size_t errlen)
{
  memset(st, 0, sizeof *st);
  int lineno = 0;
  for (char *line = buf, *next; line && *line; line = next) {
    ++lineno;
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    size_t len = strlen(line);
    if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
    if (lineno == 1) {
      size_t m = strlen(KT_CL_STATE_MAGIC);
      char *end;
      long v = strncmp(line, KT_CL_STATE_MAGIC " ", m + 1) == 0
                   ? strtol(line + m + 1, &end, 10)
                   : -1;
      if (v < 1 || *end) {
        snprintf(err, errlen, "line 1: not a Kantor CLAP state");
        return -1;
      }
      if (v > KT_CL_STATE_VERSION) {
        snprintf(err, errlen,
                 "line 1: state version %ld is newer than this "
                 "Kantor reads (%d)",
                 v, KT_CL_STATE_VERSION);
        return -1;
      }
      continue;
    }
    if (len == 0 || line[0] == '#') continue;
    char *val = strchr(line, ' ');
    if (val) *val++ = '\0';
    if (!strcmp(line, "model")) {
      size_t n = val ? strlen(val) : 0;
      if (st->has_model || n >= KT_CL_PATH) {
        snprintf(err, errlen, "line %d: %s model path", lineno,
                 st->has_model ? "second" : "too long a");
        return -1;
      }
      memcpy(st->path, val ? val : "", n + 1);
      st->has_model = 1;
      continue;
    }
    int i = 0;
    while (i < KT_NPARAMS &&
           strcmp(kt_param_get_info((kt_param)i)->symbol, line))
      ++i;
    double v;
    if (i == KT_NPARAMS || st->seen[i] || !val ||
        kt_param_parse((kt_param)i, val, &v) != 0) {
      snprintf(err, errlen, "line %d: %s '%.40s'", lineno,
               i == KT_NPARAMS ? "unknown parameter"
               : st->seen[i]   ? "second value for"
                               : "bad value for",
               line);
      return -1;
    }
    st->value[i] = (float)v;
    st->seen[i] = 1;
  }
  if (lineno == 0) {
    snprintf(err, errlen, "empty state");
    return -1;
  }
  return 0;
}

/* Main thread: an error message to the host's log (clap.log), or to
 * stderr when the host has none. */
static void report(const kt_clap *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report(const kt_clap *p, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (p->host_log)
    p->host_log->log(p->host, CLAP_LOG_ERROR, msg);
  else
    fprintf(stderr, "%s\n", msg);
}

/* Malformed state: nothing changes.  Parameters missing from it take their
 * defaults.  A model that cannot be loaded: the parameters are restored,
 * the model in use stays, and load reports failure. */
static bool state_load(const clap_plugin_t *pl, const clap_istream_t *s)
{
  kt_clap *p = self(pl);
  char err[600] = "";
  char *buf = malloc(KT_CL_STATE_MAX + 1);
  kt_cl_state *st = malloc(sizeof *st);
  size_t n = 0;
  int ok = buf && st;
  while (ok) {
    int64_t r = s->read(s, buf + n, KT_CL_STATE_MAX + 1 - n);
    if (r < 0 || (uint64_t)r > KT_CL_STATE_MAX + 1 - n) {
      snprintf(err, sizeof err, "read error");
      ok = 0;
    } else if (r == 0) {
      break;
    } else if ((n += (size_t)r) > KT_CL_STATE_MAX) {
      snprintf(err, sizeof err, "larger than %d bytes", KT_CL_STATE_MAX);
      ok = 0;
    }
  }
  if (ok) {
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
      snprintf(err, sizeof err, "binary data");
      ok = 0;
    } else {
      ok = parse_state(buf, st, err, sizeof err) == 0;
    }
  }
  if (!ok) {
    report(p, "kantor: state rejected: %s", buf && st ? err : "out of memory");
    free(buf);
    free(st);
    return false;
  }
  uint32_t mask = 0;
  for (int i = 0; i < KT_NPARAMS; ++i) {
    float v = st->seen[i] ? st->value[i] : kt_param_get_info((kt_param)i)->def;
    atomic_store_explicit(&p->value[i], f2u(v), memory_order_relaxed);
    mask |= 1u << i;
  }
  atomic_fetch_or_explicit(&p->dirty, mask, memory_order_release);
  if (strcmp(st->path, p->model_path) != 0) {
    kt_engine_model *em =
        st->path[0] ? kt_shell_load_model(st->path, err, sizeof err) : NULL;
    if (st->path[0] && !em) {
      report(p, "kantor: state: model %s: %s (the current model stays)",
             st->path, err);
      ok = 0;
    } else {
      hand_over(p, em);
      memcpy(p->model_path, st->path, sizeof p->model_path);
    }
  }
  if (p->host_params) {
    p->host_params->rescan(p->host, CLAP_PARAM_RESCAN_VALUES);
    if (p->sh.engine) p->host_params->request_flush(p->host);
  }
  free(buf);
  free(st);
  return ok;
}

/* ---- extensions ---------------------------------------------------------- */

static uint32_t latency_get(const clap_plugin_t *pl)
{
  return atomic_load(&self(pl)->latency);
}

static uint32_t note_ports_count(const clap_plugin_t *pl, bool is_input)
{
  (void)pl;
  (void)is_input;
  return 1;
}

static bool note_ports_get(const clap_plugin_t *pl, uint32_t index,
                           bool is_input, clap_note_port_info_t *info)
{
  (void)pl;
  if (index != 0) return false;
  memset(info, 0, sizeof *info);
  info->id = 0;
  info->supported_dialects =
      is_input ? CLAP_NOTE_DIALECT_MIDI | CLAP_NOTE_DIALECT_CLAP
               : CLAP_NOTE_DIALECT_MIDI;
  info->preferred_dialect = CLAP_NOTE_DIALECT_MIDI;
  snprintf(info->name, sizeof info->name, "%s",
           is_input ? "Melody" : "Melody and voices");
  return true;
}

static const clap_plugin_params_t ext_params = {
    params_count,         params_get_info,      params_get_value,
    params_value_to_text, params_text_to_value, params_flush};
static const clap_plugin_state_t ext_state = {state_save, state_load};
static const clap_plugin_latency_t ext_latency = {latency_get};
static const clap_plugin_note_ports_t ext_note_ports = {note_ports_count,
                                                        note_ports_get};

static const void *get_extension(const clap_plugin_t *pl, const char *id)
{
  (void)pl;
  if (!strcmp(id, CLAP_EXT_PARAMS)) return &ext_params;
  if (!strcmp(id, CLAP_EXT_STATE)) return &ext_state;
  if (!strcmp(id, CLAP_EXT_LATENCY)) return &ext_latency;
  if (!strcmp(id, CLAP_EXT_NOTE_PORTS)) return &ext_note_ports;
  return NULL;
}

/* ---- instance ------------------------------------------------------------ */

static bool init(const clap_plugin_t *pl)
{
  kt_clap *p = self(pl);
  const clap_host_t *h = p->host;
  p->host_latency = h->get_extension(h, CLAP_EXT_LATENCY);
  p->host_params = h->get_extension(h, CLAP_EXT_PARAMS);
  p->host_log = h->get_extension(h, CLAP_EXT_LOG);
  if (p->host_log && !p->host_log->log) p->host_log = NULL;
  return true;
}

static void destroy(const clap_plugin_t *pl)
{
  kt_clap *p = self(pl);
  deactivate(pl);
  kt_engine_model_free(p->idle_model);
  kt_shell_reap(&p->sh);
  free(p->held.ev);
  free(p);
}

static const char *kt_features[] = {CLAP_PLUGIN_FEATURE_NOTE_EFFECT,
                                    CLAP_PLUGIN_FEATURE_UTILITY, NULL};

static const clap_plugin_descriptor_t kt_descriptor = {
    CLAP_VERSION_INIT,
    KT_CLAP_ID,
    "Kantor",
    "Kantor",
    "https://kantor.example.org/plugins/kantor",
    "",
    "",
    KT_VERSION,
    "Live neural Bach harmonizer: alto, tenor and bass for the melody you "
    "play, as MIDI",
    kt_features};

static const clap_plugin_t *create(const clap_host_t *host)
{
  kt_clap *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->held.ev = calloc(KT_CL_HELD, sizeof *p->held.ev);
  if (!p->held.ev) {
    free(p);
    return NULL;
  }
  p->held.cap = KT_CL_HELD;
  p->host = host;
  for (int i = 0; i < KT_NPARAMS; ++i)
    atomic_init(&p->value[i], f2u(kt_param_get_info((kt_param)i)->def));
  p->plugin = (clap_plugin_t){&kt_descriptor,
                              p,
                              init,
                              destroy,
                              activate,
                              deactivate,
                              start_processing,
                              stop_processing,
                              reset,
                              process,
                              get_extension,
                              on_main_thread};
  return &p->plugin;
}

/* ---- factory and entry ----------------------------------------------------
 */

static uint32_t factory_count(const clap_plugin_factory_t *f)
{
  (void)f;
  return 1;
}

static const clap_plugin_descriptor_t *
factory_descriptor(const clap_plugin_factory_t *f, uint32_t index)
{
  (void)f;
  return index == 0 ? &kt_descriptor : NULL;
}

static const clap_plugin_t *factory_create(const clap_plugin_factory_t *f,
                                           const clap_host_t *host,
                                           const char *id)
{
  (void)f;
  if (!host || !id || strcmp(id, KT_CLAP_ID) != 0 ||
      !clap_version_is_compatible(host->clap_version))
    return NULL;
  return create(host);
}

static const clap_plugin_factory_t kt_factory = {
    factory_count, factory_descriptor, factory_create};

static bool entry_init(const char *path)
{
  (void)path;
  return true;
}

static void entry_deinit(void) {}

static const void *entry_get_factory(const char *id)
{
  return id && !strcmp(id, CLAP_PLUGIN_FACTORY_ID) ? &kt_factory : NULL;
}

CLAP_EXPORT const clap_plugin_entry_t clap_entry = {
    CLAP_VERSION_INIT, entry_init, entry_deinit, entry_get_factory};
