/* shell/core.h -- what every plugin shell (LV2 MIDI and audio plugins,
 * CLAP) does around the engine, whatever its host API:
 *
 *   - the event queue: the shell turns the host's events into kt_events
 *     (kt_shell_event), in block order; kt_shell_run_to processes the block
 *     up to a frame (sample-accurate parameter changes), kt_shell_end the
 *     rest.  The engine cuts the block into chunks (kt_engine_run).
 *   - the output clamp: each chunk's kt_out goes to the shell's `write`
 *     callback, frames kept in the block and never going back; the engine
 *     is never given more room than the host's `room` says (so a note-off
 *     it believes sent is sent), and when the host is short of room
 *     note-ons are dropped first.
 *   - the model hand-off: a user model loaded off the audio thread
 *     (kt_shell_load_model) is handed over (kt_shell_hand_over) and swapped
 *     in at the start of a block (kt_shell_take_model); the model it
 *     replaces goes to the grave, which the shell empties off the audio
 *     thread (its worker or main thread: kt_shell_unbury / kt_shell_reap).
 *
 * The shells keep only their API's glue: ports / atoms / URIDs / state /
 * worker messages (plugin/glue.c), CLAP extensions (clap/kantor_clap.c). */
#ifndef KT_SHELL_CORE_H
#define KT_SHELL_CORE_H

#include "engine.h"

#include <stdatomic.h>
#include <stdint.h>

#define KT_SHELL_GRAVE 16 /* retired models waiting for a non-RT free */
#define KT_SHELL_DEFAULT_BLOCK 8192 /* when the host names no block size */
#define KT_SHELL_MAX_BLOCK 65536

/* The host's side of the output, both RT: room(ctx) = how many more MIDI
 * events (of up to 3 bytes) the host's output can take (UINT32_MAX: no
 * limit); write(ctx, frame, data, size) = 1 if the event went out. */
typedef struct {
  uint32_t (*room)(void *ctx);
  int (*write)(void *ctx, uint32_t frame, const uint8_t *data, uint32_t size);
  void *ctx;
} kt_shell_output;

typedef struct {
  kt_engine *engine; /* NULL: not started */
  double rate;
  uint32_t max_block; /* the engine's chunk size */
  kt_shell_output io;

  /* the event queue: frames relative to `start` */
  kt_event *ev;
  uint32_t ev_cap, n_ev;
  uint32_t start; /* first frame of the block not processed yet */
  uint32_t block; /* frames in the current block */

  kt_out out;
  uint32_t out_alloc;      /* events allocated in out.ev */
  int64_t last_out;        /* output frames never go back */
  atomic_uint dropped_out; /* events the host did not take */

  /* model hand-off: 0, KT_SHELL_BUILTIN or a kt_engine_model * */
  atomic_uintptr_t inbox;
  atomic_uintptr_t grave[KT_SHELL_GRAVE];
} kt_shell;

/* Non-RT: start the engine (s zeroed before, or after kt_shell_fini) with
 * an event queue of n_events.  0, or -1 + err. */
int kt_shell_init(kt_shell *s, double rate, uint32_t max_block,
                  uint32_t n_events, kt_shell_output io, char *err,
                  size_t errlen);
/* Non-RT: free everything (user model, pending model, grave); s zeroed. */
void kt_shell_fini(kt_shell *s);
/* The host's block length as a chunk size: 16..KT_SHELL_MAX_BLOCK, `b` or
 * KT_SHELL_DEFAULT_BLOCK when 0. */
uint32_t kt_shell_block_size(int64_t b);

/* ---- audio thread ---- */

/* A block of n_frames starts (no output written yet). */
void kt_shell_begin(kt_shell *s, uint32_t n_frames) KT_RT;
/* A slot for one input event at block frame f (clamped into the block,
 * never before an earlier event; what the queue holds before it may be
 * processed first).  Zeroed but for its frame; the caller fills it. */
kt_event *kt_shell_event(kt_shell *s, uint32_t f) KT_RT;
/* Process the block up to frame t with the events queued before it. */
void kt_shell_run_to(kt_shell *s, uint32_t t) KT_RT;
/* Process the rest of the block (a block of 0 frames: its events now). */
void kt_shell_end(kt_shell *s) KT_RT;
/* o's events (frames relative to `offset` in the block) -> io.write, then
 * o emptied; out.cap fitted to the host's room. */
void kt_shell_put(kt_shell *s, kt_out *o, uint32_t offset) KT_RT;

/* The model handed over, if any, swapped in (the voices it releases get
 * their note-offs, at frame 0), the one it replaces retired.  1 if so. */
int kt_shell_take_model(kt_shell *s) KT_RT;
/* A model out of use: into the grave (leaked if all KT_SHELL_GRAVE slots
 * are taken: never freed on the audio thread).  Any thread. */
void kt_shell_retire(kt_shell *s, kt_engine_model *em) KT_RT;
/* One model from the grave (NULL: empty), for the caller to have freed
 * off the audio thread (or put back with kt_shell_retire).  Any thread. */
kt_engine_model *kt_shell_unbury(kt_shell *s) KT_RT;

/* ---- any thread ---- */

/* em (NULL: back to the built-in models) is installed by the next
 * kt_shell_take_model.  Returns the model handed over before and never
 * installed (NULL if none), now the caller's. */
kt_engine_model *kt_shell_hand_over(kt_shell *s, kt_engine_model *em) KT_RT;
int kt_shell_has_pending(kt_shell *s) KT_RT;

/* ---- off the audio thread ---- */

/* Free what the grave holds. */
void kt_shell_reap(kt_shell *s);
/* The newest user model out of the engine (the one handed over if any,
 * else the one in use; NULL: built-in), now the caller's; the engine is
 * left on the built-in models.  Not concurrent with the audio thread. */
kt_engine_model *kt_shell_detach_model(kt_shell *s);
/* A model file -> an engine model, or NULL + err. */
kt_engine_model *kt_shell_load_model(const char *path, char *err,
                                     size_t errlen);

#endif
