/* tools/drive.c -- feed a melody to the engine block by block as a host
 * would, and record what comes out (see drive.h).  Offline code: it
 * allocates freely; only kt_engine_process() is the real-time part. */
#include "drive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kt_drive_opts_default(kt_drive_opts *o)
{
  memset(o, 0, sizeof *o);
  o->rate = 48000;
  o->block = 256;
  o->random_blocks = 0;
  o->seed = 1;
  o->bpm = 120; /* the SMF default tempo */
  o->send_position = 1;
}

void kt_drive_recording_free(kt_recording *r)
{
  if (!r) return;
  free(r->ev);
  memset(r, 0, sizeof *r);
}

static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* ---- tempo map -------------------------------------------------------- */

static double tempo_qpm(const kt_melody *m, const kt_drive_opts *o, int i)
{
  double q = m->n_tempo ? m->tempo[i].qpm : o->bpm;
  return q > 0 ? q : 120;
}

/* Seconds from qn 0 to qn (each tempo holds from its 'at' to the next;
 * the first one also before its 'at'). */
static double seconds_at(const kt_melody *m, const kt_drive_opts *o, double qn)
{
  int n = m->n_tempo > 0 ? m->n_tempo : 1;
  double sec = 0, from = 0;
  for (int i = 0; i < n; ++i) {
    double next = (i + 1 < n) ? m->tempo[i + 1].at : INFINITY;
    double spq = 60.0 / tempo_qpm(m, o, i);
    if (qn <= next || i + 1 == n) return sec + (qn - from) * spq;
    sec += (next - from) * spq;
    from = next;
  }
  return sec;
}

int64_t kt_drive_frame_at(const kt_melody *m, const kt_drive_opts *o,
                           double qn)
{
  return (int64_t)llround(seconds_at(m, o, qn) * o->rate);
}

double kt_drive_qn_at(const kt_melody *m, const kt_drive_opts *o,
                       int64_t frame)
{
  double t = (double)frame / o->rate;
  int n = m->n_tempo > 0 ? m->n_tempo : 1;
  double sec = 0, from = 0;
  for (int i = 0; i < n; ++i) {
    double next = (i + 1 < n) ? m->tempo[i + 1].at : INFINITY;
    double spq = 60.0 / tempo_qpm(m, o, i);
    double seg = (next - from) * spq;
    if (i + 1 == n || t <= sec + seg) return from + (t - sec) / spq;
    sec += seg;
    from = next;
  }
  return from;
}

/* ---- meters and positions --------------------------------------------- */

static int tempo_index(const kt_melody *m, double qn)
{
  int k = 0;
  for (int i = 1; i < m->n_tempo; ++i)
    if (m->tempo[i].at <= qn + 1e-9) k = i;
  return k;
}

static void meter_at(const kt_melody *m, double qn, int *num, int *den,
                     int64_t *bar, double *bar_qn)
{
  static const kt_meter def = {0, 4, 4};
  int n = m->n_meter > 0 ? m->n_meter : 1;
  const kt_meter *mt = m->n_meter > 0 ? m->meter : &def;
  int64_t b = 0;
  for (int i = 0; i < n; ++i) {
    double len = mt[i].num * 4.0 / mt[i].den;
    double next = (i + 1 < n) ? mt[i + 1].at : INFINITY;
    if (qn < next - 1e-9 || i + 1 == n) {
      double k = floor((qn - mt[i].at) / len + 1e-9);
      *num = mt[i].num;
      *den = mt[i].den;
      *bar = b + (int64_t)k;
      *bar_qn = qn - mt[i].at - k * len;
      if (*bar_qn < 0) *bar_qn = 0;
      return;
    }
    b += (int64_t)ceil((next - mt[i].at) / len - 1e-9);
  }
}

static void position_at(const kt_melody *m, const kt_drive_opts *o, double qn,
                        int64_t frame, kt_position *p)
{
  int num, den;
  int64_t bar;
  double bar_qn;
  meter_at(m, qn, &num, &den, &bar, &bar_qn);
  int ti = tempo_index(m, qn);
  memset(p, 0, sizeof *p);
  p->flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
             KT_POS_BPB | KT_POS_BEATUNIT | KT_POS_FRAME;
  p->speed = 1;
  p->bpm = tempo_qpm(m, o, ti) * den / 4.0;
  p->bar = bar;
  p->bar_beat = bar_qn * den / 4.0;
  p->beats_per_bar = num;
  p->beat_unit = den;
  p->frame = frame;
}

/* ---- the run ---------------------------------------------------------- */

typedef struct {
  int64_t frame;
  int order; /* 0 position, 1 note-off, 2 note-on */
  int seq;
  double qn; /* position events */
  uint8_t midi[3];
} sched_ev;

static int sched_cmp(const void *a, const void *b)
{
  const sched_ev *x = a, *y = b;
  if (x->frame != y->frame) return x->frame < y->frame ? -1 : 1;
  if (x->order != y->order) return x->order - y->order;
  return x->seq - y->seq;
}

static int rec_push(kt_recording *r, int64_t frame, double qn,
                    const kt_midi_out *mo)
{
  if (r->n == r->cap) {
    int cap = r->cap ? r->cap * 2 : 256;
    kt_rec_event *e = realloc(r->ev, sizeof *e * (size_t)cap);
    if (!e) return -1;
    r->ev = e;
    r->cap = cap;
  }
  kt_rec_event *e = &r->ev[r->n++];
  memset(e, 0, sizeof *e);
  e->frame = frame;
  e->qn = qn;
  e->size = mo->size > 3 ? 3 : mo->size;
  memcpy(e->data, mo->data, e->size);
  return 0;
}

int kt_drive(kt_engine *e, const kt_melody *m, const kt_drive_opts *o,
             kt_recording *rec, char *err, size_t errlen)
{
  memset(rec, 0, sizeof *rec);
  if (!(o->rate > 0) || o->block == 0) {
    snprintf(err, errlen, "drive: bad rate %g or block %u", o->rate, o->block);
    return -1;
  }
  int n_sched = 2 * m->n_notes + m->n_tempo + m->n_meter;
  sched_ev *sc = calloc((size_t)n_sched + 1, sizeof *sc);
  kt_event *ev =
      calloc((size_t)n_sched + 2 + (o->source ? o->source_cap : 0), sizeof *ev);
  kt_out out = {0};
  int ret = -1;
  if (!sc || !ev) {
    snprintf(err, errlen, "drive: out of memory");
    goto done;
  }
  int k = 0;
  for (int i = 0; i < m->n_notes; ++i) {
    const kt_mnote *n = &m->notes[i];
    if (n->pitch < 0 || n->pitch > 127 || n->dur <= 0) continue;
    uint8_t ch = (uint8_t)(n->channel & 15);
    uint8_t vel = (uint8_t)(n->vel < 1 ? 1 : n->vel > 127 ? 127 : n->vel);
    sc[k] = (sched_ev){kt_drive_frame_at(m, o, n->start),
                       2,
                       k,
                       0,
                       {(uint8_t)(0x90 | ch), (uint8_t)n->pitch, vel}};
    ++k;
    sc[k] = (sched_ev){kt_drive_frame_at(m, o, n->start + n->dur),
                       1,
                       k,
                       0,
                       {(uint8_t)(0x80 | ch), (uint8_t)n->pitch, 0}};
    ++k;
  }
  if (o->send_position) {
    for (int i = 0; i < m->n_tempo; ++i)
      if (m->tempo[i].at > 0) {
        sc[k] = (sched_ev){kt_drive_frame_at(m, o, m->tempo[i].at),
                           0,
                           k,
                           m->tempo[i].at,
                           {0, 0, 0}};
        ++k;
      }
    for (int i = 0; i < m->n_meter; ++i)
      if (m->meter[i].at > 0) {
        sc[k] = (sched_ev){kt_drive_frame_at(m, o, m->meter[i].at),
                           0,
                           k,
                           m->meter[i].at,
                           {0, 0, 0}};
        ++k;
      }
  } else {
    float bpm = (float)tempo_qpm(m, o, 0);
    kt_engine_set_param(e, KT_P_BPM, bpm < 20 ? 20 : bpm > 300 ? 300 : bpm);
  }
  n_sched = k;
  qsort(sc, (size_t)n_sched, sizeof *sc, sched_cmp);

  int num, den;
  int64_t bar;
  double bar_qn;
  meter_at(m, m->end, &num, &den, &bar, &bar_qn);
  double tail = num * 4.0 / den;
  int64_t total =
      kt_drive_frame_at(m, o, m->end + tail) + kt_engine_latency(e);
  if (total < 1) total = 1;
  if ((double)total > o->rate * 12 * 3600) {
    snprintf(err, errlen,
             "the melody lasts %.1f hours at its tempo: too long to run",
             (double)total / o->rate / 3600);
    goto done;
  }

  uint64_t rng = o->seed;
  int64_t start = 0;
  int si = 0;
  while (start < total) {
    uint32_t n = o->block;
    if (o->random_blocks) n = 1 + (uint32_t)(splitmix64(&rng) % o->block);
    if ((int64_t)n > total - start) n = (uint32_t)(total - start);
    uint32_t ne = 0;
    if (o->send_position) {
      ev[ne].frame = 0;
      ev[ne].type = KT_EV_POSITION;
      position_at(m, o, kt_drive_qn_at(m, o, start), start, &ev[ne].pos);
      ++ne;
    }
    for (; si < n_sched && sc[si].frame < start + n; ++si) {
      kt_event *x = &ev[ne++];
      memset(x, 0, sizeof *x);
      x->frame = sc[si].frame > start ? (uint32_t)(sc[si].frame - start) : 0;
      if (sc[si].order == 0) {
        x->type = KT_EV_POSITION;
        position_at(m, o, sc[si].qn, sc[si].frame, &x->pos);
      } else {
        x->type = KT_EV_MIDI;
        x->size = 3;
        memcpy(x->midi, sc[si].midi, 3);
      }
    }
    if (o->source) { /* merge by frame, stable: after the melody's */
      uint32_t ns = o->source(o->source_ctx, start, n, ev + ne, o->source_cap);
      if (ns > o->source_cap) ns = o->source_cap;
      for (uint32_t i = ne; i < ne + ns; ++i) {
        kt_event x = ev[i];
        uint32_t j = i;
        for (; j > 0 && ev[j - 1].frame > x.frame; --j)
          ev[j] = ev[j - 1];
        ev[j] = x;
      }
      ne += ns;
    }
    uint32_t need = kt_engine_out_needed(ne, n, o->rate);
    if (need > out.cap) {
      kt_midi_out *no = realloc(out.ev, sizeof *no * need);
      if (!no) {
        snprintf(err, errlen, "drive: out of memory");
        goto done;
      }
      out.ev = no;
      out.cap = need;
    }
    out.n = 0;
    out.dropped = 0;
    kt_engine_process(e, ev, ne, n, &out);
    if (out.dropped) {
      snprintf(err, errlen,
               "drive: the engine dropped %u note-ons at frame %lld "
               "(output capacity %u)",
               out.dropped, (long long)start, out.cap);
      goto done;
    }
    for (uint32_t i = 0; i < out.n; ++i) {
      int64_t f = start + out.ev[i].frame;
      if (rec_push(rec, f, kt_drive_qn_at(m, o, f), &out.ev[i]) < 0) {
        snprintf(err, errlen, "drive: out of memory");
        goto done;
      }
    }
    start += n;
  }
  rec->frames = total;
  ret = 0;
done:
  if (ret < 0) kt_drive_recording_free(rec);
  free(sc);
  free(ev);
  free(out.ev);
  return ret;
}
