/* plugin/glue.c -- the LV2 glue shared by Kantor's plugins (see glue.h).
 *
 * No musical logic here: control ports -> kt_engine_set_param, the input
 * atom sequence -> kt_event (MIDI, time:Position), kt_out -> the output
 * atom sequence, engine outputs -> output control ports.  A user model
 * (patch:Set of kantor:model, or state restore) is loaded off the audio
 * thread by the worker and swapped in by run() with one pointer exchange;
 * the model it replaces goes back to the worker to be freed.
 *
 * The event queue, the clamp of the output to the host's buffer and the
 * model hand-off are the shell core's (shell/core.h); the engine cuts the
 * host's block itself.  Everything reachable from run() and
 * work_response() (KT_RT) is allocation-, lock- and I/O-free: the event and
 * output arrays are sized at instantiate. */
#include "glue.h"
#include "fpmode.h"

#include <lv2/atom/atom.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2_util.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void map_uris(LV2_URID_Map *map, kt_lv2_uris *u)
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

/* ---- output: kt_out -> the output sequence (shell/core.h clamps) ------- */

/* Room for one more event with a body of `size` bytes in the sequence. */
static int forge_room(const LV2_Atom_Forge *f, uint32_t size) KT_RT
{
  uint32_t need = (uint32_t)sizeof(LV2_Atom_Event) + lv2_atom_pad_size(size);
  return f->buf && f->offset + need <= f->size;
}

/* MIDI events (of up to 3 bytes) the host's buffer can still take. */
static uint32_t out_room(void *ctx) KT_RT
{
  const kt_lv2 *p = (const kt_lv2 *)ctx;
  const uint32_t per =
      (uint32_t)(sizeof(LV2_Atom_Event) + lv2_atom_pad_size(3));
  return p->forge.buf && p->forge.offset < p->forge.size
             ? (p->forge.size - p->forge.offset) / per
             : 0;
}

static int out_write(void *ctx, uint32_t frame, const uint8_t *data,
                     uint32_t size) KT_RT
{
  kt_lv2 *p = (kt_lv2 *)ctx;
  if (!forge_room(&p->forge, size)) return 0;
  lv2_atom_forge_frame_time(&p->forge, frame);
  lv2_atom_forge_atom(&p->forge, size, p->u.midi_Event);
  lv2_atom_forge_write(&p->forge, data, size);
  return 1;
}

/* ---- instantiation ------------------------------------------------------ */

static uint32_t option_block(const kt_lv2_uris *u,
                             const LV2_Options_Option *opt)
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
  /* Nominal is no bound (the engine cuts longer blocks) but a hint. */
  int64_t b = max > 0 ? max : KT_SHELL_DEFAULT_BLOCK;
  if (max <= 0 && nominal > b) b = nominal;
  return kt_shell_block_size(b);
}

static void free_plugin(kt_lv2 *p)
{
  kt_shell_fini(&p->sh);
  free(p->src_ev);
  pthread_mutex_destroy(&p->path_lock);
  free(p);
}

kt_lv2 *kt_lv2_new(size_t size, double rate, const LV2_Feature *const *features,
                   uint32_t src_events_per_kframe)
{
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
  if (size < sizeof(kt_lv2)) size = sizeof(kt_lv2);
  kt_lv2 *p = calloc(1, size);
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
  uint32_t max_block = option_block(&p->u, opts);
  p->midi_in = 1;
  if (src_events_per_kframe)
    p->src_cap =
        (uint32_t)((uint64_t)max_block * src_events_per_kframe / 1000) + 16;

  char err[256] = "out of memory";
  const kt_shell_output io = {out_room, out_write, p};
  int ok = kt_shell_init(&p->sh, rate, max_block, KT_LV2_EVENTS + p->src_cap,
                         io, err, sizeof err) == 0;
  p->src_ev = p->src_cap ? calloc(p->src_cap, sizeof *p->src_ev) : NULL;
  if (!ok || (p->src_cap && !p->src_ev)) {
    lv2_log_error(&p->logger, "kantor: cannot start the engine: %s\n", err);
    free_plugin(p);
    return NULL;
  }
  for (int i = 0; i < KT_NPARAMS; ++i)
    p->last[i] = NAN;
  return p;
}

void kt_lv2_free(kt_lv2 *g)
{
  if (g) free_plugin(g);
}

int kt_lv2_connect(kt_lv2 *p, uint32_t port, void *data)
{
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
  else
    return 0;
  return 1;
}

void kt_lv2_activate(kt_lv2 *p)
{
  kt_engine_reset(p->sh.engine);
  for (int i = 0; i < KT_NPARAMS; ++i)
    p->last[i] = NAN; /* resend every control on the first run */
}

void kt_lv2_deactivate(kt_lv2 *p)
{
  /* The engine forgets what sounds: the host silences its outputs itself,
   * and the next activate starts clean (no note-off for forgotten notes). */
  kt_engine_reset(p->sh.engine);
  kt_shell_reap(&p->sh);
}

/* ---- run ---------------------------------------------------------------- */

static size_t bounded_len(const char *s, size_t max) KT_RT
{
  size_t n = 0;
  while (n < max && s[n])
    ++n;
  return n;
}

/* Ask the worker to free a model; 0 if there is no worker or no room. */
static int schedule_free(kt_lv2 *p, kt_engine_model *em) KT_RT
{
  if (!p->sched) return 0;
  p->msg.type = KT_MSG_FREE;
  p->msg.len = 0;
  p->msg.em = em;
  p->msg.path[0] = '\0';
  return p->sched->schedule_work(p->sched->handle,
                                 (uint32_t)offsetof(kt_lv2_msg, path) + 1,
                                 &p->msg) == LV2_WORKER_SUCCESS;
}

/* Models out of use wait in the core's grave; the worker frees them.  When
 * the host's worker queue is full they stay there until it has room again
 * (deactivate, restore and cleanup free them themselves). */
static void flush_grave(kt_lv2 *p) KT_RT
{
  if (!p->sched) return;
  for (kt_engine_model *em; (em = kt_shell_unbury(&p->sh));)
    if (!schedule_free(p, em)) {
      kt_shell_retire(&p->sh, em); /* still full */
      return;
    }
}

/* The source's events for frames [src_done, f) of the block, queued before
 * the host's events at f (at one frame the host's come first). */
static void source_to(kt_lv2 *p, uint32_t f) KT_RT
{
  if (!p->source) return;
  if (f > p->sh.block) f = p->sh.block;
  while (p->src_done < f) {
    uint32_t len = f - p->src_done;
    if (len > p->sh.max_block) len = p->sh.max_block;
    uint32_t n = p->source(p, p->src_done, len, p->src_ev, p->src_cap);
    if (n > p->src_cap) n = p->src_cap;
    for (uint32_t i = 0; i < n; ++i) {
      kt_event *k = kt_shell_event(&p->sh, p->src_done + p->src_ev[i].frame);
      uint32_t frame = k->frame;
      *k = p->src_ev[i];
      k->frame = frame;
    }
    p->src_done += len;
  }
}

static int atom_number(const kt_lv2_uris *u, const LV2_Atom *a, double *v) KT_RT
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

int kt_lv2_event_ok(const LV2_Atom_Sequence *seq, const LV2_Atom_Event *e) KT_RT
{
  const uint8_t *end = (const uint8_t *)&seq->body + seq->atom.size;
  const uint8_t *b = (const uint8_t *)e;
  return b <= end && (size_t)(end - b) >= sizeof *e &&
         e->body.size <= (size_t)(end - b) - sizeof *e;
}

void kt_lv2_object_get(const LV2_Atom_Object *obj, int n, const LV2_URID *keys,
                       const LV2_Atom **vals) KT_RT
{
  for (int i = 0; i < n; ++i)
    vals[i] = NULL;
  if (obj->atom.size < sizeof(LV2_Atom_Object_Body)) return;
  const uint8_t *q = (const uint8_t *)(obj + 1);
  const uint8_t *end = (const uint8_t *)&obj->body + obj->atom.size;
  while ((size_t)(end - q) >= sizeof(LV2_Atom_Property_Body)) { /* q <= end */
    const LV2_Atom_Property_Body *pb = (const LV2_Atom_Property_Body *)q;
    size_t room = (size_t)(end - q) - sizeof *pb;
    if (pb->value.size > room) return; /* runs past the object */
    for (int i = 0; i < n; ++i)
      if (pb->key == keys[i] && !vals[i]) vals[i] = &pb->value;
    size_t step = (sizeof *pb + (size_t)pb->value.size + 7) & ~(size_t)7;
    if (step > (size_t)(end - q)) return;
    q += step;
  }
}

static int64_t clamp_i64(double v, double lo, double hi) KT_RT
{
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return (int64_t)v;
}

/* time:Position -> kt_position with flags for the fields present. */
static void read_position(const kt_lv2_uris *u, const LV2_Atom_Object *obj,
                          kt_position *pos) KT_RT
{
  const LV2_URID keys[7] = {u->time_frame,         u->time_speed,
                            u->time_bar,           u->time_barBeat,
                            u->time_beatsPerBar,   u->time_beatUnit,
                            u->time_beatsPerMinute};
  const LV2_Atom *v7[7];
  kt_lv2_object_get(obj, 7, keys, v7);
  const LV2_Atom *frame = v7[0], *speed = v7[1], *bar = v7[2],
                 *bar_beat = v7[3], *bpb = v7[4], *unit = v7[5], *bpm = v7[6];
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
static void patch_set(kt_lv2 *p, const LV2_Atom_Object *obj) KT_RT
{
  const LV2_URID keys[2] = {p->u.patch_property, p->u.patch_value};
  const LV2_Atom *v2[2];
  kt_lv2_object_get(obj, 2, keys, v2);
  const LV2_Atom *prop = v2[0], *value = v2[1];
  if (!prop || prop->type != p->u.atom_URID || prop->size < sizeof(LV2_URID) ||
      ((const LV2_Atom_URID *)prop)->body != p->u.kantor_model || !value ||
      (value->type != p->u.atom_Path && value->type != p->u.atom_String))
    return;
  if (!p->sched) return; /* no worker: files are loaded only by state restore */
  const char *s = (const char *)LV2_ATOM_BODY_CONST(value);
  size_t len = bounded_len(s, value->size);
  if (offsetof(kt_lv2_msg, path) + len + 1 > KT_LV2_MSG_MAX) {
    /* too long for a worker message: not sent; the worker logs it */
    size_t shown = len < KT_LV2_PATH_SHOWN ? len : KT_LV2_PATH_SHOWN;
    p->msg.type = KT_MSG_TOOLONG;
    p->msg.em = NULL;
    p->msg.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    memcpy(p->msg.path, s, shown);
    p->msg.path[shown] = '\0';
    p->sched->schedule_work(p->sched->handle,
                            (uint32_t)(offsetof(kt_lv2_msg, path) + shown + 1),
                            &p->msg);
    return;
  }
  p->msg.type = KT_MSG_LOAD;
  p->msg.em = NULL;
  p->msg.len = (uint32_t)len;
  memcpy(p->msg.path, s, len);
  p->msg.path[len] = '\0';
  p->sched->schedule_work(p->sched->handle,
                          (uint32_t)(offsetof(kt_lv2_msg, path) + len + 1),
                          &p->msg);
}

/* patch:Set kantor:model <path> on the control output (after a swap or a
 * patch:Get). */
static void notify_model(kt_lv2 *p, uint32_t frame) KT_RT
{
  LV2_Atom_Forge *f = p->ctl ? p->ctl : &p->forge;
  uint32_t len = (uint32_t)bounded_len(p->rt_path, KT_LV2_PATH - 1);
  if (!f->buf || !forge_room(f, 96 + len)) return;
  LV2_Atom_Forge_Frame obj;
  lv2_atom_forge_frame_time(f, frame);
  lv2_atom_forge_object(f, &obj, 0, p->u.patch_Set);
  lv2_atom_forge_key(f, p->u.patch_property);
  lv2_atom_forge_urid(f, p->u.kantor_model);
  lv2_atom_forge_key(f, p->u.patch_value);
  lv2_atom_forge_path(f, p->rt_path, len);
  lv2_atom_forge_pop(f, &obj);
  if (f == &p->forge && (int64_t)frame > p->sh.last_out) p->sh.last_out = frame;
}

int kt_lv2_asked(const kt_lv2 *p, const LV2_Atom_Sequence *seq) KT_RT
{
  if (!seq) return 0;
  LV2_ATOM_SEQUENCE_FOREACH(seq, e)
  {
    if (!kt_lv2_event_ok(seq, e)) break;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&e->body;
    if (lv2_atom_forge_is_object_type(&p->forge, e->body.type) &&
        e->body.size >= sizeof(LV2_Atom_Object_Body) &&
        obj->body.otype == p->u.patch_Get)
      return 1;
  }
  return 0;
}

static void read_params(kt_lv2 *p) KT_RT
{
  for (int i = 0; i < KT_NPARAMS; ++i) {
    if (!p->param[i]) continue;
    float v = *p->param[i];
    if (isnan(v) || v == p->last[i]) continue;
    kt_engine_set_param(p->sh.engine, (kt_param)i, v);
    p->last[i] = v;
  }
}

/* The host's input sequence -> the core's event queue (patch:Set: a model
 * for the worker to load; patch:Get: answered before). */
static void read_input(kt_lv2 *p, uint32_t n_samples) KT_RT
{
  const kt_lv2_uris *u = &p->u;
  LV2_ATOM_SEQUENCE_FOREACH(p->in, e)
  {
    if (!kt_lv2_event_ok(p->in, e)) break;
    int64_t t = e->time.frames;
    uint32_t f = t < 0 ? 0
                       : (t >= n_samples ? (n_samples ? n_samples - 1 : 0)
                                         : (uint32_t)t);
    const LV2_Atom *body = &e->body;
    if (body->type == u->midi_Event) {
      if (body->size < 1 || body->size > 3 || !p->midi_in)
        continue; /* sysex and the like: not for us */
      const uint8_t *d = (const uint8_t *)LV2_ATOM_BODY_CONST(body);
      source_to(p, f);
      kt_event *k = kt_shell_event(&p->sh, f);
      k->type = KT_EV_MIDI;
      k->size = (uint8_t)body->size;
      k->midi[0] = d[0];
      k->midi[1] = body->size > 1 ? d[1] : 0;
      k->midi[2] = body->size > 2 ? d[2] : 0;
    } else if (lv2_atom_forge_is_object_type(&p->forge, body->type) &&
               body->size >= sizeof(LV2_Atom_Object_Body)) {
      const LV2_Atom_Object *obj = (const LV2_Atom_Object *)body;
      if (obj->body.otype == u->time_Position) {
        source_to(p, f);
        kt_event *k = kt_shell_event(&p->sh, f);
        k->type = KT_EV_POSITION;
        read_position(u, obj, &k->pos);
      } else if (obj->body.otype == u->patch_Set) {
        patch_set(p, obj);
      }
    }
  }
}

static void pl_run(kt_lv2 *p, uint32_t n_samples) KT_RT
{
  /* Output sequence: the host set atom.size to the buffer's capacity. */
  LV2_Atom_Forge_Frame seq;
  p->forge.buf = NULL;
  if (p->out_port && p->out_port->atom.size >= sizeof(LV2_Atom_Sequence)) {
    lv2_atom_forge_set_buffer(&p->forge, (uint8_t *)p->out_port,
                              p->out_port->atom.size);
    if (!lv2_atom_forge_sequence_head(&p->forge, &seq, 0)) p->forge.buf = NULL;
  }
  kt_shell_begin(&p->sh, n_samples);
  p->src_done = 0;

  read_params(p);
  if (kt_shell_take_model(&p->sh)) { /* from the worker or from restore */
    memcpy(p->rt_path, p->pending_path, sizeof p->rt_path);
    p->notify_model = 1;
  }
  flush_grave(p);
  if (kt_lv2_asked(p, p->in)) p->notify_model = 1; /* answered at frame 0 */
  if (p->notify_model) {
    notify_model(p, 0);
    p->notify_model = 0;
  }

  if (p->in) read_input(p, n_samples);
  source_to(p, n_samples);
  kt_shell_end(&p->sh);
  if (p->forge.buf)
    lv2_atom_forge_pop(&p->forge, &seq);
  else if (p->out_port && p->out_port->atom.size >= sizeof(LV2_Atom))
    p->out_port->atom.size = 0; /* no room even for an empty sequence */
  const kt_engine *e = p->sh.engine;
  if (p->latency)
    *p->latency = (float)(kt_engine_latency(e) + p->extra_latency);
  if (p->key) *p->key = (float)kt_engine_key(e);
  if (p->chord) *p->chord = (float)kt_engine_chord(e);
}

void kt_lv2_run(kt_lv2 *p, uint32_t n_samples) KT_RT
{
  kt_fpmode fp; /* flush-to-zero for the whole block (dsp/fpmode.h) */
  kt_fpmode_enter(&fp);
  pl_run(p, n_samples);
  kt_fpmode_leave(&fp);
}

/* ---- worker ------------------------------------------------------------- */

/* Load a model file; NULL + logged error if it cannot be used. */
static kt_engine_model *load_model(kt_lv2 *p, const char *path)
{
  char err[512];
  kt_engine_model *em = kt_shell_load_model(path, err, sizeof err);
  if (!em) {
    lv2_log_error(&p->logger, "kantor: model %s: %s\n", path, err);
    return NULL;
  }
  lv2_log_note(&p->logger, "kantor: loaded model %s\n", path);
  return em;
}

static void set_model_path(kt_lv2 *p, const char *path)
{
  pthread_mutex_lock(&p->path_lock);
  size_t len = strlen(path);
  if (len >= KT_LV2_PATH) len = KT_LV2_PATH - 1;
  memcpy(p->model_path, path, len);
  p->model_path[len] = '\0';
  pthread_mutex_unlock(&p->path_lock);
}

static LV2_Worker_Status work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle rh, uint32_t size,
                              const void *data)
{
  kt_lv2 *p = (kt_lv2 *)h;
  kt_lv2_msg msg;
  if (size < offsetof(kt_lv2_msg, path) + 1 || size > sizeof msg)
    return LV2_WORKER_ERR_UNKNOWN;
  memcpy(&msg, data, size);
  if (msg.type == KT_MSG_FREE) {
    kt_engine_model_free(msg.em);
    return LV2_WORKER_SUCCESS;
  }
  if (msg.type == KT_MSG_TOOLONG) {
    ((char *)&msg)[size - 1] = '\0';
    lv2_log_error(&p->logger,
                  "kantor: model path of %u bytes refused: a worker message "
                  "holds at most %d (%.*s...)\n",
                  msg.len,
                  (int)(KT_LV2_MSG_MAX - offsetof(kt_lv2_msg, path) - 1),
                  KT_LV2_PATH_SHOWN, msg.path);
    return LV2_WORKER_SUCCESS;
  }
  if (msg.type != KT_MSG_LOAD || msg.len >= KT_LV2_PATH ||
      offsetof(kt_lv2_msg, path) + msg.len + 1 > size)
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
  if (respond(rh, (uint32_t)(offsetof(kt_lv2_msg, path) + msg.len + 1), &msg) !=
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
  kt_lv2 *p = (kt_lv2 *)h;
  const kt_lv2_msg *msg = (const kt_lv2_msg *)data;
  if (size < offsetof(kt_lv2_msg, path) + 1 || msg->type != KT_MSG_LOADED ||
      msg->len >= KT_LV2_PATH ||
      offsetof(kt_lv2_msg, path) + msg->len + 1 > size)
    return LV2_WORKER_ERR_UNKNOWN;
  memcpy(p->pending_path, msg->path, msg->len);
  p->pending_path[msg->len] = '\0';
  /* two loads before one run: the older is not used */
  kt_shell_retire(&p->sh, kt_shell_hand_over(&p->sh, msg->em));
  return LV2_WORKER_SUCCESS;
}

/* After the cycle's responses (work_response may have retired a model
 * while the host's queue was full): what waits in the grave goes to the
 * worker now rather than at the next run(). */
static LV2_Worker_Status end_run(LV2_Handle h) KT_RT
{
  flush_grave((kt_lv2 *)h);
  return LV2_WORKER_SUCCESS;
}

/* ---- state -------------------------------------------------------------- */

static LV2_State_Status save(LV2_Handle h, LV2_State_Store_Function store,
                             LV2_State_Handle sh, uint32_t flags,
                             const LV2_Feature *const *features)
{
  (void)flags;
  kt_lv2 *p = (kt_lv2 *)h;
  char path[KT_LV2_PATH];
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

/* Restore is never concurrent with run(): load here and hand the model
 * over for the next run() to swap in (so the note-offs of the voices it
 * releases still reach the output). */
static LV2_State_Status restore(LV2_Handle h, LV2_State_Retrieve_Function ret,
                                LV2_State_Handle sh, uint32_t flags,
                                const LV2_Feature *const *features)
{
  (void)flags;
  kt_lv2 *p = (kt_lv2 *)h;
  size_t size = 0;
  uint32_t type = 0, vflags = 0;
  const void *value = ret(sh, p->u.kantor_model, &size, &type, &vflags);

  char cur[KT_LV2_PATH];
  pthread_mutex_lock(&p->path_lock);
  memcpy(cur, p->model_path, sizeof cur);
  pthread_mutex_unlock(&p->path_lock);

  kt_engine_model *em = NULL;
  char path[KT_LV2_PATH] = "";
  if (value) {
    if ((type != p->u.atom_Path && type != p->u.atom_String) || size < 1 ||
        size > KT_LV2_PATH || ((const char *)value)[size - 1] != '\0') {
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
    if (len < KT_LV2_PATH) memcpy(path, src, len + 1);
    if (abs) {
      if (fp)
        fp->free_path(fp->handle, abs);
      else
        free(abs);
    }
    if (len >= KT_LV2_PATH) {
      lv2_log_error(&p->logger, "kantor: state: model path too long\n");
      return LV2_STATE_ERR_UNKNOWN;
    }
    em = load_model(p, path);
    if (!em) return LV2_STATE_SUCCESS; /* logged; the current model stays */
  } else if (!cur[0] && !kt_shell_has_pending(&p->sh)) {
    return LV2_STATE_SUCCESS; /* already on the built-in models */
  }
  kt_shell_reap(&p->sh); /* not concurrent with run(): retired models go */
  memcpy(p->pending_path, path, sizeof path);
  kt_engine_model_free(kt_shell_hand_over(&p->sh, em));
  set_model_path(p, path);
  return LV2_STATE_SUCCESS;
}

const void *kt_lv2_extension_data(const char *uri)
{
  static const LV2_State_Interface state = {save, restore};
  static const LV2_Worker_Interface worker = {work, work_response, end_run};
  if (!strcmp(uri, LV2_STATE__interface)) return &state;
  if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
  return NULL;
}
