/* tests/fuzz/fuzz_plugin.c -- libFuzzer target: the MIDI plugin as a host
 * drives it (plugin/kantor_lv2.c + plugin/glue.c + the engine), fed
 * arbitrary atom sequences on its control port: malformed or truncated MIDI,
 * sysex, status bytes alone, events out of order or past the block,
 * time:Position objects whose fields have any type, value or size (tempo 0,
 * negative, NaN, infinite, absurd bars), properties cut off by the object's
 * end, patch:Set / patch:Get with wrong property or value types, unknown
 * atoms; any control port value (NaN, inf, out of range); blocks of 0 to
 * 100000 frames; output and notify buffers from none to roomy; model loads
 * through the worker (good, missing, back to built-in).
 *
 * Each sequence is copied into a buffer of exactly its size, so ASan sees
 * any read past an atom the plugin was given.  Invariants on every block:
 * the output is a well-formed sequence inside its buffer, sorted, every
 * event inside the block; MIDI is 1-3 bytes, channel messages only, no
 * note-on for a note already sounding on that channel.  At the end all
 * controls go back to their defaults and an all-sound-off on every channel
 * must leave nothing sounding. */
#include "glue.h"

#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KT_FUZZ_MODEL_TINY
#error "KT_FUZZ_MODEL_TINY: path of a small model file"
#endif
#ifndef KT_FUZZ_MODEL_L4
#error "KT_FUZZ_MODEL_L4: path of the shipped L4 model"
#endif

/* Bounded work per input (the soak and RTSan suites do long sessions). */
#define MAX_BLOCKS 24
#define MAX_FRAMES_TOTAL 400000u
#define SEQ_CAP 8192

/* ---- a host: URID map, log, worker ----------------------------------- */

#define N_URIS 96
static char uris[N_URIS][128];
static int n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
  (void)h;
  for (int i = 0; i < n_uris; ++i)
    if (!strcmp(uris[i], uri)) return (LV2_URID)(i + 1);
  if (n_uris == N_URIS || strlen(uri) >= sizeof uris[0]) abort();
  strcpy(uris[n_uris], uri);
  return (LV2_URID)++n_uris;
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
  (void)h;
  (void)type;
  (void)fmt;
  return 0; /* model load errors are expected here; quiet */
}

static int log_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt,
                       va_list ap)
{
  (void)h;
  (void)type;
  (void)fmt;
  (void)ap;
  return 0;
}

#define N_JOBS 8
static unsigned char jobs[N_JOBS][sizeof(kt_lv2_msg)];
static uint32_t job_size[N_JOBS];
static int n_jobs;

static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle h, uint32_t size,
                                  const void *data)
{
  (void)h;
  if (n_jobs == N_JOBS || size > sizeof jobs[0]) return LV2_WORKER_ERR_NO_SPACE;
  memcpy(jobs[n_jobs], data, size);
  job_size[n_jobs++] = size;
  return LV2_WORKER_SUCCESS;
}

static LV2_Handle instance;
static const LV2_Worker_Interface *worker;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle h, uint32_t size,
                                 const void *data)
{
  (void)h;
  return worker->work_response(instance, size, data);
}

/* The worker thread's turn (between two runs).  A requested model path
 * comes from the fuzzer: it is replaced by one of a few known files so the
 * campaign never opens arbitrary paths. */
static void run_jobs(void)
{
  for (int j = 0; j < n_jobs; ++j) {
    kt_lv2_msg m;
    memset(&m, 0, sizeof m);
    memcpy(&m, jobs[j], job_size[j]);
    uint32_t size = job_size[j];
    if (m.type == KT_MSG_LOAD && size > offsetof(kt_lv2_msg, path)) {
      const char *path = "/nonexistent/kantor-fuzz.kmod";
      if (m.len == 0)
        path = "";
      else if (m.path[0] == 't')
        path = KT_FUZZ_MODEL_TINY;
      else if (m.path[0] == 'm')
        path = KT_FUZZ_MODEL_L4;
      m.len = (uint32_t)strlen(path);
      memcpy(m.path, path, m.len + 1);
      size = (uint32_t)(offsetof(kt_lv2_msg, path) + m.len + 1);
    }
    worker->work(instance, respond, NULL, size, &m);
  }
  n_jobs = 0;
}

/* ---- input reader ------------------------------------------------------ */

typedef struct {
  const uint8_t *p, *end;
} rd;

static uint8_t u8(rd *r)
{
  return r->p < r->end ? *r->p++ : 0;
}

static uint32_t u16(rd *r)
{
  uint32_t v = u8(r);
  return v | (uint32_t)u8(r) << 8;
}

static void raw(rd *r, void *dst, size_t n)
{
  uint8_t *d = dst;
  for (size_t i = 0; i < n; ++i)
    d[i] = u8(r);
}

static float control_value(rd *r, int i)
{
  const kt_param_info *info = kt_param_get_info((kt_param)i);
  uint8_t b = u8(r);
  switch (b >> 5) {
  case 0:
    return info->def;
  case 1:
    return info->min + (info->max - info->min) * (float)(b & 31) / 31.0f;
  case 2:
    return (float)(b & 31) * 4.0f - 8.0f;
  case 3: {
    float f;
    raw(r, &f, sizeof f); /* any bit pattern */
    return f;
  }
  case 4:
    return NAN;
  case 5:
    return (b & 1) ? INFINITY : -INFINITY;
  case 6:
    return (b & 1) ? 1e30f : -1e30f;
  default:
    return info->max + (float)(b & 31);
  }
}

/* URIDs the input builder uses, mapped once (in the same order as the first
 * input always did: the numbers decide which raw type bytes hit them). */
enum {
  T_FLOAT,
  T_DOUBLE,
  T_INT,
  T_LONG,
  T_BOOL,
  T_STRING,
  T_PATH,
  T_URID,
  T_OBJECT,
  T_CHUNK,
  N_TYPES
};
static struct {
  LV2_URID pos_keys[8], patch_keys[3], types[N_TYPES];
  LV2_URID model, position, set, get;
} U;
static LV2_URID u_midi, u_object, u_blank, u_sequence;

/* ---- sequence builder -------------------------------------------------- */

static _Alignas(8) uint8_t build[SEQ_CAP];

typedef struct {
  uint32_t off; /* bytes used in build[] */
  int full;
} seqb;

static void *put(seqb *s, const void *src, uint32_t n)
{
  if (s->full || s->off + n > SEQ_CAP) {
    s->full = 1;
    return NULL;
  }
  void *d = build + s->off;
  if (src)
    memcpy(d, src, n);
  else
    memset(d, 0, n);
  s->off += n;
  return d;
}

static void pad8(seqb *s)
{
  while (!s->full && (s->off & 7))
    put(s, NULL, 1);
}

/* An atom header + body of the given type, body from the input. */
static LV2_Atom *put_atom(seqb *s, rd *r, LV2_URID type, uint32_t body)
{
  LV2_Atom a = {body, type};
  LV2_Atom *h = put(s, &a, sizeof a);
  uint8_t *b = put(s, NULL, body);
  if (b) raw(r, b, body);
  return h;
}

/* A property value: any type, size exact, short, long or zero. */
static void put_value(seqb *s, rd *r, const LV2_URID *types, int n_types)
{
  uint8_t t = u8(r), m = u8(r);
  LV2_URID type = (t & 0x80) ? (LV2_URID)(t & 0x7f) : types[t % n_types];
  uint32_t size = 8;
  if (type == U.types[T_INT] || type == U.types[T_FLOAT] ||
      type == U.types[T_BOOL] || type == U.types[T_URID])
    size = 4;
  if (type == U.types[T_STRING] || type == U.types[T_PATH]) size = 1 + (m & 15);
  switch (m >> 6) {
  case 1:
    size = size > 1 ? size / 2 : 0;
    break; /* too short for its type */
  case 2:
    size += m & 7;
    break;
  case 3:
    size = 0;
    break;
  default:
    break;
  }
  put_atom(s, r, type, size);
  pad8(s);
}

/* An object event body: otype, properties with keys from `keys`; the
 * object's size may be cut short (ending inside a property header or
 * value) -- but never past the event, which the sequence vouches for. */
static void put_object(seqb *s, rd *r, LV2_URID otype, const LV2_URID *keys,
                       int n_keys, const LV2_URID *types, int n_types)
{
  uint32_t start = s->off;
  LV2_Atom_Object o = {{0, u_object}, {0, otype}};
  if (u8(r) & 1) o.atom.type = u_blank;
  if (!put(s, &o, sizeof o)) return;
  int n_props = u8(r) % 10;
  for (int i = 0; i < n_props && !s->full; ++i) {
    uint8_t k = u8(r);
    LV2_Atom_Property_Body pb = {
        (k & 0x80) ? (LV2_URID)(k & 0x7f) : keys[k % n_keys], 0, {0, 0}};
    if (!put(s, &pb, 8)) return; /* key, context; value follows */
    put_value(s, r, types, n_types);
  }
  if (s->full) return;
  LV2_Atom_Object *h = (LV2_Atom_Object *)(build + start);
  uint32_t body = s->off - start - (uint32_t)sizeof(LV2_Atom);
  uint8_t cut = u8(r);
  if (cut >= 0xC0 && body > 8) /* cut inside the properties */
    body = 8 + (uint32_t)(cut & 0x3f) % (body - 8);
  h->atom.size = body;
}

/* ---- output checks ----------------------------------------------------- */

static int sounding[16][128];

static void check_output(const LV2_Atom_Sequence *seq, uint32_t cap,
                         uint32_t n_frames)
{
  if (!cap) return;
  if (seq->atom.size == 0) return; /* "no room": allowed */
  if (seq->atom.type != u_sequence || seq->atom.size + sizeof(LV2_Atom) > cap)
    abort();
  int64_t last = 0;
  LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
  {
    const uint8_t *end =
        (const uint8_t *)seq + sizeof(LV2_Atom) + seq->atom.size;
    if ((const uint8_t *)(ev + 1) + ev->body.size > end) abort();
    int64_t t = ev->time.frames;
    if (t < last || t < 0 || (n_frames && t >= n_frames) ||
        (!n_frames && t != 0))
      abort();
    last = t;
    if (ev->body.type == u_object || ev->body.type == u_blank) continue;
    if (ev->body.type != u_midi || ev->body.size < 1 || ev->body.size > 3)
      abort();
    const uint8_t *d = (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body);
    if (!(d[0] & 0x80) || d[0] >= 0xF0) abort();
    for (uint32_t i = 1; i < ev->body.size; ++i)
      if (d[i] & 0x80) abort();
    int st = d[0] & 0xF0, ch = d[0] & 15;
    if (ev->body.size == 3 && st == 0x90 && d[2]) {
      if (sounding[ch][d[1]]) abort(); /* doubled note */
      sounding[ch][d[1]] = 1;
    } else if (ev->body.size == 3 && (st == 0x80 || st == 0x90)) {
      sounding[ch][d[1]] = 0;
    } else if (ev->body.size == 3 && st == 0xB0 &&
               (d[1] == 120 || d[1] == 123)) {
      memset(sounding[ch], 0, sizeof sounding[ch]);
    }
  }
}

static void check_notify(const LV2_Atom_Sequence *seq, uint32_t cap)
{
  if (!cap || seq->atom.size == 0) return;
  if (seq->atom.type != u_sequence || seq->atom.size + sizeof(LV2_Atom) > cap)
    abort();
}

/* KT_FUZZ_TRACE=1: what each block sent and got (to check the seeds). */
static int trace;

static void trace_block(const LV2_Atom_Sequence *seq, uint32_t cap,
                        uint32_t n_frames, uint32_t in_bytes)
{
  fprintf(stderr, "block %u frames, %u input bytes:", n_frames, in_bytes);
  if (cap && seq->atom.size) {
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
      const uint8_t *d = (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body);
      if (ev->body.type == u_midi)
        fprintf(stderr, " %lld:%02x.%d.%d", (long long)ev->time.frames, d[0],
                ev->body.size > 1 ? d[1] : 0, ev->body.size > 2 ? d[2] : 0);
      else
        fprintf(stderr, " %lld:object", (long long)ev->time.frames);
    }
  }
  fprintf(stderr, "\n");
}

/* ---- the target --------------------------------------------------------- */

static _Alignas(8) uint8_t out_buf[65536 + 64];
static _Alignas(8) uint8_t notify_buf[65536 + 64];
static float params[KT_NPARAMS];
static float out_latency, out_key, out_chord;

static const LV2_Descriptor *desc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static LV2_URID_Map map = {NULL, map_uri};
  static LV2_Log_Log log = {NULL, log_printf, log_vprintf};
  static LV2_Worker_Schedule sched = {NULL, schedule};
  static const LV2_Feature f_map = {LV2_URID__map, &map};
  static const LV2_Feature f_log = {LV2_LOG__log, &log};
  static const LV2_Feature f_sched = {LV2_WORKER__schedule, &sched};
  rd r = {data, data + size};

  if (!desc) {
    trace = getenv("KT_FUZZ_TRACE") != NULL;
    desc = lv2_descriptor(0);
    if (!desc) abort();
    u_midi = map_uri(NULL, LV2_MIDI__MidiEvent);
    u_object = map_uri(NULL, LV2_ATOM__Object);
    u_blank = map_uri(NULL, LV2_ATOM__Blank);
    u_sequence = map_uri(NULL, LV2_ATOM__Sequence);
    map_uri(NULL, LV2_ATOM__Chunk);
  }

  /* The host: features, rate and maxBlockLength from the input.  One
   * instance per combination, made once and re-activated for each input
   * (instantiating costs more than a typical input's run). */
  static const double rates[4] = {48000, 44100, 96000, 22050};
  static LV2_Handle cache[32];
  uint8_t setup = u8(&r);
  int key = setup & 31;
  if (!cache[key]) {
    static int32_t max_block = 256;
    static LV2_Options_Option opts[2];
    opts[0] = (LV2_Options_Option){
        LV2_OPTIONS_INSTANCE,
        0,
        map_uri(NULL, "http://lv2plug.in/ns/ext/buf-size#maxBlockLength"),
        sizeof(int32_t),
        map_uri(NULL, LV2_ATOM__Int),
        &max_block};
    const LV2_Feature f_opts = {LV2_OPTIONS__options, opts};
    const LV2_Feature *features[5];
    int nf = 0;
    features[nf++] = &f_map;
    if (setup & 1) features[nf++] = &f_log;
    if (setup & 2) features[nf++] = &f_sched;
    if (setup & 4) features[nf++] = &f_opts;
    features[nf] = NULL;
    cache[key] = desc->instantiate(desc, rates[(setup >> 3) & 3],
                                   "/nonexistent/", features);
    if (!cache[key]) abort();
  }
  instance = cache[key];
  worker = desc->extension_data(LV2_WORKER__interface);
  n_jobs = 0;
  kt_lv2 *g = (kt_lv2 *)instance;
  if (g->sched && (g->rt_path[0] || kt_shell_has_pending(&g->sh))) {
    /* the previous input loaded a file: back to the built-in models (the
     * swap happens in the first run) */
    kt_lv2_msg m;
    memset(&m, 0, sizeof m);
    m.type = KT_MSG_LOAD;
    worker->work(instance, respond, NULL,
                 (uint32_t)offsetof(kt_lv2_msg, path) + 1, &m);
  }

  for (int i = 0; i < KT_NPARAMS; ++i) {
    params[i] = kt_param_get_info((kt_param)i)->def;
    desc->connect_port(instance, KT_PORT_PARAM0 + (uint32_t)i, &params[i]);
  }
  int connect_outputs = !(setup & 0x20);
  desc->connect_port(instance, KT_PORT_LATENCY,
                     connect_outputs ? &out_latency : NULL);
  desc->connect_port(instance, KT_PORT_KEY, connect_outputs ? &out_key : NULL);
  desc->connect_port(instance, KT_PORT_CHORD,
                     connect_outputs ? &out_chord : NULL);
  desc->activate(instance);
  memset(sounding, 0, sizeof sounding);

  if (!U.types[0]) { /* once, after the first instance mapped its own */
    static const char *const pos[8] = {
        LV2_TIME__frame,          LV2_TIME__speed,       LV2_TIME__bar,
        LV2_TIME__barBeat,        LV2_TIME__beatsPerBar, LV2_TIME__beatUnit,
        LV2_TIME__beatsPerMinute, LV2_TIME__beat};
    static const char *const patch[3] = {LV2_PATCH__property, LV2_PATCH__value,
                                         LV2_PATCH__subject};
    static const char *const types[N_TYPES] = {
        LV2_ATOM__Float,  LV2_ATOM__Double, LV2_ATOM__Int,  LV2_ATOM__Long,
        LV2_ATOM__Bool,   LV2_ATOM__String, LV2_ATOM__Path, LV2_ATOM__URID,
        LV2_ATOM__Object, LV2_ATOM__Chunk};
    for (int i = 0; i < 8; ++i)
      U.pos_keys[i] = map_uri(NULL, pos[i]);
    for (int i = 0; i < 3; ++i)
      U.patch_keys[i] = map_uri(NULL, patch[i]);
    for (int i = 0; i < N_TYPES; ++i)
      U.types[i] = map_uri(NULL, types[i]);
    U.model = map_uri(NULL, KT_MODEL_URI);
    U.position = map_uri(NULL, LV2_TIME__Position);
    U.set = map_uri(NULL, LV2_PATCH__Set);
    U.get = map_uri(NULL, LV2_PATCH__Get);
  }
  const LV2_URID *pos_keys = U.pos_keys, *patch_keys = U.patch_keys,
                 *types = U.types;
  const int n_types = N_TYPES;
  const LV2_URID u_model = U.model, u_position = U.position, u_set = U.set,
                 u_get = U.get, u_urid = types[T_URID], u_path = types[T_PATH];

  static const uint32_t out_caps[4] = {0, 96, 2048, 65536};
  uint32_t total = 0;
  for (int block = 0; block < MAX_BLOCKS && r.p < r.end; ++block) {
    uint8_t bh = u8(&r);
    uint32_t n_frames;
    switch (bh & 7) {
    case 0:
      n_frames = 0;
      break;
    case 1:
      n_frames = 1 + u8(&r);
      break;
    case 6:
      n_frames = 100000;
      break;
    case 7:
      n_frames = 65536;
      break;
    default:
      n_frames = 64u << (bh & 7);
      break; /* 256 .. 4096 */
    }
    if (total + n_frames > MAX_FRAMES_TOTAL) break;
    total += n_frames;
    uint32_t out_cap = out_caps[(bh >> 3) & 3];
    uint32_t notify_cap = out_caps[(bh >> 5) & 3];

    /* automation */
    int n_auto = (bh & 0x80) ? u8(&r) % 6 : 0;
    for (int a = 0; a < n_auto; ++a) {
      int i = u8(&r) % KT_NPARAMS;
      params[i] = control_value(&r, i);
      if (trace)
        fprintf(stderr, "set %s = %g\n", kt_param_get_info((kt_param)i)->symbol,
                (double)params[i]);
    }

    /* the control port's sequence */
    seqb s = {0, 0};
    LV2_Atom_Sequence head = {{0, u_sequence}, {0, 0}};
    if (u8(&r) == 0xEE) head.body.unit = map_uri(NULL, LV2_ATOM__beatTime);
    put(&s, &head, sizeof head);
    int n_ev = u8(&r) % 24;
    for (int e = 0; e < n_ev && r.p < r.end && !s.full; ++e) {
      uint8_t kind = u8(&r);
      int64_t frame = (int64_t)u16(&r);
      if (kind & 0x80) frame = -frame;
      if ((kind & 0x40) && n_frames) frame = (int64_t)n_frames + (frame & 15);
      if (!put(&s, &frame, sizeof frame)) break; /* the event's time */
      switch (kind & 7) {
      case 0:
      case 1:
      case 2: /* MIDI of 0..7 bytes */
        put_atom(&s, &r, u_midi, (kind & 0x38) >> 3);
        break;
      case 3:
        put_object(&s, &r, u_position, pos_keys, 8, types, n_types);
        break;
      case 4: /* patch:Set: a well-formed model Set, or anything */
        if (u8(&r) & 1) {
          put_object(&s, &r, u_set, patch_keys, 3, types, n_types);
        } else {
          uint32_t os = s.off;
          LV2_Atom_Object o = {{0, u_object}, {0, u_set}};
          put(&s, &o, sizeof o);
          LV2_Atom_Property_Body pb = {patch_keys[0], 0, {4, u_urid}};
          put(&s, &pb, sizeof pb);
          put(&s, &u_model, 4);
          pad8(&s);
          uint32_t plen = 1 + u8(&r) % 12;
          LV2_Atom_Property_Body pv = {patch_keys[1], 0, {plen, u_path}};
          put(&s, &pv, sizeof pv);
          char *path = put(&s, NULL, plen);
          if (path) {
            raw(&r, path, plen - 1);
            if (u8(&r) & 1) path[plen - 1] = '\0'; /* else unterminated */
          }
          if (!s.full) {
            LV2_Atom_Object *h = (LV2_Atom_Object *)(build + os);
            h->atom.size = s.off - os - (uint32_t)sizeof(LV2_Atom);
          }
        }
        break;
      case 5:
        put_object(&s, &r, u_get, patch_keys, 3, types, n_types);
        break;
      default: { /* any atom: unknown type, chunk, string, ... */
        uint8_t t = u8(&r);
        put_atom(&s, &r, (t & 0x80) ? types[t % n_types] : (LV2_URID)t,
                 u8(&r) % 40u);
        break;
      }
      }
      pad8(&s);
    }
    /* the host's sequence: every event lies inside it */
    LV2_Atom_Sequence *bh_seq = (LV2_Atom_Sequence *)build;
    uint32_t used = (uint32_t)sizeof(LV2_Atom_Sequence);
    {
      uint32_t off = (uint32_t)sizeof(LV2_Atom_Sequence);
      while (off + sizeof(LV2_Atom_Event) <= s.off) {
        const LV2_Atom_Event *ev = (const LV2_Atom_Event *)(build + off);
        if (ev->body.size > s.off - off - sizeof(LV2_Atom_Event)) break;
        uint32_t end = off + (uint32_t)sizeof(LV2_Atom_Event) + ev->body.size;
        used = end;
        off = (end + 7u) & ~7u;
      }
    }
    bh_seq->atom.size = used - (uint32_t)sizeof(LV2_Atom);
    uint8_t *in = malloc(used);
    memcpy(in, build, used);

    desc->connect_port(instance, KT_PORT_CONTROL, in);
    LV2_Atom_Sequence *out = (LV2_Atom_Sequence *)out_buf;
    LV2_Atom_Sequence *notify = (LV2_Atom_Sequence *)notify_buf;
    out->atom.size = out_cap ? out_cap - (uint32_t)sizeof(LV2_Atom) : 0;
    notify->atom.size =
        notify_cap ? notify_cap - (uint32_t)sizeof(LV2_Atom) : 0;
    desc->connect_port(instance, KT_PORT_OUT, out_cap ? out : NULL);
    desc->connect_port(instance, KT_PORT_NOTIFY, notify_cap ? notify : NULL);
    uint32_t dropped = ((kt_lv2 *)instance)->sh.dropped_out;
    kt_engine_state st0, st1;
    kt_engine_get_state(g->sh.engine, &st0);
    desc->run(instance, n_frames);
    kt_engine_get_state(g->sh.engine, &st1);
    /* the decision cap, whatever tempo and speed the host sends: at most 2
       net runs per KT_DECIDE_GAP_S of audio (plus 3) */
    if (st1.net_runs - st0.net_runs >
        2 * (int64_t)((double)n_frames /
                      ceil(rates[(setup >> 3) & 3] * KT_DECIDE_GAP_S)) +
            3)
      abort();
    check_output(out, out_cap, n_frames);
    if (trace) trace_block(out, out_cap, n_frames, used);
    check_notify(notify, notify_cap);
    free(in);
    if (!out_cap || ((kt_lv2 *)instance)->sh.dropped_out != dropped) {
      /* lost events (no buffer, or no room): later checks would be blind */
      memset(sounding, 0, sizeof sounding);
      dropped = ((kt_lv2 *)instance)->sh.dropped_out;
    }
    run_jobs();
    if (connect_outputs &&
        !(out_latency >= 0 && isfinite(out_key) && isfinite(out_chord)))
      abort();
  }

  /* Defaults back, then all-sound-off on every channel in one block: */
  for (int i = 0; i < KT_NPARAMS; ++i)
    params[i] = kt_param_get_info((kt_param)i)->def;
  seqb s = {0, 0};
  LV2_Atom_Sequence head = {{0, u_sequence}, {0, 0}};
  put(&s, &head, sizeof head);
  for (int ch = 0; ch < 16; ++ch) {
    LV2_Atom_Event eh = {{0}, {3, u_midi}};
    uint8_t m[8] = {(uint8_t)(0xB0 | ch), 120, 0, 0, 0, 0, 0, 0};
    put(&s, &eh, sizeof eh);
    put(&s, m, 8);
  }
  ((LV2_Atom_Sequence *)build)->atom.size = s.off - (uint32_t)sizeof(LV2_Atom);
  LV2_Atom_Sequence *out = (LV2_Atom_Sequence *)out_buf;
  out->atom.size = 65536 - (uint32_t)sizeof(LV2_Atom);
  desc->connect_port(instance, KT_PORT_CONTROL, build);
  desc->connect_port(instance, KT_PORT_OUT, out);
  desc->connect_port(instance, KT_PORT_NOTIFY, NULL);
  desc->run(instance, 1);
  check_output(out, 65536, 1);
  if (trace) trace_block(out, 65536, 1, s.off);
  /* Pass-through is delayed by the latency it had when it came in (the
   * defaults may just have changed the latency): wait until the last queued
   * event is due.  A host can make that absurdly far (1 BPM at speed 0.001):
   * then the check is skipped. */
  ((LV2_Atom_Sequence *)build)->atom.size = sizeof(LV2_Atom_Sequence_Body);
  kt_engine_state st;
  kt_engine_get_state(g->sh.engine, &st);
  int check = st.pt_wait <= (1 << 23);
  for (int64_t wait = st.pt_wait + 1; check && wait > 0;) {
    uint32_t n = wait > 65536 ? 65536 : (uint32_t)wait;
    out->atom.size = 65536 - (uint32_t)sizeof(LV2_Atom);
    desc->run(instance, n);
    check_output(out, 65536, n);
    if (trace) trace_block(out, 65536, n, 16);
    wait -= n;
  }
  if (check) {
    kt_engine_get_state(g->sh.engine, &st);
    if (st.pt_queued) abort(); /* all due by now */
    for (int ch = 0; ch < 16; ++ch)
      for (int n = 0; n < 128; ++n)
        if (sounding[ch][n]) {
          if (trace) fprintf(stderr, "stuck: channel %d note %d\n", ch + 1, n);
          abort(); /* stuck after all-sound-off */
        }
  }

  run_jobs();
  desc->deactivate(instance);
  run_jobs(); /* retired models are freed by the worker */
  return 0;
}
