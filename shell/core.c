/* shell/core.c -- the plugin shells' common core (see core.h). */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KT_SHELL_BUILTIN ((uintptr_t)1) /* inbox: back to built-in models */

uint32_t kt_shell_block_size(int64_t b)
{
  if (b < 16) b = 16;
  if (b > KT_SHELL_MAX_BLOCK) b = KT_SHELL_MAX_BLOCK;
  return (uint32_t)b;
}

int kt_shell_init(kt_shell *s, double rate, uint32_t max_block,
                  uint32_t n_events, kt_shell_output io, char *err,
                  size_t errlen)
{
  s->engine = kt_engine_new(rate, max_block, err, errlen);
  if (!s->engine) return -1;
  s->rate = rate;
  s->max_block = max_block;
  s->io = io;
  s->ev_cap = n_events ? n_events : 1;
  s->ev = calloc(s->ev_cap, sizeof *s->ev);
  s->out_alloc = kt_engine_out_capacity(s->engine);
  s->out.ev = calloc(s->out_alloc, sizeof *s->out.ev);
  s->out.cap = s->out_alloc;
  if (!s->ev || !s->out.ev) {
    snprintf(err, errlen, "out of memory");
    kt_shell_fini(s);
    return -1;
  }
  return 0;
}

void kt_shell_fini(kt_shell *s)
{
  kt_engine_model_free(kt_shell_detach_model(s));
  kt_shell_reap(s);
  if (s->engine) kt_engine_free(s->engine);
  free(s->ev);
  free(s->out.ev);
  memset(s, 0, sizeof *s);
}

/* ---- output ---------------------------------------------------------------
 */

static uint32_t room(const kt_shell *s) KT_RT
{
  return s->io.room ? s->io.room(s->io.ctx) : UINT32_MAX;
}

/* The engine may send only what the host can still take: what it believes
 * it sent is what the host gets (kt_voices keeps a note it could not
 * release and releases it later; the engine's reserve keeps note-ons from
 * taking the room note-offs need). */
static void fit(kt_shell *s) KT_RT
{
  uint32_t r = room(s);
  s->out.n = 0;
  s->out.dropped = 0;
  s->out.cap = r < s->out_alloc ? r : s->out_alloc;
}

static int is_note_on(const kt_midi_out *m) KT_RT
{
  return m->size == 3 && (m->data[0] & 0xF0) == 0x90 && m->data[2] > 0;
}

void kt_shell_put(kt_shell *s, kt_out *o, uint32_t offset) KT_RT
{
  /* short of room: note-ons are dropped first, so that note-offs get out */
  const int short_of_room = o->n > room(s);
  for (uint32_t i = 0; i < o->n; ++i) {
    const kt_midi_out *m = &o->ev[i];
    int64_t f = (int64_t)offset + m->frame;
    if (f < s->last_out) f = s->last_out;
    if (f >= s->block) f = s->block ? s->block - 1 : 0;
    if (m->size < 1 || m->size > 3 || (short_of_room && is_note_on(m)) ||
        !s->io.write(s->io.ctx, (uint32_t)f, m->data, m->size)) {
      atomic_fetch_add_explicit(&s->dropped_out, 1, memory_order_relaxed);
      continue;
    }
    s->last_out = f;
  }
  o->n = 0;
  o->dropped = 0;
  if (o == &s->out) fit(s);
}

static void take(void *ctx, kt_out *out, uint32_t offset) KT_RT
{
  kt_shell *s = (kt_shell *)ctx;
  kt_shell_put(s, out, s->start + offset);
}

/* ---- the event queue ------------------------------------------------------
 */

void kt_shell_begin(kt_shell *s, uint32_t n_frames) KT_RT
{
  s->block = n_frames;
  s->start = 0;
  s->n_ev = 0;
  s->last_out = 0;
}

/* Process `len` frames from `start` with the queued events before it (all
 * of them, in no time, when len is 0). */
static void run(kt_shell *s, uint32_t len) KT_RT
{
  uint32_t k = 0;
  while (k < s->n_ev && (len == 0 || s->ev[k].frame < len))
    ++k;
  fit(s);
  kt_engine_run(s->engine, s->ev, k, len, &s->out, take, s);
  s->n_ev -= k;
  memmove(s->ev, s->ev + k, s->n_ev * sizeof *s->ev);
  for (uint32_t i = 0; i < s->n_ev; ++i)
    s->ev[i].frame -= len;
  s->start += len;
}

void kt_shell_run_to(kt_shell *s, uint32_t t) KT_RT
{
  if (t > s->block) t = s->block;
  if (t > s->start) run(s, t - s->start);
}

void kt_shell_end(kt_shell *s) KT_RT
{
  kt_shell_run_to(s, s->block);
  if (s->n_ev > 0) run(s, 0); /* a block of 0 frames */
}

kt_event *kt_shell_event(kt_shell *s, uint32_t f) KT_RT
{
  if (f >= s->block) f = s->block ? s->block - 1 : 0;
  if (f < s->start) f = s->start;
  if (s->n_ev > 0 && f < s->start + s->ev[s->n_ev - 1].frame)
    f = s->start + s->ev[s->n_ev - 1].frame;
  if (s->n_ev == s->ev_cap) {
    kt_shell_run_to(s, f);
    if (s->n_ev == s->ev_cap) run(s, 0); /* all on frame f: now */
  }
  kt_event *k = &s->ev[s->n_ev++];
  memset(k, 0, sizeof *k);
  k->frame = f - s->start;
  return k;
}

/* ---- models ---------------------------------------------------------------
 */

void kt_shell_retire(kt_shell *s, kt_engine_model *em) KT_RT
{
  if (!em) return;
  for (int i = 0; i < KT_SHELL_GRAVE; ++i) {
    uintptr_t z = 0;
    if (atomic_compare_exchange_strong(&s->grave[i], &z, (uintptr_t)em)) return;
  }
  /* All taken (the shell empties the grave at each block): leaking beats
   * freeing on the audio thread. */
}

kt_engine_model *kt_shell_unbury(kt_shell *s) KT_RT
{
  for (int i = 0; i < KT_SHELL_GRAVE; ++i) {
    uintptr_t v = atomic_exchange(&s->grave[i], 0);
    if (v) return (kt_engine_model *)v;
  }
  return NULL;
}

void kt_shell_reap(kt_shell *s)
{
  for (kt_engine_model *em; (em = kt_shell_unbury(s));)
    kt_engine_model_free(em);
}

int kt_shell_take_model(kt_shell *s) KT_RT
{
  uintptr_t v = atomic_exchange_explicit(&s->inbox, 0, memory_order_acquire);
  if (!v) return 0;
  kt_engine_model *em = v == KT_SHELL_BUILTIN ? NULL : (kt_engine_model *)v;
  fit(s);
  kt_engine_model *old = kt_engine_swap_model(s->engine, em, &s->out);
  kt_shell_put(s, &s->out, 0);
  kt_shell_retire(s, old);
  return 1;
}

kt_engine_model *kt_shell_hand_over(kt_shell *s, kt_engine_model *em) KT_RT
{
  uintptr_t old = atomic_exchange_explicit(
      &s->inbox, em ? (uintptr_t)em : KT_SHELL_BUILTIN, memory_order_acq_rel);
  return old > KT_SHELL_BUILTIN ? (kt_engine_model *)old : NULL;
}

int kt_shell_has_pending(kt_shell *s) KT_RT
{
  return atomic_load_explicit(&s->inbox, memory_order_acquire) != 0;
}

kt_engine_model *kt_shell_detach_model(kt_shell *s)
{
  uintptr_t v = atomic_exchange(&s->inbox, 0);
  kt_engine_model *cur = NULL;
  if (s->engine) {
    s->out.n = 0;
    s->out.cap = s->out_alloc;
    cur = kt_engine_swap_model(s->engine, NULL, &s->out);
    s->out.n = 0;
  }
  if (v) { /* handed over but never installed: the newest */
    kt_engine_model_free(cur);
    cur = v == KT_SHELL_BUILTIN ? NULL : (kt_engine_model *)v;
  }
  return cur;
}

kt_engine_model *kt_shell_load_model(const char *path, char *err, size_t errlen)
{
  kt_model *m = NULL;
  if (kt_model_load_file(path, &m, err, errlen) != 0) return NULL;
  kt_engine_model *em = kt_engine_model_new(m, err, errlen);
  if (!em) kt_model_free(m);
  return em;
}
