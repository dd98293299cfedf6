/* tests/plugin/lilv_host.c -- a small lilv host that loads the built
 * kantor.lv2 bundle (LV2_PATH) and checks the plugin from the outside, as a
 * DAW would drive it: ports against the engine's parameter table, presets,
 * a rolling transport with a melody in blocks of varied sizes (and blocks
 * longer than maxBlockLength), voice toggles, channel changes, enable,
 * deactivate, nonsense positions, malformed MIDI, event floods, a tiny
 * output buffer, model loading through the worker, and state save/restore.
 *
 * Output invariants checked on every block: events sorted by frame inside
 * the block, no note-on for a note already sounding, no note-off for a
 * note not sounding, at most one sounding note per harmony channel, and
 * all harmony notes released after transport stop / enable off / voice
 * off / channel change.
 *
 *   lilv_host            the functional checks (suite host)
 *   lilv_host --bad-inputs
 *                        each bad host input once; prints README's table of
 *                        what the plugin does (tests/tools/bad_inputs.sh)
 *   lilv_host --stress N [SEED]
 *                        N blocks of random everything (suite rtsan: under
 *                        -fsanitize=realtime any allocation, lock or I/O in
 *                        run() aborts the process).
 *   lilv_host --audio [--stress N [SEED]]
 *                        the audio plugin (kantor-audio): a sawtooth melody
 *                        in, the melody and the voices out; silence and
 *                        noise give nothing; or N random blocks of tones,
 *                        glides, noise and silence with every control
 *                        automated.
 *   lilv_host --bench BLOCKS RUNS
 *                        issue 24's case timed through LV2 (thread CPU
 *                        time per run(); a benchmark: reports only).
 *   lilv_host --cold     a fresh instance's first 64-frame blocks (L0,
 *                        then L4) take no page fault in run() (issue 24;
 *                        getrusage counts, no time). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "../busy_player.h"
#include "../check.h"
#include "../listen.h"
#include "../costly_model.h"
#include "../stack_probe.h"
#include "engine.h"
#include "glue.h" /* KT_LV2_MSG_MAX, kantor_uris.h */
#include "harmony.h"
#include "pitch.h"

#include <sys/resource.h>
#include <unistd.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/presets/presets.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KT_PLUGIN_URI
#define KT_PLUGIN_URI "https://kantor.example.org/plugins/kantor"
#endif

#ifndef KT_AUDIO_URI
#define KT_AUDIO_URI KT_PLUGIN_URI "-audio"
#endif

#define RATE 48000.0
#define SIXTEENTH 6000 /* frames per sixteenth at 120 bpm, 48 kHz */
/* the latency at lookahead 4, 120 bpm (tests/listen.h) */
#define L4_LATENCY kt_test_latency(4, 48000.0, SIXTEENTH)
#define NPORTS (2 + KT_NPARAMS + 4)
#define P_LATENCY (2 + KT_NPARAMS)
#define P_KEY (P_LATENCY + 1)
#define P_CHORD (P_LATENCY + 2)
#define P_NOTIFY (P_LATENCY + 3)
#define NOTIFY_BYTES 32768
#define AUDIO_FRAMES 65536
#define A_AUDIO (P_LATENCY + 3) /* the audio plugin: its ports from here */
#define IN_BYTES 262144
#define OUT_BYTES 65536
#define CANARY 0xA5

static int g_verbose;
static int g_audio; /* the audio plugin */

/* ---- PRNG (splitmix64) -----------------------------------------------------
 */

static uint64_t g_rng = 12345;
static uint64_t rnd(void)
{
  uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint32_t rnd_range(uint32_t lo, uint32_t hi) /* inclusive */
{
  return lo + (uint32_t)(rnd() % (uint64_t)(hi - lo + 1));
}
static double rnd_unit(void)
{
  return (double)(rnd() >> 11) * 0x1.0p-53;
}

/* ---- URID map -------------------------------------------------------------
 */

typedef struct {
  char **uri;
  uint32_t n, cap;
} urid_table;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
  urid_table *t = (urid_table *)h;
  for (uint32_t i = 0; i < t->n; ++i)
    if (!strcmp(t->uri[i], uri)) return i + 1;
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->uri = realloc(t->uri, t->cap * sizeof *t->uri);
  }
  t->uri[t->n] = strdup(uri);
  return ++t->n;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID id)
{
  urid_table *t = (urid_table *)h;
  return id >= 1 && id <= t->n ? t->uri[id - 1] : NULL;
}

/* ---- log ------------------------------------------------------------------
 */

typedef struct {
  LV2_URID error, warning, note, trace;
  int n_error;
  char last_error[512];
} host_log;

static int log_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt,
                       va_list ap)
{
  host_log *l = (host_log *)h;
  char buf[512];
  int r = vsnprintf(buf, sizeof buf, fmt, ap);
  if (type == l->error) {
    l->n_error++;
    snprintf(l->last_error, sizeof l->last_error, "%s", buf);
  }
  if (g_verbose || type == l->error) fprintf(stderr, "  [plugin log] %s", buf);
  return r;
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = log_vprintf(h, type, fmt, ap);
  va_end(ap);
  return r;
}

/* ---- the host --------------------------------------------------------- */

#define WQ 32
#define WMSG 8192

typedef struct {
  uint32_t size;
  uint8_t data[WMSG];
} wmsg;

typedef struct {
  uint32_t frame;
  int seq;  /* insertion order, for a stable sort */
  int kind; /* 0 midi, 1 position, 2 patch:Set model, 3 patch:Get,
              * 4 patch:Set model to an atom:Int (a wrong type) */
  uint8_t midi[8];
  uint32_t midi_size;
  /* position */
  int has_frame, has_speed, has_bpm, has_bar, has_barbeat, has_bpb, has_unit;
  int64_t pframe, bar;
  float speed, bpm, barbeat, bpb;
  int32_t unit;
  char path[1024];
  const char *long_path; /* patch:Set of a path longer than path holds */
} in_event;

typedef struct {
  int sounding[16][128];
  int n_on[16];
  int misaligned, off_by_one;
  int64_t last_on_frame[16];
  char model_path[1024];
  int model_notes;
  uint64_t hash; /* of every MIDI event out (absolute frame + bytes) */
} out_state;

typedef struct { /* a kantor:Slice from the notify port */
  int64_t index;
  int32_t d[KT_NOTE_N];
} slice_note;

typedef struct {
  LilvWorld *world;
  const LilvPlugin *plugin;
  LilvInstance *inst;
  urid_table urids;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
  host_log log;
  LV2_Log_Log log_feature;
  LV2_Worker_Schedule sched;
  LV2_Options_Option options[4];
  int32_t opt_max_block, opt_nominal;
  float opt_rate;
  LV2_Feature f_map, f_unmap, f_log, f_sched, f_opts;
  const LV2_Feature *features[8];
  const LV2_Worker_Interface *worker;

  /* worker queues (schedule_work only copies: safe in run()) */
  wmsg work_q[WQ];
  int n_work;
  wmsg resp_q[WQ];
  int n_resp;
  int work_overflow;
  uint32_t max_work; /* largest message scheduled */

  /* ports */
  float *abuf; /* audio plugin: the input, AUDIO_FRAMES long */
  float pctl[KT_NPITCH_PARAMS], note_out;
  float control[KT_NPARAMS];
  float latency, key, chord;
  uint8_t *in_buf, *out_buf;
  uint8_t *notify_buf; /* NULL: the notify port is left unconnected */
  slice_note *notes;
  int n_notes, cap_notes;
  uint32_t out_capacity;
  LV2_Atom_Forge forge;

  /* pending input events for the next block */
  in_event *ev;
  int n_ev, cap_ev;

  /* transport as the host sees it */
  int rolling;
  double bpm;
  int64_t tframe; /* transport frame */
  int64_t now;    /* host frame counter (absolute) */
  int pos_every_block;
  int pos_sent_rolling;
  double pos_sent_bpm;
  int64_t pos_expect;

  out_state out;
  int check_alignment;
  int lenient_offs; /* a tiny output buffer drops note-ons: their offs stray */
  uint32_t input_channels; /* channels the host played notes on */
  int64_t align_origin;
  long run_faults; /* page faults of this thread inside run() */
  int stack_probe;  /* --cold: paint the stack below run() and measure it */
  size_t run_stack; /* deepest stack run() used, bytes (stack_probe) */
  int time_runs;    /* --bench: thread CPU time of each run() */
  double run_us;    /* the last run()'s, microseconds */

  LV2_URID u_midi, u_Position, u_frame, u_speed, u_bpm, u_bar, u_barBeat, u_bpb,
      u_unit, u_Set, u_Get, u_property, u_value, u_model, u_Path, u_Int,
      u_Float, u_maxBlock, u_nominal, u_sampleRate, u_Slice, u_index, u_data,
      u_Long, u_Vector;
} host;

static LV2_Worker_Status sched_work(LV2_Worker_Schedule_Handle h, uint32_t size,
                                    const void *data)
{
  host *H = (host *)h;
  if (H->n_work == WQ || size > WMSG) {
    H->work_overflow++;
    return LV2_WORKER_ERR_NO_SPACE;
  }
  if (size > H->max_work) H->max_work = size;
  H->work_q[H->n_work].size = size;
  memcpy(H->work_q[H->n_work].data, data, size);
  H->n_work++;
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle h, uint32_t size,
                                 const void *data)
{
  host *H = (host *)h;
  if (H->n_resp == WQ || size > WMSG) return LV2_WORKER_ERR_NO_SPACE;
  H->resp_q[H->n_resp].size = size;
  memcpy(H->resp_q[H->n_resp].data, data, size);
  H->n_resp++;
  return LV2_WORKER_SUCCESS;
}

/* After run(): the "worker thread" does its jobs, then the responses are
 * delivered (as jalv does at the end of a cycle). */
static void do_work(host *H)
{
  if (!H->worker) return;
  LV2_Handle lh = lilv_instance_get_handle(H->inst);
  while (H->n_work > 0) {
    wmsg q[WQ];
    int n = H->n_work;
    memcpy(q, H->work_q, sizeof(wmsg) * (size_t)n);
    H->n_work = 0;
    for (int i = 0; i < n; ++i)
      H->worker->work(lh, respond, H, q[i].size, q[i].data);
    for (int i = 0; i < H->n_resp; ++i)
      H->worker->work_response(lh, H->resp_q[i].size, H->resp_q[i].data);
    H->n_resp = 0;
    if (H->worker->end_run) H->worker->end_run(lh); /* as jalv does */
    /* work_response may have scheduled frees: they run on the next cycle,
     * except at teardown where the loop drains them. */
    break;
  }
}

static void host_init_features(host *H, uint32_t max_block, int with_worker)
{
  H->map.handle = &H->urids;
  H->map.map = map_uri;
  H->unmap.handle = &H->urids;
  H->unmap.unmap = unmap_uri;
  H->log.error = map_uri(&H->urids, LV2_LOG__Error);
  H->log.warning = map_uri(&H->urids, LV2_LOG__Warning);
  H->log.note = map_uri(&H->urids, LV2_LOG__Note);
  H->log.trace = map_uri(&H->urids, LV2_LOG__Trace);
  H->log_feature.handle = &H->log;
  H->log_feature.printf = log_printf;
  H->log_feature.vprintf = log_vprintf;
  H->sched.handle = H;
  H->sched.schedule_work = sched_work;

#define M(x) map_uri(&H->urids, x)
  H->u_midi = M(LV2_MIDI__MidiEvent);
  H->u_Position = M(LV2_TIME__Position);
  H->u_frame = M(LV2_TIME__frame);
  H->u_speed = M(LV2_TIME__speed);
  H->u_bpm = M(LV2_TIME__beatsPerMinute);
  H->u_bar = M(LV2_TIME__bar);
  H->u_barBeat = M(LV2_TIME__barBeat);
  H->u_bpb = M(LV2_TIME__beatsPerBar);
  H->u_unit = M(LV2_TIME__beatUnit);
  H->u_Set = M(LV2_PATCH__Set);
  H->u_Get = M(LV2_PATCH__Get);
  H->u_property = M(LV2_PATCH__property);
  H->u_value = M(LV2_PATCH__value);
  H->u_model = M(KT_PLUGIN_URI "#model");
  H->u_Path = M(LV2_ATOM__Path);
  H->u_Int = M(LV2_ATOM__Int);
  H->u_Float = M(LV2_ATOM__Float);
  H->u_maxBlock = M(LV2_BUF_SIZE__maxBlockLength);
  H->u_nominal = M(LV2_BUF_SIZE__nominalBlockLength);
  H->u_sampleRate = M(LV2_PARAMETERS__sampleRate);
  H->u_Slice = M(KT_SLICE_URI);
  H->u_index = M(KT_SLICE_INDEX_URI);
  H->u_data = M(KT_SLICE_DATA_URI);
  H->u_Long = M(LV2_ATOM__Long);
  H->u_Vector = M(LV2_ATOM__Vector);
#undef M

  H->opt_max_block = (int32_t)max_block;
  H->opt_nominal = (int32_t)(max_block / 2 ? max_block / 2 : 1);
  H->opt_rate = (float)RATE;
  LV2_Options_Option o[4] = {{LV2_OPTIONS_INSTANCE, 0, H->u_maxBlock,
                              sizeof(int32_t), H->u_Int, &H->opt_max_block},
                             {LV2_OPTIONS_INSTANCE, 0, H->u_nominal,
                              sizeof(int32_t), H->u_Int, &H->opt_nominal},
                             {LV2_OPTIONS_INSTANCE, 0, H->u_sampleRate,
                              sizeof(float), H->u_Float, &H->opt_rate},
                             {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL}};
  memcpy(H->options, o, sizeof o);

  H->f_map = (LV2_Feature){LV2_URID__map, &H->map};
  H->f_unmap = (LV2_Feature){LV2_URID__unmap, &H->unmap};
  H->f_log = (LV2_Feature){LV2_LOG__log, &H->log_feature};
  H->f_sched = (LV2_Feature){LV2_WORKER__schedule, &H->sched};
  H->f_opts = (LV2_Feature){LV2_OPTIONS__options, H->options};
  int n = 0;
  H->features[n++] = &H->f_map;
  H->features[n++] = &H->f_unmap;
  H->features[n++] = &H->f_log;
  if (with_worker) H->features[n++] = &H->f_sched;
  if (max_block) H->features[n++] = &H->f_opts;
  H->features[n] = NULL;
}

static void connect_all(host *H)
{
  lilv_instance_connect_port(H->inst, 0, H->in_buf);
  lilv_instance_connect_port(H->inst, 1, H->out_buf);
  for (int i = 0; i < KT_NPARAMS; ++i)
    lilv_instance_connect_port(H->inst, (uint32_t)(2 + i), &H->control[i]);
  lilv_instance_connect_port(H->inst, P_LATENCY, &H->latency);
  lilv_instance_connect_port(H->inst, P_KEY, &H->key);
  lilv_instance_connect_port(H->inst, P_CHORD, &H->chord);
  if (!H->abuf) { /* the MIDI plugin */
    lilv_instance_connect_port(H->inst, P_NOTIFY, H->notify_buf);
    return;
  }
  /* the audio plugin: its own ports where the MIDI plugin has notify */
  lilv_instance_connect_port(H->inst, A_AUDIO, H->abuf);
  for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
    lilv_instance_connect_port(H->inst, (uint32_t)(A_AUDIO + 1 + i),
                               &H->pctl[i]);
  lilv_instance_connect_port(H->inst, A_AUDIO + 1 + KT_NPITCH_PARAMS,
                             &H->note_out);
}

static void connect_notify(host *H)
{
  H->notify_buf = aligned_alloc(64, NOTIFY_BYTES);
  if (H->notify_buf) memset(H->notify_buf, 0, NOTIFY_BYTES);
  lilv_instance_connect_port(H->inst, P_NOTIFY, H->notify_buf);
}

static void reset_transport(host *H)
{
  H->rolling = 0;
  H->bpm = 120.0;
  H->tframe = 0;
  H->pos_every_block = 1;
  H->pos_sent_rolling = -1;
  H->pos_sent_bpm = -1;
  H->pos_expect = -1;
  memset(&H->out, 0, sizeof H->out);
  for (int c = 0; c < 16; ++c)
    H->out.last_on_frame[c] = -1;
}

/* max_block 0: no options feature (the plugin defaults to 8192). */
static host *host_new(LilvWorld *world, const LilvPlugin *plugin,
                      uint32_t max_block, int with_worker)
{
  host *H = calloc(1, sizeof *H);
  H->world = world;
  H->plugin = plugin;
  host_init_features(H, max_block, with_worker);
  H->inst = lilv_plugin_instantiate(plugin, RATE, H->features);
  if (!H->inst) {
    CHECK(0, "cannot instantiate the plugin");
    free(H);
    return NULL;
  }
  H->worker =
      with_worker
          ? (const LV2_Worker_Interface *)lilv_instance_get_extension_data(
                H->inst, LV2_WORKER__interface)
          : NULL;
  CHECK(!with_worker || (H->worker && H->worker->work &&
                         H->worker->work_response && H->worker->end_run),
        "worker interface (work, work_response, end_run)");
  H->in_buf = aligned_alloc(64, IN_BYTES);
  H->out_buf = aligned_alloc(64, OUT_BYTES + 64);
  if (H->out_buf) /* the host's buffer: the host's page faults */
    memset(H->out_buf, 0, OUT_BYTES + 64);
  H->out_capacity = OUT_BYTES;
  lv2_atom_forge_init(&H->forge, &H->map);
  for (int i = 0; i < KT_NPARAMS; ++i)
    H->control[i] = kt_param_get_info((kt_param)i)->def;
  if (g_audio) {
    H->abuf = calloc(AUDIO_FRAMES, sizeof *H->abuf);
    for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
      H->pctl[i] = kt_pitch_param_get_info((kt_pitch_param)i)->def;
    H->input_channels = 1; /* the detected melody passes through on ch 1 */
  }
  connect_all(H);
  reset_transport(H);
  lilv_instance_activate(H->inst);
  return H;
}

static void host_free(host *H)
{
  if (!H) return;
  lilv_instance_deactivate(H->inst);
  for (int i = 0; i < 4 && H->n_work > 0; ++i)
    do_work(H); /* pending frees */
  lilv_instance_free(H->inst);
  free(H->in_buf);
  free(H->out_buf);
  free(H->notify_buf);
  free(H->notes);
  free(H->abuf);
  free(H->ev);
  for (uint32_t i = 0; i < H->urids.n; ++i)
    free(H->urids.uri[i]);
  free(H->urids.uri);
  free(H);
}

static in_event *add_ev(host *H, uint32_t frame, int kind)
{
  if (H->n_ev == H->cap_ev) {
    H->cap_ev = H->cap_ev ? H->cap_ev * 2 : 64;
    H->ev = realloc(H->ev, (size_t)H->cap_ev * sizeof *H->ev);
  }
  in_event *e = &H->ev[H->n_ev];
  memset(e, 0, sizeof *e);
  e->frame = frame;
  e->kind = kind;
  e->seq = H->n_ev++;
  return e;
}

static void add_midi(host *H, uint32_t frame, const uint8_t *d, uint32_t n)
{
  in_event *e = add_ev(H, frame, 0);
  if (n > sizeof e->midi) n = sizeof e->midi;
  memcpy(e->midi, d, n);
  e->midi_size = n;
}

static void add_note(host *H, uint32_t frame, int on, int ch, int note, int vel)
{
  H->input_channels |= 1u << (ch & 15);
  uint8_t d[3] = {(uint8_t)((on ? 0x90 : 0x80) | (ch & 15)),
                  (uint8_t)(note & 127), (uint8_t)(vel & 127)};
  add_midi(H, frame, d, 3);
}

static void add_patch_set(host *H, uint32_t frame, const char *path)
{
  in_event *e = add_ev(H, frame, 2);
  snprintf(e->path, sizeof e->path, "%s", path);
}

/* The position of the transport at host frame offset `frame` of the block. */
static in_event *add_position(host *H, uint32_t frame)
{
  in_event *e = add_ev(H, frame, 1);
  double beats = (double)H->tframe * H->bpm / 60.0 / RATE;
  e->has_frame = e->has_speed = e->has_bpm = e->has_bar = e->has_barbeat =
      e->has_bpb = e->has_unit = 1;
  e->pframe = H->tframe + frame;
  beats = (double)(H->tframe + frame) * H->bpm / 60.0 / RATE;
  e->speed = H->rolling ? 1.0f : 0.0f;
  e->bpm = (float)H->bpm;
  e->bar = (int64_t)floor(beats / 4.0);
  e->barbeat = (float)(beats - 4.0 * (double)e->bar);
  e->bpb = 4.0f;
  e->unit = 4;
  return e;
}

static int cmp_ev(const void *a, const void *b)
{
  const in_event *x = a, *y = b;
  if (x->frame != y->frame) return x->frame < y->frame ? -1 : 1;
  return x->seq - y->seq;
}

static void forge_input(host *H)
{
  qsort(H->ev, (size_t)H->n_ev, sizeof *H->ev, cmp_ev);
  LV2_Atom_Forge *f = &H->forge;
  lv2_atom_forge_set_buffer(f, H->in_buf, IN_BYTES);
  LV2_Atom_Forge_Frame seq;
  lv2_atom_forge_sequence_head(f, &seq, 0);
  for (int i = 0; i < H->n_ev; ++i) {
    const in_event *e = &H->ev[i];
    if (!lv2_atom_forge_frame_time(f, e->frame)) {
      CHECK(0, "host input buffer full");
      break;
    }
    if (e->kind == 0) {
      lv2_atom_forge_atom(f, e->midi_size, H->u_midi);
      lv2_atom_forge_write(f, e->midi, e->midi_size);
    } else if (e->kind == 1) {
      LV2_Atom_Forge_Frame o;
      lv2_atom_forge_object(f, &o, 0, H->u_Position);
      if (e->has_frame) {
        lv2_atom_forge_key(f, H->u_frame);
        lv2_atom_forge_long(f, e->pframe);
      }
      if (e->has_speed) {
        lv2_atom_forge_key(f, H->u_speed);
        lv2_atom_forge_float(f, e->speed);
      }
      if (e->has_bpm) {
        lv2_atom_forge_key(f, H->u_bpm);
        lv2_atom_forge_float(f, e->bpm);
      }
      if (e->has_bar) {
        lv2_atom_forge_key(f, H->u_bar);
        lv2_atom_forge_long(f, e->bar);
      }
      if (e->has_barbeat) {
        lv2_atom_forge_key(f, H->u_barBeat);
        lv2_atom_forge_float(f, e->barbeat);
      }
      if (e->has_bpb) {
        lv2_atom_forge_key(f, H->u_bpb);
        lv2_atom_forge_float(f, e->bpb);
      }
      if (e->has_unit) {
        lv2_atom_forge_key(f, H->u_unit);
        lv2_atom_forge_int(f, e->unit);
      }
      lv2_atom_forge_pop(f, &o);
    } else if (e->kind == 2 || e->kind == 4) {
      LV2_Atom_Forge_Frame o;
      lv2_atom_forge_object(f, &o, 0, H->u_Set);
      lv2_atom_forge_key(f, H->u_property);
      lv2_atom_forge_urid(f, H->u_model);
      lv2_atom_forge_key(f, H->u_value);
      const char *pp = e->long_path ? e->long_path : e->path;
      if (e->kind == 4)
        lv2_atom_forge_int(f, 42);
      else
        lv2_atom_forge_path(f, pp, (uint32_t)strlen(pp));
      lv2_atom_forge_pop(f, &o);
    } else if (e->kind == 5 || e->kind == 6) {
      /* malformed: the object's size cuts its last property (speed 0,
       * a stop) in half, or the event claims 4096 bytes more than the
       * sequence holds; read as if whole, it would stop the transport */
      LV2_Atom_Forge_Frame o;
      LV2_Atom_Forge_Ref ref = lv2_atom_forge_object(f, &o, 0, H->u_Position);
      lv2_atom_forge_key(f, H->u_bpm);
      lv2_atom_forge_float(f, (float)H->bpm);
      lv2_atom_forge_key(f, H->u_speed);
      lv2_atom_forge_float(f, 0.0f);
      lv2_atom_forge_pop(f, &o);
      LV2_Atom *a = lv2_atom_forge_deref(f, ref);
      if (e->kind == 5)
        a->size -= 8;
      else
        a->size += 4096;
    } else {
      LV2_Atom_Forge_Frame o;
      lv2_atom_forge_object(f, &o, 0, H->u_Get);
      lv2_atom_forge_pop(f, &o);
    }
  }
  lv2_atom_forge_pop(f, &seq);
  H->n_ev = 0;
}

/* 0-based channel of a voice, as the engine reads its (integer) port */
static int voice_channel(const host *H, kt_param p)
{
  float v = H->control[p];
  v = v < 1 ? 1 : (v > 16 ? 16 : v);
  return (int)floorf(v + 0.5f) - 1;
}

static int is_harmony_channel(const host *H, int ch)
{
  return ch == voice_channel(H, KT_P_CH_ALTO) ||
         ch == voice_channel(H, KT_P_CH_TENOR) ||
         ch == voice_channel(H, KT_P_CH_BASS);
}

/* A patch:Set of kantor:model (on the control output, or on midi_out when
 * notify is not connected): the model the plugin says it uses. */
static void read_patch_set(host *H, const LV2_Atom_Object *obj)
{
  if (obj->body.otype != H->u_Set) return;
  const LV2_Atom *prop = NULL, *val = NULL;
  lv2_atom_object_get(obj, H->u_property, &prop, H->u_value, &val, 0);
  if (prop && ((const LV2_Atom_URID *)prop)->body == H->u_model && val &&
      val->type == H->u_Path) {
    snprintf(H->out.model_path, sizeof H->out.model_path, "%s",
             (const char *)LV2_ATOM_BODY_CONST(val));
    H->out.model_notes++;
  }
}
static void read_output(host *H, uint32_t n)
{
  for (uint32_t i = 0; i < 64; ++i)
    CHECK(H->out_buf[H->out_capacity + i] == CANARY,
          "output written past its capacity (%u bytes)", H->out_capacity);
  const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)H->out_buf;
  if (seq->atom.type != H->forge.Sequence) {
    CHECK(seq->atom.size == 0, "output is not an atom:Sequence");
    return;
  }
  CHECK(seq->atom.size + sizeof(LV2_Atom) <= H->out_capacity,
        "output sequence (%u bytes) larger than the buffer (%u)",
        seq->atom.size, H->out_capacity);
  int64_t last = 0;
  LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
  {
    int64_t f = ev->time.frames;
    CHECK(f >= last, "output not sorted: frame %lld after %lld", (long long)f,
          (long long)last);
    CHECK(f >= 0 && (f < (int64_t)n || (n == 0 && f == 0)),
          "output frame %lld outside the block of %u", (long long)f, n);
    last = f;
    int64_t abs_frame = H->now + f;
    if (ev->body.type == H->u_midi) {
      const uint8_t *d = LV2_ATOM_BODY_CONST(&ev->body);
      CHECK(ev->body.size >= 1 && ev->body.size <= 3, "output MIDI of %u bytes",
            ev->body.size);
      H->out.hash = (H->out.hash ^ (uint64_t)abs_frame) * 0x100000001B3ull;
      for (uint32_t i = 0; i < ev->body.size && i < 3; ++i)
        H->out.hash = (H->out.hash ^ d[i]) * 0x100000001B3ull;
      if (ev->body.size != 3) continue;
      int st = d[0] & 0xF0, ch = d[0] & 15, note = d[1];
      int on = st == 0x90 && d[2] > 0;
      int off = st == 0x80 || (st == 0x90 && d[2] == 0);
      if (g_verbose)
        fprintf(stderr, "  out %lld: %02x %d %d\n", (long long)abs_frame, d[0],
                d[1], d[2]);
      if (on) {
        CHECK(H->out.sounding[ch][note] == 0,
              "note-on %d ch %d at %lld: already sounding", note, ch + 1,
              (long long)abs_frame);
        H->out.sounding[ch][note]++;
        H->out.n_on[ch]++;
        H->out.last_on_frame[ch] = abs_frame;
        /* on the grid, moved by the latency (lookahead: L slices and the
           listen time) */
        int64_t r =
            (abs_frame - H->align_origin - (int64_t)lroundf(H->latency)) %
            SIXTEENTH;
        if (r < 0) r += SIXTEENTH;
        if (H->check_alignment && is_harmony_channel(H, ch) && r != 0) {
          /* Hosts send time:barBeat as a float: ~1e-7 beat of rounding
           * may put a boundary one frame late.  More is a failure. */
          if (r == 1 || r == SIXTEENTH - 1) {
            H->out.off_by_one++;
          } else {
            H->out.misaligned++;
            if (H->out.misaligned <= 5)
              fprintf(stderr, "  note-on ch %d at %lld: not on a sixteenth\n",
                      ch + 1, (long long)abs_frame);
          }
        }
      } else if (st == 0xB0 && (d[1] == 120 || d[1] == 123)) {
        memset(H->out.sounding[ch], 0, sizeof H->out.sounding[ch]);
      } else if (off) {
        CHECK(H->out.sounding[ch][note] > 0 || H->lenient_offs,
              "note-off %d ch %d at %lld: not sounding", note, ch + 1,
              (long long)abs_frame);
        if (H->out.sounding[ch][note] > 0) H->out.sounding[ch][note]--;
      }
      if (is_harmony_channel(H, ch)) {
        int n_sounding = 0;
        for (int k = 0; k < 128; ++k)
          n_sounding += H->out.sounding[ch][k];
        /* several voices may share a channel: one note per voice */
        int voices = 0;
        for (int v = KT_P_CH_ALTO; v <= KT_P_CH_BASS; ++v)
          voices += voice_channel(H, (kt_param)v) == ch;
        if (H->input_channels & (1u << ch))
          voices += 128; /* input notes pass through (melody or not) */
        CHECK(n_sounding <= voices,
              "%d notes sound on channel %d (%d voices) at %lld", n_sounding,
              ch + 1, voices, (long long)abs_frame);
      }
    } else if (lv2_atom_forge_is_object_type(&H->forge, ev->body.type)) {
      read_patch_set(H, (const LV2_Atom_Object *)&ev->body);
    }
  }
}

/* The notify port after a run: kantor:Slice objects, in frame order. */
static void read_notify(host *H, uint32_t n)
{
  const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)H->notify_buf;
  if (seq->atom.type != H->forge.Sequence) {
    CHECK(seq->atom.size == 0, "notify is not an atom:Sequence");
    return;
  }
  CHECK(seq->atom.size + sizeof(LV2_Atom) <= NOTIFY_BYTES,
        "notify sequence larger than its buffer");
  int64_t last = 0;
  LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
  {
    CHECK(ev->time.frames >= last && ev->time.frames >= 0 &&
              (ev->time.frames < (int64_t)n || ev->time.frames == 0),
          "notify frame %lld (block of %u)", (long long)ev->time.frames, n);
    last = ev->time.frames;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
    const int is_obj = lv2_atom_forge_is_object_type(&H->forge, ev->body.type);
    if (is_obj && obj->body.otype == H->u_Set) { /* notify is lv2:control */
      read_patch_set(H, obj);
      continue;
    }
    if (!is_obj || obj->body.otype != H->u_Slice) {
      CHECK(0, "notify carries other than kantor:Slice or patch:Set");
      continue;
    }
    const LV2_Atom *idx = NULL, *data = NULL;
    lv2_atom_object_get(obj, H->u_index, &idx, H->u_data, &data, 0);
    const LV2_Atom_Vector *v = (const LV2_Atom_Vector *)data;
    if (!idx || idx->type != H->u_Long || !v || v->atom.type != H->u_Vector ||
        v->body.child_type != H->u_Int ||
        v->atom.size != sizeof v->body + KT_NOTE_N * sizeof(int32_t)) {
      CHECK(0, "malformed kantor:Slice");
      continue;
    }
    if (H->n_notes == H->cap_notes) {
      H->cap_notes = H->cap_notes ? 2 * H->cap_notes : 256;
      H->notes = realloc(H->notes, (size_t)H->cap_notes * sizeof *H->notes);
    }
    slice_note *sn = &H->notes[H->n_notes++];
    sn->index = ((const LV2_Atom_Long *)idx)->body;
    memcpy(sn->d, v + 1, sizeof sn->d);
  }
}

/* One block: position (as jalv: when it changed, or every block), the
 * queued events, run, read the output, do the worker's jobs. */
static void run_block(host *H, uint32_t n)
{
  int changed = H->rolling != H->pos_sent_rolling ||
                H->bpm != H->pos_sent_bpm ||
                (H->rolling && H->tframe != H->pos_expect);
  if (H->pos_every_block || changed) {
    add_position(H, 0);
    H->pos_sent_rolling = H->rolling;
    H->pos_sent_bpm = H->bpm;
  }
  forge_input(H);
  LV2_Atom_Sequence *out = (LV2_Atom_Sequence *)H->out_buf;
  memset(H->out_buf + H->out_capacity, CANARY, 64);
  out->atom.type = 0;
  out->atom.size = H->out_capacity - (uint32_t)sizeof(LV2_Atom);
  LV2_Atom_Sequence *nt = (LV2_Atom_Sequence *)H->notify_buf;
  if (nt) {
    nt->atom.type = 0;
    nt->atom.size = NOTIFY_BYTES - (uint32_t)sizeof(LV2_Atom);
  }
  struct rusage ru0, ru1;
  if (H->stack_probe) kt_stack_paint();
  getrusage(RUSAGE_THREAD, &ru0);
  struct timespec c0, c1;
  if (H->time_runs) clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  lilv_instance_run(H->inst, n);
  if (H->time_runs) {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    H->run_us = (double)(c1.tv_sec - c0.tv_sec) * 1e6 +
                (double)(c1.tv_nsec - c0.tv_nsec) * 1e-3;
  }
  getrusage(RUSAGE_THREAD, &ru1);
  H->run_faults += (ru1.ru_minflt - ru0.ru_minflt) +
                   (ru1.ru_majflt - ru0.ru_majflt);
  if (H->stack_probe) {
    size_t used = kt_stack_used();
    if (used > H->run_stack) H->run_stack = used;
  }
  read_output(H, n);
  if (nt) read_notify(H, n);
  do_work(H);
  H->now += n;
  if (H->rolling) H->tframe += n;
  H->pos_expect = H->tframe;
}

static int harmony_sounding(const host *H, int ch)
{
  int n = 0;
  for (int k = 0; k < 128; ++k)
    n += H->out.sounding[ch][k];
  return n;
}

static int all_sounding(const host *H)
{
  int n = 0;
  for (int c = 0; c < 16; ++c)
    n += harmony_sounding(H, c);
  return n;
}

/* ---- a melody --------------------------------------------------------------
 */

typedef struct {
  int64_t frame; /* absolute host frame */
  uint8_t d[3];
} score_ev;

typedef struct {
  score_ev *ev;
  int n, cap, next;
} score;

static void score_add(score *s, int64_t frame, uint8_t a, uint8_t b, uint8_t c)
{
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->ev = realloc(s->ev, (size_t)s->cap * sizeof *s->ev);
  }
  s->ev[s->n++] = (score_ev){frame, {a, b, c}};
}

/* A hymn-like tune in C major: quarters and eighths, starting at `at`,
 * each note released just before the next; `late` frames after the
 * sixteenth for every note (0: exactly on the grid). */
static void make_tune(score *s, int64_t at, int late)
{
  static const int pitch[] = {72, 72, 71, 69, 67, 69, 71, 72, 74, 72,
                              71, 69, 67, 65, 64, 65, 67, 69, 67, 65,
                              64, 62, 64, 65, 67, 72, 71, 69, 71, 72};
  static const int len[] = {4, 4, 4, 4, 8, 4, 4, 4, 2, 2, 4, 4, 8, 4, 4,
                            4, 4, 2, 2, 4, 4, 8, 4, 4, 4, 4, 4, 4, 4, 16};
  int64_t t = at;
  for (size_t i = 0; i < sizeof pitch / sizeof pitch[0]; ++i) {
    int64_t dur = (int64_t)len[i] * SIXTEENTH;
    score_add(s, t + late, 0x90, (uint8_t)pitch[i], 90);
    score_add(s, t + dur - 300, 0x80, (uint8_t)pitch[i], 0);
    t += dur;
  }
}

static int64_t tune_length(void)
{
  return 140 * (int64_t)SIXTEENTH;
}

/* Queue the score's events that fall in [now, now + n). */
static void feed_score(host *H, score *s, uint32_t n)
{
  while (s->next < s->n && s->ev[s->next].frame < H->now + n) {
    int64_t f = s->ev[s->next].frame - H->now;
    add_midi(H, (uint32_t)(f < 0 ? 0 : f), s->ev[s->next].d, 3);
    s->next++;
  }
}

/* Run until host frame `until` in random blocks of 1..max_len frames. */
static void run_until(host *H, score *s, int64_t until, uint32_t max_len)
{
  while (H->now < until) {
    uint32_t n = rnd_range(1, max_len);
    if (H->now + n > until) n = (uint32_t)(until - H->now);
    if (s) feed_score(H, s, n);
    run_block(H, n);
  }
}

/* ---- the checks -------------------------------------------------------- */

static void test_ports(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# ports\n");
  CHECK(lilv_plugin_get_num_ports(plugin) == NPORTS, "%u ports, expected %d",
        lilv_plugin_get_num_ports(plugin), NPORTS);
  if (lilv_plugin_get_num_ports(plugin) != NPORTS) return;
  float mins[NPORTS], maxs[NPORTS], defs[NPORTS];
  lilv_plugin_get_port_ranges_float(plugin, mins, maxs, defs);
  LilvNode *control = lilv_new_uri(world, LV2_CORE__ControlPort);
  LilvNode *input = lilv_new_uri(world, LV2_CORE__InputPort);
  LilvNode *atom = lilv_new_uri(world, LV2_ATOM__AtomPort);
  LilvNode *midi = lilv_new_uri(world, LV2_MIDI__MidiEvent);
  LilvNode *pos = lilv_new_uri(world, LV2_TIME__Position);
  LilvNode *supports = lilv_new_uri(world, LV2_ATOM__supports);
  for (int i = 0; i < KT_NPARAMS; ++i) {
    const LilvPort *port = lilv_plugin_get_port_by_index(plugin, 2u + i);
    const kt_param_info *pi = kt_param_get_info((kt_param)i);
    const char *sym = lilv_node_as_string(lilv_port_get_symbol(plugin, port));
    CHECK(!strcmp(sym, pi->symbol), "port %d symbol %s, engine says %s", 2 + i,
          sym, pi->symbol);
    CHECK(lilv_port_is_a(plugin, port, control) &&
              lilv_port_is_a(plugin, port, input),
          "port %s is not a control input", sym);
    CHECK(mins[2 + i] == pi->min && maxs[2 + i] == pi->max &&
              defs[2 + i] == pi->def,
          "port %s range %g..%g (%g), engine %g..%g (%g)", sym, mins[2 + i],
          maxs[2 + i], defs[2 + i], pi->min, pi->max, pi->def);
  }
  const LilvPort *in = lilv_plugin_get_port_by_index(plugin, 0);
  CHECK(lilv_port_is_a(plugin, in, atom) && lilv_port_is_a(plugin, in, input),
        "port 0 is not an atom input");
  CHECK(lilv_port_supports_event(plugin, in, midi) &&
            lilv_port_supports_event(plugin, in, pos),
        "port 0 does not support MIDI and time:Position");
  CHECK(lilv_plugin_has_latency(plugin) &&
            lilv_plugin_get_latency_port_index(plugin) == P_LATENCY,
        "latency port is not %d", P_LATENCY);
  /* (lilv_plugin_get_class needs lv2core.ttl in LV2_PATH: ask instead) */
  LilvNode *cls = lilv_new_uri(world, LV2_CORE_PREFIX "MIDIPlugin");
  LilvNode *rdf_type = lilv_new_uri(world, LILV_NS_RDF "type");
  CHECK(lilv_world_ask(world, lilv_plugin_get_uri(plugin), rdf_type, cls),
        "plugin is not an lv2:MIDIPlugin");
  lilv_node_free(rdf_type);
  LilvNodes *req = lilv_plugin_get_required_features(plugin);
  CHECK(lilv_nodes_size(req) == 1, "%u required features, expected urid:map",
        lilv_nodes_size(req));
  lilv_nodes_free(req);
  lilv_node_free(cls);
  lilv_node_free(control);
  lilv_node_free(input);
  lilv_node_free(atom);
  lilv_node_free(midi);
  lilv_node_free(pos);
  lilv_node_free(supports);
}

typedef struct {
  const LilvPlugin *plugin;
  LilvWorld *world;
  int n;
} preset_ctx;

static void preset_value(const char *symbol, void *user, const void *value,
                         uint32_t size, uint32_t type)
{
  (void)type;
  preset_ctx *c = user;
  LilvNode *s = lilv_new_string(c->world, symbol);
  const LilvPort *port = lilv_plugin_get_port_by_symbol(c->plugin, s);
  lilv_node_free(s);
  CHECK(port != NULL, "preset sets unknown port %s", symbol);
  if (!port) return;
  uint32_t idx = lilv_port_get_index(c->plugin, port);
  CHECK(idx >= 2 && idx < P_LATENCY, "preset sets non-input port %s", symbol);
  double v = size == 4 ? *(const float *)value : *(const double *)value;
  const kt_param_info *pi = kt_param_get_info((kt_param)(idx - 2));
  if (idx >= 2 && idx < P_LATENCY)
    CHECK(v >= pi->min && v <= pi->max, "preset %s = %g outside %g..%g", symbol,
          v, pi->min, pi->max);
  c->n++;
}

static void test_presets(LilvWorld *world, const LilvPlugin *plugin,
                         urid_table *urids)
{
  printf("# presets\n");
  LV2_URID_Map map = {urids, map_uri};
  LilvNode *pset = lilv_new_uri(world, LV2_PRESETS__Preset);
  LilvNodes *presets = lilv_plugin_get_related(plugin, pset);
  CHECK(lilv_nodes_size(presets) == 7, "%u presets, expected 7",
        lilv_nodes_size(presets));
  LILV_FOREACH(nodes, i, presets)
  {
    const LilvNode *p = lilv_nodes_get(presets, i);
    lilv_world_load_resource(world, p);
    LilvState *st = lilv_state_new_from_world(world, &map, p);
    CHECK(st != NULL, "preset %s does not load", lilv_node_as_uri(p));
    if (!st) continue;
    preset_ctx c = {plugin, world, 0};
    lilv_state_emit_port_values(st, preset_value, &c);
    CHECK(c.n > 0, "preset %s sets no port", lilv_node_as_uri(p));
    printf("  %s: %d ports\n", lilv_state_get_label(st), c.n);
    lilv_state_free(st);
  }
  lilv_nodes_free(presets);
  lilv_node_free(pset);
}

static void set_param(host *H, kt_param p, float v)
{
  H->control[p] = v;
}

static void release_all_keys(host *H, uint32_t frame)
{
  uint32_t chans = H->input_channels | 1u;
  for (int ch = 0; ch < 16; ++ch)
    if (chans & (1u << ch))
      for (int n = 0; n < 128; ++n)
        add_note(H, frame, 0, ch, n, 0);
}

/* Transport stop: every harmony voice released by the end of that block. */
static void stop_and_check(host *H, const char *what)
{
  H->rolling = 0;
  run_block(H, 64);
  for (int v = KT_P_CH_ALTO; v <= KT_P_CH_BASS; ++v) {
    int ch = voice_channel(H, (kt_param)v);
    CHECK(harmony_sounding(H, ch) == 0 || ch == 0,
          "%s: %d notes still sound on channel %d after transport stop", what,
          harmony_sounding(H, ch), ch + 1);
  }
  release_all_keys(H, 0);
  run_block(H, 64);
  /* the melody passes through delayed by the latency */
  int64_t until = H->now + (int64_t)H->latency + 1;
  while (H->now < until)
    run_block(H, 1024);
  CHECK(all_sounding(H) == 0,
        "%s: %d notes still sound after stop and all keys up", what,
        all_sounding(H));
}

static void play_tune_rolling(host *H, int late, uint32_t max_len,
                              const char *what)
{
  score s = {0};
  H->rolling = 1;
  H->tframe = 0;
  H->align_origin = H->now;
  make_tune(&s, H->now, late);
  H->check_alignment = late == 0;
  memset(H->out.n_on, 0, sizeof H->out.n_on);
  H->out.misaligned = H->out.off_by_one = 0;
  run_until(H, &s, H->now + tune_length(), max_len);
  H->check_alignment = 0;
  printf("  %s: note-ons per channel 1..4: %d %d %d %d, latency %g, "
         "harmony note-ons one frame late: %d\n",
         what, H->out.n_on[0], H->out.n_on[1], H->out.n_on[2], H->out.n_on[3],
         H->latency, H->out.off_by_one);
  for (int ch = 1; ch <= 3; ++ch)
    CHECK(H->out.n_on[ch] >= 4, "%s: only %d note-ons on channel %d", what,
          H->out.n_on[ch], ch + 1);
  CHECK(H->out.n_on[0] >= 25, "%s: melody pass-through sent %d notes", what,
        H->out.n_on[0]);
  CHECK(H->out.misaligned == 0, "%s: %d harmony note-ons off the sixteenths",
        what, H->out.misaligned);
  stop_and_check(H, what);
  free(s.ev);
}

/* --cold: the process's first instance (a later one reuses pages an
 * earlier one touched), 64-frame blocks, at lookahead 0 then 4: no page
 * fault inside run() (kantor's instantiate pre-faults the engine and
 * plays a warm-up it undoes; the plugin is linked -z now). */
static void test_cold(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# cold start: page faults in run()\n");
  host *H = host_new(world, plugin, 64, 1);
  if (!H) return;
  H->run_faults = 0;
  H->stack_probe = 1;
  play_tune_rolling(H, 0, 64, "cold, L0, 64-frame blocks");
  long f0 = H->run_faults;
  set_param(H, KT_P_LOOKAHEAD, 4);
  play_tune_rolling(H, 0, 64, "cold, L4, 64-frame blocks");
  printf("  page faults in run(): %ld at L0, %ld at L4\n", f0,
         H->run_faults - f0);
  printf("  deepest stack in run(): %zu bytes (the host pre-touched %d)\n",
         H->run_stack, KT_STACK_PROBE);
  /* a plugin's run() should not need more stack than a host gives a
   * process thread without asking: 64 KB leaves room under the 256 KB */
  CHECK(H->run_stack > 0 && H->run_stack <= 64 * 1024,
        "run() used %zu bytes of stack", H->run_stack);
  CHECK(H->run_faults == 0, "%ld page faults in run() (%ld at L0)",
        H->run_faults, f0);
  host_free(H);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* --bench BLOCKS RUNS: issue 24's case through LV2, as an independent
 * host sees it: 48 kHz, 64-frame blocks, 240 BPM, the transport rolling
 * (a position every block), a new melody note every sixteenth, thread CPU
 * time of each lilv_instance_run (the atom parsing and forging included);
 * a fresh instance per run, L0 then L4. Reports only (./run.sh bench):
 * mean, p99, p99.9 and worst per run, each run's worst block timed in
 * every run, and the plugin's own worst, the largest over blocks of a
 * block's smallest time over the runs (the runs play the same blocks and
 * the plugin is deterministic: a block that is slow in one run only was
 * interrupted). */
static void bench_runs(LilvWorld *world, const LilvPlugin *plugin, long blocks,
                       int runs)
{
  if (blocks < 1000) blocks = 1000;
  if (runs < 1) runs = 1;
  if (runs > 16) runs = 16;
  double *t = malloc(sizeof(double) * (size_t)blocks * (size_t)runs);
  double *sorted = malloc(sizeof(double) * (size_t)blocks);
  if (!t || !sorted) {
    free(t);
    free(sorted);
    CHECK(0, "out of memory");
    return;
  }
  printf("# LV2 run(), thread CPU time, 48 kHz, 64-frame blocks (1333 us), "
         "240 BPM, a note every sixteenth, %ld blocks per run\n",
         blocks);
  kt_stack_paint(); /* resident, as a real-time host keeps it */
  const int la[2] = {0, 4};
  for (int i = 0; i < 2; ++i) {
    long worst_at[16];
    for (int r = 0; r < runs; ++r) {
      host *H = host_new(world, plugin, 64, 1);
      if (!H) break;
      H->time_runs = 1;
      set_param(H, KT_P_LOOKAHEAD, (float)la[i]);
      H->rolling = 1;
      H->bpm = 240.0;
      const double fps = RATE * 60.0 / 240.0 / 4.0; /* frames per slice */
      int prev = -1;
      double *tr = t + (size_t)r * (size_t)blocks, sum = 0;
      for (long b = 0; b < blocks; ++b) {
        int64_t now = H->tframe;
        int64_t k = (int64_t)((double)(now + 63) / fps);
        int64_t f = (int64_t)((double)k * fps + 0.999);
        if (f >= now && f < now + 64) {
          if (prev >= 0) add_note(H, (uint32_t)(f - now), 0, 0, prev, 0);
          prev = 60 + (int)((k * 7) % 13);
          add_note(H, (uint32_t)(f - now), 1, 0, prev, 90);
        }
        run_block(H, 64);
        tr[b] = H->run_us;
        sum += H->run_us;
      }
      memcpy(sorted, tr, sizeof(double) * (size_t)blocks);
      qsort(sorted, (size_t)blocks, sizeof *sorted, cmp_double);
      worst_at[r] = 0;
      for (long b = 1; b < blocks; ++b)
        if (tr[b] > tr[worst_at[r]]) worst_at[r] = b;
      printf("  L%d run %d: mean %.2f us, median %.2f, p99 %.2f, p99.9 %.2f, "
             "worst %.1f (block %ld); note-ons out on channels 2-4: %d %d "
             "%d\n",
             la[i], r, sum / (double)blocks, sorted[blocks / 2],
             sorted[(long)((double)blocks * 0.99)],
             sorted[(long)((double)blocks * 0.999)], sorted[blocks - 1],
             worst_at[r], H->out.n_on[1], H->out.n_on[2], H->out.n_on[3]);
      CHECK(H->out.n_on[1] > 0 && H->out.n_on[3] > 0, "L%d: no harmony",
            la[i]);
      fflush(stdout);
      host_free(H);
    }
    if (runs < 2) continue;
    for (int r = 0; r < runs; ++r) {
      printf("  L%d run %d's worst block %ld in runs 0..%d:", la[i], r,
             worst_at[r], runs - 1);
      for (int q = 0; q < runs; ++q)
        printf(" %.1f", t[(size_t)q * (size_t)blocks + (size_t)worst_at[r]]);
      printf(" us\n");
    }
    long own_at;
    double own = kt_busy_own_worst(t, runs, blocks, &own_at);
    printf("  L%d the plugin's own worst (max over blocks of the min over "
           "runs): %.1f us, block %ld\n",
           la[i], own, own_at);
  }
  free(t);
  free(sorted);
}

static void test_rolling(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# rolling transport, melody on the grid\n");
  /* maxBlockLength 1024 but blocks up to 3000: the plugin chunks them */
  host *H = host_new(world, plugin, 1024, 1);
  if (!H) return;
  play_tune_rolling(H, 0, 3000, "L0, blocks 1..3000, position every block");
  CHECK(H->latency == 0, "latency %g with lookahead 0", H->latency);

  H->pos_every_block = 0;
  play_tune_rolling(H, 0, 700, "L0, blocks 1..700, position on change");
  H->pos_every_block = 1;

  set_param(H, KT_P_LOOKAHEAD, 4);
  play_tune_rolling(H, 0, 2000, "L4, blocks 1..2000");
  CHECK(fabsf(H->latency - L4_LATENCY) < 1.0f,
        "latency %g with lookahead 4 at 120 bpm, expected %d", H->latency,
        L4_LATENCY);
  set_param(H, KT_P_LOOKAHEAD, 0);

  /* notes played a little late (inside the grace window) */
  score s = {0};
  H->rolling = 1;
  H->tframe = 0;
  make_tune(&s, H->now, 200);
  run_until(H, &s, H->now + tune_length(), 512);
  for (int ch = 1; ch <= 3; ++ch)
    CHECK(H->out.n_on[ch] >= 4, "late melody: channel %d silent", ch + 1);
  stop_and_check(H, "late melody");
  free(s.ev);
  CHECK(H->key >= -1 && H->key <= 23, "key port %g", H->key);
  CHECK(H->chord >= 0 && H->chord < KT_NCHORDS, "chord port %g", H->chord);
  host_free(H);

  /* no options feature at all: default block size */
  H = host_new(world, plugin, 0, 0);
  if (!H) return;
  play_tune_rolling(H, 0, 9000, "no options, no worker, blocks 1..9000");
  host_free(H);
}

static void test_controls(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# voice toggles, channel change, enable, deactivate\n");
  host *H = host_new(world, plugin, 512, 1);
  if (!H) return;
  score s = {0};
  H->rolling = 1;
  make_tune(&s, 0, 0);
  int64_t L = tune_length();

  run_until(H, &s, L / 8, 400);
  set_param(H, KT_P_ALTO_ON, 0);
  run_block(H, 100);
  CHECK(harmony_sounding(H, 1) == 0, "alto off: channel 2 still sounds");
  int on_before = H->out.n_on[1];
  run_until(H, &s, 2 * L / 8, 400);
  CHECK(H->out.n_on[1] == on_before, "alto off: %d new note-ons on ch 2",
        H->out.n_on[1] - on_before);
  set_param(H, KT_P_ALTO_ON, 1);
  run_until(H, &s, 3 * L / 8, 400);
  CHECK(H->out.n_on[1] > on_before, "alto back on: no note on channel 2");

  /* channel change while sounding */
  set_param(H, KT_P_CH_ALTO, 5);
  run_block(H, 100);
  CHECK(harmony_sounding(H, 1) == 0, "alto to ch 5: channel 2 still sounds");
  run_until(H, &s, 4 * L / 8, 400);
  CHECK(H->out.n_on[4] > 0, "alto to ch 5: nothing on channel 5");

  /* bypass */
  set_param(H, KT_P_ENABLED, 0);
  run_block(H, 100);
  int n2 = H->out.n_on[2], n3 = H->out.n_on[3], n4 = H->out.n_on[4];
  CHECK(harmony_sounding(H, 2) + harmony_sounding(H, 3) +
                harmony_sounding(H, 4) ==
            0,
        "disabled: harmony still sounds");
  run_until(H, &s, 5 * L / 8, 400);
  CHECK(H->out.n_on[2] == n2 && H->out.n_on[3] == n3 && H->out.n_on[4] == n4,
        "disabled: new harmony notes");
  CHECK(H->out.n_on[0] > 0, "disabled: the melody does not pass through");
  set_param(H, KT_P_ENABLED, 1);
  run_until(H, &s, 6 * L / 8, 400);
  CHECK(H->out.n_on[4] > n4, "enabled again: alto silent");

  /* deactivate / activate: the host silences its side; the plugin must
   * start clean (no note-off for a note it sounded before) */
  lilv_instance_deactivate(H->inst);
  memset(H->out.sounding, 0, sizeof H->out.sounding);
  lilv_instance_activate(H->inst);
  H->tframe += 48000; /* the transport moved meanwhile */
  run_until(H, &s, 7 * L / 8, 400);
  stop_and_check(H, "after re-activate");
  host_free(H);
  free(s.ev);
}

/* The notify port: one kantor:Slice per decided sixteenth, matching what
 * the MIDI output did; the output is the same whether it is connected or
 * not; a patch:Get brings the recent slices again (a UI that opens). */
static void test_notify(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# notify port (the UI's feed)\n");
  uint64_t hash[2] = {0, 0};
  for (int connected = 0; connected < 2; ++connected) {
    host *H = host_new(world, plugin, 1024, 1);
    if (!H) return;
    if (connected) connect_notify(H);
    g_rng = 777; /* the same blocks both times */
    score s = {0};
    H->rolling = 1;
    make_tune(&s, 0, 0);
    run_until(H, &s, tune_length(), 1500);
    hash[connected] = H->out.hash;
    free(s.ev);
    if (!connected) {
      host_free(H);
      continue;
    }
    CHECK(H->n_notes >= 130, "%d slices notified for 140 sixteenths",
          H->n_notes);
    int onsets[4] = {0, 0, 0, 0}, sounding = 0;
    for (int i = 0; i < H->n_notes; ++i) {
      const slice_note *sn = &H->notes[i];
      CHECK(sn->index == i, "slice %d notified as %lld", i,
            (long long)sn->index);
      CHECK(sn->d[KT_NOTE_BAR_LEN] == 16 &&
                sn->d[KT_NOTE_BAR_POS] == (int)(sn->index % 16),
            "slice %lld: bar position %d of %d", (long long)sn->index,
            sn->d[KT_NOTE_BAR_POS], sn->d[KT_NOTE_BAR_LEN]);
      CHECK(sn->d[KT_NOTE_KEY] >= -1 && sn->d[KT_NOTE_KEY] < 24 &&
                sn->d[KT_NOTE_CHORD] >= 0 && sn->d[KT_NOTE_CHORD] < KT_NCHORDS,
            "slice %d: key %d chord %d", i, sn->d[KT_NOTE_KEY],
            sn->d[KT_NOTE_CHORD]);
      int m = sn->d[KT_NOTE_MELODY];
      CHECK(m == -1 || (m >= 62 && m <= 74), "slice %d: melody %d", i, m);
      sounding += m >= 0;
      for (int v = 0; v < 4; ++v)
        onsets[v] += (sn->d[KT_NOTE_ONSET] >> v) & 1;
      for (int h = 0; h < 3; ++h) {
        int pch = sn->d[KT_NOTE_ALTO + h];
        const kt_param_info *lo = kt_param_get_info(KT_P_ALTO_LO + 2 * h);
        CHECK(pch == -1 || (pch >= lo->min && pch <= 127),
              "slice %d voice %d: pitch %d", i, h, pch);
      }
    }
    CHECK(sounding >= 100, "only %d slices with melody", sounding);
    CHECK(onsets[0] == 30, "%d melody onsets notified, the tune has 30",
          onsets[0]);
    for (int h = 0; h < 3; ++h)
      CHECK(onsets[h + 1] == H->out.n_on[h + 1],
            "voice %d: %d onsets notified, %d note-ons sent", h, onsets[h + 1],
            H->out.n_on[h + 1]);
    printf("  %d slices, onsets melody %d alto %d tenor %d bass %d\n",
           H->n_notes, onsets[0], onsets[1], onsets[2], onsets[3]);

    /* a UI opens: patch:Get -> the last KT_NOTE_RESEND slices again */
    H->rolling = 0; /* no new slice in the block that reads the patch:Get */
    run_block(H, 64);
    int before = H->n_notes;
    int64_t last = H->notes[before - 1].index;
    add_ev(H, 0, 3);
    run_block(H, 64);
    int resent = H->n_notes - before;
    CHECK(resent == KT_NOTE_RESEND, "patch:Get resent %d slices", resent);
    if (resent > 0)
      CHECK(H->notes[H->n_notes - 1].index == last,
            "resent up to slice %lld, last was %lld",
            (long long)H->notes[H->n_notes - 1].index, (long long)last);
    host_free(H);
  }
  CHECK(hash[0] == hash[1],
        "MIDI output differs with the notify port connected");
}

static void nonsense_position(host *H, uint32_t frame, int which)
{
  in_event *e = add_position(H, frame);
  switch (which % 12) {
  case 0:
    e->bpm = 0;
    break;
  case 1:
    e->bpm = NAN;
    break;
  case 2:
    e->bpm = -120;
    break;
  case 3:
    e->bpm = INFINITY;
    break;
  case 4:
    e->bar = -5;
    e->barbeat = -3;
    break;
  case 5:
    e->barbeat = NAN;
    e->bpb = 0;
    break;
  case 6:
    e->unit = 0;
    e->bpb = -4;
    break;
  case 7:
    e->speed = NAN;
    break;
  case 8:
    e->speed = -1;
    e->pframe = -1000000000000000000ll;
    break;
  case 9:
    e->bar = INT64_MAX;
    e->pframe = INT64_MIN;
    break;
  case 10:
    e->bpm = 1e30f;
    e->bpb = 1e30f;
    e->unit = INT32_MIN;
    break;
  default:
    e->has_bpm = e->has_bar = e->has_barbeat = e->has_bpb = e->has_unit = 0;
    break;
  }
}

static void test_nonsense(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# nonsense positions, malformed MIDI, floods, tiny buffers\n");
  host *H = host_new(world, plugin, 1024, 1);
  if (!H) return;
  score s = {0};
  H->rolling = 1;
  make_tune(&s, 0, 0);
  for (int i = 0; i < 400; ++i) {
    uint32_t n = rnd_range(1, 2048);
    feed_score(H, &s, n);
    if (i % 3 == 0) nonsense_position(H, rnd_range(0, n - 1), i / 3);
    run_block(H, n);
  }
  run_block(H, 0);
  /* malformed MIDI */
  static const uint8_t bad[][4] = {
      {0x90, 0, 0, 1},    {0x00, 60, 90, 3}, {0x90, 200, 90, 3},
      {0x90, 60, 255, 3}, {0xF0, 1, 2, 3},   {0xFF, 0, 0, 1},
      {0x3C, 0x40, 0, 2}, {0xC0, 5, 0, 2},   {0xB0, 123, 0, 3}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    add_midi(H, 10, bad[i], bad[i][3]);
  uint8_t sysex[16] = {0xF0, 1, 2,  3,  4,  5,  6,  7,
                       8,    9, 10, 11, 12, 13, 14, 0xF7};
  add_midi(H, 20, sysex, 16);
  run_block(H, 256);
  /* more events in one block than the plugin's event array */
  for (int i = 0; i < 3000; ++i)
    add_note(H, (uint32_t)(i / 3), i & 1, 0, 60 + (i % 12), 80);
  run_block(H, 1024);
  for (int i = 0; i < 3000; ++i) /* all on the same frame */
    add_note(H, 5, i & 1, 0, 48 + (i % 24), 80);
  run_block(H, 64);
  /* sane again: stop, keys up -> silence */
  H->rolling = 1;
  H->tframe = 0;
  run_block(H, 4096);
  stop_and_check(H, "after nonsense");

  /* A tiny output buffer: the plugin must respect it, and what it sends
     must stay consistent: the engine is given only the room the host's
     buffer has, so a note-off that does not fit is kept and sent later
     (never lost: no stuck note), and a note-on that does not fit is not
     followed by a note-off for it.  Room for 3 events, then for 6 (a
     voice's change of note, off and on, plus the engine's reserve), then
     none at all, then the full buffer and a stop: silence. */
  H->rolling = 1;
  H->tframe = 0;
  s.next = 0;
  for (int i = 0; i < s.n; ++i)
    s.ev[i].frame += H->now;
  H->out_capacity = 96;
  run_until(H, &s, H->now + tune_length() / 8, 4096);
  H->out_capacity = 16 + 6 * 24;
  run_until(H, &s, H->now + tune_length() / 8, 4096);
  H->out_capacity = 8; /* not even room for a sequence header */
  run_block(H, 512);
  H->out_capacity = OUT_BYTES;
  run_block(H, 4096);
  stop_and_check(H, "after a tiny output buffer");
  host_free(H);
  free(s.ev);
}

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(data, 1, n, f);
    fclose(f);
  }
}

static const void *get_port_value(const char *symbol, void *user,
                                  uint32_t *size, uint32_t *type)
{
  host *H = user;
  for (int i = 0; i < KT_NPARAMS; ++i)
    if (!strcmp(symbol, kt_param_get_info((kt_param)i)->symbol)) {
      *size = sizeof(float);
      *type = H->u_Float;
      return &H->control[i];
    }
  *size = 0;
  *type = 0;
  return NULL;
}

static void set_port_value(const char *symbol, void *user, const void *value,
                           uint32_t size, uint32_t type)
{
  host *H = user;
  (void)size;
  for (int i = 0; i < KT_NPARAMS; ++i)
    if (!strcmp(symbol, kt_param_get_info((kt_param)i)->symbol) &&
        type == H->u_Float)
      H->control[i] = *(const float *)value;
}

/* A preset applied through lilv reaches the engine: "Strict chorale" has
 * one beat of lookahead (latency), "High register" moves the alto up,
 * "Bach's style" sets the harmony style to Bach. */
static void test_preset_apply(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# presets applied\n");
  host *H = host_new(world, plugin, 1024, 1);
  if (!H) return;
  const char *names[] = {KT_PLUGIN_URI "#preset-strict",
                         KT_PLUGIN_URI "#preset-high",
                         KT_PLUGIN_URI "#preset-bach"};
  for (int i = 0; i < 3; ++i) {
    LilvNode *uri = lilv_new_uri(world, names[i]);
    lilv_world_load_resource(world, uri);
    LilvState *st = lilv_state_new_from_world(world, &H->map, uri);
    CHECK(st != NULL, "preset %s does not load", names[i]);
    if (st) {
      lilv_state_restore(st, H->inst, set_port_value, H, 0, H->features);
      lilv_state_free(st);
    }
    lilv_node_free(uri);
  }
  H->rolling = 1;
  run_block(H, 256);
  CHECK(fabsf(H->latency - L4_LATENCY) < 1.0f,
        "strict preset: latency %g, expected %d", H->latency, L4_LATENCY);
  CHECK(H->control[KT_P_ALTO_LO] == 58 && H->control[KT_P_BASS_HI] == 69,
        "high preset: alto_low %g bass_high %g", H->control[KT_P_ALTO_LO],
        H->control[KT_P_BASS_HI]);
  CHECK(H->control[KT_P_LOOKAHEAD] == 4, "strict preset: lookahead %g",
        H->control[KT_P_LOOKAHEAD]);
  CHECK(H->control[KT_P_RHYTHM] == 1, "strict preset: rhythm %g",
        H->control[KT_P_RHYTHM]);
  CHECK(H->control[KT_P_STYLE] == 2, "bach preset: style %g",
        H->control[KT_P_STYLE]);
  stop_and_check(H, "presets");
  host_free(H);
}

static void test_model(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# model loading (worker), state save/restore\n");
  const char *src = getenv("KANTOR_SRC");
  char model[1024];
  snprintf(model, sizeof model, "%s/models/live-l4.kmod", src ? src : ".");
  FILE *f = fopen(model, "rb");
  if (!f) {
    printf("  SKIP: %s not found (no user model to load)\n", model);
    return;
  }
  fclose(f);
  host *H = host_new(world, plugin, 1024, 1);
  if (!H) return;
  H->rolling = 1;
  run_block(H, 256);
  CHECK(H->latency == 0, "built-in L0 model: latency %g", H->latency);

  /* a missing file and a garbage file: logged, ignored */
  int errors = H->log.n_error;
  add_patch_set(H, 0, "/nonexistent/kantor-model.kmod");
  run_block(H, 256);
  run_block(H, 256);
  CHECK(H->log.n_error == errors + 1, "missing model: %d errors logged",
        H->log.n_error - errors);
  CHECK(strstr(H->log.last_error, "/nonexistent/kantor-model.kmod") != NULL,
        "the error does not name the file: %s", H->log.last_error);
  char garbage[] = "/tmp/kantor-test-garbage-XXXXXX";
  int fd = mkstemp(garbage);
  if (fd >= 0) {
    char junk[300];
    memset(junk, 'x', sizeof junk);
    memcpy(junk, "KANTORNN", 8);
    write_file(garbage, junk, sizeof junk);
    add_patch_set(H, 0, garbage);
    run_block(H, 256);
    run_block(H, 256);
    CHECK(H->log.n_error == errors + 2, "garbage model: not logged");
    remove(garbage);
  }
  /* paths no worker message may carry (jalv's rings hold 4096 bytes and
     lose a write that does not fit): refused in run(), logged, not sent */
  for (int k = 0; k < 2; ++k) {
    static char longp[6000];
    size_t n = k ? 5000 : 3000;
    memset(longp, 'a', n);
    memcpy(longp, "/tmp/", 5);
    longp[n] = '\0';
    in_event *e = add_ev(H, 0, 2);
    e->long_path = longp;
    int before = H->log.n_error;
    H->max_work = 0;
    run_block(H, 256);
    run_block(H, 256);
    char want[64];
    snprintf(want, sizeof want, "model path of %zu bytes refused", n);
    CHECK(H->log.n_error == before + 1 && strstr(H->log.last_error, want),
          "a %zu-byte path: %s", n, H->log.last_error);
    CHECK(H->max_work <= KT_LV2_MSG_MAX, "a worker message of %u bytes",
          H->max_work);
  }
  CHECK(H->latency == 0, "a long path changed the latency: %g", H->latency);

  /* a well-formed model too costly for the audio thread: refused with its
     figures, logged, the model in use stays */
  char costly[] = "/tmp/kantor-test-costly-XXXXXX";
  int cfd = mkstemp(costly);
  char cerr[256];
  if (cfd >= 0) {
    close(cfd);
    CHECK(kt_test_write_costly(costly, cerr, sizeof cerr) == 0, "%s", cerr);
    int before = H->log.n_error;
    add_patch_set(H, 0, costly);
    run_block(H, 256);
    run_block(H, 256);
    CHECK(H->log.n_error == before + 1, "costly model: %d errors logged",
          H->log.n_error - before);
    CHECK(strstr(H->log.last_error, costly) &&
              strstr(H->log.last_error, "too costly for the audio thread") &&
              strstr(H->log.last_error, "M multiply-adds per slice"),
          "costly model: %s", H->log.last_error);
  }
  CHECK(H->latency == 0, "a bad model changed the latency: %g", H->latency);

  /* a good one, while a melody plays: voices released, model in use */
  score s = {0};
  make_tune(&s, H->now, 0);
  run_until(H, &s, H->now + tune_length() / 4, 512);
  add_patch_set(H, 0, model);
  run_block(H, 256); /* worker loads after this run */
  run_block(H, 256); /* swapped here */
  CHECK(!strcmp(H->out.model_path, model), "no patch:Set notification of %s",
        model);
  CHECK(H->latency > 0, "user L4 model loaded, latency still %g", H->latency);
  run_until(H, &s, H->now + tune_length() / 2, 512);
  float latency = H->latency;
  if (cfd >= 0) { /* the costly model again: the user model stays */
    add_patch_set(H, 0, costly);
    run_block(H, 256);
    run_block(H, 256);
    CHECK(H->latency == latency && !strcmp(H->out.model_path, model),
          "a costly model displaced the user model (latency %g)", H->latency);
    remove(costly);
  }

  /* patch:Get answers with the path */
  int notes = H->out.model_notes;
  add_ev(H, 0, 3);
  run_block(H, 128);
  CHECK(H->out.model_notes == notes + 1, "patch:Get not answered");

  /* save the state, restore it into a second instance */
  LilvState *st = lilv_state_new_from_instance(
      plugin, H->inst, &H->map, NULL, NULL, NULL, NULL, get_port_value, H,
      LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, H->features);
  CHECK(st != NULL, "state save failed");
  stop_and_check(H, "user model");
  if (st) {
    char *ttl = lilv_state_to_string(world, &H->map, &H->unmap, st,
                                     "urn:kantor:test-state", NULL);
    CHECK(ttl && strstr(ttl, "live-l4.kmod"),
          "saved state lacks the model:\n%s", ttl ? ttl : "(null)");
    lilv_free(ttl);
    host *G = host_new(world, plugin, 1024, 1);
    if (G) {
      lilv_state_restore(st, G->inst, set_port_value, G, 0, G->features);
      G->rolling = 1;
      run_block(G, 256);
      CHECK(fabsf(G->latency - latency) < 1.0f,
            "restored instance: latency %g, saved one had %g", G->latency,
            latency);
      CHECK(!strcmp(G->out.model_path, model), "restored instance: model %s",
            G->out.model_path);
      host_free(G);
    }
    /* a host without the worker: restore loads the file itself */
    G = host_new(world, plugin, 1024, 0);
    if (G) {
      lilv_state_restore(st, G->inst, set_port_value, G, 0, G->features);
      lilv_state_restore(st, G->inst, set_port_value, G, 0, G->features);
      G->rolling = 1;
      run_block(G, 256);
      CHECK(fabsf(G->latency - latency) < 1.0f,
            "restored without worker: latency %g, saved one had %g", G->latency,
            latency);
      add_patch_set(G, 0, ""); /* ignored without a worker */
      run_block(G, 256);
      CHECK(G->latency > 0, "no worker: patch:Set was not ignored");
      host_free(G);
    }
    lilv_state_free(st);
  }
  /* back to the built-in models with an empty path */
  add_patch_set(H, 0, "");
  H->rolling = 1;
  run_block(H, 256);
  run_block(H, 256);
  CHECK(H->latency == 0, "empty model path: latency %g", H->latency);
  host_free(H);
  free(s.ev);
}

/* ---- stress (rtsan) --------------------------------------------------------
 */

static void stress(LilvWorld *world, const LilvPlugin *plugin, long blocks)
{
  printf("# stress: %ld random blocks\n", blocks);
  host *H = host_new(world, plugin, 8192, 1);
  if (!H) return;
  connect_notify(H);
  const char *src = getenv("KANTOR_SRC");
  char model[1024];
  snprintf(model, sizeof model, "%s/models/live-l4.kmod", src ? src : ".");
  H->rolling = 1;
  int held[128] = {0};
  for (long b = 0; b < blocks; ++b) {
    uint32_t n = rnd_range(0, 3) == 0 ? rnd_range(1, 8192) : rnd_range(1, 1024);
    if (rnd_range(0, 15) == 0) { /* automate a control */
      int p = (int)rnd_range(0, KT_NPARAMS - 1);
      const kt_param_info *pi = kt_param_get_info((kt_param)p);
      float v = (float)(pi->min + rnd_unit() * (pi->max - pi->min));
      if (p == KT_P_ENABLED && rnd_range(0, 3) != 0) v = 1; /* mostly on */
      set_param(H, (kt_param)p, v);
      if (g_verbose)
        fprintf(stderr, "  at %lld: %s = %g\n", (long long)H->now, pi->symbol,
                v);
    }
    if (rnd_range(0, 200) == 0) H->rolling = !H->rolling;
    if (rnd_range(0, 100) == 0) H->bpm = 20 + rnd_unit() * 280;
    if (rnd_range(0, 300) == 0) H->tframe = (int64_t)rnd_range(0, 10000000);
    if (rnd_range(0, 500) == 0)
      nonsense_position(H, rnd_range(0, n - 1), (int)rnd_range(0, 11));
    if (rnd_range(0, 2000) == 0)
      add_patch_set(H, 0, rnd_range(0, 1) ? model : "");
    if (rnd_range(0, 1000) == 0) add_ev(H, rnd_range(0, n - 1), 3);
    if (H->n_notes > 4096) H->n_notes = 0; /* only read, not kept */
    int k = (int)rnd_range(0, 6);
    for (int i = 0; i < k; ++i) {
      int note = (int)rnd_range(55, 84);
      uint32_t f = rnd_range(0, n - 1);
      if (held[note]) { /* held[] = channel + 1 */
        add_note(H, f, 0, held[note] - 1, note, 0);
        held[note] = 0;
      } else {
        int ch = (int)rnd_range(0, 20) == 0 ? 5 : 0;
        add_note(H, f, 1, ch, note, (int)rnd_range(1, 127));
        held[note] = ch + 1;
      }
    }
    run_block(H, n);
    if (rnd_range(0, 5000) == 0) {
      lilv_instance_deactivate(H->inst);
      memset(H->out.sounding, 0, sizeof H->out.sounding);
      lilv_instance_activate(H->inst);
    }
  }
  for (int i = 0; i < KT_NPARAMS; ++i)
    H->control[i] = kt_param_get_info((kt_param)i)->def;
  run_block(H, 64);
  stop_and_check(H, "stress");
  int n_on = 0;
  for (int c = 0; c < 16; ++c)
    n_on += H->out.n_on[c];
  printf("  %lld frames (%.0f s at 48 kHz), %d note-ons out, %d model "
         "notifications, worker queue overflows: %d\n",
         (long long)H->now, (double)H->now / RATE, n_on, H->out.model_notes,
         H->work_overflow);
  CHECK(n_on > 0, "stress: no note came out");
  host_free(H);
}

/* ---- the audio plugin ----------------------------------------------------
 */

/* n frames of a band-limited sawtooth at midi (fractional) into H->abuf
 * from offset, continuing the phase. */
static double g_phase;
static void saw(host *H, uint32_t off, uint32_t n, double midi, double amp)
{
  double f = 440.0 * pow(2.0, (midi - 69.0) / 12.0);
  for (uint32_t i = 0; i < n; ++i) {
    double v = 0;
    for (int k = 1; k <= 12 && k * f < 0.45 * RATE; ++k)
      v += sin(2 * M_PI * k * g_phase) / k;
    H->abuf[off + i] = (float)(amp * 0.55 * v);
    g_phase += f / RATE;
    g_phase -= floor(g_phase);
  }
}

/* A melody of quarter notes (120 bpm: 24000 frames) sung into the plugin
 * with a rolling transport: it comes out on channel 1, in order, and the
 * three voices sound; stop releases everything; silence and noise give no
 * note; the latency port is the engine's + the tracker's. */
static void test_audio(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("# audio plugin: a sawtooth melody\n");
  host *H = host_new(world, plugin, 1024, 1);
  if (!H) return;
  char err[256];
  kt_pitch *ref = kt_pitch_new(RATE, 1024, err, sizeof err);
  CHECK(ref != NULL, "%s", err);
  static const int tune[] = {67, 69, 71, 72, 74, 72, 71, 69, 67, 62, 64, 67};
  const int n_tune = (int)(sizeof tune / sizeof tune[0]);
  H->rolling = 1;
  int heard[16], n_heard = 0, voices_on = 0;
  static const uint32_t sizes[] = {256, 64, 1000, 1, 4096, 333};
  int si = 0;
  for (int k = 0; k < n_tune; ++k) {
    uint32_t left = 24000;
    while (left > 0) {
      uint32_t n = sizes[si++ % 6];
      if (n > left) n = left;
      if (n > 1024) n = 1024;
      int prev_on = H->out.n_on[0];
      saw(H, 0, n, tune[k], 0.3);
      run_block(H, n);
      left -= n;
      if (H->out.n_on[0] > prev_on && n_heard < 16) {
        for (int p = 0; p < 128; ++p)
          if (H->out.sounding[0][p]) heard[n_heard++] = p;
      }
    }
  }
  for (int c = 1; c <= 3; ++c)
    voices_on += H->out.n_on[c] > 0;
  CHECK(n_heard == n_tune, "%d melody notes out of %d", n_heard, n_tune);
  for (int k = 0; k < n_heard && k < n_tune; ++k)
    CHECK(heard[k] == tune[k], "melody note %d: %d, sung %d", k, heard[k],
          tune[k]);
  CHECK(voices_on == 3, "%d of 3 voices sounded", voices_on);
  CHECK(H->note_out == tune[n_tune - 1], "note port %g", H->note_out);
  if (ref) CHECK_EQ((int64_t)H->latency, (int64_t)kt_pitch_latency(ref));
  /* lookahead adds the engine's latency */
  H->control[KT_P_LOOKAHEAD] = 4;
  saw(H, 0, 256, tune[0], 0.3);
  run_block(H, 256);
  if (ref)
    CHECK_EQ((int64_t)H->latency, (int64_t)kt_pitch_latency(ref) + L4_LATENCY);
  H->control[KT_P_LOOKAHEAD] = 0;
  memset(H->abuf, 0, sizeof(float) * AUDIO_FRAMES);
  stop_and_check(H, "audio melody");
  CHECK(H->note_out == -1, "note port %g after silence", H->note_out);

  /* silence and noise, rolling: nothing comes out */
  H->rolling = 1;
  int before = 0;
  for (int c = 0; c < 16; ++c)
    before += H->out.n_on[c];
  for (int b = 0; b < 200; ++b) {
    for (uint32_t i = 0; i < 512; ++i)
      H->abuf[i] = b < 100 ? 0.0f : (float)(0.3 * (2 * rnd_unit() - 1));
    run_block(H, 512);
  }
  int after = 0;
  for (int c = 0; c < 16; ++c)
    after += H->out.n_on[c];
  CHECK(after == before, "%d notes from silence and noise", after - before);
  /* without an audio buffer connected: silence, no crash */
  lilv_instance_connect_port(H->inst, A_AUDIO, NULL);
  run_block(H, 512);
  connect_all(H);
  kt_pitch_free(ref);
  host_free(H);
}

/* N random blocks: tones, glides, vibrato, noise, silence, clipping and
 * NaN input, every control of both kinds automated, transport changes,
 * re-activation, model swaps.  Under -fsanitize=realtime any allocation,
 * lock or I/O in run() aborts. */
static void stress_audio(LilvWorld *world, const LilvPlugin *plugin,
                         long blocks)
{
  printf("# audio stress: %ld random blocks\n", blocks);
  host *H = host_new(world, plugin, 8192, 1);
  if (!H) return;
  const char *src = getenv("KANTOR_SRC");
  char model[1024];
  snprintf(model, sizeof model, "%s/models/live-l4.kmod", src ? src : ".");
  H->rolling = 1;
  double midi = 60, slide = 0, amp = 0.3;
  int kind = 0; /* 0 tone, 1 silence, 2 noise, 3 garbage */
  for (long b = 0; b < blocks; ++b) {
    uint32_t n = rnd_range(0, 3) == 0 ? rnd_range(1, 8192) : rnd_range(1, 1024);
    if (rnd_range(0, 15) == 0) {
      int p = (int)rnd_range(0, KT_NPARAMS - 1);
      const kt_param_info *pi = kt_param_get_info((kt_param)p);
      float v = (float)(pi->min + rnd_unit() * (pi->max - pi->min));
      if (p == KT_P_ENABLED && rnd_range(0, 3) != 0) v = 1;
      set_param(H, (kt_param)p, v);
    }
    if (rnd_range(0, 30) == 0) {
      int p = (int)rnd_range(0, KT_NPITCH_PARAMS - 1);
      const kt_pitch_param_info *pi =
          kt_pitch_param_get_info((kt_pitch_param)p);
      H->pctl[p] = (float)(pi->min + rnd_unit() * (pi->max - pi->min));
    }
    if (rnd_range(0, 20) == 0) {
      kind = (int)rnd_range(0, 9);
      kind = kind < 6 ? 0 : kind < 8 ? 1 : kind < 9 ? 2 : 3;
      midi = 36 + rnd_unit() * 50;
      slide = rnd_range(0, 3) == 0 ? (rnd_unit() - 0.5) * 0.002 : 0;
      amp = pow(10, -rnd_unit() * 3);
    }
    if (rnd_range(0, 200) == 0) H->rolling = !H->rolling;
    if (rnd_range(0, 100) == 0) H->bpm = 20 + rnd_unit() * 280;
    if (rnd_range(0, 2000) == 0)
      add_patch_set(H, 0, rnd_range(0, 1) ? model : "");
    if (kind == 0) {
      for (uint32_t i = 0; i < n; i += 64) {
        uint32_t m = n - i < 64 ? n - i : 64;
        saw(H, i, m, midi, amp);
        midi += slide * m;
        if (midi < 30 || midi > 100) slide = -slide;
      }
    } else {
      for (uint32_t i = 0; i < n; ++i)
        H->abuf[i] = kind == 1 ? 0.0f
                     : kind == 2
                         ? (float)(amp * (2 * rnd_unit() - 1))
                         : (float)((rnd_range(0, 100) == 0 ? NAN : 4.0) *
                                   (2 * rnd_unit() - 1));
    }
    run_block(H, n);
    if (rnd_range(0, 5000) == 0) {
      lilv_instance_deactivate(H->inst);
      memset(H->out.sounding, 0, sizeof H->out.sounding);
      lilv_instance_activate(H->inst);
    }
  }
  for (int i = 0; i < KT_NPARAMS; ++i)
    H->control[i] = kt_param_get_info((kt_param)i)->def;
  /* The singer stops: silence.  A note the tracker confirmed is held for at
   * least its minimum length (min_note, automated up to 500 ms above), so
   * give the release that long before the stop check. */
  memset(H->abuf, 0, sizeof(float) * AUDIO_FRAMES);
  for (int i = 0; i < KT_NPITCH_PARAMS; ++i)
    H->pctl[i] = kt_pitch_param_get_info((kt_pitch_param)i)->def;
  for (int64_t until = H->now + RATE * 6 / 10; H->now < until;)
    run_block(H, 512);
  stop_and_check(H, "audio stress");
  int n_on = 0;
  for (int c = 0; c < 16; ++c)
    n_on += H->out.n_on[c];
  printf("  %lld frames (%.0f s at 48 kHz), %d note-ons out\n",
         (long long)H->now, (double)H->now / RATE, n_on);
  CHECK(n_on > 0, "audio stress: no note came out");
  host_free(H);
}

/* ---- bad host input: what the plugin does (README's table) ------------ */

/* Each case: what the host sends, and for positions which of
 * nonsense_position()'s cases it is. */
static const struct {
  const char *what;
  int pos;
} bad_host[] = {
    {"time:Position tempo 0", 0},
    {"time:Position tempo -120", 2},
    {"time:Position tempo NaN", 1},
    {"time:Position tempo +inf", 3},
    {"time:Position tempo 1e30, beatsPerBar 1e30, beatUnit INT32_MIN", 10},
    {"time:Position speed NaN", 7},
    {"time:Position speed -1, frame -1e18", 8},
    {"time:Position bar -5, barBeat -3", 4},
    {"time:Position bar INT64_MAX, frame INT64_MIN", 9},
    {"time:Position barBeat NaN, beatsPerBar 0", 5},
    {"time:Position beatUnit 0, beatsPerBar -4", 6},
    {"time:Position with a speed only", 11},
    {"MIDI: status bytes alone, data bytes alone, note 200, velocity 255, "
     "2-byte note-on",
     -1},
    {"MIDI: a 16-byte sysex", -1},
    {"MIDI: 3000 events in one block", -1},
    {"a block of 100000 frames (maxBlockLength 1024)", -1},
    {"a block of 0 frames", -1},
    {"an output buffer of 96 bytes for 8 blocks", -1},
    {"every control port NaN", -1},
    {"every control port -1e9, then 1e9", -1},
    {"patch:Set model: a missing file", -1},
    {"patch:Set model: a garbage file", -1},
    {"patch:Set model: a truncated model", -1},
    {"patch:Set model: an atom:Int instead of a path", -1},
    {"time:Position whose last property (speed 0: stop) runs past the "
     "object's end",
     -1},
    {"an event (time:Position, speed 0: stop) whose size runs past the "
     "sequence's end",
     -1},
    {"patch:Set model: a model too costly for the audio thread", -1},
};
#define N_BAD_HOST ((int)(sizeof bad_host / sizeof bad_host[0]))
enum {
  BH_MIDI = 12,
  BH_SYSEX,
  BH_FLOOD,
  BH_HUGE,
  BH_ZERO,
  BH_TINY,
  BH_NAN,
  BH_RANGE,
  BH_MISSING,
  BH_GARBAGE,
  BH_TRUNC,
  BH_INT,
  BH_CUT,
  BH_PAST,
  BH_COSTLY
};

/* Put case `which` into the next block (of *n frames). */
static void bad_host_inject(host *H, int which, uint32_t *n, char *tmp)
{
  static const uint8_t bad[][4] = {
      {0x90, 0, 0, 1},    {0x00, 60, 90, 3}, {0x90, 200, 90, 3},
      {0x90, 60, 255, 3}, {0xF0, 1, 2, 3},   {0xFF, 0, 0, 1},
      {0x3C, 0x40, 0, 2}, {0xC0, 5, 0, 2},   {0x90, 64, 0, 2}};
  const char *src = getenv("KANTOR_SRC");
  if (bad_host[which].pos >= 0) {
    nonsense_position(H, 100, bad_host[which].pos);
  } else if (which == BH_MIDI) {
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
      add_midi(H, 10, bad[i], bad[i][3]);
  } else if (which == BH_SYSEX) {
    uint8_t sysex[16] = {0xF0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                         0xF7};
    add_midi(H, 20, sysex, 16);
  } else if (which == BH_FLOOD) {
    for (int i = 0; i < 3000; ++i)
      add_note(H, (uint32_t)(i / 6), i & 1, 0, 60 + (i % 12), 80);
  } else if (which == BH_HUGE) {
    *n = 100000;
  } else if (which == BH_ZERO) {
    *n = 0;
  } else if (which == BH_TINY) {
    H->out_capacity = 96;
    H->lenient_offs = 1;
  } else if (which == BH_NAN || which == BH_RANGE) {
    for (int i = 0; i < KT_NPARAMS; ++i)
      H->control[i] = which == BH_NAN ? NAN : -1e9f;
  } else if (which == BH_MISSING) {
    add_patch_set(H, 0, "/nonexistent/kantor-model.kmod");
  } else if (which == BH_GARBAGE || which == BH_TRUNC) {
    char buf[4096];
    size_t len = sizeof buf;
    memset(buf, 'x', sizeof buf);
    memcpy(buf, "KANTORNN", 8);
    if (which == BH_TRUNC && src) {
      char path[1024];
      snprintf(path, sizeof path, "%s/models/live-l4.kmod", src);
      FILE *f = fopen(path, "rb");
      len = f ? fread(buf, 1, sizeof buf, f) : 0;
      if (f) fclose(f);
    }
    int fd = mkstemp(tmp);
    if (fd >= 0) {
      close(fd);
      write_file(tmp, buf, len);
    }
    add_patch_set(H, 0, tmp);
  } else if (which == BH_COSTLY) {
    char err[256];
    int fd = mkstemp(tmp);
    if (fd >= 0) {
      close(fd);
      if (kt_test_write_costly(tmp, err, sizeof err) != 0)
        fprintf(stderr, "costly model: %s\n", err);
    }
    add_patch_set(H, 0, tmp);
  } else if (which == BH_CUT || which == BH_PAST) {
    add_ev(H, *n - 1, which == BH_CUT ? 5 : 6); /* last in the block */
  } else {
    add_ev(H, 0, 4);
  }
}

static void bad_host_inputs(LilvWorld *world, const LilvPlugin *plugin)
{
  printf("| Host sends | What happens (observed) |\n|---|---|\n");
  for (int which = 0; which < N_BAD_HOST; ++which) {
    host *H = host_new(world, plugin, 1024, 1);
    if (!H) return;
    int failures = kt_failures;
    score s = {0};
    H->rolling = 1;
    H->align_origin = H->now;
    make_tune(&s, 0, 0);
    run_until(H, &s, tune_length() / 4, 512);
    int sounding = harmony_sounding(H, 1) + harmony_sounding(H, 2) +
                   harmony_sounding(H, 3);
    int errors = H->log.n_error;
    float latency = H->latency;
    char tmp[] = "/tmp/kantor-bad-model-XXXXXX";
    uint32_t n = 512;
    bad_host_inject(H, which, &n, tmp);
    feed_score(H, &s, n);
    run_block(H, n);
    if (which == BH_TINY) { /* the tiny buffer stays for 8 blocks */
      for (int i = 0; i < 7; ++i) {
        feed_score(H, &s, 512);
        run_block(H, 512);
      }
      H->out_capacity = OUT_BYTES;
    }
    if (which == BH_NAN || which == BH_RANGE) {
      for (int i = 0; i < KT_NPARAMS; ++i)
        H->control[i] = which == BH_NAN ? kt_param_get_info((kt_param)i)->def
                                    : 1e9f;
      run_block(H, 512);
      for (int i = 0; i < KT_NPARAMS; ++i)
        H->control[i] = kt_param_get_info((kt_param)i)->def;
    }
    int released = sounding > 0 && harmony_sounding(H, 1) +
                                           harmony_sounding(H, 2) +
                                           harmony_sounding(H, 3) ==
                                       0;
    run_block(H, 512); /* the worker's answer, if any */
    H->lenient_offs = 0;
    int on_before = H->out.n_on[1] + H->out.n_on[2] + H->out.n_on[3];
    H->check_alignment = 1;
    H->out.misaligned = 0;
    run_until(H, &s, 3 * tune_length() / 4, 512);
    H->check_alignment = 0;
    int on_after = H->out.n_on[1] + H->out.n_on[2] + H->out.n_on[3] - on_before;
    stop_and_check(H, bad_host[which].what);
    char what[1200] = "";
    size_t w = 0;
#define SAY(...) w += (size_t)snprintf(what + w, sizeof what - w, __VA_ARGS__)
    if (H->log.n_error > errors) {
      char e[sizeof H->log.last_error + 8];
      snprintf(e, sizeof e, "%s", H->log.last_error);
      e[strcspn(e, "\n")] = 0;
      for (char *t = strstr(e, tmp); t; t = strstr(t, tmp)) {
        memmove(t + 4, t + strlen(tmp), strlen(t + strlen(tmp)) + 1);
        memcpy(t, "FILE", 4); /* the temporary name changes every run */
      }
      SAY("logged \"%s\"; ", e);
    }
    if (released) SAY("voices released at once; ");
    if (on_after == 0)
      SAY("harmony silent afterwards; ");
    else if (H->out.misaligned == 0)
      SAY("harmony continues on the 120 BPM grid; ");
    else
      SAY("harmony continues, %d of %d note-ons off the 120 BPM grid; ",
          H->out.misaligned, on_after);
    if (H->latency != latency) SAY("latency %g -> %g; ", latency, H->latency);
    SAY("%s", kt_failures == failures
                  ? "output well-formed, nothing stuck after stop"
                  : "INVARIANT BROKEN (see above)");
#undef SAY
    printf("| %s | %s |\n", bad_host[which].what, what);
    remove(tmp);
    free(s.ev);
    host_free(H);
  }
}

int main(int argc, char **argv)
{
  long stress_blocks = 0;
  int bad_inputs = 0, cold = 0, bench_n = 0;
  long bench_blocks = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--bad-inputs"))
      bad_inputs = 1;
    else if (!strcmp(argv[i], "--stress") && i + 1 < argc)
      stress_blocks = atol(argv[++i]);
    else if (!strcmp(argv[i], "-v"))
      g_verbose = 1;
    else if (!strcmp(argv[i], "--cold"))
      cold = 1;
    else if (!strcmp(argv[i], "--bench") && i + 2 < argc) {
      bench_blocks = atol(argv[++i]);
      bench_n = atoi(argv[++i]);
    }
    else if (!strcmp(argv[i], "--audio"))
      g_audio = 1;
    else
      g_rng = strtoull(argv[i], NULL, 10);
  }
  const char *lv2_path = getenv("LV2_PATH");
  printf("LV2_PATH=%s\n", lv2_path ? lv2_path : "(unset)");
  LilvWorld *world = lilv_world_new();
  lilv_world_load_all(world);
  const char *plugin_uri = g_audio ? KT_AUDIO_URI : KT_PLUGIN_URI;
  LilvNode *uri = lilv_new_uri(world, plugin_uri);
  const LilvPlugin *plugin =
      lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
  if (!plugin) {
    fprintf(stderr, "FAIL: %s not found in LV2_PATH\n", plugin_uri);
    return 1;
  }
  urid_table urids = {0};
  if (g_audio) {
    CHECK_EQ(lilv_plugin_get_num_ports(plugin), A_AUDIO + 2 + KT_NPITCH_PARAMS);
    if (stress_blocks > 0)
      stress_audio(world, plugin, stress_blocks);
    else
      test_audio(world, plugin);
  } else if (cold) {
    test_cold(world, plugin);
  } else if (bench_blocks > 0) {
    bench_runs(world, plugin, bench_blocks, bench_n);
  } else if (bad_inputs) {
    bad_host_inputs(world, plugin);
  } else if (stress_blocks > 0) {
    stress(world, plugin, stress_blocks);
  } else {
    test_ports(world, plugin);
    test_presets(world, plugin, &urids);
    test_rolling(world, plugin);
    test_controls(world, plugin);
    test_notify(world, plugin);
    test_nonsense(world, plugin);
    test_model(world, plugin);
    test_preset_apply(world, plugin);
  }
  for (uint32_t i = 0; i < urids.n; ++i)
    free(urids.uri[i]);
  free(urids.uri);
  lilv_node_free(uri);
  lilv_world_free(world);
  if (kt_failures) {
    fprintf(stderr, "%d check(s) failed\n", kt_failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
