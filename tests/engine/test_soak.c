/* tests/engine/test_soak.c -- soak: 12 simulated hours at 48 kHz / 64
 * frames through kt_engine_process, driven as an LV2 host drives the plugin
 * (rolling transport, a time:Position with a float barBeat at the start of
 * every block, tempo changes at block starts, a melody with varied rhythms,
 * humanized timing and rests, lookahead switches).  Checked throughout:
 *  - every slice boundary lands within one frame of the ideal one, computed
 *    here independently with exact integer arithmetic (positions in units of
 *    1/7200000 slice: one frame at bpm B advances exactly 10*B units);
 *  - no stuck notes: at most one note per voice channel, every harmony note
 *    released within L+2 boundaries after the player lets go (L+3 with
 *    lookahead: its listen time), nothing
 *    sounding after the transport stops; output sorted, in block, nothing
 *    dropped;
 *  - memory: no allocation at all after warm-up (malloc interposer), the
 *    heap in use (mallinfo2) and the peak RSS (getrusage) do not grow.
 * Usage: test_soak [HOURS]   (default 12) */
#include "engine.h"
#include "../check.h"

#include <malloc.h>
#include <stdint.h>
#include <sys/resource.h>

#define RATE 48000
#define BLOCK 64
#define U 7200000LL  /* position units per slice (sixteenth) */
#define TICK (U / 3) /* melody grid: a third of a slice (triplets) */
#define BAR (16 * U)
#define CAP 4096

/* ---- allocation counter (glibc: the real allocator under its own name) */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
static volatile long n_alloc;

void *malloc(size_t n)
{
  n_alloc++;
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
  n_alloc++;
  return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
  n_alloc++;
  return __libc_realloc(p, n);
}
void *aligned_alloc(size_t a, size_t n)
{
  n_alloc++;
  return __libc_memalign(a, n);
}
void free(void *p)
{
  if (p) n_alloc++;
  __libc_free(p);
}

/* ---- deterministic randomness ------------------------------------------ */
static uint64_t rs = 0x5eed5eedULL;
static uint32_t rnd(uint32_t n)
{
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (uint32_t)((rs >> 11) % n);
}

/* ---- the host: tempo plan (bpm x 10, from minute) ---------------------- */
typedef struct {
  int minute, bpm10;
} tempo_seg;
static const tempo_seg plan[] = {
    {0, 973},    {20, 1200},  {25, 1800},  {30, 600},   {40, 973},
    {180, 1440}, {210, 725},  {240, 1000}, {270, 1333}, {300, 877},
    {330, 1600}, {360, 1200}, {420, 661},  {480, 1117},
};
#define NPLAN ((int)(sizeof plan / sizeof plan[0]))
/* lookahead parameter switches (minute, slices) */
static const int la_plan[][2] = {{50, 4}, {55, 0}, {390, 4}, {450, 0}};
#define NLA ((int)(sizeof la_plan / sizeof la_plan[0]))

static int64_t ceil_div(int64_t a, int64_t b) /* b > 0 */
{
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* ---- the player: a melody on a grid of thirds of a slice --------------- */
typedef struct {
  int64_t due; /* absolute frame */
  uint8_t st, pitch, vel;
} pend;

typedef struct {
  int64_t on_tick, off_tick; /* next note-on; current note's note-off */
  int pitch, next_pitch, cur_pitch, late_ok;
  pend q[16];
  int nq;
  int held;             /* keys down as delivered to the engine */
  int64_t silent_frame; /* when held went to 0, or -1 */
  int64_t silent_b;     /* boundaries after silent_frame */
  int64_t notes;
} player;

static void push(player *p, int64_t due, uint8_t st, uint8_t pitch, uint8_t vel)
{
  int i = p->nq++;
  if (p->nq > 16) {
    fprintf(stderr, "soak: player queue overflow\n");
    exit(1);
  }
  while (i > 0 && p->q[i - 1].due > due) { /* stable by due frame */
    p->q[i] = p->q[i - 1];
    --i;
  }
  p->q[i] = (pend){due, st, pitch, vel};
}

/* The note starting at on_tick: its length, articulation, what follows. */
static void next_note(player *p)
{
  static const int dur[] = {
      3,  3,  3,  6,  6, 6, 6, 9, 12, 12,
      12, 18, 24, 48, 2, 2, 2, 4, 4,  4}; /* in thirds of a slice */
  static const int rest[] = {3, 6, 6, 12, 24, 48, 96, 192};
  int d = dur[rnd(sizeof dur / sizeof dur[0])];
  int gap = d >= 3 ? (int)rnd(2) : 0; /* detached or legato */
  p->cur_pitch = p->next_pitch;
  p->off_tick = p->on_tick + d - gap;
  p->late_ok = d >= 6;
  int64_t next = p->on_tick + d;
  if (rnd(100) < 12) next += rest[rnd(sizeof rest / sizeof rest[0])];
  p->on_tick = next;
  int step = (int)rnd(9) - 4;
  int np = p->cur_pitch + step;
  if (np < 60 || np > 79) np = p->cur_pitch - step;
  p->next_pitch = np;
}

int main(int argc, char **argv)
{
  double hours = argc > 1 ? atof(argv[1]) : 12.0;
  const int64_t total = (int64_t)(hours * 3600.0 * RATE) / BLOCK * BLOCK;
  const int64_t warm = total / 12; /* the first simulated hour of 12 */
  char err[256];
  kt_engine *e = kt_engine_new(RATE, BLOCK, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    return 1;
  }
  static kt_midi_out buf[CAP];
  static int on[16][128];
  kt_event ev[32];

  /* host transport */
  int64_t pos = 0; /* slice position, units of 1/U slice */
  int seg = 0, la = 0, bpm10 = plan[0].bpm10;
  /* ideal and reported boundaries, paired in order */
  int64_t ideal_k = 0, ideal_q[64], eng_q[64];
  int64_t n_ideal = 0, n_eng = 0, n_exact = 0, max_err = 0;
  player pl;
  memset(&pl, 0, sizeof pl);
  pl.on_tick = 3 * 16; /* start in bar 1 */
  pl.next_pitch = 67;
  pl.off_tick = -1;
  pl.silent_frame = 0;
  int64_t stuck_checks = 0, out_events = 0, dropped = 0, late_notes = 0;
  long alloc_warm = 0;
  size_t heap_warm = 0;
  long rss_warm = 0;

  for (int64_t now = 0; now < total; now += BLOCK) {
    if (now == warm) {
      struct rusage ru;
      getrusage(RUSAGE_SELF, &ru);
      rss_warm = ru.ru_maxrss;
      heap_warm = mallinfo2().uordblks;
      alloc_warm = n_alloc;
    }
    int64_t minute = now / (60LL * RATE);
    while (seg + 1 < NPLAN && minute >= plan[seg + 1].minute)
      bpm10 = plan[++seg].bpm10;
    while (la < NLA && minute >= la_plan[la][0]) {
      kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)la_plan[la][1]);
      ++la;
    }
    /* the host's position at the block start: bar, float barBeat */
    int ne = 0;
    kt_event *pe = &ev[ne++];
    memset(pe, 0, sizeof *pe);
    pe->type = KT_EV_POSITION;
    pe->pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
                    KT_POS_BPB | KT_POS_BEATUNIT | KT_POS_FRAME;
    pe->pos.speed = 1.0;
    pe->pos.bpm = bpm10 / 10.0;
    pe->pos.bar = pos / BAR;
    pe->pos.bar_beat = (float)((double)(pos % BAR) / (4.0 * (double)U));
    pe->pos.beats_per_bar = 4;
    pe->pos.beat_unit = 4;
    pe->pos.frame = now;

    /* ideal boundaries in this block: first frame with pos >= k * U */
    for (;;) {
      int64_t f = now + ceil_div(ideal_k * U - pos, bpm10);
      if (f >= now + BLOCK) break;
      ideal_q[n_ideal++ & 63] = f;
      ideal_k++;
    }

    /* the player: grid events in this block, humanized */
    for (;;) {
      int64_t tick = pl.off_tick >= 0 && pl.off_tick <= pl.on_tick ? pl.off_tick
                                                                   : pl.on_tick;
      int64_t f = now + ceil_div(tick * TICK - pos, bpm10);
      if (f >= now + BLOCK) break;
      if (tick == pl.off_tick) {
        push(&pl, f + rnd(300), 0x80, (uint8_t)pl.cur_pitch, 64);
        pl.off_tick = -1;
      } else {
        int64_t jit = rnd(480); /* inside the 12 ms grace window */
        if (pl.late_ok && rnd(100) < 10) {
          jit = 700 + rnd(500); /* late: past the grace window */
          late_notes++;
        }
        next_note(&pl);
        push(&pl, f + jit, 0x90, (uint8_t)pl.cur_pitch,
             (uint8_t)(40 + rnd(80)));
        pl.notes++;
      }
    }
    while (pl.nq > 0 && pl.q[0].due < now + BLOCK && ne < 32) {
      pend x = pl.q[0];
      memmove(pl.q, pl.q + 1, (size_t)(--pl.nq) * sizeof pl.q[0]);
      kt_event *m = &ev[ne++];
      memset(m, 0, sizeof *m);
      m->type = KT_EV_MIDI;
      m->frame = (uint32_t)(x.due - now);
      m->size = 3;
      m->midi[0] = x.st;
      m->midi[1] = x.pitch;
      m->midi[2] = x.vel;
      if (x.st == 0x90) {
        pl.held++;
        pl.silent_frame = -1;
      } else if (pl.held > 0 && --pl.held == 0) {
        pl.silent_frame = x.due;
        pl.silent_b = 0;
      }
    }

    kt_out o = {buf, 0, kt_engine_out_needed((uint32_t)ne, BLOCK, RATE), 0};
    if (o.cap > CAP) o.cap = CAP;
    kt_engine_process(e, ev, (uint32_t)ne, BLOCK, &o);
    dropped += o.dropped;
    out_events += o.n;

    kt_engine_state st;
    kt_engine_get_state(e, &st);
    for (uint32_t i = 0; i < st.boundaries && i < 8; ++i) {
      eng_q[n_eng++ & 63] = st.grid_frame[i]; /* the clock's, not the
                                                 slice's opening */
      if (pl.silent_frame >= 0 && now + st.boundary_frame[i] > pl.silent_frame)
        pl.silent_b++;
    }
    CHECK(st.boundaries <= 8, "%u boundaries in one block", st.boundaries);
    while (n_exact < n_ideal && n_exact < n_eng) {
      int64_t a = ideal_q[n_exact & 63], b = eng_q[n_exact & 63];
      int64_t d = a > b ? a - b : b - a;
      if (d > max_err) max_err = d;
      CHECK(d <= 1, "boundary %lld at frame %lld, ideal %lld (%.1f bpm)",
            (long long)n_exact, (long long)b, (long long)a, bpm10 / 10.0);
      n_exact++;
    }
    CHECK(n_ideal - n_eng <= 1 && n_eng - n_ideal <= 1,
          "boundary count drifted: %lld engine, %lld ideal at frame %lld",
          (long long)n_eng, (long long)n_ideal, (long long)now);

    uint32_t last = 0;
    for (uint32_t i = 0; i < o.n; ++i) {
      const kt_midi_out *m = &o.ev[i];
      CHECK(m->frame < BLOCK && m->frame >= last, "output frame %u", m->frame);
      last = m->frame;
      int s = m->data[0] & 0xF0, ch = m->data[0] & 15, n = m->data[1] & 127;
      if (s == 0x90 && m->data[2]) {
        CHECK(!on[ch][n], "note %d doubled on channel %d", n, ch + 1);
        on[ch][n] = 1;
        if (ch >= 1 && ch <= 3) {
          int c = 0;
          for (int k = 0; k < 128; ++k)
            c += on[ch][k];
          CHECK(c == 1, "%d notes at once on voice channel %d", c, ch + 1);
        }
      } else if (s == 0x80 || s == 0x90) {
        on[ch][n] = 0;
      }
    }
    /* the player let go L+2 boundaries ago (with lookahead one more: the
       listen time, at most half a slice, engine.h): every voice is silent */
    int L = kt_engine_current_model(e)->repr.lookahead;
    if (pl.silent_frame >= 0 && pl.silent_b >= L + 2 + (L > 0)) {
      stuck_checks++;
      for (int ch = 1; ch <= 3; ++ch)
        for (int n = 0; n < 128; ++n)
          CHECK(!on[ch][n], "note %d stuck on channel %d at frame %lld", n,
                ch + 1, (long long)now);
    }
    pos += (int64_t)bpm10 * BLOCK;
    if (kt_failures) break;
  }

  long alloc_end = n_alloc;
  size_t heap_end = mallinfo2().uordblks;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long rss_end = ru.ru_maxrss;

  /* the host stops the transport: nothing may keep sounding */
  kt_event stop;
  memset(&stop, 0, sizeof stop);
  stop.type = KT_EV_POSITION;
  stop.pos.flags = KT_POS_SPEED;
  stop.pos.speed = 0;
  kt_out o = {buf, 0, CAP, 0};
  kt_engine_process(e, &stop, 1, BLOCK, &o);
  for (uint32_t i = 0; i < o.n; ++i) {
    int s = o.ev[i].data[0] & 0xF0;
    if (s == 0x80 || (s == 0x90 && !o.ev[i].data[2]))
      on[o.ev[i].data[0] & 15][o.ev[i].data[1] & 127] = 0;
  }
  for (int ch = 1; ch <= 3; ++ch)
    for (int n = 0; n < 128; ++n)
      CHECK(!on[ch][n], "note %d on channel %d stuck after stop", n, ch + 1);

  CHECK(n_exact > 0 && n_exact + 1 >= n_ideal,
        "boundaries compared: %lld "
        "of %lld",
        (long long)n_exact, (long long)n_ideal);
  CHECK(dropped == 0, "%lld note-ons dropped", (long long)dropped);
  CHECK(stuck_checks > 1000, "silences checked: %lld", (long long)stuck_checks);
  CHECK(alloc_end == alloc_warm, "%ld allocations after warm-up",
        alloc_end - alloc_warm);
  CHECK(heap_end == heap_warm, "heap in use grew %zu -> %zu bytes", heap_warm,
        heap_end);
  CHECK(rss_end <= rss_warm, "peak RSS grew %ld -> %ld KiB", rss_warm, rss_end);
  printf("soak: %.2f simulated h (%lld blocks of %d at %d Hz): %lld "
         "boundaries, max error %lld frame(s) from ideal; %lld notes "
         "played (%lld late), %lld events out, %lld silence checks; "
         "allocations after warm-up %ld, heap %zu -> %zu B, peak RSS %ld -> "
         "%ld KiB\n",
         hours, (long long)(total / BLOCK), BLOCK, RATE, (long long)n_exact,
         (long long)max_err, (long long)pl.notes, (long long)late_notes,
         (long long)out_events, (long long)stuck_checks, alloc_end - alloc_warm,
         heap_warm, heap_end, rss_warm, rss_end);
  kt_engine_free(e);
  return kt_check_done("soak");
}
