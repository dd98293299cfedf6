/* tests/shell/test_core.c -- the shells' core (shell/core.h) and the
 * engine's own block cutting (kt_engine_run, dsp/engine_run.c):
 *   - one stream of melody, controller bursts (more events on one frame
 *     than a chunk or the queue holds) and transport gives the same output
 *     through kt_engine_process in blocks of 512, kt_engine_run in random
 *     blocks (chunk size 64, with and without a take callback) and the core's
 *     event queue (8 slots) in random blocks;
 *   - a host short of room: output inside the block and sorted, and with
 *     room again every note-on gets its note-off;
 *   - the model hand-off: the newest model wins, replaced ones go to the
 *     grave, nothing leaks (valgrind / ASan builds). */
#include "../check.h"
#include "core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0
#define LEN (48000 * 12)
#define MAXEV 20000
#define MAXOUT 200000

typedef struct {
  int64_t frame;
  uint8_t d[3];
} abs_ev;

static kt_event in[MAXEV];
static int64_t in_at[MAXEV]; /* absolute frames */
static int n_in;

static uint64_t rs = 777;
static uint32_t rnd(void)
{
  rs += 0x9E3779B97F4A7C15ull;
  uint64_t z = rs;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (uint32_t)(z ^ (z >> 31));
}

static void add(int64_t at, uint8_t type, uint8_t a, uint8_t b, uint8_t c)
{
  kt_event *k = &in[n_in];
  memset(k, 0, sizeof *k);
  k->type = type;
  if (type == KT_EV_POSITION) {
    k->pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
                   KT_POS_BPB | KT_POS_BEATUNIT;
    k->pos.speed = 1;
    k->pos.bpm = 120;
    k->pos.beats_per_bar = 4;
    k->pos.beat_unit = 4;
  } else {
    k->size = 3;
    k->midi[0] = a;
    k->midi[1] = b;
    k->midi[2] = c;
  }
  in_at[n_in++] = at;
}

/* Eighth notes of a scale; every second bar a burst of 150 controller
 * events on one frame. */
static void make_stream(void)
{
  static const int scale[8] = {60, 62, 64, 65, 67, 69, 71, 72};
  add(0, KT_EV_POSITION, 0, 0, 0);
  int prev = -1;
  for (int64_t t = 100, i = 0; t < LEN - 6000; t += 6000, ++i) {
    if (prev >= 0) add(t - 10, KT_EV_MIDI, 0x80, (uint8_t)prev, 0);
    prev = scale[(i * 3) % 8];
    add(t, KT_EV_MIDI, 0x90, (uint8_t)prev, (uint8_t)(60 + i % 40));
    if (i % 16 == 5)
      for (int j = 0; j < 150; ++j)
        add(t + 7, KT_EV_MIDI, 0xB0, 1, (uint8_t)(j & 127));
  }
  add(LEN - 100, KT_EV_MIDI, 0x80, (uint8_t)prev, 0);
}

static abs_ev got[MAXOUT];
static int n_got;
static int64_t block_at; /* absolute frame of the block being processed */

static void keep(uint32_t frame, const uint8_t *d)
{
  if (n_got == MAXOUT) return;
  got[n_got].frame = block_at + frame;
  memcpy(got[n_got].d, d, 3);
  ++n_got;
}

static void take(void *ctx, kt_out *out, uint32_t offset)
{
  (void)ctx;
  for (uint32_t i = 0; i < out->n; ++i)
    keep(offset + out->ev[i].frame, out->ev[i].data);
  out->n = 0;
}

static kt_engine *make(uint32_t max_block)
{
  char err[256];
  kt_engine *e = kt_engine_new(RATE, max_block, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    exit(1);
  }
  return e;
}

/* The next block: [at, at + len), the events in it rebased into ev. */
static uint32_t block_events(int *next, int64_t at, uint32_t len, kt_event *ev)
{
  uint32_t n = 0;
  while (*next < n_in && in_at[*next] < at + (int64_t)len) {
    ev[n] = in[*next];
    ev[n].frame = (uint32_t)(in_at[*next] - at);
    ++n;
    ++*next;
  }
  return n;
}

/* A random block length (0 only where an event lies on `at`). */
static uint32_t random_len(int next, int64_t at)
{
  if (rnd() % 8 == 0 && next < n_in && in_at[next] == at) return 0;
  uint32_t len = 1 + rnd() % 5000;
  return at + len > LEN ? (uint32_t)(LEN - at) : len;
}

static abs_ev ref[MAXOUT];
static int n_ref;
static kt_event blk[MAXEV];

static void reference(void)
{
  kt_engine *e = make(8192);
  uint32_t cap = kt_engine_out_needed(400, 512, RATE) + 256;
  kt_out out = {calloc(cap, sizeof(kt_midi_out)), 0, cap, 0};
  int next = 0;
  n_got = 0;
  for (int64_t at = 0; at < LEN; at += 512) {
    uint32_t n = block_events(&next, at, 512, blk);
    block_at = at;
    out.n = 0;
    kt_engine_process(e, blk, n, 512, &out);
    CHECK(out.dropped == 0);
    take(NULL, &out, 0);
  }
  memcpy(ref, got, sizeof(abs_ev) * (size_t)n_got);
  n_ref = n_got;
  free(out.ev);
  kt_engine_free(e);
}

static int same_as_ref(const char *what)
{
  int diff = n_got != n_ref;
  for (int i = 0; !diff && i < n_got; ++i) {
    diff = got[i].frame != ref[i].frame || memcmp(got[i].d, ref[i].d, 3);
    if (diff)
      fprintf(stderr,
              "%s: event %d: %lld %02x %d %d, reference %lld %02x %d %d\n",
              what, i, (long long)got[i].frame, got[i].d[0], got[i].d[1],
              got[i].d[2], (long long)ref[i].frame, ref[i].d[0], ref[i].d[1],
              ref[i].d[2]);
  }
  CHECK(!diff, "%s: %d events, reference %d", what, n_got, n_ref);
  return !diff;
}

static void test_engine_run(int with_take)
{
  kt_engine *e = make(64);
  uint32_t cap = with_take ? kt_engine_out_capacity(e)
                           : kt_engine_out_needed(MAXEV, 5000, RATE);
  kt_out out = {calloc(cap, sizeof(kt_midi_out)), 0, cap, 0};
  int next = 0;
  n_got = 0;
  for (int64_t at = 0; at < LEN;) {
    uint32_t len = random_len(next, at);
    uint32_t n = block_events(&next, at, len ? len : 1, blk);
    block_at = at;
    out.n = 0;
    kt_engine_run(e, blk, n, len, &out, with_take ? take : NULL, NULL);
    CHECK(out.dropped == 0);
    if (!with_take) take(NULL, &out, 0);
    at += len;
  }
  same_as_ref(with_take ? "kt_engine_run, take" : "kt_engine_run, no take");
  free(out.ev);
  kt_engine_free(e);
}

/* ---- the core ---- */

static uint32_t room_left; /* what the fake host takes this block */

static uint32_t room(void *ctx)
{
  (void)ctx;
  return room_left;
}

static int write_ev(void *ctx, uint32_t frame, const uint8_t *d, uint32_t size)
{
  uint32_t block = *(const uint32_t *)ctx;
  CHECK(size == 3);
  CHECK(block == 0 ? frame == 0 : frame < block);
  CHECK(n_got == 0 || got[n_got - 1].frame <= block_at + frame,
        "output goes back in time");
  if (room_left == 0) return 0;
  if (room_left != UINT32_MAX) --room_left;
  keep(frame, d);
  return 1;
}

static kt_shell sh;
static uint32_t cur_block;

static void start_shell(uint32_t n_events)
{
  char err[256];
  kt_shell_output io = {room, write_ev, &cur_block};
  CHECK(kt_shell_init(&sh, RATE, 64, n_events, io, err, sizeof err) == 0, "%s",
        err);
}

static void shell_block(int *next, int64_t at, uint32_t len)
{
  uint32_t n = block_events(next, at, len ? len : 1, blk);
  block_at = at;
  cur_block = len;
  kt_shell_begin(&sh, len);
  for (uint32_t i = 0; i < n; ++i) {
    kt_event *k = kt_shell_event(&sh, blk[i].frame);
    uint32_t f = k->frame;
    *k = blk[i];
    k->frame = f;
  }
  kt_shell_end(&sh);
}

static void test_shell_queue(uint32_t n_events)
{
  start_shell(n_events); /* 8: the bursts overflow it on one frame */
  room_left = UINT32_MAX;
  int next = 0;
  n_got = 0;
  for (int64_t at = 0; at < LEN;) {
    uint32_t len = random_len(next, at);
    shell_block(&next, at, len);
    at += len;
  }
  same_as_ref(n_events == 8 ? "kt_shell, 8-event queue" : "kt_shell");
  CHECK(sh.dropped_out == 0);
  kt_shell_fini(&sh);
}

/* Sounding notes per channel and pitch, from what the host got. */
static int sounding(void)
{
  static int on[16][128];
  memset(on, 0, sizeof on);
  for (int i = 0; i < n_got; ++i) {
    int st = got[i].d[0] & 0xF0, ch = got[i].d[0] & 15, k = got[i].d[1] & 127;
    if (st == 0x90 && got[i].d[2] > 0)
      on[ch][k] = 1;
    else if (st == 0x80 || st == 0x90)
      on[ch][k] = 0;
    else if (st == 0xB0 && (got[i].d[1] == 123 || got[i].d[1] == 120))
      memset(on[ch], 0, sizeof on[ch]);
  }
  int n = 0;
  for (int ch = 0; ch < 16; ++ch)
    for (int k = 0; k < 128; ++k)
      n += on[ch][k];
  return n;
}

static void test_shell_room(void)
{
  start_shell(1024);
  int next = 0;
  n_got = 0;
  int64_t at = 0;
  for (; at < LEN / 2; at += 256) { /* a host with room for 2 events */
    room_left = 2;
    shell_block(&next, at, 256);
  }
  int in_ref = 0;
  while (in_ref < n_ref && ref[in_ref].frame < at)
    ++in_ref;
  CHECK(n_got < in_ref, "the host was short of room: %d events, not %d", n_got,
        in_ref);
  for (; at < LEN; at += 256) {
    room_left = UINT32_MAX;
    shell_block(&next, at, 256);
  }
  /* silence: what still sounds gets its note-off */
  room_left = UINT32_MAX;
  block_at = at;
  cur_block = 256;
  kt_shell_begin(&sh, 256);
  kt_engine_all_off(sh.engine, 0, &sh.out);
  kt_shell_put(&sh, &sh.out, 0);
  CHECK(sounding() == 0, "%d notes stuck", sounding());
  kt_shell_fini(&sh);
}

/* A parameter change (the block run up to its frame), then more events on
 * one later frame than the queue holds: each on its frame, none lost (main
 * 18886d5's CLAP shell wrote past its queue here). */
static void test_shell_full_later(void)
{
  start_shell(8);
  room_left = UINT32_MAX;
  n_got = 0;
  block_at = 0;
  cur_block = 1000;
  kt_shell_begin(&sh, 1000);
  kt_shell_run_to(&sh, 100);
  for (int i = 0; i < 20; ++i) {
    kt_event *k = kt_shell_event(&sh, 500);
    k->type = KT_EV_MIDI;
    k->size = 3;
    k->midi[0] = 0xB0;
    k->midi[1] = 1;
    k->midi[2] = (uint8_t)i;
  }
  kt_shell_end(&sh);
  int cc = 0;
  for (int i = 0; i < n_got; ++i)
    if (got[i].d[0] == 0xB0) {
      CHECK(got[i].frame == 500, "a controller at %lld",
            (long long)got[i].frame);
      CHECK(got[i].d[2] == cc, "controller %d out of order", cc);
      ++cc;
    }
  CHECK(cc == 20, "%d of 20 controllers passed through", cc);
  kt_shell_fini(&sh);
}

static kt_engine_model *model(void)
{
  size_t len = 0;
  const void *data = kt_model_embedded_at(0, &len);
  kt_model *m = NULL;
  char err[256];
  CHECK(kt_model_load_mem(data, len, &m, err, sizeof err) == 0, "%s", err);
  kt_engine_model *em = kt_engine_model_new(m, err, sizeof err);
  CHECK(em != NULL, "%s", err);
  return em;
}

static void test_hand_off(void)
{
  start_shell(16);
  room_left = UINT32_MAX;
  n_got = 0;
  kt_engine_model *a = model(), *b = model(), *c = model();
  CHECK(!kt_shell_has_pending(&sh));
  CHECK(kt_shell_hand_over(&sh, a) == NULL);
  CHECK(kt_shell_hand_over(&sh, b) == a, "never installed: back to us");
  kt_engine_model_free(a);
  CHECK(kt_shell_has_pending(&sh));
  cur_block = 64;
  kt_shell_begin(&sh, 64);
  CHECK(kt_shell_take_model(&sh) == 1);
  CHECK(!kt_shell_has_pending(&sh));
  CHECK(kt_shell_take_model(&sh) == 0);
  CHECK(kt_shell_unbury(&sh) == NULL, "the built-in models are not freed");
  kt_shell_hand_over(&sh, c);
  CHECK(kt_shell_take_model(&sh) == 1);
  kt_engine_model *g = kt_shell_unbury(&sh);
  CHECK(g == b, "b retired");
  kt_shell_retire(&sh, g); /* back, for kt_shell_reap */
  kt_shell_reap(&sh);
  CHECK(kt_shell_unbury(&sh) == NULL);
  kt_shell_hand_over(&sh, NULL); /* back to built-in: c to the grave */
  CHECK(kt_shell_take_model(&sh) == 1);
  CHECK(kt_shell_unbury(&sh) == c);
  kt_engine_model_free(c);
  kt_shell_hand_over(&sh, model()); /* pending at the end: fini frees it */
  kt_shell_fini(&sh);
  CHECK(sh.engine == NULL);
}

int main(void)
{
  make_stream();
  reference();
  CHECK(n_ref > 1000, "%d reference events", n_ref);
  test_engine_run(1);
  test_engine_run(0);
  test_shell_queue(8);
  test_shell_queue(1024);
  test_shell_full_later();
  test_shell_room();
  test_hand_off();
  return kt_check_done("shell core");
}
