/* tools/smf.c -- Standard MIDI File reader/writer (see smf.h for why this is
 * not libsmf).  Every length is checked against the bytes that remain, and
 * every error names the file and the byte offset. */
#include "smf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KT_SMF_MAX_FILE (64u << 20) /* refuse files over 64 MiB */
#define KT_SMF_MAX_TICK 0x7fffffffu
#define KT_SMF_MAX_QN 100000 /* 27 hours at 60 qpm */

static void smf_err(char *err, size_t errlen, const char *name, long off,
                    const char *fmt, ...)
{
  if (!err || !errlen) return;
  int k = off >= 0 ? snprintf(err, errlen, "%s: byte %ld: ", name, off)
                   : snprintf(err, errlen, "%s: ", name);
  if (k < 0 || (size_t)k >= errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
  va_end(ap);
}

static uint32_t rd_be(const uint8_t *p, int n)
{
  uint32_t v = 0;
  for (int i = 0; i < n; ++i)
    v = (v << 8) | p[i];
  return v;
}

void kt_smf_init(kt_smf *s, int format, int division)
{
  memset(s, 0, sizeof *s);
  s->format = format;
  s->division = division;
}

void kt_smf_free(kt_smf *s)
{
  if (!s) return;
  for (int t = 0; t < s->n_tracks; ++t) {
    for (int i = 0; i < s->trk[t].n; ++i)
      free(s->trk[t].ev[i].data);
    free(s->trk[t].ev);
  }
  free(s->trk);
  memset(s, 0, sizeof *s);
}

kt_smf_track *kt_smf_add_track(kt_smf *s)
{
  kt_smf_track *t = realloc(s->trk, sizeof *t * (size_t)(s->n_tracks + 1));
  if (!t) return NULL;
  s->trk = t;
  memset(&t[s->n_tracks], 0, sizeof *t);
  return &t[s->n_tracks++];
}

static kt_smf_event *track_push(kt_smf_track *t)
{
  if (t->n == t->cap) {
    int cap = t->cap ? t->cap * 2 : 64;
    kt_smf_event *e = realloc(t->ev, sizeof *e * (size_t)cap);
    if (!e) return NULL;
    t->ev = e;
    t->cap = cap;
  }
  kt_smf_event *e = &t->ev[t->n++];
  memset(e, 0, sizeof *e);
  e->offset = -1;
  return e;
}

int kt_smf_add_midi(kt_smf_track *t, uint32_t tick, uint8_t status, uint8_t d0,
                    uint8_t d1)
{
  kt_smf_event *e = track_push(t);
  if (!e) return -1;
  e->tick = tick;
  e->status = status;
  e->d[0] = d0 & 0x7f;
  e->d[1] = d1 & 0x7f;
  return 0;
}

static int add_blob(kt_smf_track *t, uint32_t tick, uint8_t status,
                    uint8_t type, const void *data, uint32_t len, long off)
{
  uint8_t *copy = NULL;
  if (len) {
    copy = malloc(len);
    if (!copy) return -1;
    memcpy(copy, data, len);
  }
  kt_smf_event *e = track_push(t);
  if (!e) {
    free(copy);
    return -1;
  }
  e->tick = tick;
  e->status = status;
  e->meta = type;
  e->len = len;
  e->data = copy;
  e->offset = off;
  return 0;
}

int kt_smf_add_meta(kt_smf_track *t, uint32_t tick, uint8_t type,
                    const void *data, uint32_t len)
{
  return add_blob(t, tick, 0xff, type, data, len, -1);
}

int kt_smf_add_tempo(kt_smf_track *t, uint32_t tick, double qpm)
{
  if (!(qpm > 0)) return -1;
  double us = 60e6 / qpm;
  if (us > 0xffffff) us = 0xffffff;
  uint32_t u = (uint32_t)lround(us);
  uint8_t b[3] = {(uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
  return kt_smf_add_meta(t, tick, 0x51, b, 3);
}

int kt_smf_add_meter(kt_smf_track *t, uint32_t tick, int num, int den)
{
  int dd = 0;
  while ((1 << dd) < den && dd < 7)
    ++dd;
  uint8_t b[4] = {(uint8_t)num, (uint8_t)dd, 24, 8};
  return kt_smf_add_meta(t, tick, 0x58, b, 4);
}

/* ---- reading ---------------------------------------------------------- */

static int chan_data_len(uint8_t st)
{
  switch (st & 0xf0) {
  case 0xc0:
  case 0xd0:
    return 1;
  default:
    return 2;
  }
}

/* Variable-length quantity at p[*i] (end = e); -1 on error with *why set. */
static int read_vlq(const uint8_t *p, size_t *i, size_t e, uint32_t *v,
                    const char **why)
{
  uint32_t x = 0;
  for (int k = 0; k < 4; ++k) {
    if (*i >= e) {
      *why = "variable-length quantity runs past the end of the track";
      return -1;
    }
    uint8_t b = p[(*i)++];
    x = (x << 7) | (b & 0x7f);
    if (!(b & 0x80)) {
      *v = x;
      return 0;
    }
  }
  *why = "variable-length quantity longer than 4 bytes";
  return -1;
}

static int read_track(const uint8_t *p, size_t start, size_t end,
                      kt_smf_track *t, const char *name, char *err,
                      size_t errlen)
{
  size_t i = start;
  uint8_t running = 0;
  uint64_t tick = 0;
  const char *why = NULL;
  while (i < end) {
    size_t ev_off = i;
    uint32_t delta;
    if (read_vlq(p, &i, end, &delta, &why) < 0) {
      smf_err(err, errlen, name, (long)ev_off, "%s", why);
      return -1;
    }
    tick += delta;
    if (tick > KT_SMF_MAX_TICK) {
      smf_err(err, errlen, name, (long)ev_off,
              "absurd time (tick %llu) in track", (unsigned long long)tick);
      return -1;
    }
    if (i >= end) {
      smf_err(err, errlen, name, (long)ev_off,
              "event runs past the end of the track chunk (truncated)");
      return -1;
    }
    size_t st_off = i;
    uint8_t b = p[i];
    if (b == 0xff) {
      if (i + 2 > end) {
        smf_err(err, errlen, name, (long)st_off,
                "meta event runs past the end of the track chunk");
        return -1;
      }
      uint8_t type = p[i + 1];
      i += 2;
      uint32_t len;
      if (read_vlq(p, &i, end, &len, &why) < 0) {
        smf_err(err, errlen, name, (long)st_off, "meta event length: %s", why);
        return -1;
      }
      if (len > end - i) {
        smf_err(err, errlen, name, (long)st_off,
                "meta event 0x%02x claims %u bytes but only %zu remain in "
                "the track (absurd length or truncated)",
                type, len, end - i);
        return -1;
      }
      if (type == 0x2f)
        return 0; /* end of track: anything after it is ignored */
      if ((type == 0x51 && len != 3) || (type == 0x58 && len != 4)) {
        smf_err(err, errlen, name, (long)st_off,
                "%s meta event with length %u (expected %d)",
                type == 0x51 ? "tempo" : "time signature", len,
                type == 0x51 ? 3 : 4);
        return -1;
      }
      if (add_blob(t, (uint32_t)tick, 0xff, type, p + i, len, (long)st_off) < 0)
        goto oom;
      i += len;
      /* Running status survives meta events here (the spec cancels it, but
       * the next status is unambiguous and some writers rely on it). */
      continue;
    }
    if (b == 0xf0 || b == 0xf7) {
      ++i;
      uint32_t len;
      if (read_vlq(p, &i, end, &len, &why) < 0) {
        smf_err(err, errlen, name, (long)st_off, "sysex length: %s", why);
        return -1;
      }
      if (len > end - i) {
        smf_err(err, errlen, name, (long)st_off,
                "sysex claims %u bytes but only %zu remain in the track "
                "(absurd length or truncated)",
                len, end - i);
        return -1;
      }
      if (add_blob(t, (uint32_t)tick, b, 0, p + i, len, (long)st_off) < 0)
        goto oom;
      i += len;
      running = 0;
      continue;
    }
    if (b >= 0xf0) {
      smf_err(err, errlen, name, (long)st_off,
              "status byte 0x%02x is not allowed in a MIDI file", b);
      return -1;
    }
    uint8_t st;
    if (b & 0x80) {
      st = b;
      ++i;
    } else {
      if (!running) {
        smf_err(err, errlen, name, (long)st_off,
                "data byte 0x%02x without a status (bad running status)", b);
        return -1;
      }
      st = running;
    }
    int n = chan_data_len(st);
    if (i + (size_t)n > end) {
      smf_err(err, errlen, name, (long)st_off,
              "channel message runs past the end of the track chunk "
              "(truncated)");
      return -1;
    }
    uint8_t d[2] = {0, 0};
    for (int k = 0; k < n; ++k) {
      d[k] = p[i + (size_t)k];
      if (d[k] & 0x80) {
        smf_err(err, errlen, name, (long)(i + (size_t)k),
                "byte 0x%02x where a data byte of status 0x%02x is expected",
                d[k], st);
        return -1;
      }
    }
    i += (size_t)n;
    running = st;
    if (kt_smf_add_midi(t, (uint32_t)tick, st, d[0], d[1]) < 0) goto oom;
    t->ev[t->n - 1].offset = (long)st_off;
  }
  return 0; /* no end-of-track meta: tolerated */
oom:
  smf_err(err, errlen, name, -1, "out of memory");
  return -1;
}

int kt_smf_read_mem(const uint8_t *p, size_t len, const char *name, kt_smf *s,
                    char *err, size_t errlen)
{
  kt_smf_init(s, 0, 0);
  if (len < 14 || memcmp(p, "MThd", 4) != 0) {
    smf_err(err, errlen, name, 0,
            "not a MIDI file (no \"MThd\" header chunk%s)",
            len < 14 ? "; file too short" : "");
    return -1;
  }
  uint32_t hlen = rd_be(p + 4, 4);
  if (hlen < 6 || hlen > len - 8) {
    smf_err(err, errlen, name, 4, "absurd header chunk length %u", hlen);
    return -1;
  }
  int format = (int)rd_be(p + 8, 2);
  int ntrk = (int)rd_be(p + 10, 2);
  uint32_t div = rd_be(p + 12, 2);
  if (format > 1) {
    smf_err(err, errlen, name, 8,
            "MIDI file format %d is not supported (only 0 and 1)", format);
    return -1;
  }
  if (div & 0x8000) {
    smf_err(err, errlen, name, 12,
            "SMPTE time division is not supported (ticks per quarter note "
            "only)");
    return -1;
  }
  if (div == 0) {
    smf_err(err, errlen, name, 12, "division of 0 ticks per quarter note");
    return -1;
  }
  if (ntrk == 0) {
    smf_err(err, errlen, name, 10, "the header declares no tracks");
    return -1;
  }
  s->format = format;
  s->division = (int)div;
  size_t pos = 8 + hlen;
  while (s->n_tracks < ntrk) {
    if (pos >= len) {
      smf_err(err, errlen, name, (long)pos,
              "file ends after %d of the %d tracks its header declares "
              "(truncated)",
              s->n_tracks, ntrk);
      goto fail;
    }
    if (len - pos < 8) {
      smf_err(err, errlen, name, (long)pos,
              "truncated chunk header (%zu bytes left)", len - pos);
      goto fail;
    }
    uint32_t clen = rd_be(p + pos + 4, 4);
    if (clen > len - pos - 8) {
      smf_err(err, errlen, name, (long)pos,
              "chunk \"%.4s\" claims %u bytes but only %zu remain (absurd "
              "length or truncated file)",
              (const char *)(p + pos), clen, len - pos - 8);
      goto fail;
    }
    if (memcmp(p + pos, "MTrk", 4) == 0) {
      kt_smf_track *t = kt_smf_add_track(s);
      if (!t) {
        smf_err(err, errlen, name, -1, "out of memory");
        goto fail;
      }
      if (read_track(p, pos + 8, pos + 8 + clen, t, name, err, errlen) < 0)
        goto fail;
    } else {
      for (int k = 0; k < 4; ++k)
        if (p[pos + (size_t)k] < 0x20 || p[pos + (size_t)k] > 0x7e) {
          smf_err(err, errlen, name, (long)pos,
                  "garbage where a chunk header is expected");
          goto fail;
        }
      /* unknown chunk type: skipped, as the spec asks */
    }
    pos += 8 + clen;
  }
  return 0;
fail:
  kt_smf_free(s);
  return -1;
}

int kt_smf_read_file(const char *path, kt_smf *s, char *err, size_t errlen)
{
  kt_smf_init(s, 0, 0);
  FILE *f = fopen(path, "rb");
  if (!f) {
    smf_err(err, errlen, path, -1, "cannot open: %s", strerror(errno));
    return -1;
  }
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= KT_SMF_MAX_FILE) {
        smf_err(err, errlen, path, (long)n,
                "file larger than %u bytes: not a melody", KT_SMF_MAX_FILE);
        free(buf);
        fclose(f);
        return -1;
      }
      cap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        smf_err(err, errlen, path, -1, "out of memory");
        return -1;
      }
      buf = nb;
    }
    size_t k = fread(buf + n, 1, cap - n, f);
    n += k;
    if (k == 0) break;
  }
  int bad = ferror(f) ? errno : 0;
  fclose(f);
  if (bad) {
    free(buf);
    smf_err(err, errlen, path, -1, "read error: %s", strerror(bad));
    return -1;
  }
  int r = kt_smf_read_mem(buf, n, path, s, err, errlen);
  free(buf);
  return r;
}

/* ---- writing ---------------------------------------------------------- */

typedef struct {
  uint8_t *b;
  size_t n, cap;
  int oom;
} wbuf;

static void wb_put(wbuf *w, const void *d, size_t n)
{
  if (w->oom) return;
  if (w->n + n > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->n + n)
      cap *= 2;
    uint8_t *nb = realloc(w->b, cap);
    if (!nb) {
      w->oom = 1;
      return;
    }
    w->b = nb;
    w->cap = cap;
  }
  memcpy(w->b + w->n, d, n);
  w->n += n;
}

static void wb_byte(wbuf *w, uint8_t b)
{
  wb_put(w, &b, 1);
}

static void wb_be(wbuf *w, uint32_t v, int n)
{
  for (int i = n - 1; i >= 0; --i)
    wb_byte(w, (uint8_t)(v >> (8 * i)));
}

static void wb_vlq(wbuf *w, uint32_t v)
{
  uint8_t t[5];
  int k = 0;
  t[k++] = v & 0x7f;
  while (v >>= 7)
    t[k++] = (uint8_t)(0x80 | (v & 0x7f));
  while (k--)
    wb_byte(w, t[k]);
}

/* Order at one tick: meta first (tempo, names), then note-offs, then the
 * rest (program changes...), then note-ons; insertion order otherwise. */
static int ev_rank(const kt_smf_event *e)
{
  if (e->status == 0xff) return 0;
  uint8_t hi = e->status & 0xf0;
  if (hi == 0x80 || (hi == 0x90 && e->d[1] == 0)) return 1;
  if (hi == 0x90) return 3;
  return 2;
}

typedef struct {
  const kt_smf_event *e;
  int seq;
} ev_ref;

static int ev_cmp(const void *a, const void *b)
{
  const ev_ref *x = a, *y = b;
  if (x->e->tick != y->e->tick) return x->e->tick < y->e->tick ? -1 : 1;
  int rx = ev_rank(x->e), ry = ev_rank(y->e);
  if (rx != ry) return rx - ry;
  return x->seq - y->seq;
}

int kt_smf_write_mem(const kt_smf *s, uint8_t **out, size_t *len)
{
  wbuf w = {0};
  wb_put(&w, "MThd", 4);
  wb_be(&w, 6, 4);
  wb_be(&w, (uint32_t)s->format, 2);
  wb_be(&w, (uint32_t)s->n_tracks, 2);
  wb_be(&w, (uint32_t)s->division, 2);
  for (int t = 0; t < s->n_tracks; ++t) {
    const kt_smf_track *tr = &s->trk[t];
    ev_ref *ord = malloc(sizeof *ord * (size_t)(tr->n + 1));
    if (!ord) {
      free(w.b);
      return -1;
    }
    for (int i = 0; i < tr->n; ++i) {
      ord[i].e = &tr->ev[i];
      ord[i].seq = i;
    }
    qsort(ord, (size_t)tr->n, sizeof *ord, ev_cmp);
    wb_put(&w, "MTrk", 4);
    size_t len_at = w.n;
    wb_be(&w, 0, 4);
    uint32_t now = 0;
    for (int i = 0; i < tr->n; ++i) {
      const kt_smf_event *e = ord[i].e;
      if (e->status == 0xff && e->meta == 0x2f)
        continue; /* written once at the end */
      wb_vlq(&w, e->tick - now);
      now = e->tick;
      if (e->status == 0xff) {
        wb_byte(&w, 0xff);
        wb_byte(&w, e->meta);
        wb_vlq(&w, e->len);
        if (e->len) wb_put(&w, e->data, e->len);
      } else if (e->status == 0xf0 || e->status == 0xf7) {
        wb_byte(&w, e->status);
        wb_vlq(&w, e->len);
        if (e->len) wb_put(&w, e->data, e->len);
      } else {
        /* No running status: simpler to read back and to diff. */
        wb_byte(&w, e->status);
        wb_byte(&w, e->d[0]);
        if (chan_data_len(e->status) == 2) wb_byte(&w, e->d[1]);
      }
    }
    free(ord);
    wb_vlq(&w, 0);
    wb_put(&w, "\xff\x2f\x00", 3);
    if (!w.oom) {
      uint32_t tl = (uint32_t)(w.n - len_at - 4);
      for (int k = 0; k < 4; ++k)
        w.b[len_at + (size_t)k] = (uint8_t)(tl >> (8 * (3 - k)));
    }
  }
  if (w.oom) {
    free(w.b);
    return -1;
  }
  *out = w.b;
  *len = w.n;
  return 0;
}

int kt_smf_write_file(const kt_smf *s, const char *path, char *err,
                      size_t errlen)
{
  uint8_t *buf;
  size_t n;
  if (kt_smf_write_mem(s, &buf, &n) < 0) {
    smf_err(err, errlen, path, -1, "out of memory");
    return -1;
  }
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 5);
  if (!tmp) {
    free(buf);
    smf_err(err, errlen, path, -1, "out of memory");
    return -1;
  }
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    smf_err(err, errlen, path, -1, "cannot write %s: %s", tmp, strerror(errno));
    free(buf);
    free(tmp);
    return -1;
  }
  int bad = fwrite(buf, 1, n, f) != n;
  bad |= fclose(f) != 0;
  free(buf);
  if (bad || rename(tmp, path) != 0) {
    smf_err(err, errlen, path, -1, "cannot write: %s", strerror(errno));
    remove(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

/* ---- melody ----------------------------------------------------------- */

typedef struct {
  uint32_t on, off;
  int pitch, vel, channel;
  long where; /* byte offset of the event that ends the note */
} raw_note;

static int raw_cmp(const void *a, const void *b)
{
  const raw_note *x = a, *y = b;
  if (x->on != y->on) return x->on < y->on ? -1 : 1;
  if (x->pitch != y->pitch) return y->pitch - x->pitch; /* highest first */
  if (x->off != y->off) return x->off > y->off ? -1 : 1;
  return x->channel - y->channel;
}

typedef struct {
  uint32_t tick;
  double v;
  int num, den;
  int seq;
} map_ev;

static int map_cmp(const void *a, const void *b)
{
  const map_ev *x = a, *y = b;
  if (x->tick != y->tick) return x->tick < y->tick ? -1 : 1;
  return x->seq - y->seq;
}

void kt_smf_free_melody(kt_melody *m)
{
  if (!m) return;
  free(m->notes);
  free(m->tempo);
  free(m->meter);
  memset(m, 0, sizeof *m);
}

int kt_smf_to_melody(const kt_smf *s, const char *name, kt_melody *m, char *err,
                     size_t errlen)
{
  memset(m, 0, sizeof *m);
  int total = 0;
  for (int t = 0; t < s->n_tracks; ++t)
    total += s->trk[t].n;
  raw_note *raw = malloc(sizeof *raw * (size_t)(total + 1));
  map_ev *tmp = malloc(sizeof *tmp * (size_t)(total + 1));
  map_ev *met = malloc(sizeof *met * (size_t)(total + 1));
  if (!raw || !tmp || !met) {
    free(raw);
    free(tmp);
    free(met);
    smf_err(err, errlen, name, -1, "out of memory");
    return -1;
  }
  int nr = 0, nt = 0, nm = 0;
  for (int t = 0; t < s->n_tracks; ++t) {
    uint32_t open_at[16][128];
    int open_vel[16][128];
    long open_off[16][128];
    memset(open_vel, 0, sizeof open_vel); /* 0 = not sounding */
    const kt_smf_track *tr = &s->trk[t];
    uint32_t last = 0;
    for (int i = 0; i < tr->n; ++i) {
      const kt_smf_event *e = &tr->ev[i];
      last = e->tick;
      if (e->status == 0xff) {
        if (e->meta == 0x51) {
          uint32_t us = rd_be(e->data, 3);
          if (us == 0) {
            smf_err(err, errlen, name, e->offset, "tempo of 0 us per beat");
            goto fail;
          }
          tmp[nt].tick = e->tick;
          tmp[nt].v = 60e6 / us;
          tmp[nt].seq = nt;
          ++nt;
        } else if (e->meta == 0x58) {
          int num = e->data[0], dd = e->data[1];
          if (num == 0 || dd > 6) {
            smf_err(err, errlen, name, e->offset,
                    "absurd time signature %d/2^%d", num, dd);
            goto fail;
          }
          met[nm].tick = e->tick;
          met[nm].num = num;
          met[nm].den = 1 << dd;
          met[nm].seq = nm;
          ++nm;
        }
        continue;
      }
      uint8_t hi = e->status & 0xf0;
      int ch = e->status & 0x0f;
      if (ch == 9 || (hi != 0x80 && hi != 0x90)) continue;
      int p = e->d[0];
      int on = hi == 0x90 && e->d[1] > 0;
      if (open_vel[ch][p]) { /* close the sounding one (also on retrigger) */
        raw[nr].on = open_at[ch][p];
        raw[nr].off = e->tick;
        raw[nr].pitch = p;
        raw[nr].vel = open_vel[ch][p];
        raw[nr].channel = ch;
        raw[nr].where = e->offset;
        if (raw[nr].off > raw[nr].on) ++nr;
        open_vel[ch][p] = 0;
      }
      if (on) {
        open_at[ch][p] = e->tick;
        open_vel[ch][p] = e->d[1];
        open_off[ch][p] = e->offset;
      }
    }
    for (int ch = 0; ch < 16; ++ch) /* unterminated notes end with the track */
      for (int p = 0; p < 128; ++p)
        if (open_vel[ch][p] && last > open_at[ch][p]) {
          raw[nr].on = open_at[ch][p];
          raw[nr].off = last;
          raw[nr].pitch = p;
          raw[nr].vel = open_vel[ch][p];
          raw[nr].channel = ch;
          raw[nr].where = open_off[ch][p];
          ++nr;
        }
  }
  if (nr == 0) {
    smf_err(err, errlen, name, -1,
            "no notes (no note-on/note-off pairs outside channel 10 in any "
            "track)");
    goto fail;
  }
  qsort(raw, (size_t)nr, sizeof *raw, raw_cmp);
  /* Skyline: the highest note at each onset. */
  int nk = 0;
  for (int i = 0; i < nr; ++i) {
    raw_note *r = &raw[i];
    if (nk > 0) {
      raw_note *cur = &raw[nk - 1];
      if (r->on < cur->off) {
        if (r->pitch <= cur->pitch)
          continue; /* under the sounding note (or same onset, lower) */
        if (r->on == cur->on) {
          *cur = *r;
          continue;
        }
        cur->off = r->on; /* a higher note cuts the sounding one */
      }
    }
    raw[nk++] = *r;
  }
  double div = s->division;
  m->notes = malloc(sizeof *m->notes * (size_t)nk);
  m->tempo = malloc(sizeof *m->tempo * (size_t)(nt + 1));
  m->meter = malloc(sizeof *m->meter * (size_t)(nm + 1));
  if (!m->notes || !m->tempo || !m->meter) {
    smf_err(err, errlen, name, -1, "out of memory");
    goto fail;
  }
  m->end = 0;
  for (int i = 0; i < nk; ++i) {
    kt_mnote *n = &m->notes[i];
    n->start = raw[i].on / div;
    n->dur = (raw[i].off - raw[i].on) / div;
    n->pitch = raw[i].pitch;
    n->vel = raw[i].vel;
    n->channel = raw[i].channel;
    if (raw[i].off / div > m->end) m->end = raw[i].off / div;
    if (raw[i].off / div > KT_SMF_MAX_QN) {
      smf_err(err, errlen, name, raw[i].where,
              "a note ends at quarter note %.0f: absurd length (a melody "
              "of more than %d quarter notes)",
              raw[i].off / div, KT_SMF_MAX_QN);
      goto fail;
    }
  }
  m->n_notes = nk;
  qsort(tmp, (size_t)nt, sizeof *tmp, map_cmp);
  qsort(met, (size_t)nm, sizeof *met, map_cmp);
  if (nt > 0 && tmp[0].tick > 0) m->tempo[m->n_tempo++] = (kt_tempo){0, 120};
  for (int i = 0; i < nt; ++i) {
    kt_tempo tp = {tmp[i].tick / div, tmp[i].v};
    if (m->n_tempo && m->tempo[m->n_tempo - 1].at == tp.at)
      m->tempo[m->n_tempo - 1] = tp; /* the last one at a tick wins */
    else
      m->tempo[m->n_tempo++] = tp;
  }
  for (int i = 0; i < nm; ++i) {
    kt_meter mt = {met[i].tick / div, met[i].num, met[i].den};
    if (m->n_meter && m->meter[m->n_meter - 1].at == mt.at)
      m->meter[m->n_meter - 1] = mt;
    else if (m->n_meter == 0 && mt.at > 0) {
      m->meter[m->n_meter++] = (kt_meter){0, 4, 4};
      m->meter[m->n_meter++] = mt;
    } else
      m->meter[m->n_meter++] = mt;
  }
  free(raw);
  free(tmp);
  free(met);
  return 0;
fail:
  free(raw);
  free(tmp);
  free(met);
  kt_smf_free_melody(m);
  return -1;
}
