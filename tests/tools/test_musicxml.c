/* tests/tools/test_musicxml.c -- the chorale layout (tools/score.h) and
 * the MusicXML and LilyPond writers: spelling in sharp and flat keys and in
 * minor (raised 6th and 7th), the key signature of a key, 3/4 and 6/4
 * with pickups, ties over bar lines and inside a bar, dotted values, whole
 * bar rests, a meter change; the MusicXML is well formed (xmllint when
 * installed); with lilypond installed the .ly compiles without a warning
 * (else that part is skipped with a message).  The MusicXML melody reader:
 * pickup, tempo, meters, ties; what it refuses (compressed, chords, several
 * voices, tuplets, malformed XML...) names the file and the measure or
 * line; every prefix of a file is read without a crash; Kantor's own
 * four-stave file reads back voice by voice. */
#include "../check.h"
#include "lily.h"
#include "musicxml.h"
#include "score.h"
#include "smf.h"
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
  /* LilyPond key names from the signature */
  struct {
    int tonic, minor;
    const char *key;
  } keys[] = {{11, 1, "\\key b \\minor"},  {3, 1, "\\key ees \\minor"},
              {6, 0, "\\key fis \\major"}, {1, 1, "\\key cis \\minor"},
              {8, 0, "\\key aes \\major"}, {5, 1, "\\key f \\minor"},
              {-1, 0, "\\key c \\major"}};
  for (size_t k = 0; k < sizeof keys / sizeof *keys; ++k) {
    s.tonic = keys[k].tonic;
    s.minor = keys[k].minor;
    CHECK(kt_ly_write(ly, &s, 0, err, sizeof err) == 0, "%s", err);
    x = slurp(ly);
    CHECK(count(x, keys[k].key) == 4, "%s", keys[k].key);
    free(x);
  }
  s.tonic = 2;
  s.minor = 0;
  CHECK(kt_ly_write(ly, &s, 0, err, sizeof err) == 0, "%s", err);
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

static int read_mem(const char *xml, int part, kt_melody *m, char *err,
                    size_t errlen)
{
  return kt_mxl_read_melody_mem(xml, strlen(xml), "t.musicxml", part, m, err,
                                errlen);
}

#define HEAD                                                                   \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE score-partwise "      \
  "PUBLIC \"-//Recordare//DTD MusicXML 3.1 Partwise//EN\" "                    \
  "\"http://www.musicxml.org/dtds/partwise.dtd\" [ <!ENTITY x \"y\"> ]>\n"     \
  "<score-partwise version=\"3.1\"><!-- a comment -->\n"                       \
  "<part-list><score-part id=\"P1\"><part-name>A &amp; B</part-name>"          \
  "</score-part></part-list>\n"
#define NOTE(step, oct, dur, extra)                                            \
  "<note><pitch><step>" step "</step><octave>" oct "</octave></pitch>"         \
  "<duration>" dur "</duration>" extra "</note>\n"

static void test_reader(void)
{
  char err[512];
  kt_melody m;
  /* 3/4 with a one-beat pickup, a tempo, a tie over the bar line, a rest,
   * then 4/4; divisions 2 */
  /* clang-format off */
  const char *ok = HEAD
      "<part id=\"P1\">\n"
      "<measure number=\"0\" implicit=\"yes\">"
      "<attributes><divisions>2</divisions><key><fifths>2</fifths></key>"
      "<time><beats>3</beats><beat-type>4</beat-type></time></attributes>"
      "<direction><direction-type><metronome><beat-unit>quarter</beat-unit>"
      "<per-minute>60</per-minute></metronome></direction-type>"
      "<sound tempo=\"66\"/></direction>\n"
      NOTE("D", "5", "2", "<voice>1</voice>")
      "</measure>\n"
      "<measure number=\"1\">"
      "<note><pitch><step>F</step><alter>1</alter><octave>5</octave></pitch>"
      "<duration>4</duration><voice>1</voice><tie type=\"start\"/></note>"
      "<note><pitch><step>F</step><alter>1</alter><octave>5</octave></pitch>"
      "<duration>2</duration><voice>1</voice><tie type=\"stop\"/></note>"
      "</measure>\n"
      "<measure number=\"2\"><attributes><time><beats>4</beats>"
      "<beat-type>4</beat-type></time></attributes>"
      "<note><rest/><duration>2</duration><voice>1</voice></note>"
      "<note><pitch><step>C</step><alter>1</alter><octave>5</octave></pitch>"
      "<duration>6</duration><voice>1</voice></note>"
      "</measure>\n</part>\n</score-partwise>\n";
  /* clang-format on */
  CHECK(read_mem(ok, 1, &m, err, sizeof err) == 0, "%s", err);
  CHECK_EQ(m.n_notes, 3);
  if (m.n_notes == 3) {
    CHECK(m.notes[0].start == 2 && m.notes[0].dur == 1 &&
          m.notes[0].pitch == 74);
    CHECK(m.notes[1].start == 3 && m.notes[1].dur == 3 &&
              m.notes[1].pitch == 78,
          "the tie joins the two F#s: start %g dur %g", m.notes[1].start,
          m.notes[1].dur);
    CHECK(m.notes[2].start == 7 && m.notes[2].dur == 3 &&
          m.notes[2].pitch == 73);
  }
  CHECK(m.n_tempo == 1 && m.tempo[0].at == 0 && m.tempo[0].qpm == 66);
  CHECK(m.n_meter == 2 && m.meter[0].num == 3 && m.meter[1].at == 6 &&
            m.meter[1].num == 4,
        "meters: %d", m.n_meter);
  CHECK(m.end == 10);
  kt_smf_free_melody(&m);
  CHECK(read_mem(ok, 2, &m, err, sizeof err) < 0);
  CHECK_ERR(err, "t.musicxml: no part 2: the score has 1 part");

  /* what is refused, with the file, the measure or line, and why */
  /* clang-format off */
#define PART(num) HEAD "<part id=\"P1\"><measure number=\"" num "\">"
#define DIV(d) "<attributes><divisions>" d "</divisions></attributes>"
#define END "</measure></part></score-partwise>"
  struct {
    const char *xml, *needle;
  } bad[] = {
      {"PK\3\4zipzip", "compressed MusicXML"},
      {"\xff\xfe<\0s\0", "UTF-16"},
      {PART("1") DIV("1") NOTE("C", "4", "1", "")
       NOTE("E", "4", "1", "<chord/>") END, "measure 1: a chord"},
      {PART("7") DIV("1") NOTE("C", "4", "1", "<voice>1</voice>")
       "<backup><duration>1</duration></backup>"
       NOTE("E", "4", "1", "<voice>2</voice>") END,
       "measure 7: several voices"},
      {PART("3") DIV("3") NOTE("C", "4", "1",
       "<time-modification><actual-notes>3</actual-notes>"
       "<normal-notes>2</normal-notes></time-modification>") END,
       "measure 3: a tuplet"},
      {PART("1") DIV("1") "<note><rest/><duration>4</duration></note>" END,
       "no notes in part 1"},
      {PART("5") "<note></measure>",
       "line 5 (measure 5): malformed XML: </measure> closes <note>"},
      {PART("1") "R & B</measure>", "bare '&'"},
      {PART("1"), "the file ends"},
      {"<score-timewise/>", "score-timewise"},
      {"<svg></svg>", "root element is <svg>"},
      {PART("2") DIV("1") NOTE("H", "4", "1", "") END,
       "measure 2: a pitch with step 'H'"},
      {PART("2") NOTE("C", "4", "1", "") END,
       "measure 2: a note before <divisions>"},
  };
  /* clang-format on */
  for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
    CHECK(read_mem(bad[i].xml, 1, &m, err, sizeof err) < 0, "case %zu", i);
    CHECK(strstr(err, "t.musicxml") && strstr(err, bad[i].needle),
          "case %zu: '%s' lacks '%s'", i, err, bad[i].needle);
    CHECK(m.notes == NULL && m.n_notes == 0);
  }
  /* every prefix of a good file: an error or a melody, never a crash */
  size_t n = strlen(ok);
  char *cut = malloc(n + 1);
  for (size_t k = 0; k < n; ++k) {
    memcpy(cut, ok, k);
    if (kt_mxl_read_melody_mem(cut, k, "cut", 1, &m, err, sizeof err) == 0)
      kt_smf_free_melody(&m);
  }
  free(cut);
}

/* Kantor's four-stave MusicXML read back: part 1 is the soprano. */
static void test_roundtrip(const char *dir)
{
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/kt_mxl_rt_%d.musicxml", dir, (int)getpid());
  kt_meter m[1] = {{0, 3, 4}};
  kt_sc_note sop[] = {{2, 1, 74}, {3, 2.5, 78}, {5.5, 0.5, 76}, {6, 5, 73}};
  kt_sc_note low[] = {{2, 9, 50}};
  kt_score s;
  memset(&s, 0, sizeof s);
  s.n_voices = 4;
  s.notes[0] = sop;
  s.n[0] = 4;
  for (int v = 1; v < 4; ++v) {
    s.notes[v] = low;
    s.n[v] = 1;
  }
  s.meter = m;
  s.n_meter = 1;
  s.bpm = 100;
  s.tonic = 11;
  s.minor = 1;
  s.staves = 4;
  CHECK(kt_mxl_write(path, &s, err, sizeof err) == 0, "%s", err);
  kt_melody mel;
  CHECK(kt_mxl_read_melody(path, 1, &mel, err, sizeof err) == 0, "%s", err);
  CHECK_EQ(mel.n_notes, 4);
  for (int i = 0; i < mel.n_notes && i < 4; ++i)
    CHECK(mel.notes[i].start == sop[i].start &&
              mel.notes[i].dur == sop[i].dur &&
              mel.notes[i].pitch == sop[i].pitch,
          "note %d: %g %g %d", i, mel.notes[i].start, mel.notes[i].dur,
          mel.notes[i].pitch);
  CHECK(mel.n_tempo == 1 && mel.tempo[0].qpm == 100);
  CHECK(mel.n_meter == 1 && mel.meter[0].num == 3);
  kt_smf_free_melody(&mel);
  /* part 4, the bass: one note tied over two bar lines */
  CHECK(kt_mxl_read_melody(path, 4, &mel, err, sizeof err) == 0, "%s", err);
  CHECK(mel.n_notes == 1 && mel.notes[0].start == 2 && mel.notes[0].dur == 9 &&
        mel.notes[0].pitch == 50);
  kt_smf_free_melody(&mel);
  /* the two-stave file: its top part holds two voices */
  s.staves = 2;
  CHECK(kt_mxl_write(path, &s, err, sizeof err) == 0, "%s", err);
  CHECK(kt_mxl_read_melody(path, 1, &mel, err, sizeof err) < 0);
  CHECK_ERR(err, "several voices");
  remove(path);
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  test_spelling();
  test_layout();
  test_writers(tmp ? tmp : "/tmp");
  test_reader();
  test_roundtrip(tmp ? tmp : "/tmp");
  DONE();
}
