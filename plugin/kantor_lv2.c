/* plugin/kantor_lv2.c -- the LV2 shell around the engine (dsp/engine.h).
 *
 * No musical logic here: control ports -> kt_engine_set_param, the input
 * atom sequence -> kt_event (MIDI, time:Position), kt_out -> the output
 * atom sequence, engine outputs -> output control ports.  A user model
 * (patch:Set of kantor:model, or state restore) is loaded off the audio
 * thread by the worker and swapped in by run() with one pointer exchange;
 * the model it replaces goes back to the worker to be freed.
 *
 * Everything reachable from run() and work_response() (KT_RT) is
 * allocation-, lock- and I/O-free: the event and output arrays are sized at
 * instantiate, hosts' blocks longer than the engine's maximum are processed
 * in chunks. */
#include "engine.h"

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef KT_PLUGIN_URI
#define KT_PLUGIN_URI "https://kantor.example.org/plugins/kantor"
#endif
#define KT_MODEL_URI KT_PLUGIN_URI "#model"

enum {
  KT_PORT_CONTROL = 0,
  KT_PORT_OUT = 1,
  KT_PORT_PARAM0 = 2,
  KT_PORT_LATENCY = KT_PORT_PARAM0 + KT_NPARAMS,
  KT_PORT_KEY,
  KT_PORT_CHORD,
  KT_NPORTS
};

#define KT_PL_EVENTS 1024        /* input events per engine call */
#define KT_PL_DEFAULT_BLOCK 8192 /* when the host gives no maxBlockLength */
#define KT_PL_MAX_BLOCK 65536
#define KT_PL_PATH 4096 /* longest model path, with the NUL */
#define KT_PL_GRAVE 4   /* retired models waiting for a non-RT free */

typedef struct {
  LV2_URID atom_Path, atom_String, atom_URID, atom_Int, atom_Long, atom_Float,
      atom_Double, atom_Bool, atom_Sequence;
  LV2_URID midi_Event;
  LV2_URID time_Position, time_frame, time_speed, time_bar, time_barBeat,
      time_beatsPerBar, time_beatUnit, time_beatsPerMinute;
  LV2_URID patch_Set, patch_Get, patch_property, patch_value;
  LV2_URID kantor_model;
  LV2_URID bufsz_maxBlockLength, bufsz_nominalBlockLength;
} kt_pl_uris;

/* Worker messages (both directions). */
enum { KT_MSG_LOAD = 1, KT_MSG_FREE, KT_MSG_LOADED };
typedef struct {
  uint32_t type;
  uint32_t len;          /* path bytes, without the NUL */
  kt_engine_model *em;   /* FREE, LOADED (NULL: back to built-in models) */
  char path[KT_PL_PATH]; /* LOAD, LOADED; only len + 1 bytes are sent */
} kt_pl_msg;

typedef struct {
  /* ports */
  const LV2_Atom_Sequence *in;
  LV2_Atom_Sequence *out_port;
  const float *param[KT_NPARAMS];
  float *latency, *key, *chord;

  /* host features */
  LV2_URID_Map *map;
  LV2_Worker_Schedule *sched;
  LV2_Log_Logger logger;
  kt_pl_uris u;
  LV2_Atom_Forge forge;

  /* engine and its preallocated I/O */
  kt_engine *engine;
  double rate;
  uint32_t max_block;
  kt_event *ev;
  kt_out out;
  float last[KT_NPARAMS]; /* last value sent; NaN = send on the next run */
  int64_t last_out_frame; /* output is kept sorted */
  uint32_t dropped_in, dropped_out;

  /* model hand-off (audio thread side) */
  int has_pending;
  kt_engine_model *pending; /* NULL + has_pending: back to built-in */
  char pending_path[KT_PL_PATH];
  char rt_path[KT_PL_PATH]; /* path of the model in use ("" built-in) */
  int notify_model;         /* send a patch:Set of the model on the output */
  kt_engine_model *grave[KT_PL_GRAVE];
  kt_pl_msg msg; /* scratch for building worker messages in run() */

  /* non-RT side: the path state save stores (worker thread, restore) */
  pthread_mutex_t path_lock;
  char model_path[KT_PL_PATH];
} kt_plugin;

static void map_uris(LV2_URID_Map *map, kt_pl_uris *u)
{
  LV2_URID (*m)(LV2_URID_Map_Handle, const char *) = map->map;
  LV2_URID_Map_Handle h = map->handle;
  u->atom_Path = m(h, LV2_ATOM__Path);
  u->atom_String = m(h, LV2_ATOM__String);
  u->atom_URID = m(h, LV2_ATOM__URID);
  u->atom_Int = m(h, LV2_ATOM__Int);
  u->atom_Long = m(h, LV2_ATOM__Long);
  u->atom_Float = m(h, LV2_ATOM__Float);
  u->atom_Double = m(h, LV2_ATOM__Double);
  u->atom_Bool = m(h, LV2_ATOM__Bool);
  u->atom_Sequence = m(h, LV2_ATOM__Sequence);
  u->midi_Event = m(h, LV2_MIDI__MidiEvent);
  u->time_Position = m(h, LV2_TIME__Position);
  u->time_frame = m(h, LV2_TIME__frame);
  u->time_speed = m(h, LV2_TIME__speed);
  u->time_bar = m(h, LV2_TIME__bar);
  u->time_barBeat = m(h, LV2_TIME__barBeat);
  u->time_beatsPerBar = m(h, LV2_TIME__beatsPerBar);
  u->time_beatUnit = m(h, LV2_TIME__beatUnit);
  u->time_beatsPerMinute = m(h, LV2_TIME__beatsPerMinute);
  u->patch_Set = m(h, LV2_PATCH__Set);
  u->patch_Get = m(h, LV2_PATCH__Get);
  u->patch_property = m(h, LV2_PATCH__property);
  u->patch_value = m(h, LV2_PATCH__value);
  u->kantor_model = m(h, KT_MODEL_URI);
  u->bufsz_maxBlockLength = m(h, LV2_BUF_SIZE__maxBlockLength);
  u->bufsz_nominalBlockLength = m(h, LV2_BUF_SIZE__nominalBlockLength);
}

/* ---- instantiation ------------------------------------------------------ */

static uint32_t option_block(const kt_pl_uris *u, const LV2_Options_Option *opt)
{
  int64_t max = 0, nominal = 0;
  for (; opt && opt->key; ++opt) {
    int64_t v = 0;
    if (opt->type == u->atom_Int && opt->size == sizeof(int32_t))
      v = *(const int32_t *)opt->value;
    else if (opt->type == u->atom_Long && opt->size == sizeof(int64_t))
      v = *(const int64_t *)opt->value;
    else
      continue;
    if (opt->key == u->bufsz_maxBlockLength)
      max = v;
    else if (opt->key == u->bufsz_nominalBlockLength)
      nominal = v;
  }
  /* Nominal is no bound (longer blocks are chunked anyway) but a hint. */
  int64_t b = max > 0 ? max : KT_PL_DEFAULT_BLOCK;
  if (max <= 0 && nominal > b) b = nominal;
  if (b < 16) b = 16;
  if (b > KT_PL_MAX_BLOCK) b = KT_PL_MAX_BLOCK;
  return (uint32_t)b;
}

static void free_plugin(kt_plugin *p)
{
  if (p->engine) {
    p->out.n = 0;
    kt_engine_model_free(kt_engine_swap_model(p->engine, NULL, &p->out));
    kt_engine_free(p->engine);
  }
  if (p->has_pending) kt_engine_model_free(p->pending);
  for (int i = 0; i < KT_PL_GRAVE; ++i)
    kt_engine_model_free(p->grave[i]);
  free(p->ev);
  free(p->out.ev);
  pthread_mutex_destroy(&p->path_lock);
  free(p);
}

static LV2_Handle instantiate(const LV2_Descriptor *desc, double rate,
                              const char *bundle_path,
                              const LV2_Feature *const *features)
{
  (void)desc;
  (void)bundle_path;
  LV2_URID_Map *map = NULL;
  LV2_Log_Log *log = NULL;
  LV2_Worker_Schedule *sched = NULL;
  const LV2_Options_Option *opts = NULL;
  const char *missing =
      lv2_features_query(features, LV2_LOG__log, &log, false, LV2_URID__map,
                         &map, true, LV2_WORKER__schedule, &sched, false,
                         LV2_OPTIONS__options, &opts, false, NULL);
  LV2_Log_Logger logger;
  lv2_log_logger_init(&logger, map, log);
  if (missing) {
    lv2_log_error(&logger, "kantor: the host lacks required feature <%s>\n",
                  missing);
    return NULL;
  }
  kt_plugin *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (pthread_mutex_init(&p->path_lock, NULL) != 0) {
    free(p);
    return NULL;
  }
  p->map = map;
  p->sched = sched;
  p->logger = logger;
  map_uris(map, &p->u);
  lv2_atom_forge_init(&p->forge, map);
  p->rate = rate;
  p->max_block = option_block(&p->u, opts);

  char err[256] = "out of memory";
  p->engine = kt_engine_new(rate, p->max_block, err, sizeof err);
  uint32_t cap = kt_out_capacity_needed(KT_PL_EVENTS, p->max_block, rate) + 256;
  p->ev = calloc(KT_PL_EVENTS, sizeof *p->ev);
  p->out.ev = calloc(cap, sizeof *p->out.ev);
  p->out.cap = p->out.ev ? cap : 0;
  if (!p->engine || !p->ev || !p->out.ev) {
    lv2_log_error(&p->logger, "kantor: cannot start the engine: %s\n", err);
    free_plugin(p);
    return NULL;
  }
  for (int i = 0; i < KT_NPARAMS; ++i)
    p->last[i] = NAN;
  return (LV2_Handle)p;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
  kt_plugin *p = (kt_plugin *)h;
  if (port == KT_PORT_CONTROL)
    p->in = (const LV2_Atom_Sequence *)data;
  else if (port == KT_PORT_OUT)
    p->out_port = (LV2_Atom_Sequence *)data;
  else if (port >= KT_PORT_PARAM0 && port < KT_PORT_LATENCY)
    p->param[port - KT_PORT_PARAM0] = (const float *)data;
  else if (port == KT_PORT_LATENCY)
    p->latency = (float *)data;
  else if (port == KT_PORT_KEY)
    p->key = (float *)data;
  else if (port == KT_PORT_CHORD)
    p->chord = (float *)data;
}

static void empty_grave(kt_plugin *p)
{
  for (int i = 0; i < KT_PL_GRAVE; ++i) {
    kt_engine_model_free(p->grave[i]);
    p->grave[i] = NULL;
  }
}

static void activate(LV2_Handle h)
{
  kt_plugin *p = (kt_plugin *)h;
  kt_engine_reset(p->engine);
  for (int i = 0; i < KT_NPARAMS; ++i)
    p->last[i] = NAN; /* resend every control on the first run */
}

static void deactivate(LV2_Handle h)
{
  kt_plugin *p = (kt_plugin *)h;
  /* The engine forgets what sounds: the host silences its outputs itself,
   * and the next activate starts clean (no note-off for forgotten notes). */
  kt_engine_reset(p->engine);
  empty_grave(p);
}

static void cleanup(LV2_Handle h)
{
  free_plugin((kt_plugin *)h);
}

/* ---- run ---------------------------------------------------------------- */

static size_t bounded_len(const char *s, size_t max) KT_RT
{
  size_t n = 0;
  while (n < max && s[n])
    ++n;
  return n;
}

/* A model is no longer in use: free it on the worker thread, or keep it
 * until a non-RT entry point (deactivate, restore, cleanup) can. */
static void retire(kt_plugin *p, kt_engine_model *em) KT_RT
{
  if (!em) return;
  if (p->sched) {
    p->msg.type = KT_MSG_FREE;
    p->msg.len = 0;
    p->msg.em = em;
    p->msg.path[0] = '\0';
    if (p->sched->schedule_work(p->sched->handle,
                                (uint32_t)offsetof(kt_pl_msg, path) + 1,
                                &p->msg) == LV2_WORKER_SUCCESS)
      return;
  }
  for (int i = 0; i < KT_PL_GRAVE; ++i)
    if (!p->grave[i]) {
      p->grave[i] = em;
      return;
    }
  /* No worker and no room: keep it installed-forever rather than free it
   * here.  Only reachable with a host calling restore without deactivate
   * many times; leaks one model at worst. */
}

/* Room for one more event with a body of `size` bytes in the sequence. */
static int forge_room(const LV2_Atom_Forge *f, uint32_t size) KT_RT
{
  uint32_t need = (uint32_t)sizeof(LV2_Atom_Event) + lv2_atom_pad_size(size);
  return f->buf && f->offset + need <= f->size;
}

static int is_note_on(const kt_midi_out *m) KT_RT
{
  return m->size == 3 && (m->data[0] & 0xF0) == 0x90 && m->data[2] > 0;
}

/* kt_out -> the output sequence.  If the host's buffer cannot take them
 * all, note-ons are dropped first so that note-offs still get out. */
static void write_out(kt_plugin *p, uint32_t offset, uint32_t n_frames) KT_RT
{
  uint64_t need = 0;
  for (uint32_t i = 0; i < p->out.n; ++i)
    need += sizeof(LV2_Atom_Event) + lv2_atom_pad_size(p->out.ev[i].size);
  const int short_of_room =
      !p->forge.buf || p->forge.offset + need > p->forge.size;
  for (uint32_t i = 0; i < p->out.n; ++i) {
    const kt_midi_out *m = &p->out.ev[i];
    int64_t f = (int64_t)offset + m->frame;
    if (f < p->last_out_frame) f = p->last_out_frame;
    if (n_frames > 0 && f >= n_frames) f = n_frames - 1;
    if (m->size < 1 || m->size > 3 || (short_of_room && is_note_on(m)) ||
        !forge_room(&p->forge, m->size)) {
      p->dropped_out++;
      continue;
    }
    lv2_atom_forge_frame_time(&p->forge, f);
    lv2_atom_forge_atom(&p->forge, m->size, p->u.midi_Event);
    lv2_atom_forge_write(&p->forge, m->data, m->size);
    p->last_out_frame = f;
  }
  p->out.n = 0;
}

static void process_chunk(kt_plugin *p, uint32_t start, uint32_t len,
                          uint32_t n_ev, uint32_t n_frames) KT_RT
{
  p->out.n = 0;
  p->out.dropped = 0;
  kt_engine_process(p->engine, p->ev, n_ev, len, &p->out);
  write_out(p, start, n_frames);
}

static int atom_number(const kt_pl_uris *u, const LV2_Atom *a, double *v) KT_RT
{
  if (!a) return 0;
  if (a->type == u->atom_Float && a->size >= sizeof(float))
    *v = ((const LV2_Atom_Float *)a)->body;
  else if (a->type == u->atom_Double && a->size >= sizeof(double))
    *v = ((const LV2_Atom_Double *)a)->body;
  else if (a->type == u->atom_Int && a->size >= sizeof(int32_t))
    *v = ((const LV2_Atom_Int *)a)->body;
  else if (a->type == u->atom_Long && a->size >= sizeof(int64_t))
    *v = (double)((const LV2_Atom_Long *)a)->body;
  else if (a->type == u->atom_Bool && a->size >= sizeof(int32_t))
    *v = ((const LV2_Atom_Bool *)a)->body != 0;
  else
    return 0;
  return isfinite(*v); /* NaN / inf: treated as absent */
}

static int64_t clamp_i64(double v, double lo, double hi) KT_RT
{
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return (int64_t)v;
}

/* time:Position -> kt_position with flags for the fields present. */
static void read_position(const kt_pl_uris *u, const LV2_Atom_Object *obj,
                          kt_position *pos) KT_RT
{
  const LV2_Atom *frame = NULL, *speed = NULL, *bar = NULL, *bar_beat = NULL,
                 *bpb = NULL, *unit = NULL, *bpm = NULL;
  lv2_atom_object_get(obj, u->time_frame, &frame, u->time_speed, &speed,
                      u->time_bar, &bar, u->time_barBeat, &bar_beat,
                      u->time_beatsPerBar, &bpb, u->time_beatUnit, &unit,
                      u->time_beatsPerMinute, &bpm, 0);
  memset(pos, 0, sizeof *pos);
  double v;
  const double big = 9.0e15; /* exactly representable, far from overflow */
  if (atom_number(u, frame, &v)) {
    pos->frame = clamp_i64(v, -big, big);
    pos->flags |= KT_POS_FRAME;
  }
  if (atom_number(u, speed, &v)) {
    pos->speed = v;
    pos->flags |= KT_POS_SPEED;
  }
  if (atom_number(u, bar, &v)) {
    pos->bar = clamp_i64(v, -big, big);
    pos->flags |= KT_POS_BAR;
  }
  if (atom_number(u, bar_beat, &v)) {
    pos->bar_beat = v;
    pos->flags |= KT_POS_BARBEAT;
  }
  if (atom_number(u, bpb, &v)) {
    pos->beats_per_bar = v;
    pos->flags |= KT_POS_BPB;
  }
  if (atom_number(u, unit, &v)) {
    pos->beat_unit = (int)clamp_i64(v, -1.0e6, 1.0e6);
    pos->flags |= KT_POS_BEATUNIT;
  }
  if (atom_number(u, bpm, &v)) {
    pos->bpm = v;
    pos->flags |= KT_POS_BPM;
  }
}

/* patch:Set of kantor:model: ask the worker to load the file. */
static void patch_set(kt_plugin *p, const LV2_Atom_Object *obj) KT_RT
{
  const LV2_Atom *prop = NULL, *value = NULL;
  lv2_atom_object_get(obj, p->u.patch_property, &prop, p->u.patch_value, &value,
                      0);
  if (!prop || prop->type != p->u.atom_URID ||
      ((const LV2_Atom_URID *)prop)->body != p->u.kantor_model || !value ||
      (value->type != p->u.atom_Path && value->type != p->u.atom_String))
    return;
  if (!p->sched) return; /* no worker: files are loaded only by state restore */
  const char *s = (const char *)LV2_ATOM_BODY_CONST(value);
  size_t len = bounded_len(s, value->size);
  if (len >= KT_PL_PATH) return; /* the worker could not hold it: ignored */
  p->msg.type = KT_MSG_LOAD;
  p->msg.em = NULL;
  p->msg.len = (uint32_t)len;
  memcpy(p->msg.path, s, len);
  p->msg.path[len] = '\0';
  p->sched->schedule_work(p->sched->handle,
                          (uint32_t)(offsetof(kt_pl_msg, path) + len + 1),
                          &p->msg);
}

/* patch:Set kantor:model <path> on the output (after a swap or a Get). */
static void notify_model(kt_plugin *p, uint32_t frame) KT_RT
{
  uint32_t len = (uint32_t)bounded_len(p->rt_path, KT_PL_PATH - 1);
  if (!forge_room(&p->forge, 96 + len)) return;
  LV2_Atom_Forge_Frame obj;
  lv2_atom_forge_frame_time(&p->forge, frame);
  lv2_atom_forge_object(&p->forge, &obj, 0, p->u.patch_Set);
  lv2_atom_forge_key(&p->forge, p->u.patch_property);
  lv2_atom_forge_urid(&p->forge, p->u.kantor_model);
  lv2_atom_forge_key(&p->forge, p->u.patch_value);
  lv2_atom_forge_path(&p->forge, p->rt_path, len);
  lv2_atom_forge_pop(&p->forge, &obj);
  if ((int64_t)frame > p->last_out_frame) p->last_out_frame = frame;
}

static void read_params(kt_plugin *p) KT_RT
{
  for (int i = 0; i < KT_NPARAMS; ++i) {
    if (!p->param[i]) continue;
    float v = *p->param[i];
    if (isnan(v) || v == p->last[i]) continue;
    kt_engine_set_param(p->engine, (kt_param)i, v);
    p->last[i] = v;
  }
}

static void run(LV2_Handle h, uint32_t n_samples) KT_RT
{
  kt_plugin *p = (kt_plugin *)h;
  const kt_pl_uris *u = &p->u;

  /* Output sequence: the host set atom.size to the buffer's capacity. */
  LV2_Atom_Forge_Frame seq;
  p->last_out_frame = 0;
  p->forge.buf = NULL;
  if (p->out_port && p->out_port->atom.size >= sizeof(LV2_Atom_Sequence)) {
    lv2_atom_forge_set_buffer(&p->forge, (uint8_t *)p->out_port,
                              p->out_port->atom.size);
    if (!lv2_atom_forge_sequence_head(&p->forge, &seq, 0)) p->forge.buf = NULL;
  }

  read_params(p);

  if (p->has_pending) { /* a model from the worker or from restore */
    p->out.n = 0;
    kt_engine_model *old = kt_engine_swap_model(p->engine, p->pending, &p->out);
    write_out(p, 0, n_samples);
    retire(p, old);
    memcpy(p->rt_path, p->pending_path, sizeof p->rt_path);
    p->pending = NULL;
    p->has_pending = 0;
    p->notify_model = 1;
  }
  if (p->notify_model) {
    notify_model(p, 0);
    p->notify_model = 0;
  }

  uint32_t start = 0, n_ev = 0;
  if (p->in) {
    LV2_ATOM_SEQUENCE_FOREACH(p->in, e)
    {
      int64_t t = e->time.frames;
      uint32_t f = t < 0 ? 0
                         : (t >= n_samples ? (n_samples ? n_samples - 1 : 0)
                                           : (uint32_t)t);
      if (f < start) f = start; /* out of order: keep time moving forward */
      while (f - start >= p->max_block) {
        process_chunk(p, start, p->max_block, n_ev, n_samples);
        start += p->max_block;
        n_ev = 0;
      }
      if (n_ev == KT_PL_EVENTS) {
        if (f > start) {
          process_chunk(p, start, f - start, n_ev, n_samples);
          start = f;
          n_ev = 0;
        } else {
          p->dropped_in++; /* > KT_PL_EVENTS events on one frame */
          continue;
        }
      }
      kt_event *k = &p->ev[n_ev];
      const LV2_Atom *body = &e->body;
      if (body->type == u->midi_Event) {
        if (body->size < 1 || body->size > 3)
          continue; /* sysex and the like: not for us */
        const uint8_t *d = (const uint8_t *)LV2_ATOM_BODY_CONST(body);
        k->frame = f - start;
        k->type = KT_EV_MIDI;
        k->size = (uint8_t)body->size;
        k->midi[0] = d[0];
        k->midi[1] = body->size > 1 ? d[1] : 0;
        k->midi[2] = body->size > 2 ? d[2] : 0;
        ++n_ev;
      } else if (lv2_atom_forge_is_object_type(&p->forge, body->type) &&
                 body->size >= sizeof(LV2_Atom_Object_Body)) {
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)body;
        if (obj->body.otype == u->time_Position) {
          k->frame = f - start;
          k->type = KT_EV_POSITION;
          k->size = 0;
          read_position(u, obj, &k->pos);
          ++n_ev;
        } else if (obj->body.otype == u->patch_Set) {
          patch_set(p, obj);
        } else if (obj->body.otype == u->patch_Get) {
          p->notify_model = 1;
        }
      }
    }
  }
  if (n_samples == 0) {
    if (n_ev > 0) process_chunk(p, 0, 0, n_ev, 0);
  } else {
    while (start < n_samples) {
      uint32_t len = n_samples - start;
      if (len > p->max_block) len = p->max_block;
      process_chunk(p, start, len, n_ev, n_samples);
      n_ev = 0;
      start += len;
    }
  }
  if (p->notify_model) { /* a patch:Get arrived */
    notify_model(p, n_samples ? n_samples - 1 : 0);
    p->notify_model = 0;
  }

  if (p->forge.buf)
    lv2_atom_forge_pop(&p->forge, &seq);
  else if (p->out_port && p->out_port->atom.size >= sizeof(LV2_Atom))
    p->out_port->atom.size = 0; /* no room even for an empty sequence */
  if (p->latency) *p->latency = (float)kt_engine_latency(p->engine);
  if (p->key) *p->key = (float)kt_engine_key(p->engine);
  if (p->chord) *p->chord = (float)kt_engine_chord(p->engine);
}

/* ---- worker ------------------------------------------------------------- */

/* Load a model file; NULL + logged error if it cannot be used. */
static kt_engine_model *load_model(kt_plugin *p, const char *path)
{
  char err[512];
  kt_model *m = NULL;
  if (kt_model_load_file(path, &m, err, sizeof err) != 0) {
    lv2_log_error(&p->logger, "kantor: model %s: %s\n", path, err);
    return NULL;
  }
  kt_engine_model *em = kt_engine_model_new(m, err, sizeof err);
  if (!em) {
    kt_model_free(m);
    lv2_log_error(&p->logger, "kantor: model %s: %s\n", path, err);
    return NULL;
  }
  lv2_log_note(&p->logger, "kantor: loaded model %s\n", path);
  return em;
}

static void set_model_path(kt_plugin *p, const char *path)
{
  pthread_mutex_lock(&p->path_lock);
  size_t len = strlen(path);
  if (len >= KT_PL_PATH) len = KT_PL_PATH - 1;
  memcpy(p->model_path, path, len);
  p->model_path[len] = '\0';
  pthread_mutex_unlock(&p->path_lock);
}

static LV2_Worker_Status work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle rh, uint32_t size,
                              const void *data)
{
  kt_plugin *p = (kt_plugin *)h;
  kt_pl_msg msg;
  if (size < offsetof(kt_pl_msg, path) + 1 || size > sizeof msg)
    return LV2_WORKER_ERR_UNKNOWN;
  memcpy(&msg, data, size);
  if (msg.type == KT_MSG_FREE) {
    kt_engine_model_free(msg.em);
    return LV2_WORKER_SUCCESS;
  }
  if (msg.type != KT_MSG_LOAD || msg.len >= KT_PL_PATH ||
      offsetof(kt_pl_msg, path) + msg.len + 1 > size)
    return LV2_WORKER_ERR_UNKNOWN;
  msg.path[msg.len] = '\0';
  kt_engine_model *em = NULL;
  if (msg.len > 0) { /* an empty path means: back to the built-in models */
    em = load_model(p, msg.path);
    if (!em) return LV2_WORKER_SUCCESS; /* logged; the current model stays */
  }
  set_model_path(p, msg.path);
  msg.type = KT_MSG_LOADED;
  msg.em = em;
  if (respond(rh, (uint32_t)(offsetof(kt_pl_msg, path) + msg.len + 1), &msg) !=
      LV2_WORKER_SUCCESS) {
    kt_engine_model_free(em);
    lv2_log_error(&p->logger, "kantor: model %s: worker response lost\n",
                  msg.path);
  }
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status work_response(LV2_Handle h, uint32_t size,
                                       const void *data) KT_RT
{
  kt_plugin *p = (kt_plugin *)h;
  const kt_pl_msg *msg = (const kt_pl_msg *)data;
  if (size < offsetof(kt_pl_msg, path) + 1 || msg->type != KT_MSG_LOADED ||
      msg->len >= KT_PL_PATH || offsetof(kt_pl_msg, path) + msg->len + 1 > size)
    return LV2_WORKER_ERR_UNKNOWN;
  if (p->has_pending) /* two loads before one run: the older is not used */
    retire(p, p->pending);
  p->pending = msg->em;
  memcpy(p->pending_path, msg->path, msg->len);
  p->pending_path[msg->len] = '\0';
  p->has_pending = 1;
  return LV2_WORKER_SUCCESS;
}

/* ---- state -------------------------------------------------------------- */

static LV2_State_Status save(LV2_Handle h, LV2_State_Store_Function store,
                             LV2_State_Handle sh, uint32_t flags,
                             const LV2_Feature *const *features)
{
  (void)flags;
  kt_plugin *p = (kt_plugin *)h;
  char path[KT_PL_PATH];
  pthread_mutex_lock(&p->path_lock);
  memcpy(path, p->model_path, sizeof path);
  pthread_mutex_unlock(&p->path_lock);
  if (!path[0])
    return LV2_STATE_SUCCESS; /* the built-in models: nothing to save */
  LV2_State_Map_Path *mp =
      (LV2_State_Map_Path *)lv2_features_data(features, LV2_STATE__mapPath);
  LV2_State_Free_Path *fp =
      (LV2_State_Free_Path *)lv2_features_data(features, LV2_STATE__freePath);
  char *apath = mp ? mp->abstract_path(mp->handle, path) : NULL;
  const char *val = apath ? apath : path;
  LV2_State_Status st =
      store(sh, p->u.kantor_model, val, strlen(val) + 1, p->u.atom_Path,
            LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
  if (apath) {
    if (fp)
      fp->free_path(fp->handle, apath);
    else
      free(apath);
  }
  return st;
}

/* Restore is never concurrent with run(): load here and leave the model
 * for the next run() to swap in (so the note-offs of the voices it
 * releases still reach the output). */
static LV2_State_Status restore(LV2_Handle h, LV2_State_Retrieve_Function ret,
                                LV2_State_Handle sh, uint32_t flags,
                                const LV2_Feature *const *features)
{
  (void)flags;
  kt_plugin *p = (kt_plugin *)h;
  size_t size = 0;
  uint32_t type = 0, vflags = 0;
  const void *value = ret(sh, p->u.kantor_model, &size, &type, &vflags);

  char cur[KT_PL_PATH];
  pthread_mutex_lock(&p->path_lock);
  memcpy(cur, p->model_path, sizeof cur);
  pthread_mutex_unlock(&p->path_lock);

  kt_engine_model *em = NULL;
  char path[KT_PL_PATH] = "";
  if (value) {
    if ((type != p->u.atom_Path && type != p->u.atom_String) || size < 1 ||
        size > KT_PL_PATH || ((const char *)value)[size - 1] != '\0') {
      lv2_log_error(&p->logger, "kantor: state: bad model property\n");
      return LV2_STATE_ERR_BAD_TYPE;
    }
    LV2_State_Map_Path *mp =
        (LV2_State_Map_Path *)lv2_features_data(features, LV2_STATE__mapPath);
    LV2_State_Free_Path *fp =
        (LV2_State_Free_Path *)lv2_features_data(features, LV2_STATE__freePath);
    char *abs = mp ? mp->absolute_path(mp->handle, (const char *)value) : NULL;
    const char *src = abs ? abs : (const char *)value;
    size_t len = strlen(src);
    if (len < KT_PL_PATH) memcpy(path, src, len + 1);
    if (abs) {
      if (fp)
        fp->free_path(fp->handle, abs);
      else
        free(abs);
    }
    if (len >= KT_PL_PATH) {
      lv2_log_error(&p->logger, "kantor: state: model path too long\n");
      return LV2_STATE_ERR_UNKNOWN;
    }
    em = load_model(p, path);
    if (!em) return LV2_STATE_SUCCESS; /* logged; the current model stays */
  } else if (!cur[0] && !p->has_pending) {
    return LV2_STATE_SUCCESS; /* already on the built-in models */
  }
  empty_grave(p); /* not concurrent with run(): retired models can go */
  if (p->has_pending) kt_engine_model_free(p->pending);
  p->pending = em;
  memcpy(p->pending_path, path, sizeof path);
  p->has_pending = 1;
  set_model_path(p, path);
  return LV2_STATE_SUCCESS;
}

static const void *extension_data(const char *uri)
{
  static const LV2_State_Interface state = {save, restore};
  static const LV2_Worker_Interface worker = {work, work_response, NULL};
  if (!strcmp(uri, LV2_STATE__interface)) return &state;
  if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
  return NULL;
}

static const LV2_Descriptor descriptor = {
    KT_PLUGIN_URI, instantiate, connect_port, activate,
    run,           deactivate,  cleanup,      extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
