/* tools/svg.c -- piano-roll SVG (see svg.h). */
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PX_QN 32.0 /* pixels per quarter note */
#define PX_ROW 6.0 /* pixels per semitone */
#define LEFT 48.0
#define TOP_TITLE 28.0
#define PANEL_GAP 30.0

static const char *voice_color[4] = {"#d62728", "#2ca02c", "#1f77b4",
                                     "#9467bd"};
static const char *voice_name[4] = {"Soprano", "Alto", "Tenor", "Bass"};

void kt_svg_xml_text(FILE *f, const char *s)
{
  for (; s && *s; ++s) {
    switch (*s) {
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '&':
      fputs("&amp;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      if ((unsigned char)*s >= 0x20 || *s == '\t') fputc(*s, f);
    }
  }
}

/* Bar-line times up to end, via the meters (4/4 without). */
static void bar_lines(FILE *f, const kt_meter *mt, int nm, double end,
                      double y0, double y1)
{
  static const kt_meter def = {0, 4, 4};
  if (nm <= 0) {
    mt = &def;
    nm = 1;
  }
  int bar = 0;
  for (int i = 0; i < nm; ++i) {
    double len = mt[i].num * 4.0 / mt[i].den, beat = 4.0 / mt[i].den;
    double stop = i + 1 < nm ? mt[i + 1].at : end;
    if (len <= 0) continue;
    for (double t = mt[i].at; t < stop - 1e-9 && t <= end + 1e-9;
         t += len, ++bar) {
      double x = LEFT + t * PX_QN;
      fprintf(f,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "stroke=\"#555\" stroke-width=\"1\"/>\n",
              x, y0, x, y1);
      fprintf(f,
              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
              "fill=\"#555\">%d</text>\n",
              x + 2, y0 - 2, bar + 1);
      for (double b = t + beat; b < t + len - 1e-9 && b <= end; b += beat)
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#ddd\" stroke-width=\"0.5\"/>\n",
                LEFT + b * PX_QN, y0, LEFT + b * PX_QN, y1);
    }
  }
  double x = LEFT + end * PX_QN;
  fprintf(f,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"#555\" stroke-width=\"1\"/>\n",
          x, y0, x, y1);
}

int kt_svg_write(const char *path, const char *title,
                 const kt_svg_panel *panels, int n_panels,
                 const kt_meter *meters, int n_meter, double end, char *err,
                 size_t errlen)
{
  int lo = 127, hi = 0;
  double last = 0;
  for (int p = 0; p < n_panels; ++p)
    for (int i = 0; i < panels[p].n; ++i) {
      const kt_svg_note *n = &panels[p].notes[i];
      if (n->pitch < 0 || n->pitch > 127) continue;
      lo = n->pitch < lo ? n->pitch : lo;
      hi = n->pitch > hi ? n->pitch : hi;
      if (n->start + n->dur > last) last = n->start + n->dur;
    }
  if (lo > hi) {
    lo = 48;
    hi = 72;
  }
  lo -= 2;
  hi += 2;
  if (end <= 0) end = last;
  if (end <= 0) end = 4;
  double ph = (hi - lo + 1) * PX_ROW;
  double width = LEFT + end * PX_QN + 20;
  if (width < 640) /* room for the title and the legend */
    width = 640;
  double height = TOP_TITLE + n_panels * (ph + PANEL_GAP) + 20;

  size_t pl = strlen(path);
  char *tmp = malloc(pl + 5);
  if (!tmp) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
          "font-family=\"sans-serif\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          width, height, width, height);
  fputs("<text x=\"8\" y=\"18\" font-size=\"13\">", f);
  kt_svg_xml_text(f, title ? title : "Kantor");
  fputs("</text>\n", f);
  for (int v = 0; v < 4; ++v)
    fprintf(f,
            "<rect x=\"%.0f\" y=\"8\" width=\"10\" height=\"10\" "
            "fill=\"%s\"/><text x=\"%.0f\" y=\"17\" font-size=\"11\">%s"
            "</text>\n",
            width - 300 + v * 72, voice_color[v], width - 286 + v * 72,
            voice_name[v]);
  for (int p = 0; p < n_panels; ++p) {
    double y0 = TOP_TITLE + p * (ph + PANEL_GAP) + 14;
    fprintf(f, "<g id=\"panel%d\">\n", p);
    if (panels[p].title) {
      fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\">", LEFT,
              y0 - 13);
      kt_svg_xml_text(f, panels[p].title);
      fputs("</text>\n", f);
    }
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"#fafafa\" stroke=\"#999\"/>\n",
            LEFT, y0, end * PX_QN, ph);
    for (int k = lo; k <= hi; ++k)
      if (k % 12 == 0) {
        double y = y0 + (hi - k) * PX_ROW;
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#eee\"/><text x=\"4\" y=\"%.1f\" "
                "font-size=\"9\">C%d</text>\n",
                LEFT, y + PX_ROW, LEFT + end * PX_QN, y + PX_ROW, y + PX_ROW,
                k / 12 - 1);
      }
    bar_lines(f, meters, n_meter, end, y0, y0 + ph);
    for (int i = 0; i < panels[p].n; ++i) {
      const kt_svg_note *n = &panels[p].notes[i];
      if (n->pitch < 0 || n->pitch > 127 || n->start >= end) continue;
      int v = n->voice < 0 ? 0 : n->voice > 3 ? 3 : n->voice;
      double d = n->start + n->dur > end ? end - n->start : n->dur;
      fprintf(f,
              "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
              "rx=\"1.5\" fill=\"%s\" fill-opacity=\"0.8\" stroke=\"#333\" "
              "stroke-width=\"0.4\"><title>%s %d @%g</title></rect>\n",
              LEFT + n->start * PX_QN, y0 + (hi - n->pitch) * PX_ROW,
              fmax(d * PX_QN - 1, 1), PX_ROW, voice_color[v], voice_name[v],
              n->pitch, n->start);
    }
    fputs("</g>\n", f);
  }
  fputs("</svg>\n", f);
  int bad = ferror(f) != 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    remove(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}
