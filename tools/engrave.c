/* tools/engrave.c -- Bach above a harmonization, as a score (engrave.h). */
#include "engrave.h"

#include "lily.h"
#include "musicxml.h"
#include "score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_engrave_fmt_ok(const char *fmt)
{
  return !strcmp(fmt, "ly") || !strcmp(fmt, "pdf") || !strcmp(fmt, "png") ||
         !strcmp(fmt, "svg");
}

/* A chorale's voices as score notes, soprano first, into s->notes[at..]. */
static int add_voices(kt_score *s, int at, const kt_chorale *c, int offset,
                      kt_sc_note **bufs)
{
  for (int v = KT_SOPRANO; v >= 0; --v) {
    int k = at + KT_SOPRANO - v;
    int nn = kt_chorale_notes(c, v, NULL, 0);
    kt_note *tmp = calloc((size_t)nn + 1, sizeof *tmp);
    bufs[k] = calloc((size_t)nn + 1, sizeof *bufs[k]);
    if (!tmp || !bufs[k]) {
      free(tmp);
      return -1;
    }
    kt_chorale_notes(c, v, tmp, nn);
    for (int i = 0; i < nn; ++i)
      bufs[k][i] = (kt_sc_note){(tmp[i].start + offset) / 4.0, tmp[i].len / 4.0,
                                tmp[i].pitch};
    free(tmp);
    s->notes[k] = bufs[k];
    s->n[k] = nn;
  }
  return 0;
}

int kt_engrave_pair(const char *stem, const kt_chorale *bach,
                    const kt_chorale *gen, const char *gen_name, int offset,
                    const kt_melody *mel, double bpm, const char *fmt,
                    char *err, size_t errlen)
{
  kt_sc_note *bufs[KT_SC_MAXV] = {0};
  kt_score s;
  memset(&s, 0, sizeof s);
  char title[200], path[3][4200];
  int n_written = 0, ret = -1;
  snprintf(title, sizeof title, "%s: Bach (above) and %s (below)", bach->name,
           gen_name);
  s.title = title;
  s.n_voices = 8;
  s.group[0] = "Bach";
  s.group[1] = gen_name;
  if (add_voices(&s, 0, bach, offset, bufs) < 0 ||
      add_voices(&s, 4, gen, offset, bufs) < 0) {
    snprintf(err, errlen, "%s: out of memory", stem);
    goto done;
  }
  s.meter = mel->meter;
  s.n_meter = mel->n_meter;
  s.tempo = mel->tempo;
  s.n_tempo = mel->n_tempo;
  s.bpm = bpm;
  s.tonic = bach->tonic;
  s.minor = kt_mode_family(bach->mode);
  s.use_fifths = 1;
  s.fifths = bach->key_sig;
  s.staves = 2;
  snprintf(path[0], sizeof path[0], "%s.musicxml", stem);
  if (kt_mxl_write(path[0], &s, err, errlen) < 0) goto done;
  n_written++;
  snprintf(path[1], sizeof path[1], "%s.ly", stem);
  if (kt_ly_write(path[1], &s, 0, err, errlen) < 0) goto done;
  n_written++;
  if (strcmp(fmt, "ly")) {
    snprintf(path[2], sizeof path[2], "%s.%s", stem, fmt);
    if (kt_ly_engrave(path[2], &s, NULL, err, errlen) < 0) goto done;
  }
  ret = 0;
done:
  if (ret < 0)
    for (int i = 0; i < n_written; ++i)
      remove(path[i]);
  for (int v = 0; v < KT_SC_MAXV; ++v)
    free(bufs[v]);
  return ret;
}
