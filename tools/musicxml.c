/* tools/musicxml.c -- MusicXML 3.1 partwise writer (see musicxml.h). */
#include "musicxml.h"
#include "svg.h" /* kt_svg_xml_text */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_mxl_is_musicxml_name(const char *path)
{
  static const char *ext[] = {".musicxml", ".xml", ".mxl"};
  size_t pl = strlen(path);
  for (int i = 0; i < 3; ++i) {
    size_t el = strlen(ext[i]);
    if (pl < el) continue;
    int same = 1;
    for (size_t k = 0; k < el; ++k)
      if (tolower((unsigned char)path[pl - el + k]) != ext[i][k]) same = 0;
    if (same) return 1;
  }
  return 0;
}

static const char *type_name(int base)
{
  switch (base) {
  case 16:
    return "whole";
  case 8:
    return "half";
  case 4:
    return "quarter";
  case 2:
    return "eighth";
  default:
    return "16th";
  }
}

static const char *const step_name[7] = {"C", "D", "E", "F", "G", "A", "B"};

/* Which accidental each note of one staff shows in one measure: the state
 * starts from the key signature; a note whose alteration differs from the
 * state of its letter and octave shows it (a tied continuation shows none
 * and changes nothing).  Both voices of the staff, in time order. */
static void staff_accidentals(const kt_sc_measure *M, const int *voices,
                              int nvs, int fifths, int minor, int *acc[2])
{
  int state[7][12];
  int ks[7] = {0};
  static const int sharp_order[7] = {3, 0, 4, 1, 5, 2, 6}; /* F C G D A E B */
  for (int i = 0; i < fifths && i < 7; ++i)
    ks[sharp_order[i]] = 1;
  for (int i = 0; i < -fifths && i < 7; ++i)
    ks[sharp_order[6 - i]] = -1;
  for (int l = 0; l < 7; ++l)
    for (int o = 0; o < 12; ++o)
      state[l][o] = ks[l];
  int idx[2] = {0, 0};
  for (;;) {
    int best = -1;
    for (int k = 0; k < nvs; ++k) {
      int v = voices[k];
      if (idx[k] >= M->n_it[v]) continue;
      if (best < 0 || M->it[v][idx[k]].pos < M->it[voices[best]][idx[best]].pos)
        best = k;
    }
    if (best < 0) break;
    const kt_sc_item *it = &M->it[voices[best]][idx[best]];
    int *a = &acc[best][idx[best]];
    ++idx[best];
    *a = 99; /* none */
    if (it->pitch < 0) continue;
    kt_sc_spelling sp = kt_sc_spell(it->pitch, fifths, minor);
    int o = sp.octave < 0 ? 0 : sp.octave > 11 ? 11 : sp.octave;
    if (it->tie_stop) continue;
    if (state[sp.letter][o] != sp.alter) {
      *a = sp.alter;
      state[sp.letter][o] = sp.alter;
    }
  }
}

static const char *acc_name(int alter)
{
  switch (alter) {
  case -2:
    return "flat-flat";
  case -1:
    return "flat";
  case 0:
    return "natural";
  case 1:
    return "sharp";
  default:
    return "double-sharp";
  }
}

static void write_item(FILE *f, const kt_sc_item *it, int voice, int stem,
                       int fifths, int minor, int acc)
{
  fputs("      <note>\n", f);
  if (it->pitch < 0) {
    fputs(it->measure_rest ? "        <rest measure=\"yes\"/>\n"
                           : "        <rest/>\n",
          f);
  } else {
    kt_sc_spelling sp = kt_sc_spell(it->pitch, fifths, minor);
    fprintf(f, "        <pitch><step>%s</step>", step_name[sp.letter]);
    if (sp.alter) fprintf(f, "<alter>%d</alter>", sp.alter);
    fprintf(f, "<octave>%d</octave></pitch>\n", sp.octave);
  }
  fprintf(f, "        <duration>%d</duration>\n", it->len);
  if (it->tie_stop) fputs("        <tie type=\"stop\"/>\n", f);
  if (it->tie_start) fputs("        <tie type=\"start\"/>\n", f);
  fprintf(f, "        <voice>%d</voice>\n", voice);
  if (!it->measure_rest) {
    fprintf(f, "        <type>%s</type>\n", type_name(it->base));
    if (it->dots) fputs("        <dot/>\n", f);
  }
  if (acc != 99)
    fprintf(f, "        <accidental>%s</accidental>\n", acc_name(acc));
  if (stem && it->pitch >= 0)
    fprintf(f, "        <stem>%s</stem>\n", stem > 0 ? "up" : "down");
  if (it->tie_stop || it->tie_start) {
    fputs("        <notations>", f);
    if (it->tie_stop) fputs("<tied type=\"stop\"/>", f);
    if (it->tie_start) fputs("<tied type=\"start\"/>", f);
    fputs("</notations>\n", f);
  }
  fputs("      </note>\n", f);
}

int kt_mxl_write(const char *path, const kt_score *s, char *err, size_t errlen)
{
  kt_sc_layout L;
  if (kt_sc_layout_make(s, &L, err, errlen) < 0) return -1;
  int ngroups = s->n_voices > 4 ? 2 : 1;
  int staves = s->staves == 4 ? 4 : 2;
  int vps = 4 / staves; /* voices per staff */
  int nparts = ngroups * staves;
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 5);
  int *accbuf = NULL;
  FILE *f = NULL;
  int maxit = 0;
  for (int i = 0; i < L.n_measures; ++i)
    for (int v = 0; v < s->n_voices && v < KT_SC_MAXV; ++v)
      if (L.m[i].n_it[v] > maxit) maxit = L.m[i].n_it[v];
  accbuf = malloc(sizeof *accbuf * (size_t)(2 * maxit + 2));
  if (!tmp || !accbuf) {
    snprintf(err, errlen, "%s: out of memory", path);
    goto fail;
  }
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  f = fopen(tmp, "w");
  if (!f) {
    snprintf(err, errlen, "%s: cannot write %s: %s", path, tmp,
             strerror(errno));
    goto fail;
  }
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
        "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 3.1 "
        "Partwise//EN\" \"http://www.musicxml.org/dtds/partwise.dtd\">\n"
        "<score-partwise version=\"3.1\">\n",
        f);
  if (s->title) {
    fputs("  <work><work-title>", f);
    kt_svg_xml_text(f, s->title);
    fputs("</work-title></work>\n", f);
  }
  fputs("  <identification><encoding><software>Kantor</software>"
        "</encoding></identification>\n  <part-list>\n",
        f);
  static const char *const names2[2] = {"Soprano, Alto", "Tenor, Bass"};
  static const char *const abbr2[2] = {"S. A.", "T. B."};
  static const char *const names4[4] = {"Soprano", "Alto", "Tenor", "Bass"};
  static const char *const abbr4[4] = {"S.", "A.", "T.", "B."};
  for (int g = 0; g < ngroups; ++g) {
    if (ngroups > 1) {
      fprintf(f, "    <part-group type=\"start\" number=\"%d\">", g + 1);
      if (s->group[g]) {
        fputs("<group-name>", f);
        kt_svg_xml_text(f, s->group[g]);
        fputs("</group-name>", f);
      }
      fputs("<group-symbol>bracket</group-symbol></part-group>\n", f);
    }
    for (int p = 0; p < staves; ++p) {
      fprintf(f, "    <score-part id=\"P%d\"><part-name>", g * staves + p + 1);
      if (ngroups > 1 && s->group[g]) {
        kt_svg_xml_text(f, s->group[g]);
        fputc(' ', f);
      }
      fprintf(f,
              "%s</part-name><part-abbreviation>%s</part-abbreviation>"
              "<score-instrument id=\"P%d-I1\"><instrument-name>Choir"
              "</instrument-name></score-instrument><midi-instrument "
              "id=\"P%d-I1\"><midi-channel>%d</midi-channel><midi-program>"
              "53</midi-program></midi-instrument></score-part>\n",
              staves == 2 ? names2[p] : names4[p],
              staves == 2 ? abbr2[p] : abbr4[p], g * staves + p + 1,
              g * staves + p + 1, (g * staves + p) % 15 + 1);
    }
    if (ngroups > 1)
      fprintf(f, "    <part-group type=\"stop\" number=\"%d\"/>\n", g + 1);
  }
  fputs("  </part-list>\n", f);
  for (int P = 0; P < nparts; ++P) {
    int g = P / staves, st = P % staves;
    int voices[2], nvs = vps;
    for (int k = 0; k < vps; ++k)
      voices[k] = g * 4 + st * vps + k;
    int lower = staves == 2 ? st == 1 : st >= 2;
    fprintf(f, "  <part id=\"P%d\">\n", P + 1);
    for (int i = 0; i < L.n_measures; ++i) {
      const kt_sc_measure *M = &L.m[i];
      fprintf(f, "    <measure number=\"%d\"%s>\n", M->number,
              M->number == 0 ? " implicit=\"yes\"" : "");
      if (i == 0 || M->new_meter) {
        fputs("      <attributes>\n", f);
        if (i == 0)
          fprintf(f,
                  "        <divisions>4</divisions>\n"
                  "        <key><fifths>%d</fifths><mode>%s</mode></key>\n",
                  L.fifths, L.minor ? "minor" : "major");
        if (M->new_meter)
          fprintf(f,
                  "        <time><beats>%d</beats><beat-type>%d</beat-type>"
                  "</time>\n",
                  M->num, M->den);
        if (i == 0) {
          if (!lower)
            fputs("        <clef><sign>G</sign><line>2</line></clef>\n", f);
          else if (staves == 4 && st == 2)
            fputs("        <clef><sign>G</sign><line>2</line>"
                  "<clef-octave-change>-1</clef-octave-change></clef>\n",
                  f);
          else
            fputs("        <clef><sign>F</sign><line>4</line></clef>\n", f);
        }
        fputs("      </attributes>\n", f);
      }
      if (P == 0 && M->tempo > 0)
        fprintf(f,
                "      <direction placement=\"above\"><direction-type>"
                "<metronome><beat-unit>quarter</beat-unit><per-minute>%g"
                "</per-minute></metronome></direction-type><sound "
                "tempo=\"%g\"/></direction>\n",
                M->tempo, M->tempo);
      int *acc[2] = {accbuf, accbuf + maxit + 1};
      staff_accidentals(M, voices, nvs, L.fifths, L.minor, acc);
      for (int k = 0; k < nvs; ++k) {
        if (k > 0)
          fprintf(f,
                  "      <backup><duration>%d</duration>"
                  "</backup>\n",
                  M->len);
        int stem = nvs == 2 ? (k == 0 ? 1 : -1) : 0;
        for (int j = 0; j < M->n_it[voices[k]]; ++j)
          write_item(f, &M->it[voices[k]][j], k + 1, stem, L.fifths, L.minor,
                     acc[k][j]);
      }
      if (i == L.n_measures - 1)
        fputs("      <barline location=\"right\"><bar-style>light-heavy"
              "</bar-style></barline>\n",
              f);
      fputs("    </measure>\n", f);
    }
    fputs("  </part>\n", f);
  }
  fputs("</score-partwise>\n", f);
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  f = NULL;
  if (bad || rename(tmp, path) != 0) {
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    remove(tmp);
    goto fail;
  }
  free(tmp);
  free(accbuf);
  kt_sc_layout_free(&L);
  return 0;
fail:
  if (f) {
    fclose(f);
    remove(tmp);
  }
  free(tmp);
  free(accbuf);
  kt_sc_layout_free(&L);
  return -1;
}
