/* tests/corpus/test_kern.c -- kern reader over hand-written fixtures
 * (tests/fixtures/kern): every construct, every error path, split.tsv,
 * and a deterministic mutation run (never a crash).
 * usage: test_kern FIXTURE_DIR */
#include "../check.h"
#include "chorale.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_dir;

static const char *fx(const char *name)
{
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", g_dir, name);
  return buf;
}

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    fclose(f);
    return NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

static int parse_str(const char *text, kt_chorale *c, char *err, size_t el)
{
  /* Copy into an exact-size buffer with no terminating NUL. */
  size_t n = strlen(text);
  char *b = malloc(n ? n : 1);
  memcpy(b, text, n);
  int rc = kt_kern_parse(b, n, "mem.krn", c, err, el);
  free(b);
  return rc;
}

static void test_basic(void)
{
  kt_chorale c;
  char err[256];
  int rc = kt_kern_read(fx("basic.krn"), &c, err, sizeof err);
  CHECK_EQ(rc, 0);
  if (rc) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  CHECK(!strcmp(c.name, "basic.krn"));
  CHECK_EQ(c.n_slices, 64);
  CHECK_EQ(c.tonic, 7);
  CHECK_EQ(c.mode, KT_MAJOR);
  CHECK_EQ(c.key_sig, 1);
  CHECK_EQ(c.meter_num, 4);
  CHECK_EQ(c.meter_den, 4);
  CHECK_EQ(c.n_meter_changes, 0);
  /* pickup 12..15, bar 1 and 2 full, bar 3 split by the repeat: 0..7 then
   * a quarter pickup 12..15, bar 4 full. */
  static const int seg_start[] = {0, 4, 20, 36, 44, 48};
  static const int seg_pos0[] = {12, 0, 0, 0, 12, 0};
  static const int seg_len[] = {4, 16, 16, 8, 4, 16};
  for (int g = 0; g < 6; g++)
    for (int k = 0; k < seg_len[g]; k++) {
      CHECK_EQ(c.bar_pos[seg_start[g] + k], seg_pos0[g] + k);
      CHECK_EQ(c.bar_len[seg_start[g] + k], 16);
    }
  for (int s = 0; s < c.n_slices; s++)
    CHECK_EQ(c.fermata[s], s == 16 || s == 36 || s == 48);
  /* stats */
  CHECK_EQ(c.stats[KT_SOPRANO].n_notes, 10);
  CHECK_EQ(c.stats[KT_SOPRANO].n_ties, 1);
  CHECK_EQ(c.stats[KT_SOPRANO].n_sixteenths, 2);
  CHECK_EQ(c.stats[KT_SOPRANO].n_fermatas, 3);
  CHECK_EQ(c.stats[KT_SOPRANO].lo, 67);
  CHECK_EQ(c.stats[KT_SOPRANO].hi, 79);
  CHECK_EQ(c.stats[KT_TENOR].n_notes, 8);
  CHECK_EQ(c.stats[KT_TENOR].n_rests, 2);
  CHECK_EQ(c.stats[KT_TENOR].n_ties, 2);
  CHECK_EQ(c.stats[KT_TENOR].n_fermatas, 2);
  CHECK_EQ(c.stats[KT_BASS].n_notes, 11);
  CHECK_EQ(c.stats[KT_BASS].lo, 36);
  CHECK_EQ(c.stats[KT_BASS].hi, 55);
  CHECK_EQ(c.stats[KT_ALTO].n_notes, 12);
  CHECK_EQ(c.stats[KT_ALTO].n_32nds, 0);
  /* rests: tenor slices 12..19 */
  for (int s = 12; s < 20; s++)
    CHECK_EQ(c.v[KT_TENOR][s].pitch, KT_REST);
  CHECK_EQ(c.v[KT_TENOR][12].onset, 1);
  CHECK_EQ(c.v[KT_TENOR][16].onset, 1);
  /* tie: soprano g held 4..15, the tied continuation is no onset */
  CHECK_EQ(c.v[KT_SOPRANO][12].pitch, 67);
  CHECK_EQ(c.v[KT_SOPRANO][12].onset, 0);
  /* dotted quarter in the bass: 4..9 G, 10 F# */
  CHECK_EQ(c.v[KT_BASS][9].pitch, 55);
  CHECK_EQ(c.v[KT_BASS][10].pitch, 54);
  CHECK_EQ(c.v[KT_BASS][10].onset, 1);
  /* a repeated pitch is a new note: tenor d at 44 and at 48 */
  CHECK_EQ(c.v[KT_TENOR][48].pitch, 62);
  CHECK_EQ(c.v[KT_TENOR][48].onset, 1);
  kt_chorale_free(&c);
}

static void test_meter(void)
{
  kt_chorale c;
  char err[256];
  int rc = kt_kern_read(fx("meter.krn"), &c, err, sizeof err);
  CHECK_EQ(rc, 0);
  if (rc) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  CHECK_EQ(c.n_slices, 12 + 16 + 24 + 32);
  CHECK_EQ(c.meter_num, 3);
  CHECK_EQ(c.meter_den, 4);
  CHECK_EQ(c.n_meter_changes, 3);
  CHECK_EQ(c.tonic, 7);
  CHECK_EQ(c.mode, KT_DORIAN);
  CHECK_EQ(kt_mode_family(c.mode), 1);
  CHECK_EQ(c.key_sig, -1);
  static const int start[] = {0, 12, 28, 52, 84};
  static const int blen[] = {12, 16, 24, 32};
  for (int g = 0; g < 4; g++)
    for (int s = start[g]; s < start[g + 1]; s++) {
      CHECK_EQ(c.bar_len[s], blen[g]);
      CHECK_EQ(c.bar_pos[s], s - start[g]);
    }
  kt_note n[8];
  int k = kt_chorale_notes(&c, KT_BASS, n, 8);
  CHECK_EQ(k, 5);
  static const int es[] = {0, 12, 26, 28, 52}, el[] = {12, 14, 2, 24, 32},
                   ep[] = {43, 55, 57, 50, 43};
  for (int i = 0; i < 5 && i < k; i++) {
    CHECK_EQ(n[i].start, es[i]);
    CHECK_EQ(n[i].len, el[i]);
    CHECK_EQ(n[i].pitch, ep[i]);
  }
  CHECK_EQ(c.v[KT_SOPRANO][52].pitch, 67);
  CHECK_EQ(c.fermata[52], 1);
  CHECK_EQ(c.stats[KT_BASS].n_fermatas, 1);
  kt_chorale_free(&c);
}

static void test_32nd(void)
{
  kt_chorale c;
  char err[256];
  int rc = kt_kern_read(fx("thirtysecond.krn"), &c, err, sizeof err);
  CHECK_EQ(rc, 0);
  if (rc) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  CHECK_EQ(c.n_slices, 16);
  CHECK_EQ(c.tonic, 4);
  CHECK_EQ(c.mode, KT_PHRYGIAN);
  CHECK_EQ(c.key_sig, 0);
  CHECK_EQ(c.stats[KT_SOPRANO].n_32nds, 2);
  CHECK_EQ(c.stats[KT_SOPRANO].n_sixteenths, 1);
  CHECK_EQ(c.stats[KT_SOPRANO].n_notes, 5); /* grace note not counted */
  kt_note n[8];
  int k = kt_chorale_notes(&c, KT_SOPRANO, n, 8);
  CHECK_EQ(k, 4);
  static const int es[] = {0, 2, 3, 4}, el[] = {2, 1, 1, 12},
                   ep[] = {71, 73, 76, 76};
  for (int i = 0; i < 4 && i < k; i++) {
    CHECK_EQ(n[i].start, es[i]);
    CHECK_EQ(n[i].len, el[i]);
    CHECK_EQ(n[i].pitch, ep[i]);
  }
  CHECK_EQ(c.fermata[4], 1);
  CHECK_EQ(c.v[KT_BASS][15].pitch, 52);
  CHECK_EQ(c.v[KT_BASS][15].onset, 0);
  kt_chorale_free(&c);
}

/* A one-bar chorale with the given interpretation lines. */
static int one_bar(const char *interp, const char *notes, kt_chorale *c,
                   char *err, size_t el)
{
  char buf[1024];
  snprintf(buf, sizeof buf,
           "**kern\t**kern\t**kern\t**kern\n%s%s==\t==\t==\t==\n"
           "*-\t*-\t*-\t*-\n",
           interp, notes);
  return parse_str(buf, c, err, el);
}

static void test_keys(void)
{
  static const struct {
    const char *label;
    const char *sig;
    int tonic, mode, key_sig;
  } t[] = {
      {"*G:", "*k[f#]", 7, KT_MAJOR, 1},
      {"*a:", "*k[]", 9, KT_MINOR, 0},
      {"*B-:", "*k[b-e-]", 10, KT_MAJOR, -2},
      {"*f#:", "*k[f#c#g#]", 6, KT_MINOR, 3},
      {"*g:dor", "*k[b-]", 7, KT_DORIAN, -1},
      {"*e:phr", "*k[]", 4, KT_PHRYGIAN, 0},
      {"*G:mix", "*k[]", 7, KT_MIXOLYDIAN, 0},
      {"*E-:", "*k[b-e-a-]", 3, KT_MAJOR, -3},
      {"*A-:", "*k[b-e-a-d-]", 8, KT_MAJOR, -4},
      {"*E:", "*k[f#c#g#d#]", 4, KT_MAJOR, 4},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    char interp[256];
    snprintf(interp, sizeof interp,
             "%s\t%s\t%s\t%s\n%s\t%s\t%s\t%s\n*M4/4\t*M4/4\t*M4/4\t*M4/4\n",
             t[i].sig, t[i].sig, t[i].sig, t[i].sig, t[i].label, t[i].label,
             t[i].label, t[i].label);
    kt_chorale c;
    char err[256];
    int rc = one_bar(interp, "1C\t1c\t1e\t1g\n", &c, err, sizeof err);
    CHECK_EQ(rc, 0);
    if (rc) {
      fprintf(stderr, "%s: %s\n", t[i].label, err);
      continue;
    }
    CHECK_EQ(c.tonic, t[i].tonic);
    CHECK_EQ(c.mode, t[i].mode);
    CHECK_EQ(c.key_sig, t[i].key_sig);
    kt_chorale_free(&c);
  }
  /* pitch spelling: c = 60, cc = 72, C = 48, CC = 36, accidentals, n */
  kt_chorale c;
  char err[256];
  const char *hdr = "*k[]\t*k[]\t*k[]\t*k[]\n*C:\t*C:\t*C:\t*C:\n"
                    "*M4/4\t*M4/4\t*M4/4\t*M4/4\n";
  int rc = one_bar(hdr, "1CC#\t1C-\t1cn\t1ccc--\n", &c, err, sizeof err);
  CHECK_EQ(rc, 0);
  if (!rc) {
    CHECK_EQ(c.v[KT_BASS][0].pitch, 37);
    CHECK_EQ(c.v[KT_TENOR][0].pitch, 47);
    CHECK_EQ(c.v[KT_ALTO][0].pitch, 60);
    CHECK_EQ(c.v[KT_SOPRANO][0].pitch, 82);
    kt_chorale_free(&c);
  }
  /* ignored marks: beams, slurs, editorial, invisible rests */
  rc = one_bar(hdr,
               "(4CL\t{4cXJ\t4ry\t4gk\n4C)\t4c}\t4ryy\t4g'\n2r\t2r\t2r\t2r\n",
               &c, err, sizeof err);
  CHECK_EQ(rc, 0);
  if (!rc) {
    CHECK_EQ(c.stats[KT_ALTO].n_rests, 3);
    kt_chorale_free(&c);
  } else
    fprintf(stderr, "%s\n", err);
}

/* Every error names the file and the line. */
static void expect_file_error(const char *fixture, int line, const char *needle)
{
  kt_chorale c;
  char err[256], want[4200];
  int rc = kt_kern_read(fx(fixture), &c, err, sizeof err);
  CHECK_EQ(rc, -1);
  snprintf(want, sizeof want, "%s:%d: ", fx(fixture), line);
  CHECK(strncmp(err, want, strlen(want)) == 0);
  CHECK_ERR(err, needle);
  if (kt_failures) fprintf(stderr, "  (%s -> '%s')\n", fixture, err);
}

static void expect_str_error(const char *text, int line, const char *needle)
{
  kt_chorale c;
  char err[256], want[64];
  int rc = parse_str(text, &c, err, sizeof err);
  CHECK_EQ(rc, -1);
  snprintf(want, sizeof want, "mem.krn:%d: ", line);
  if (strncmp(err, want, strlen(want)) != 0) {
    fprintf(stderr, "expected '%s...' got '%s'\n", want, err);
    kt_failures++;
  }
  CHECK_ERR(err, needle);
  if (rc == 0) kt_chorale_free(&c);
}

#define H4 "**kern\t**kern\t**kern\t**kern\n"
#define K4 "*k[]\t*k[]\t*k[]\t*k[]\n*C:\t*C:\t*C:\t*C:\n"
#define M4 "*M4/4\t*M4/4\t*M4/4\t*M4/4\n"
#define END4 "==\t==\t==\t==\n*-\t*-\t*-\t*-\n"

static void test_errors(void)
{
  expect_file_error("bad_3spines.krn", 1, "spines");
  expect_file_error("bad_token.krn", 6, "unknown token '4g@'");
  expect_file_error("bad_unequal.krn", 7, "unequal length");
  expect_file_error("bad_truncated.krn", 7, "unterminated");
  expect_file_error("does_not_exist.krn", 0, "cannot open");

  expect_str_error("", 0, "missing **kern header");
  expect_str_error("!! just a comment\n*M4/4\t*M4/4\t*M4/4\t*M4/4\n", 2,
                   "missing **kern header");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\n" END4, 5, "3 spines");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t1g\t1b\n" END4, 5, "5 spines");
  expect_str_error(H4 K4 "*\t*\t*^\t*\n" M4, 4, "split");
  expect_str_error(H4 K4 "*v\t*v\t*\t*\n" M4, 4, "merge");
  expect_str_error(H4 K4 M4 "3C\t3c\t3e\t3g\n" END4, 5, "bad duration");
  expect_str_error(H4 K4 M4 "C\t1c\t1e\t1g\n" END4, 5, "bad duration");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t1x\n" END4, 5, "unknown token");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t1c e\n" END4, 5, "chords");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t1g]\n" END4, 5, "tie start");
  expect_str_error(H4 K4 M4 "[2C\t1c\t1e\t1g\n2D]\t.\t.\t.\n" END4, 6,
                   "changes pitch");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t2g\n*-\t*-\t*-\t*-\n", 6,
                   "unequal length at the end");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t2g\n.\t.\t.\t.\n" END4, 7,
                   "unequal length at barline");
  expect_str_error(H4 K4 M4 "2C\t2c\t1e\t1g\n.\t2c\t.\t.\n" END4, 6,
                   "bass: null token");
  expect_str_error(H4 K4 M4 "2C\t2c\t1e\t1g\n2C\t2c\t2e\t.\n" END4, 6,
                   "alto: note starts while the previous one still sounds");
  expect_str_error(H4 K4 "1C\t1c\t1e\t1g\n" END4, 4, "no meter");
  expect_str_error(H4 "*k[]\t*k[]\t*k[]\t*k[]\n" M4 "1C\t1c\t1e\t1g\n" END4, 6,
                   "no key label");
  expect_str_error(H4 K4 "*M3/3\t*M3/3\t*M3/3\t*M3/3\n", 4,
                   "unsupported meter");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t1g\n" END4 "4C\t4c\t4e\t4g\n", 8,
                   "after the *-");
  expect_str_error(H4 K4 M4 "1C\t1c\t1e\t1g\n" END4 "4C\t4c\t4e\t4g\n", 8,
                   "after the *-");
  expect_str_error(H4 K4 M4 "!\t1c\t1e\t1g\n" END4, 5, "local comment");
  {
    static const char nul[] = H4 K4 M4 "1C\t1c\t1e\t1g\n" END4;
    char b[sizeof nul];
    memcpy(b, nul, sizeof nul);
    b[strlen(H4 K4 M4) + 2] = 0;
    kt_chorale c;
    char err[256];
    CHECK_EQ(kt_kern_parse(b, sizeof nul - 1, "nul.krn", &c, err, sizeof err),
             -1);
    CHECK_ERR(err, "nul.krn:5: NUL byte");
  }
  {
    /* absurd length: 3200 breves = 102400 slices > the cap */
    size_t cap = 64 * 3300, n = 0;
    char *b = malloc(cap);
    n += (size_t)snprintf(b + n, cap - n, H4 K4 M4);
    for (int i = 0; i < 3200; i++)
      n += (size_t)snprintf(b + n, cap - n, "0C\t0c\t0e\t0g\n");
    n += (size_t)snprintf(b + n, cap - n, END4);
    kt_chorale c;
    char err[256];
    CHECK_EQ(kt_kern_parse(b, n, "long.krn", &c, err, sizeof err), -1);
    CHECK_ERR(err, "long.krn:");
    CHECK_ERR(err, "too long");
    free(b);
  }
  /* a tiny error buffer is never overrun */
  {
    kt_chorale c;
    char err[8];
    memset(err, 'x', sizeof err);
    CHECK_EQ(parse_str("junk", &c, err, sizeof err), -1);
    CHECK(memchr(err, 0, sizeof err) != NULL);
  }
}

/* Every prefix of a valid file parses or fails cleanly; only prefixes that
 * include the *- line succeed.  Runs under ASan to catch over-reads. */
static void test_prefixes(void)
{
  size_t len;
  char *text = slurp(fx("basic.krn"), &len);
  CHECK(text != NULL);
  if (!text) return;
  const char *term = strstr(text, "*-\t*-\t*-\t*-");
  CHECK(term != NULL);
  size_t need = (size_t)(term - text) + 2; /* "*-" ... of the last field */
  for (size_t n = 0; n <= len; n++) {
    char *b = malloc(n ? n : 1);
    memcpy(b, text, n);
    kt_chorale c;
    char err[256];
    int rc = kt_kern_parse(b, n, "prefix.krn", &c, err, sizeof err);
    if (n < need) CHECK_EQ(rc, -1);
    if (rc == 0)
      kt_chorale_free(&c);
    else
      CHECK(strncmp(err, "prefix.krn:", 11) == 0);
    free(b);
  }
  free(text);
}

static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Deterministic mutations: never a crash, errors always name the file, and
 * successful parses satisfy the representation's invariants. */
static void test_mutations(void)
{
  static const char alphabet[] = "\t\n.=*!-#n[]_;0123468LJcdefgabABCDEFGr qX";
  const char *files[] = {"basic.krn", "meter.krn", "thirtysecond.krn"};
  uint64_t seed = 12345;
  int ok = 0, bad = 0;
  for (int f = 0; f < 3; f++) {
    size_t len;
    char *text = slurp(fx(files[f]), &len);
    CHECK(text != NULL);
    if (!text) continue;
    for (int it = 0; it < 1500; it++) {
      char *b = malloc(len + 16);
      memcpy(b, text, len);
      size_t n = len;
      int muts = 1 + (int)(splitmix64(&seed) % 3);
      for (int m = 0; m < muts; m++) {
        size_t at = (size_t)(splitmix64(&seed) % n);
        char ch = alphabet[splitmix64(&seed) % (sizeof alphabet - 1)];
        switch (splitmix64(&seed) % 3) {
        case 0:
          b[at] = ch;
          break;
        case 1: /* delete */
          memmove(b + at, b + at + 1, n - at - 1);
          n--;
          break;
        default: /* insert */
          memmove(b + at + 1, b + at, n - at);
          b[at] = ch;
          n++;
        }
      }
      kt_chorale c;
      char err[256];
      if (kt_kern_parse(b, n, "mut.krn", &c, err, sizeof err) == 0) {
        ok++;
        CHECK(c.n_slices > 0);
        for (int s = 0; s < c.n_slices; s++) {
          CHECK(c.bar_len[s] > 0 && c.bar_pos[s] < c.bar_len[s]);
          for (int v = 0; v < KT_NVOICES; v++)
            CHECK(c.v[v][s].pitch >= KT_REST);
        }
        kt_chorale_free(&c);
      } else {
        bad++;
        CHECK(strncmp(err, "mut.krn:", 8) == 0);
      }
      free(b);
    }
    free(text);
  }
  printf("mutations: %d parsed, %d rejected\n", ok, bad);
  CHECK(bad > 0);
}

static void test_split(void)
{
  kt_split_entry *e;
  int n;
  char err[512];
  CHECK_EQ(kt_split_load(fx("split_ok.tsv"), &e, &n, err, sizeof err), 0);
  CHECK_EQ(n, 3);
  if (n == 3) {
    CHECK(!strcmp(e[0].file, "basic.krn"));
    CHECK_EQ(e[0].set, KT_SET_TRAIN);
    CHECK(!strcmp(e[1].bwv, "2/1"));
    CHECK_EQ(e[1].group, 1);
    CHECK_EQ(e[1].set, KT_SET_VALID);
    CHECK_EQ(e[2].set, KT_SET_TEST);
  }
  free(e);
  CHECK_EQ(kt_split_load(fx("split_badset.tsv"), &e, &n, err, sizeof err), -1);
  CHECK_ERR(err, "split_badset.tsv:3: ");
  CHECK_ERR(err, "unknown split 'holdout'");
  CHECK_EQ(kt_split_load(fx("split_badheader.tsv"), &e, &n, err, sizeof err),
           -1);
  CHECK_ERR(err, "split_badheader.tsv:1: bad header");
  CHECK_EQ(kt_split_load(fx("nope.tsv"), &e, &n, err, sizeof err), -1);
  CHECK_ERR(err, "nope.tsv:0: cannot open");
  CHECK_EQ(kt_split_set_from_name("train"), KT_SET_TRAIN);
  CHECK_EQ(kt_split_set_from_name("valid"), KT_SET_VALID);
  CHECK_EQ(kt_split_set_from_name("test"), KT_SET_TEST);
  CHECK_EQ(kt_split_set_from_name("bogus"), -1);

  /* kt_corpus_load: DATA/kern/<file>; the fixtures dir is DATA/kern. */
  char data[4096], split[4200];
  snprintf(data, sizeof data, "%s/..", g_dir);
  snprintf(split, sizeof split, "%s/split_ok.tsv", g_dir);
  kt_chorale *c;
  int nc;
  CHECK_EQ(kt_corpus_load(data, split, -1, &c, &nc, err, sizeof err), 0);
  CHECK_EQ(nc, 3);
  kt_corpus_free(c, nc);
  CHECK_EQ(kt_corpus_load(data, split, KT_SET_TEST, &c, &nc, err, sizeof err),
           0);
  CHECK_EQ(nc, 1);
  if (nc == 1) CHECK(!strcmp(c[0].name, "thirtysecond.krn"));
  kt_corpus_free(c, nc);
  /* a bad file in the set: the error names it and its line */
  snprintf(split, sizeof split, "%s/split_badfile.tsv", g_dir);
  CHECK_EQ(kt_corpus_load(data, split, -1, &c, &nc, err, sizeof err), -1);
  CHECK_ERR(err, "bad_token.krn:6: soprano: unknown token");
  snprintf(split, sizeof split, "%s/missing.tsv", g_dir);
  CHECK_EQ(kt_corpus_load(data, split, -1, &c, &nc, err, sizeof err), -1);
  CHECK_ERR(err, "missing.tsv:0: cannot open");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: test_kern FIXTURE_DIR\n");
    return 2;
  }
  g_dir = argv[1];
  test_basic();
  test_meter();
  test_32nd();
  test_keys();
  test_errors();
  test_prefixes();
  test_mutations();
  test_split();
  return kt_check_done("test_kern");
}
