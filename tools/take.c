/* tools/take.c -- a live session kept as MIDI and MusicXML (see take.h). */
#include "take.h"

#include "musicxml.h"
#include "score.h"
#include "smf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kt_take_init(kt_take *t, int cap, double rate, double bpm, int bpb,
                 int ch_alto, int ch_tenor, int ch_bass, int64_t latency)
{
  memset(t, 0, sizeof *t);
  t->ev = malloc(sizeof *t->ev * (size_t)(cap > 0 ? cap : 1));
  if (!t->ev) return -1;
  t->cap = cap;
  t->ch[0] = -1;
  t->ch[1] = ch_alto;
  t->ch[2] = ch_tenor;
  t->ch[3] = ch_bass;
  t->latency = latency;
  t->rate = rate;
  t->bpm = bpm;
  t->beats_per_bar = bpb > 0 ? bpb : 4;
  return 0;
}

void kt_take_free(kt_take *t)
{
  free(t->ev);
  memset(t, 0, sizeof *t);
}

static void add(kt_take *t, int64_t frame, int voice, const uint8_t *d) KT_RT
{
  if (t->n == t->cap) {
    ++t->dropped;
    return;
  }
  kt_take_event *x = &t->ev[t->n++];
  x->frame = frame;
  x->voice = (uint8_t)voice;
  memcpy(x->d, d, 3);
}

void kt_take_block(kt_take *t, int64_t now, const kt_event *in, uint32_t n_in,
                   const kt_out *out)
{
  for (uint32_t i = 0; i < n_in; ++i) {
    int st = in[i].midi[0] & 0xf0;
    if (in[i].type == KT_EV_MIDI && in[i].size == 3 &&
        (st == 0x80 || st == 0x90))
      add(t, now + in[i].frame, 0, in[i].midi);
  }
  for (uint32_t i = 0; i < out->n; ++i) {
    const kt_midi_out *o = &out->ev[i];
    int st = o->data[0] & 0xf0, ch = o->data[0] & 15;
    if (o->size != 3 || (st != 0x80 && st != 0x90)) continue;
    for (int v = 1; v < 4; ++v)
      if (t->ch[v] == ch) {
        add(t, now + o->frame - t->latency, v, o->data);
        break;
      }
  }
}

typedef struct {
  kt_sc_note *v;
  int n, cap;
  int *vel;
} vnotes;

static int push(vnotes *l, double start, double dur, int pitch, int vel)
{
  if (dur <= 0) return 0;
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 128;
    kt_sc_note *nv = realloc(l->v, sizeof *nv * (size_t)cap);
    if (!nv) return -1;
    l->v = nv;
    int *nvel = realloc(l->vel, sizeof *nvel * (size_t)cap);
    if (!nvel) return -1;
    l->vel = nvel;
    l->cap = cap;
  }
  l->v[l->n] = (kt_sc_note){start, dur, pitch};
  l->vel[l->n++] = vel;
  return 0;
}

int kt_take_write(const kt_take *t, const char *dir, int key, int64_t end,
                  char *stem, size_t stemlen, char *err, size_t errlen)
{
  stem[0] = 0;
  vnotes vn[4];
  memset(vn, 0, sizeof vn);
  double qpf = t->bpm / (60.0 * t->rate); /* quarter notes per frame */
  int64_t on[4][128];
  int onvel[4][128];
  for (int v = 0; v < 4; ++v)
    for (int p = 0; p < 128; ++p)
      on[v][p] = -1;
  int ret = -1, total = 0;
  char mid[4200] = "", mxl[4200] = "";
  kt_smf s;
  kt_smf_init(&s, 1, 480);
  for (int i = 0; i < t->n; ++i) {
    const kt_take_event *x = &t->ev[i];
    int v = x->voice & 3, p = x->d[1] & 127;
    if (on[v][p] >= 0) { /* a note-off, or a retrigger */
      if (push(&vn[v], on[v][p] * qpf, (x->frame - on[v][p]) * qpf, p,
               onvel[v][p]) < 0)
        goto oom;
      on[v][p] = -1;
    }
    if ((x->d[0] & 0xf0) == 0x90 && x->d[2] > 0) {
      on[v][p] = x->frame < 0 ? 0 : x->frame;
      onvel[v][p] = x->d[2];
    }
  }
  for (int v = 0; v < 4; ++v) /* still sounding when it stopped */
    for (int p = 0; p < 128; ++p)
      if (on[v][p] >= 0 && push(&vn[v], on[v][p] * qpf, (end - on[v][p]) * qpf,
                                p, onvel[v][p]) < 0)
        goto oom;
  for (int v = 0; v < 4; ++v)
    total += vn[v].n;
  if (total == 0) {
    ret = 0;
    goto done;
  }
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "%s: cannot make the folder: %s", dir,
             strerror(errno));
    goto done;
  }
  for (int k = 1; k < 100000; ++k) {
    snprintf(mid, sizeof mid, "%s/take-%d.mid", dir, k);
    snprintf(mxl, sizeof mxl, "%s/take-%d.musicxml", dir, k);
    if (access(mid, F_OK) != 0 && access(mxl, F_OK) != 0) {
      snprintf(stem, stemlen, "%s/take-%d", dir, k);
      break;
    }
  }
  /* MIDI: a tempo track and Soprano, Alto, Tenor, Bass on channels 1-4 */
  kt_smf_track *t0 = kt_smf_add_track(&s);
  if (!t0 || kt_smf_add_meta(t0, 0, 0x03, "Kantor live", 11) < 0 ||
      kt_smf_add_tempo(t0, 0, t->bpm) < 0 ||
      kt_smf_add_meter(t0, 0, t->beats_per_bar, 4) < 0)
    goto oom;
  static const char *names[4] = {"Soprano", "Alto", "Tenor", "Bass"};
  for (int v = 0; v < 4; ++v) {
    kt_smf_track *tr = kt_smf_add_track(&s);
    if (!tr ||
        kt_smf_add_meta(tr, 0, 0x03, names[v], (uint32_t)strlen(names[v])) < 0)
      goto oom;
    for (int i = 0; i < vn[v].n; ++i) {
      uint32_t a = (uint32_t)(vn[v].v[i].start * 480 + 0.5);
      uint32_t b = (uint32_t)((vn[v].v[i].start + vn[v].v[i].dur) * 480 + 0.5);
      if (b <= a) b = a + 1;
      if (kt_smf_add_midi(tr, a, (uint8_t)(0x90 | v), (uint8_t)vn[v].v[i].pitch,
                          (uint8_t)vn[v].vel[i]) < 0 ||
          kt_smf_add_midi(tr, b, (uint8_t)(0x80 | v), (uint8_t)vn[v].v[i].pitch,
                          0) < 0)
        goto oom;
    }
  }
  if (kt_smf_write_file(&s, mid, err, errlen) < 0) goto done;
  kt_score sc;
  memset(&sc, 0, sizeof sc);
  kt_meter meter = {0, t->beats_per_bar, 4};
  sc.title = "Kantor live";
  sc.n_voices = 4;
  for (int v = 0; v < 4; ++v) {
    sc.notes[v] = vn[v].v;
    sc.n[v] = vn[v].n;
  }
  sc.meter = &meter;
  sc.n_meter = 1;
  sc.bpm = t->bpm;
  sc.tonic = key >= 0 ? key % 12 : -1;
  sc.minor = key >= 12;
  sc.staves = 2;
  if (kt_mxl_write(mxl, &sc, err, errlen) < 0) {
    remove(mid);
    goto done;
  }
  ret = 0;
  goto done;
oom:
  snprintf(err, errlen, "%s: out of memory", dir);
done:
  if (ret < 0) stem[0] = 0;
  kt_smf_free(&s);
  for (int v = 0; v < 4; ++v) {
    free(vn[v].v);
    free(vn[v].vel);
  }
  return ret;
}
