/* plugin/glue.h -- the LV2 glue every Kantor plugin shares (MIDI plugin
 * kantor.so, audio plugin kantor_audio.so): the control/output atom ports,
 * URIDs, time:Position and MIDI -> kt_event, kt_out -> the output sequence,
 * the engine's control ports and outputs, the worker model swap and state.
 *
 * A plugin's instance struct starts with a kt_lv2 (so the shared worker and
 * state interfaces can cast the LV2_Handle); kt_lv2_new allocates `size`
 * bytes.  Ports 0 .. KT_LV2_NPORTS-1 are the shared ones, a plugin's own
 * ports follow.  An optional event source (the audio plugin's pitch
 * tracker) adds events, merged by frame with the host's.  The engine's
 * event queue, output clamp and model hand-off are shell/core.h's. */
#ifndef KT_LV2_GLUE_H
#define KT_LV2_GLUE_H

#include "core.h"
#include "kantor_uris.h" /* URIs, ports */

#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/logger.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <pthread.h>
#include <stdint.h>

/* Input events queued per block (more: the block is processed up to the
 * next one). */
#define KT_LV2_EVENTS 1024
#define KT_LV2_PATH 4096 /* longest model path, with the NUL */

typedef struct {
  LV2_URID atom_Path, atom_String, atom_URID, atom_Int, atom_Long, atom_Float,
      atom_Double, atom_Bool, atom_Sequence;
  LV2_URID midi_Event;
  LV2_URID time_Position, time_frame, time_speed, time_bar, time_barBeat,
      time_beatsPerBar, time_beatUnit, time_beatsPerMinute;
  LV2_URID patch_Set, patch_Get, patch_property, patch_value;
  LV2_URID kantor_model;
  LV2_URID bufsz_maxBlockLength, bufsz_nominalBlockLength;
} kt_lv2_uris;

/* Worker messages (both directions).  TOOLONG: a patch:Set path that no
 * message may carry (KT_LV2_MSG_MAX): len is its length, path its first
 * KT_LV2_PATH_SHOWN bytes, for the worker to log. */
enum { KT_MSG_LOAD = 1, KT_MSG_FREE, KT_MSG_LOADED, KT_MSG_TOOLONG };
typedef struct {
  uint32_t type;
  uint32_t len;          /* path bytes, without the NUL */
  kt_engine_model *em;   /* FREE, LOADED (NULL: back to built-in models) */
  char path[KT_LV2_PATH]; /* LOAD, LOADED; only len + 1 bytes are sent */
} kt_lv2_msg;
/* The largest message sent to the worker or back: jalv's worker rings hold
 * 4096 bytes and a write that does not fit is lost without a word (its
 * size prefix may already be in: the ring is then out of step), so a model
 * path of more than KT_LV2_MSG_MAX - 17 bytes is refused in run() (and
 * logged by the worker), never sent. */
#define KT_LV2_MSG_MAX 2048
#define KT_LV2_PATH_SHOWN 120

typedef struct kt_lv2 kt_lv2;

/* RT: append up to `cap` events for frames [start, start + len) of the
 * current block to ev (frames relative to start, sorted); returns how many.
 * Called for consecutive pieces of the block (len <= the engine's chunk
 * size), each before the host's events that follow it. */
typedef uint32_t (*kt_lv2_source)(kt_lv2 *g, uint32_t start, uint32_t len,
                                  kt_event *ev, uint32_t cap);

struct kt_lv2 {
  /* ports */
  const LV2_Atom_Sequence *in;
  LV2_Atom_Sequence *out_port;
  const float *param[KT_NPARAMS];
  float *latency, *key, *chord;

  /* host features */
  LV2_URID_Map *map;
  LV2_Worker_Schedule *sched;
  LV2_Log_Logger logger;
  kt_lv2_uris u;
  LV2_Atom_Forge forge; /* midi_out */
  /* The forge of the lv2:control output, where the model's patch:Set goes
   * (midi_out's forge when NULL; the MIDI plugin points it at `notify`,
   * set up before kt_lv2_run, so that midi_out carries MIDI only). */
  LV2_Atom_Forge *ctl;

  /* the engine, its event queue, output clamp and model hand-off */
  kt_shell sh;
  float last[KT_NPARAMS]; /* last value sent; NaN = send on the next run */

  /* plugin specifics */
  int midi_in;            /* MIDI on the control port feeds the engine */
  kt_lv2_source source;   /* NULL: none */
  uint32_t src_cap;       /* events the source may add per piece */
  kt_event *src_ev;       /* src_cap events */
  uint32_t src_done;      /* frames of the block the source has covered */
  uint32_t extra_latency; /* frames added to the engine's in `latency` */

  /* model hand-off (audio thread side; the model waits in sh.inbox) */
  char pending_path[KT_LV2_PATH];
  char rt_path[KT_LV2_PATH]; /* path of the model in use ("" built-in) */
  int notify_model; /* send a patch:Set of the model on the control output */
  kt_lv2_msg msg;   /* scratch for building worker messages in run() */

  /* non-RT side: the path state save stores (worker thread, restore) */
  pthread_mutex_t path_lock;
  char model_path[KT_LV2_PATH];
};

/* RT: whether event e (from LV2_ATOM_SEQUENCE_FOREACH over seq) lies whole
 * inside the sequence; the loop stops at the first that does not (what
 * follows cannot be located).  Hosts send well-formed sequences; this keeps
 * a broken one from making us read past the port buffer. */
int kt_lv2_event_ok(const LV2_Atom_Sequence *seq,
                    const LV2_Atom_Event *e) KT_RT;
/* RT: lv2_atom_object_get with bounds: vals[i] = the value of the first
 * property keyed keys[i], or NULL.  Properties are read only while they
 * lie whole inside the object (its atom.size): a property cut off by the
 * object's end, and everything after it, is ignored. */
void kt_lv2_object_get(const LV2_Atom_Object *obj, int n, const LV2_URID *keys,
                       const LV2_Atom **vals) KT_RT;

/* RT: whether the sequence holds a patch:Get (a UI or host asking for the
 * current state; answered at the start of the block). */
int kt_lv2_asked(const kt_lv2 *g, const LV2_Atom_Sequence *seq) KT_RT;

/* Non-RT: allocate `size` (>= sizeof(kt_lv2)) zeroed bytes, read the host
 * features and start the engine.  src_events_per_kframe sizes the event
 * source's room: that many events per 1000 frames of a chunk, plus 16
 * (0 with no source).  NULL on failure (logged). */
kt_lv2 *kt_lv2_new(size_t size, double rate, const LV2_Feature *const *features,
                   uint32_t src_events_per_kframe);
void kt_lv2_free(kt_lv2 *g);
/* Connects a shared port; 0 if `port` is not one. */
int kt_lv2_connect(kt_lv2 *g, uint32_t port, void *data);
void kt_lv2_activate(kt_lv2 *g);
void kt_lv2_deactivate(kt_lv2 *g);
void kt_lv2_run(kt_lv2 *g, uint32_t n_samples) KT_RT;
/* The state and worker interfaces (the handle must point at a kt_lv2). */
const void *kt_lv2_extension_data(const char *uri);

#endif
