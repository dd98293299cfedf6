/* tests/tools/test_smf.c -- the SMF reader on hand-made byte fixtures (valid
 * type 0 and 1 files with running status, tempo and meter meta events;
 * malformed ones, each rejected with a message naming the file and the byte
 * offset), the writer round trip, melody extraction, and random corruption
 * of a valid file never crashing the reader. */
#include "../check.h"
#include "smf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char dir[256];

static const char *put(const char *name, const uint8_t *b, size_t n)
{
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fwrite(b, 1, n, f);
  fclose(f);
  return path;
}

/* MThd + tracks; 'trk' holds raw MTrk bodies separated via lengths. */
static size_t mk(uint8_t *out, int format, int ntrk, int div,
                 const uint8_t *const *bodies, const size_t *lens)
{
  size_t k = 0;
  memcpy(out, "MThd\0\0\0\6", 8);
  k = 8;
  out[k++] = 0;
  out[k++] = (uint8_t)format;
  out[k++] = 0;
  out[k++] = (uint8_t)ntrk;
  out[k++] = (uint8_t)(div >> 8);
  out[k++] = (uint8_t)div;
  for (int t = 0; t < ntrk; ++t) {
    memcpy(out + k, "MTrk", 4);
    k += 4;
    uint32_t l = (uint32_t)lens[t];
    out[k++] = (uint8_t)(l >> 24);
    out[k++] = (uint8_t)(l >> 16);
    out[k++] = (uint8_t)(l >> 8);
    out[k++] = (uint8_t)l;
    memcpy(out + k, bodies[t], lens[t]);
    k += lens[t];
  }
  return k;
}

/* Type 0, division 96: tempo 120 (500000 us), 3/4, C4 for a quarter then
 * E4 (running status) for a half, with note-offs as note-on velocity 0. */
static const uint8_t body0[] = {
    0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20,       /* tempo */
    0x00, 0xff, 0x58, 0x04, 0x03, 0x02, 0x18, 0x08, /* 3/4 */
    0x00, 0x90, 60,   100,                          /* C4 on */
    0x60, 60,   0,                                  /* running: C4 off */
    0x00, 64,   90,                                 /* running: E4 on */
    0x81, 0x40, 64,   0,                            /* +192: E4 off */
    0x00, 0xff, 0x2f, 0x00};

static void expect_error(const char *name, const uint8_t *b, size_t n,
                         const char *what)
{
  const char *path = put(name, b, n);
  kt_smf s;
  char err[512] = "";
  int r = kt_smf_read_file(path, &s, err, sizeof err);
  if (r == 0) {
    kt_melody m;
    r = kt_smf_to_melody(&s, path, &m, err, sizeof err);
    kt_smf_free(&s);
    if (r == 0) kt_smf_free_melody(&m);
  }
  CHECK(r < 0);
  CHECK(strstr(err, path) != NULL); /* names the file */
  if (what) CHECK(strstr(err, what) != NULL);
  printf("  %-14s -> %s\n", name, err);
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/kt_smf_XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  uint8_t buf[4096];

  /* -- valid type 0 with running status, tempo, meter -- */
  {
    const uint8_t *bodies[] = {body0};
    size_t lens[] = {sizeof body0};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    const char *path = put("type0.mid", buf, n);
    kt_smf s;
    char err[512];
    CHECK(kt_smf_read_file(path, &s, err, sizeof err) == 0);
    CHECK(s.format == 0 && s.division == 96 && s.n_tracks == 1);
    kt_melody m;
    CHECK(kt_smf_to_melody(&s, path, &m, err, sizeof err) == 0);
    CHECK(m.n_notes == 2);
    CHECK(m.notes[0].pitch == 60 && m.notes[0].start == 0 &&
          m.notes[0].dur == 1);
    CHECK(m.notes[1].pitch == 64 && m.notes[1].start == 1 &&
          m.notes[1].dur == 2);
    CHECK(m.notes[1].vel == 90);
    CHECK(m.n_tempo == 1 && fabs(m.tempo[0].qpm - 120) < 1e-9);
    CHECK(m.n_meter == 1 && m.meter[0].num == 3 && m.meter[0].den == 4);
    CHECK(m.end == 3);
    kt_smf_free_melody(&m);
    kt_smf_free(&s);
  }
  /* -- valid type 1: tempo track (tempo change at beat 2), a melody track
   * with a chord (highest note wins) and a lower note under a higher one,
   * and a drum track (ignored) -- */
  {
    static const uint8_t t0[] = {
        0x00, 0xff, 0x03, 0x04, 'T',  'e',  's',  't',
        0x00, 0xff, 0x51, 0x03, 0x0f, 0x42, 0x40,       /* 60 qpm */
        0x83, 0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20, /* +384: 120 */
        0x00, 0xff, 0x2f, 0x00};
    static const uint8_t t1[] = {
        0x00, 0x91, 60,   80,  0x00, 64,   80, 0x00, 67,   80, /* C E G chord */
        0x81, 0x40, 0x81, 60,  0,    0x00, 64, 0,    0x00, 67,
        0,                    /* +192 offs */
        0x00, 0x91, 72,   80, /* C5 ... */
        0x30, 0x91, 65,   80, /* +48: F4 under C5: dropped */
        0x30, 0x81, 65,   0,  /* +48 */
        0x60, 0x81, 72,   0,  /* +96: C5 off after 1 qn */
        0x00, 0xff, 0x2f, 0x00};
    static const uint8_t t2[] = {0x00, 0x99, 36,   100,  0x60, 0x89,
                                 36,   0,    0x00, 0xff, 0x2f, 0x00};
    const uint8_t *bodies[] = {t0, t1, t2};
    size_t lens[] = {sizeof t0, sizeof t1, sizeof t2};
    size_t n = mk(buf, 1, 3, 192, bodies, lens);
    const char *path = put("type1.mid", buf, n);
    kt_smf s;
    char err[512];
    CHECK(kt_smf_read_file(path, &s, err, sizeof err) == 0);
    CHECK(s.format == 1 && s.n_tracks == 3);
    kt_melody m;
    CHECK(kt_smf_to_melody(&s, path, &m, err, sizeof err) == 0);
    CHECK(m.n_notes == 2);
    if (m.n_notes == 2) {
      CHECK(m.notes[0].pitch == 67 && m.notes[0].dur == 1);
      CHECK(m.notes[1].pitch == 72 && m.notes[1].start == 1 &&
            m.notes[1].dur == 1);
      CHECK(m.notes[0].channel == 1);
    }
    CHECK(m.n_tempo == 2 && m.tempo[0].qpm == 60 && m.tempo[1].at == 2 &&
          fabs(m.tempo[1].qpm - 120) < 1e-9);
    CHECK(m.n_meter == 0);
    kt_smf_free_melody(&m);
    kt_smf_free(&s);
  }
  /* -- writer round trip -- */
  {
    kt_smf w;
    kt_smf_init(&w, 1, 480);
    kt_smf_track *a = kt_smf_add_track(&w);
    kt_smf_add_tempo(a, 0, 90);
    kt_smf_add_meter(a, 0, 6, 8);
    kt_smf_track *b = kt_smf_add_track(&w);
    kt_smf_add_meta(b, 0, 0x03, "Alto", 4);
    /* added out of order; a note-on and a note-off at the same tick */
    kt_smf_add_midi(b, 480, 0x91, 62, 70);
    kt_smf_add_midi(b, 0, 0x91, 60, 70);
    kt_smf_add_midi(b, 480, 0x81, 60, 0);
    kt_smf_add_midi(b, 960, 0x81, 62, 0);
    const char *path = put("written.mid", (const uint8_t *)"", 0);
    char err[512];
    CHECK(kt_smf_write_file(&w, path, err, sizeof err) == 0);
    char tmpf[600];
    snprintf(tmpf, sizeof tmpf, "%s.tmp", path);
    CHECK(access(tmpf, F_OK) != 0);
    kt_smf_free(&w);
    kt_smf r;
    CHECK(kt_smf_read_file(path, &r, err, sizeof err) == 0);
    CHECK(r.n_tracks == 2 && r.division == 480);
    if (r.n_tracks == 2) {
      const kt_smf_track *t = &r.trk[1];
      CHECK(t->n == 5);
      CHECK(t->ev[0].status == 0xff && t->ev[0].meta == 3 &&
            t->ev[0].len == 4 && !memcmp(t->ev[0].data, "Alto", 4));
      CHECK(t->ev[1].tick == 0 && t->ev[1].status == 0x91);
      CHECK(t->ev[2].tick == 480 && t->ev[2].status == 0x81); /* off first */
      CHECK(t->ev[3].tick == 480 && t->ev[3].status == 0x91);
      CHECK(t->ev[4].tick == 960);
    }
    kt_melody m;
    CHECK(kt_smf_to_melody(&r, path, &m, err, sizeof err) == 0);
    CHECK(m.n_meter == 1 && m.meter[0].num == 6 && m.meter[0].den == 8);
    CHECK(m.n_tempo == 1 && fabs(m.tempo[0].qpm - 90) < 0.01);
    kt_smf_free_melody(&m);
    kt_smf_free(&r);
  }

  /* -- malformed files: each rejected, naming the file (and the offset) -- */
  printf("malformed fixtures:\n");
  {
    const uint8_t *bodies[] = {body0};
    size_t lens[] = {sizeof body0};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    /* truncated: the file stops in the middle of the track chunk */
    expect_error("truncated.mid", buf, n - 10, "byte 14");
    /* truncated chunk header */
    expect_error("trunc_hdr.mid", buf, 18, "byte 14");
    /* absurd chunk length */
    uint8_t b2[4096];
    memcpy(b2, buf, n);
    b2[18] = 0x7f;
    b2[19] = 0xff;
    b2[20] = 0xff;
    b2[21] = 0xff;
    expect_error("absurd_len.mid", b2, n, "claims");
    /* absurd meta length inside the track */
    memcpy(b2, buf, n);
    b2[22 + 3] = 0x7f; /* tempo meta length 3 -> 127 */
    expect_error("absurd_meta.mid", b2, n, "byte 23");
    /* declares two tracks, has one */
    memcpy(b2, buf, n);
    b2[11] = 2;
    expect_error("missing_trk.mid", b2, n, "truncated");
  }
  {
    static const uint8_t bad[] = {0x00, 60,   100,  0x60, 60,
                                  0,    0x00, 0xff, 0x2f, 0x00};
    const uint8_t *bodies[] = {bad};
    size_t lens[] = {sizeof bad};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    expect_error("running.mid", buf, n, "running status");
  }
  {
    static const uint8_t vlq[] = {0xff, 0xff, 0xff, 0xff, 0x7f, 0x90, 60, 1};
    const uint8_t *bodies[] = {vlq};
    size_t lens[] = {sizeof vlq};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    expect_error("long_vlq.mid", buf, n, "longer than 4 bytes");
  }
  {
    static const uint8_t cut[] = {0x00, 0x90, 60}; /* message cut short */
    const uint8_t *bodies[] = {cut};
    size_t lens[] = {sizeof cut};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    expect_error("cut_msg.mid", buf, n, "byte 23");
  }
  {
    static const uint8_t nonotes[] = {0x00, 0xff, 0x51, 0x03, 0x07, 0xa1,
                                      0x20, 0x00, 0xff, 0x2f, 0x00};
    const uint8_t *bodies[] = {nonotes};
    size_t lens[] = {sizeof nonotes};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    expect_error("nonotes.mid", buf, n, "no notes");
  }
  {
    /* a note ending 2^28 - 1 ticks later at division 1: absurd length */
    static const uint8_t far[] = {0x00, 0x90, 60, 100,  0xff, 0xff, 0xff, 0x7f,
                                  0x80, 60,   0,  0x00, 0xff, 0x2f, 0x00};
    const uint8_t *bodies[] = {far};
    size_t lens[] = {sizeof far};
    size_t n = mk(buf, 0, 1, 1, bodies, lens);
    expect_error("far.mid", buf, n, "byte 30: a note ends");
  }
  {
    const char *g = "This is not a MIDI file at all, just some text.\n";
    expect_error("garbage.mid", (const uint8_t *)g, strlen(g),
                 "not a MIDI file");
    expect_error("empty.mid", (const uint8_t *)"", 0, "not a MIDI file");
    uint8_t smpte[14];
    memcpy(smpte, "MThd\0\0\0\6\0\0\0\1\xe7\x28", 14);
    expect_error("smpte.mid", smpte, 14, "SMPTE");
  }
  {
    char err[512];
    kt_smf s;
    CHECK(kt_smf_read_file("/nonexistent/x.mid", &s, err, sizeof err) < 0);
    CHECK(strstr(err, "/nonexistent/x.mid") != NULL);
  }

  /* -- random corruption never crashes, errors always name the file -- */
  {
    const uint8_t *bodies[] = {body0};
    size_t lens[] = {sizeof body0};
    size_t n = mk(buf, 0, 1, 96, bodies, lens);
    uint64_t x = 12345;
    int rejected = 0;
    for (int it = 0; it < 20000; ++it) {
      uint8_t b2[4096];
      memcpy(b2, buf, n);
      size_t len = n;
      int k = 1 + (int)(x % 4);
      for (int j = 0; j < k; ++j) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b2[x % n] = (uint8_t)(x >> 32);
      }
      if (x % 5 == 0) len = (size_t)(x >> 40) % n;
      kt_smf s;
      char err[256];
      if (kt_smf_read_mem(b2, len, "fuzz.mid", &s, err, sizeof err) == 0) {
        kt_melody m;
        if (kt_smf_to_melody(&s, "fuzz.mid", &m, err, sizeof err) == 0)
          kt_smf_free_melody(&m);
        kt_smf_free(&s);
      } else {
        ++rejected;
        CHECK(strncmp(err, "fuzz.mid: ", 10) == 0);
      }
    }
    printf("corruption: %d of 20000 rejected, none crashed\n", rejected);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
  if (kt_failures) fprintf(stderr, "%d checks failed\n", kt_failures);
  return kt_failures ? 1 : 0;
}
