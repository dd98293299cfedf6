/* dsp/engine.h -- the one real-time engine every shell drives (LV2 plugin,
 * kantor render/eval/live, the tests, the benches).
 *
 * Flow per block: host events (MIDI, transport position) -> clock (sixteenth
 * slice boundaries) -> melody (monophonic soprano, grace window) -> encode ->
 * net -> decode (argmax / seeded sampling / guard) -> voices (note-on/off
 * bookkeeping) -> MIDI out.  Everything reachable from the KT_RT functions
 * below is allocation-, lock- and I/O-free; memory is sized at creation. */
#ifndef KT_ENGINE_H
#define KT_ENGINE_H

#include "model.h"
#include "params.h" /* kt_param, kt_slice_view */
#include "rt.h"
#include "types.h"
#include <stddef.h>
#include <stdint.h>

/* Output capacity that can never drop anything in one kt_engine_process
 * call of n_in_events events and n_frames frames, whatever the tempo and
 * transport speed: the note-on/note-off pairs of the net's runs (at most
 * KT_DECIDE_GAP_S apart, see below), the pass-through of every input event
 * and of the KT_PT_QUEUE (256) queued before, and the note-offs of every
 * note passed through (16 x 128): 2 * (n_in_events + 256) + 6 * runs +
 * 2118 or so. */
uint32_t kt_engine_out_needed(uint32_t n_in_events, uint32_t n_frames,
                              double rate);

typedef struct kt_engine kt_engine;
typedef struct kt_engine_model kt_engine_model; /* a model + its buffers */

/* Non-RT: wrap a loaded model (taking ownership) with its inference buffers.
 * Fails (NULL + err) if the model is not a live model this engine can run,
 * or if its worst-case cost per slice (kt_engine_model_cost) is above
 * kt_engine_cost_budget: the audio thread must keep up whatever the file. */
kt_engine_model *kt_engine_model_new(kt_model *m, char *err, size_t errlen);
void kt_engine_model_free(kt_engine_model *em);

/* A model's worst-case multiply-adds for one slice: every net, layer by
 * layer (the first layer's active rows, kt_repr_max_active, every row of
 * the hidden ones), times the 2 * shift_avg + 1 passes of the averaging,
 * times 2 for a lookahead-0 model (a note in the grace window decides the
 * slice again).  The budget: KT_COST_MULTIPLE times the costliest model
 * compiled in (computed once). */
#define KT_COST_MULTIPLE 4
/* An int8 model (kt_repr.quant, nn/q8.h) counts its later layers' inputs
 * padded to a multiple of four, at 2/5 of a float multiply-add: a slice of
 * teacher-l4.kmod takes 0.35 of the float time int8 (bench_infer,
 * models/MODEL.md). */
#define KT_COST_Q8_NUM 2
#define KT_COST_Q8_DEN 5
uint64_t kt_engine_model_cost(const kt_model *m);
uint64_t kt_engine_cost_budget(void);

/* Non-RT: create with the embedded models.  max_block: the chunk size of
 * kt_engine_run (kt_engine_process takes any n_frames). */
kt_engine *kt_engine_new(double rate, uint32_t max_block, char *err,
                         size_t errlen);
void kt_engine_free(kt_engine *e);

void kt_engine_set_param(kt_engine *e, kt_param p, float v) KT_RT;
float kt_engine_get_param(const kt_engine *e, kt_param p) KT_RT;

/* Averaging over moved melodies (kt_repr.shift_avg): -1 (default) = what
 * the model says, 0 = off, 1..KT_MAX_SHIFT_AVG = over -n..+n semitones.
 * For measuring (kantor eval --shift-avg); not a plugin parameter. */
void kt_engine_set_shift_avg(kt_engine *e, int n) KT_RT;

/* The guard's style terms (dsp/decode.h, kt_decode_style), which lean the
 * joint choice of alto, tenor and bass towards Bach's style statistics.
 * The parameter KT_P_STYLE chooses them: 0 Plain, none (the classic
 * guard); 1 Balanced, the light weights (kt_engine_style_light), the
 * default; 2 Bach, the shipped style weights (kt_engine_style_default).
 * kt_engine_set_style sets that parameter -- on 0: Plain; on 1 with s
 * NULL: Bach; on 2 or 3: Balanced; on -1: as kt_engine_new starts
 * (KT_STYLE_DEFAULT_ON, 2) -- or, on 1 with s, uses a copy of s (its
 * chord_tab replaced by the engine's own) whatever the parameter says,
 * until the next call (kantor eval / render --style: for measuring).
 * kt_engine_get_style: the terms in use for the current model in *s (may
 * be NULL) and which: 1 the shipped (Bach) weights, 2 the caller's, 3 the
 * light ones; or 0 when off. */
typedef struct kt_decode_style kt_decode_style; /* dsp/decode.h */
void kt_engine_set_style(kt_engine *e, int on, const kt_decode_style *s) KT_RT;
int kt_engine_get_style(const kt_engine *e, kt_decode_style *s) KT_RT;
/* The shipped weights of the style terms for a model of this lookahead
 * (chosen on the valid split, models/MODEL.md): Bach's statistics first,
 * at some cost in exact accuracy. */
void kt_engine_style_default(kt_decode_style *s, int lookahead) KT_RT;
/* The light weights for this lookahead: chosen on the valid split to put
 * fewer of Bach's statistics off without lowering exact accuracy
 * (models/MODEL.md).  Returns 1: they are the engine's default at every
 * lookahead (on 2 of kt_engine_set_style). */
int kt_engine_style_light(kt_decode_style *s, int lookahead) KT_RT;

/* RT: install a user model (NULL: back to the embedded ones).  Sounding
 * voices are released first.  Returns the previous user model (or NULL),
 * which the caller frees off the audio thread. */
kt_engine_model *kt_engine_swap_model(kt_engine *e, kt_engine_model *em,
                                      kt_out *out) KT_RT;

/* The decision cap: the net runs for a slice boundary only if it last ran
 * at least KT_DECIDE_GAP_S before (in absolute frames, so the same for any
 * block partition), and again for a note in the grace window only for a
 * slice it ran for (or as the cap allows): at most 2 runs per 5 ms of
 * audio whatever the tempo (1000 BPM x speed 16 gives a slice every 0.23
 * ms).  A capped slice holds the notes still sounding and starts none; a
 * melody rest still silences the voices (no net needed), so nothing sticks.
 * Below 200 slices a second (3000 BPM in quarters) it never acts. */
#define KT_DECIDE_GAP_S 0.005

/* With lookahead L > 0 a slice is decided, and its harmony sounds with its
 * melody, L slices plus a listen time after it opened: min(KT_LISTEN_S,
 * KT_LISTEN_SLICES of a slice).  It lets the last slice of the window
 * arrive from a player whose notes are uneven (a note of slice d + L may
 * come up to ~2 sd of the jitter after the L slices counted from d's own
 * note; without it half of those were read as the note before).  The
 * latency reported is the same: L slices + the listen time (docs/
 * timing.md, "Lookahead listen time"). */
#define KT_LISTEN_S 0.060
#define KT_LISTEN_SLICES 0.5

/* RT: process one block.  Events sorted by frame (out-of-order or
 * out-of-block frames are clamped; malformed MIDI is dropped).  Any
 * n_frames; out must hold what the whole call sends (kt_engine_out_needed),
 * else note-ons are dropped (out->dropped) and notes it cannot release
 * are released later: nothing is ever written beyond out->cap. */
void kt_engine_process(kt_engine *e, const kt_event *ev, uint32_t n_ev,
                       uint32_t n_frames, kt_out *out) KT_RT;

/* RT: a host block of any length and any number of events (sorted by
 * frame; out-of-order or out-of-block frames are clamped), cut by the
 * engine into chunks of at most kt_engine_new's max_block frames and
 * KT_ENGINE_RUN_EVENTS events.  After each chunk take(ctx, out, offset)
 * gets its output (frames relative to `offset`, the chunk's first frame in
 * the block), and must empty out (out->n = 0); it may set out->cap to what
 * the next chunk may send (the host's room).  An out of
 * kt_engine_out_capacity events never drops anything in a chunk.  take
 * NULL: the whole block's output stays in out, frames from the block's
 * start.  The same output as one kt_engine_process call of the block
 * (block-partition identity). */
#define KT_ENGINE_RUN_EVENTS 64
typedef void (*kt_engine_take)(void *ctx, kt_out *out, uint32_t offset);
void kt_engine_run(kt_engine *e, const kt_event *ev, uint32_t n_ev,
                   uint32_t n_frames, kt_out *out, kt_engine_take take,
                   void *ctx) KT_RT;
uint32_t kt_engine_out_capacity(const kt_engine *e) KT_RT;
uint32_t kt_engine_max_block(const kt_engine *e) KT_RT; /* the chunk size */
double kt_engine_rate(const kt_engine *e) KT_RT;

/* RT: silence every voice now (note-offs at frame), forget the melody. */
void kt_engine_all_off(kt_engine *e, uint32_t frame, kt_out *out) KT_RT;
/* Non-RT-free but cheap reset to the just-created state (deactivate). */
void kt_engine_reset(kt_engine *e) KT_RT;

/* Outputs. */
uint32_t kt_engine_latency(const kt_engine *e) KT_RT;  /* frames */
int kt_engine_key(const kt_engine *e) KT_RT;           /* -1, or tonic + 12 * minor */
int kt_engine_chord(const kt_engine *e) KT_RT;         /* kt_harmony_chord_label class */
const kt_model *kt_engine_current_model(const kt_engine *e) KT_RT; /* model in use */

/* Introspection for tests, the UI and the evaluator. */
typedef struct {
  int64_t slice;              /* slices processed since creation/reset */
  int soprano;                /* melody pitch of the last decided slice or -1 */
  int voice[3];               /* sounding pitch, heads alto/tenor/bass, -1 */
  uint32_t boundaries;        /* boundaries seen in the last block */
  uint32_t boundary_frame[8]; /* their frames (first 8): where each slice
                                 opened (at its note, or its moment) */
  int64_t grid_frame[8];       /* the same slices' boundaries on the host's
                                  grid (absolute frames) */
  int64_t decided;            /* 1 + index of the last decided slice, 0 none */
  int64_t net_runs;           /* decisions that ran the net (the cap) */
  uint32_t pt_queued;         /* pass-through events waiting (latency) */
  int64_t pt_wait; /* frames until the last of them is due (0: none) */
} kt_engine_state;
void kt_engine_get_state(const kt_engine *e, kt_engine_state *st) KT_RT;

/* RT: slice d (kt_slice_view, params.h) if it is decided and still in the
 * history (the last 128 at least): 1, else 0. */
int kt_engine_slice(const kt_engine *e, int64_t d, kt_slice_view *v) KT_RT;

#endif
