/* tests/tools/test_musicxml.c -- the chorale layout (tools/score.h) and
 * the MusicXML and LilyPond writers: spelling in sharp and flat keys and in
 * minor (raised 6th and 7th), the key signature of a key, 3/4 and 6/4
 * with pickups, ties over bar lines and inside a bar, dotted values, whole
 * bar rests, a meter change; the MusicXML is well formed (xmllint when
 * installed); with lilypond installed the .ly compiles without a warning
 * (else that part is skipped with a message). */
#include "../check.h"
#include "lily.h"
#include "musicxml.h"
#include "score.h"
#include "xmlcheck.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *slurp(const char *path)
{
  size_t n;
  char *b = (char *)kt_test_slurp(path, &n);
  if (b) b[n] = 0;
  return b;
}

static int count(const char *text, const char *what)
{
  int k = 0;
  for (const char *p = text; p && (p = strstr(p, what)); p += strlen(what))
    ++k;
  return k;
}

static void spelled(int pitch, int fifths, int minor, int letter, int alter,
                    int octave)
{
  kt_sc_spelling s = kt_sc_spell(pitch, fifths, minor);
  CHECK(s.letter == letter && s.alter == alter && s.octave == octave,
        "pitch %d in %d fifths %s: letter %d alter %d octave %d, expected "
        "%d %d %d",
        pitch, fifths, minor ? "minor" : "major", s.letter, s.alter, s.octave,
        letter, alter, octave);
}

enum { C, D, E, F, G, A, B };

static void test_spelling(void)
{
  /* key signatures */
  CHECK_EQ(kt_sc_fifths(2, 0), 2);   /* D */
  CHECK_EQ(kt_sc_fifths(10, 0), -2); /* Bb */
  CHECK_EQ(kt_sc_fifths(6, 0), 6);   /* F# */
  CHECK_EQ(kt_sc_fifths(8, 0), -4);  /* Ab */
  CHECK_EQ(kt_sc_fifths(2, 1), -1);  /* d */
  CHECK_EQ(kt_sc_fifths(9, 1), 0);   /* a */
  CHECK_EQ(kt_sc_fifths(4, 1), 1);   /* e */
  CHECK_EQ(kt_sc_fifths(3, 1), -6);  /* eb, not d# */
  CHECK_EQ(kt_sc_fifths(1, 1), 4);   /* c# */
  CHECK_EQ(kt_sc_fifths(-1, 0), 0);  /* no key: C */
  /* sharp keys: F# in D major (not Gb), G# and D# in E major */
  spelled(66, 2, 0, F, 1, 4);
  spelled(61, 2, 0, C, 1, 4);
  spelled(68, 4, 0, G, 1, 4);
  spelled(75, 4, 0, D, 1, 5);
  spelled(65, 6, 0, E, 1, 4); /* E# in F# major */
  spelled(72, 4, 0, B, 1, 4); /* E major: B#, leading tone of c# minor */
  spelled(60, 7, 0, B, 1, 3); /* B#3 in C# major sounds as C4 */
  /* flat keys: Bb and Eb in Bb major, Db in Ab major, Cb in Gb major */
  spelled(70, -2, 0, B, -1, 4);
  spelled(63, -2, 0, E, -1, 4);
  spelled(61, -4, 0, D, -1, 4);
  spelled(71, -6, 0, C, -1, 5);
  /* chromatic notes in C major: F# (V/V), G# (V/vi), Bb, Eb */
  spelled(66, 0, 0, F, 1, 4);
  spelled(68, 0, 0, G, 1, 4);
  spelled(70, 0, 0, B, -1, 4);
  spelled(63, 0, 0, E, -1, 4);
  /* minor: raised 6th and 7th as sharps or naturals of the key */
  spelled(66, 0, 1, F, 1, 4);   /* a minor: F# */
  spelled(68, 0, 1, G, 1, 4);   /* a minor: G# */
  spelled(71, -1, 1, B, 0, 4);  /* d minor: B natural */
  spelled(73, -1, 1, C, 1, 5);  /* d minor: C# */
  spelled(70, -1, 1, B, -1, 4); /* d minor: Bb */
  spelled(64, -3, 1, E, 0, 4);  /* c minor: E natural (Picardy third) */
  spelled(71, -3, 1, B, 0, 4);  /* c minor: B natural */
  spelled(62, -6, 1, D, 0, 4);  /* eb minor: D natural, not Ebb */
  spelled(60, -6, 1, C, 0, 4);  /* eb minor: C natural */
  spelled(75, 3, 1, D, 1, 5);   /* f# minor: D# raised 6th */
  spelled(77, 3, 1, E, 1, 5);   /* f# minor: E# raised 7th */
}

static kt_score one_voice(const kt_sc_note *n, int cnt, const kt_meter *m,
                          int nm)
{
  static const kt_sc_note none[1] = {{0, 0, 0}};
  kt_score s;
  memset(&s, 0, sizeof s);
  s.n_voices = 4;
  s.notes[0] = n;
  s.n[0] = cnt;
  for (int v = 1; v < 4; ++v) {
    s.notes[v] = none;
    s.n[v] = 0;
  }
  s.meter = m;
  s.n_meter = nm;
  s.bpm = 90;
  s.tonic = -1;
  s.staves = 2;
  return s;
}

static void test_layout(void)
{
  char err[256];
  kt_sc_layout L;
  /* 3/4 with a one-beat pickup: the melody starts at beat 2 of bar 0 */
  {
    kt_meter m[1] = {{0, 3, 4}};
    kt_sc_note n[3] = {{2, 1, 67}, {3, 3, 72}, {6, 2, 71}};
    kt_score s = one_voice(n, 3, m, 1);
    CHECK(kt_sc_layout_make(&s, &L, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(L.n_measures, 3);
    CHECK_EQ(L.m[0].number, 0);
    CHECK_EQ(L.m[0].len, 4);
    CHECK_EQ(L.m[0].offset, 8);
    CHECK_EQ(L.m[1].number, 1);
    CHECK_EQ(L.m[1].len, 12);
    CHECK(L.m[1].n_it[0] == 1 && L.m[1].it[0][0].base == 8 &&
              L.m[1].it[0][0].dots == 1,
          "a dotted half fills the 3/4 bar");
    CHECK_EQ(L.m[2].len, 8); /* the last bar ends with the last note */
    CHECK(L.m[1].n_it[1] == 1 && L.m[1].it[1][0].measure_rest,
          "a silent voice has a whole-bar rest");
    kt_sc_layout_free(&L);
  }
  /* 6/4 with a half-note pickup */
  {
    kt_meter m[1] = {{0, 6, 4}};
    kt_sc_note n[3] = {{4, 2, 67}, {6, 6, 72}, {12, 4, 71}};
    kt_score s = one_voice(n, 3, m, 1);
    CHECK(kt_sc_layout_make(&s, &L, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(L.n_measures, 3);
    CHECK(L.m[0].number == 0 && L.m[0].len == 8 && L.m[0].offset == 16,
          "6/4 pickup: number %d len %d offset %d", L.m[0].number, L.m[0].len,
          L.m[0].offset);
    CHECK(L.m[1].n_it[0] == 1 && L.m[1].it[0][0].len == 24 &&
              L.m[1].it[0][0].base == 16 && L.m[1].it[0][0].dots == 1,
          "a dotted whole fills the 6/4 bar");
    kt_sc_layout_free(&L);
  }
  /* ties over the bar line and inside a bar; a meter change 4/4 -> 3/4 */
  {
    kt_meter m[2] = {{0, 4, 4}, {4, 3, 4}};
    kt_sc_note n[3] = {{0, 3, 60}, {3, 2, 62}, {5.25, 1.5, 64}};
    kt_score s = one_voice(n, 3, m, 2);
    CHECK(kt_sc_layout_make(&s, &L, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(L.n_measures, 2);
    CHECK(L.m[1].new_meter && L.m[1].num == 3 && L.m[1].den == 4);
    CHECK(!L.m[0].new_meter || L.m[0].num == 4);
    const kt_sc_item *a = L.m[0].it[0], *b = L.m[1].it[0];
    CHECK_EQ(L.m[0].n_it[0], 2);
    CHECK(a[0].base == 8 && a[0].dots == 1 && !a[0].tie_start, "dotted half");
    CHECK(a[1].pos == 12 && a[1].len == 4 && a[1].tie_start,
          "tied over the bar line");
    CHECK(b[0].pos == 0 && b[0].len == 4 && b[0].tie_stop && !b[0].tie_start,
          "from the bar line");
    /* a sixteenth rest, then E at 5.25 for 1.5 quarters, written as the
     * beats show it: 16th and 8th in beat 2, tied to a dotted 8th */
    CHECK(b[1].pitch < 0 && b[1].pos == 4 && b[1].len == 1);
    CHECK(b[2].pitch == 64 && b[2].pos == 5 && b[2].len == 1 &&
          b[2].tie_start && !b[2].tie_stop);
    CHECK(b[3].pitch == 64 && b[3].pos == 6 && b[3].len == 2 &&
          b[3].tie_start && b[3].tie_stop);
    CHECK(b[4].pitch == 64 && b[4].pos == 8 && b[4].len == 3 &&
          b[4].base == 2 && b[4].dots == 1 && b[4].tie_stop && !b[4].tie_start);
    CHECK_EQ(L.m[1].n_it[0], 5);
    CHECK_EQ(L.m[1].len, 11); /* the last bar ends with the last note */
    kt_sc_layout_free(&L);
  }
  /* overlapping notes in one voice: cut where the next starts */
  {
    kt_sc_note n[2] = {{0, 2, 60}, {1, 1, 62}};
    kt_score s = one_voice(n, 2, NULL, 0);
    CHECK(kt_sc_layout_make(&s, &L, err, sizeof err) == 0, "%s", err);
    CHECK(L.m[0].n_it[0] == 2 && L.m[0].it[0][0].len == 4 &&
          L.m[0].it[0][1].pitch == 62);
    kt_sc_layout_free(&L);
  }
}

/* A small chorale in D major, 3/4 with a pickup, written as MusicXML and
 * LilyPond. */
static void test_writers(const char *dir)
{
  char path[512], ly[512], err[512];
  snprintf(path, sizeof path, "%s/kt_mxl_%d.musicxml", dir, (int)getpid());
  snprintf(ly, sizeof ly, "%s/kt_mxl_%d.ly", dir, (int)getpid());
  kt_meter m[2] = {{0, 3, 4}, {6, 4, 4}};
  kt_tempo t[1] = {{0, 72}};
  kt_sc_note sop[] = {{2, 1, 74}, {3, 2, 78}, {5, 1, 76}, {6, 4, 74}};
  kt_sc_note alt[] = {
      {2, 1, 69}, {3, 1, 69}, {4, 2, 73}, {6, 3.5, 66}, {9.5, 0.5, 64}};
  kt_sc_note ten[] = {{2, 1, 66}, {3, 3, 62}, {6, 4, 62}};
  kt_sc_note bas[] = {
      {2, 1, 50}, {3, 1, 47}, {4, 1, 45}, {5, 1, 57}, {6, 4, 50}};
  kt_score s;
  memset(&s, 0, sizeof s);
  s.title = "Test <chorale> & \"quotes\"";
  s.n_voices = 4;
  const kt_sc_note *vs[4] = {sop, alt, ten, bas};
  int ns[4] = {4, 5, 3, 5};
  for (int v = 0; v < 4; ++v) {
    s.notes[v] = vs[v];
    s.n[v] = ns[v];
  }
  s.meter = m;
  s.n_meter = 2;
  s.tempo = t;
  s.n_tempo = 1;
  s.tonic = 2;
  s.staves = 2;
  CHECK(kt_mxl_write(path, &s, err, sizeof err) == 0, "%s", err);
  CHECK(kt_xml_check(path) == 0, "well formed");
  char *x = slurp(path);
  CHECK(x != NULL);
  CHECK(count(x, "<fifths>2</fifths>") == 2, "D major in both parts");
  CHECK(count(x, "implicit=\"yes\"") == 2, "a pickup bar in both parts");
  CHECK(count(x, "<beats>3</beats>") == 2 && count(x, "<beats>4</beats>") == 2,
        "3/4, then 4/4");
  CHECK(count(x, "<step>F</step><alter>1</alter>") >= 2, "F# spelled");
  CHECK(count(x, "<alter>-1</alter>") == 0, "no flats in D major");
  CHECK(count(x, "<accidental>") == 0, "no accidentals in D major here");
  CHECK(count(x, "<tie type=\"start\"/>") == count(x, "<tie type=\"stop\"/>"));
  CHECK(count(x, "<part-name>Soprano, Alto</part-name>") == 1);
  CHECK(count(x, "<sign>F</sign>") == 1, "bass clef on the lower staff");
  CHECK(count(x, "<stem>up</stem>") > 0 && count(x, "<stem>down</stem>") > 0);
  CHECK(count(x, "<per-minute>72</per-minute>") == 1);
  CHECK(count(x, "&lt;chorale&gt; &amp; &quot;quotes&quot;") == 1);
  CHECK(count(x, "<backup><duration>") > 0);
  free(x);

  /* four staves, a chromatic note that needs an accidental */
  kt_sc_note alt2[] = {{2, 1, 69}, {3, 1, 68}, {4, 1, 69}, {5, 1, 68}};
  s.notes[1] = alt2;
  s.n[1] = 4;
  s.staves = 4;
  CHECK(kt_mxl_write(path, &s, err, sizeof err) == 0, "%s", err);
  CHECK(kt_xml_check(path) == 0, "well formed");
  x = slurp(path);
  CHECK(count(x, "<score-part ") == 4);
  CHECK(count(x, "<clef-octave-change>-1</clef-octave-change>") == 1,
        "tenor: treble clef an octave down");
  CHECK(count(x, "<accidental>sharp</accidental>") == 1,
        "G# once in its bar (the second G# takes it from the first)");
  CHECK(count(x, "<accidental>natural</accidental>") == 0);
  free(x);

  /* an unwritable path: an error, nothing left */
  CHECK(kt_mxl_write("/nonexistent-dir/x.musicxml", &s, err, sizeof err) < 0);
  CHECK_ERR(err, "/nonexistent-dir/x.musicxml");

  /* LilyPond */
  s.staves = 2;
  CHECK(kt_ly_write(ly, &s, 0, err, sizeof err) == 0, "%s", err);
  x = slurp(ly);
  CHECK(count(x, "\\key d \\major") == 4);
  CHECK(count(x, "\\partial 16*4") == 4);
  CHECK(count(x, "\\time 4/4") == 4);
  CHECK(count(x, "fis''") >= 1);
  CHECK(count(x, "gis'") >= 1);
  free(x);
  if (system("command -v lilypond >/dev/null 2>&1") == 0) {
    char cmd[4096], log[600];
    snprintf(log, sizeof log, "%s.log", ly);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && lilypond --loglevel=WARNING -dno-point-and-click "
             "-o '%s.out' '%s' >'%s' 2>&1",
             dir, ly, ly, log);
    CHECK(system(cmd) == 0, "lilypond compiles %s", ly);
    char *lg = slurp(log);
    CHECK(lg && !strstr(lg, "warning") && !strstr(lg, "error"),
          "lilypond said: %s", lg ? lg : "");
    free(lg);
    remove(log);
    snprintf(cmd, sizeof cmd, "%s.out.pdf", ly);
    remove(cmd);
  } else {
    printf("skip: lilypond not installed (apt-get install lilypond): the "
           ".ly is not compiled\n");
  }
  remove(ly);
  remove(path);
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  test_spelling();
  test_layout();
  test_writers(tmp ? tmp : "/tmp");
  DONE();
}
