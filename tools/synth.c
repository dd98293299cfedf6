/* tools/synth.c -- fluidsynth playback and WAV writing (see synth.h). */
#include "synth.h"

#include <errno.h>
#include <fluidsynth.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct kt_synth {
  fluid_settings_t *set;
  fluid_synth_t *syn;
};

int kt_synth_instrument(const char *name)
{
  static const char *names[] = {"choir", "organ", "strings"};
  for (int i = 0; i < 3; ++i)
    if (!strcmp(name, names[i])) return i;
  return -1;
}

static void quiet_log(int level, const char *msg, void *data)
{
  (void)data;
  if (level <= FLUID_ERR) fprintf(stderr, "fluidsynth: %s\n", msg);
}

kt_synth *kt_synth_new(double rate, const char *sf2, int instrument, char *err,
                       size_t errlen)
{
  static const int program[] = {52, 19, 48};  /* Choir Aahs, Church Organ,
                                                 String Ensemble 1 */
  static const int pan[4] = {44, 84, 54, 74}; /* S A T B */
  if (!sf2) sf2 = getenv("KANTOR_SF2");
  if (!sf2 || !*sf2) sf2 = KT_SF2_DEFAULT;
  if (instrument < 0 || instrument > 2) instrument = 0;
  struct stat sb;
  if (stat(sf2, &sb) != 0) {
    snprintf(err, errlen,
             "soundfont %s: %s (install fluid-soundfont-gm or set "
             "KANTOR_SF2)",
             sf2, strerror(errno));
    return NULL;
  }
  fluid_set_log_function(FLUID_WARN, quiet_log, NULL);
  fluid_set_log_function(FLUID_INFO, quiet_log, NULL);
  fluid_set_log_function(FLUID_DBG, quiet_log, NULL);
  kt_synth *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->set = new_fluid_settings();
  if (!s->set) {
    snprintf(err, errlen, "fluidsynth: cannot create settings");
    free(s);
    return NULL;
  }
  fluid_settings_setnum(s->set, "synth.sample-rate", rate);
  fluid_settings_setnum(s->set, "synth.gain", 0.8);
  fluid_settings_setint(s->set, "synth.threadsafe-api", 0);
  s->syn = new_fluid_synth(s->set);
  if (!s->syn) {
    snprintf(err, errlen, "fluidsynth: cannot create the synthesizer");
    kt_synth_free(s);
    return NULL;
  }
  if (fluid_synth_sfload(s->syn, sf2, 1) == FLUID_FAILED) {
    snprintf(err, errlen, "fluidsynth: cannot load soundfont %s", sf2);
    kt_synth_free(s);
    return NULL;
  }
  for (int ch = 0; ch < 16; ++ch) {
    if (ch == 9) continue;
    fluid_synth_program_change(s->syn, ch, program[instrument]);
    fluid_synth_cc(s->syn, ch, 10, ch < 4 ? pan[ch] : 64);
    fluid_synth_cc(s->syn, ch, 7, 100);
  }
  return s;
}

void kt_synth_free(kt_synth *s)
{
  if (!s) return;
  if (s->syn) delete_fluid_synth(s->syn);
  if (s->set) delete_fluid_settings(s->set);
  free(s);
}

void kt_synth_midi(kt_synth *s, const uint8_t *d, int size)
{
  if (size < 1) return;
  int ch = d[0] & 15, a = size > 1 ? d[1] & 127 : 0,
      b = size > 2 ? d[2] & 127 : 0;
  switch (d[0] & 0xf0) {
  case 0x90:
    if (b > 0)
      fluid_synth_noteon(s->syn, ch, a, b);
    else /* velocity 0 is a note-off */
      fluid_synth_noteoff(s->syn, ch, a);
    break;
  case 0x80:
    fluid_synth_noteoff(s->syn, ch, a);
    break;
  case 0xb0:
    fluid_synth_cc(s->syn, ch, a, b);
    break;
  case 0xc0:
    fluid_synth_program_change(s->syn, ch, a);
    break;
  case 0xe0:
    fluid_synth_pitch_bend(s->syn, ch, a | (b << 7));
    break;
  default:
    break;
  }
}

void kt_synth_render(kt_synth *s, float *l, float *r, int n)
{
  if (n <= 0) return;
  fluid_synth_write_float(s->syn, n, l, 0, 1, r, 0, 1);
}

/* ---- WAV ---------------------------------------------------------------- */

struct kt_wav {
  SNDFILE *f;
  char *path, *tmp;
  float buf[2 * 1024];
  int failed;
};

kt_wav *kt_synth_wav_open(const char *path, double rate, char *err, size_t errlen)
{
  kt_wav *w = calloc(1, sizeof *w);
  size_t pl = strlen(path);
  if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(pl + 5))) {
    if (w) free(w->path);
    free(w);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  memcpy(w->tmp, path, pl);
  memcpy(w->tmp + pl, ".tmp", 5);
  SF_INFO info = {0};
  info.samplerate = (int)rate;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  w->f = sf_open(w->tmp, SFM_WRITE, &info);
  if (!w->f) {
    snprintf(err, errlen, "%s: cannot write: %s", path, sf_strerror(NULL));
    free(w->tmp);
    free(w->path);
    free(w);
    return NULL;
  }
  /* Clip rather than wrap when a float exceeds +-1. */
  sf_command(w->f, SFC_SET_CLIPPING, NULL, SF_TRUE);
  return w;
}

int kt_synth_wav_write(kt_wav *w, const float *l, const float *r, int n)
{
  while (n > 0 && !w->failed) {
    int k = n > 1024 ? 1024 : n;
    for (int i = 0; i < k; ++i) {
      w->buf[2 * i] = l[i];
      w->buf[2 * i + 1] = r[i];
    }
    if (sf_writef_float(w->f, w->buf, k) != k) w->failed = 1;
    l += k;
    r += k;
    n -= k;
  }
  return w->failed ? -1 : 0;
}

int kt_synth_wav_close(kt_wav *w, int commit, char *err, size_t errlen)
{
  int ret = 0;
  if (w->failed && commit) {
    snprintf(err, errlen, "%s: write error: %s", w->path, sf_strerror(w->f));
    ret = -1;
  }
  if (sf_close(w->f) != 0 && commit && ret == 0) {
    snprintf(err, errlen, "%s: cannot finish writing", w->path);
    ret = -1;
  }
  if (commit && ret == 0 && rename(w->tmp, w->path) != 0) {
    snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
    ret = -1;
  }
  if (!commit || ret != 0) remove(w->tmp);
  free(w->tmp);
  free(w->path);
  free(w);
  return ret;
}

int kt_synth_render_wav(const char *path, double rate, const kt_rec_event *ev,
                        int n, int64_t frames, double tail_s, int instrument,
                        const char *sf2, char *err, size_t errlen)
{
  kt_synth *s = kt_synth_new(rate, sf2, instrument, err, errlen);
  if (!s) return -1;
  kt_wav *w = kt_synth_wav_open(path, rate, err, errlen);
  if (!w) {
    kt_synth_free(s);
    return -1;
  }
  enum { B = 512 };
  float l[B], r[B];
  int64_t total = frames + (int64_t)(tail_s * rate);
  int64_t now = 0;
  int i = 0, bad = 0;
  while (now < total && !bad) {
    int64_t stop = now + B < total ? now + B : total;
    while (i < n && ev[i].frame <= now) /* events due: send, then render */
      kt_synth_midi(s, ev[i].data, ev[i].size), ++i;
    if (i < n && ev[i].frame < stop) stop = ev[i].frame;
    int k = (int)(stop - now);
    kt_synth_render(s, l, r, k);
    bad = kt_synth_wav_write(w, l, r, k) < 0;
    now = stop;
  }
  kt_synth_free(s);
  return kt_synth_wav_close(w, !bad, err, errlen);
}
