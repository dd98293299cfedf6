/* dsp/style_spec.c -- the decoder's style terms from a "key=value,..."
 * spec (kt_decode_style_parse, decode.h): the CLI's --style, never the
 * audio thread; built into kantor_dsp_offline, out of the plugins. */
#include "decode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_decode_style_parse(kt_decode_style *s, const char *spec, char *err,
                          size_t errlen)
{
  static const char *const qn[KT_SQ_N] = {
      "aug", "dim", "dim7", "dom7", "hdim7", "maj", "maj7", "min", "min7"};
  const char *p = spec;
  while (p && *p) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    if (!eq || eq > end) {
      snprintf(err, errlen, "style term '%.*s' wants name=value",
               (int)(end - p), p);
      return -1;
    }
    char name[16];
    size_t nl = (size_t)(eq - p);
    if (nl == 0 || nl >= sizeof name) {
      snprintf(err, errlen, "unknown style term '%.*s'", (int)nl, p);
      return -1;
    }
    memcpy(name, p, nl);
    name[nl] = 0;
    char *stop;
    double v = strtod(eq + 1, &stop);
    if (stop == eq + 1 || stop != end || !(v >= -100.0 && v <= 100.0)) {
      snprintf(err, errlen,
               "style term %s wants a value in 0..100 (q_, hold, unison: "
               "-100..100), "
               "not '%.*s'",
               name, (int)(end - eq - 1), eq + 1);
      return -1;
    }
    float f = (float)v;
    if (v < 0.0 && strncmp(name, "q_", 2) && strncmp(name, "hold", 4) &&
        strcmp(name, "unison")) {
      snprintf(err, errlen, "style term %s wants a value in 0..100", name);
      return -1;
    }
    if (!strcmp(name, "par"))
      s->par_any = v != 0.0;
    else if (!strcmp(name, "move_a"))
      s->move[0] = f;
    else if (!strcmp(name, "move_t"))
      s->move[1] = f;
    else if (!strcmp(name, "move_b"))
      s->move[2] = f;
    else if (!strcmp(name, "hold"))
      s->hold[0] = s->hold[1] = s->hold[2] = f;
    else if (!strcmp(name, "hold_a"))
      s->hold[0] = f;
    else if (!strcmp(name, "hold_t"))
      s->hold[1] = f;
    else if (!strcmp(name, "hold_b"))
      s->hold[2] = f;
    else if (!strcmp(name, "none"))
      s->none = f;
    else if (!strcmp(name, "chord"))
      s->chord = f;
    else if (!strcmp(name, "bass"))
      s->bass = f;
    else if (!strcmp(name, "cad"))
      s->cadence = f;
    else if (!strcmp(name, "end"))
      s->end = f;
    else if (!strcmp(name, "unison"))
      s->unison = f;
    else if (!strcmp(name, "step_a") || !strcmp(name, "step_t") ||
             !strcmp(name, "step_b")) {
      if (v != floor(v) || v > 12) {
        snprintf(err, errlen, "style term %s wants 0..12 semitones", name);
        return -1;
      }
      s->step[name[5] == 'a' ? 0 : name[5] == 't' ? 1 : 2] = (int)v;
    } else if (!strcmp(name, "root"))
      s->root_pos = f;
    else {
      int q = -1;
      if (!strncmp(name, "q_", 2))
        for (int i = 0; i < KT_SQ_N; ++i)
          if (!strcmp(name + 2, qn[i])) q = i;
      if (q < 0) {
        snprintf(err, errlen,
                 "unknown style term '%s' (par, hold[_a|_t|_b], "
                 "move_a|t|b, step_a|t|b, root, cad, end, none, chord, bass, "
                 "unison, q_QUALITY)",
                 name);
        return -1;
      }
      s->quality[q] = f;
    }
    p = *end ? end + 1 : end;
  }
  return 0;
}
