/* tests/nn_eval/test_eval_smoke.c -- kantor eval end to end on 2 test
 * chorales through the real engine: the JSON has every key and sane
 * numbers, a sampled run is reproducible, the SVG and MIDI files are
 * written whole, bad arguments exit 2 and a missing corpus exits 1.
 * Skips (77) without the corpus. */
#include "../check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>


/* Runs cmd, returns its exit status; stdout into *out (malloc'd). */
static int run(const char *cmd, char **out)
{
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t k;
  while (buf && (k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
    n += k;
    if (n + 1 == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) {
        free(buf);
        buf = NULL;
      }
      buf = nb;
    }
  }
  if (buf) buf[n] = 0;
  int st = pclose(p);
  if (out)
    *out = buf;
  else
    free(buf);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The number after "key": inside the object that starts at "section". */
static int json_num(const char *js, const char *section, const char *key,
                    double *v)
{
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\": {", section);
  const char *s = strstr(js, pat);
  if (!s) return -1;
  const char *end = strstr(s, "\n  }");
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *k = strstr(s, pat);
  if (!k || (end && k > end)) return -1;
  char *e;
  *v = strtod(k + strlen(pat), &e);
  return e == k + strlen(pat) ? -1 : 0;
}

static int file_starts(const char *path, const char *magic)
{
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char buf[16] = {0};
  size_t n = fread(buf, 1, strlen(magic), f);
  fclose(f);
  return n == strlen(magic) && !memcmp(buf, magic, n);
}

static int exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

int main(void)
{
  const char *k = getenv("KANTOR_EVAL");
  const char *data = getenv("KANTOR_DATA");
  char path[4096];
  if (!k) {
    fprintf(stderr, "KANTOR_EVAL is not set\n");
    return 1;
  }
  snprintf(path, sizeof path, "%s/split.tsv", data ? data : "");
  if (!data || !exists(path)) {
    printf("SKIP: corpus not found at '%s' (set KANTOR_DATA)\n",
           data ? data : "");
    return 77;
  }
  char dir[] = "/tmp/kt_eval_smokeXXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char cmd[8192];
  char *js = NULL;
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --baseline "
           "interval --key file --svg-dir '%s/svg' --mid-dir '%s/mid'",
           k, dir, dir);
  int rc = run(cmd, &js);
  CHECK(rc == 0);
  if (rc == 0 && js) {
    printf("%s", js);
    CHECK(strstr(js, "\"chorales\": 2") != NULL);
    CHECK(strstr(js, "\"pieces\": [") != NULL);
    CHECK(strstr(js, "{\"name\": \"chor237.krn\", \"acc_alto\": ") != NULL);
    const char *acc[] = {"acc_alto",    "acc_tenor",   "acc_bass",
                         "acc_mean",    "pc_acc_alto", "pc_acc_tenor",
                         "pc_acc_bass", "pc_acc_mean"};
    const char *style[] = {"parallels_per100", "crossings_pct", "chord_pct",
                           "parallel_fifths_per100", "parallel_octaves_per100"};
    const char *rows[] = {"kantor", "interval", "bach"};
    for (int r = 0; r < 3; ++r) {
      double v;
      for (size_t i = 0; i < sizeof acc / sizeof *acc; ++i) {
        if (r == 2) continue; /* Bach is the reference */
        int ok = json_num(js, rows[r], acc[i], &v) == 0;
        if (!ok || !(v >= 0 && v <= 1))
          fprintf(stderr, "%s.%s missing or out of [0,1]\n", rows[r], acc[i]);
        CHECK(ok && v >= 0 && v <= 1);
      }
      for (size_t i = 0; i < sizeof style / sizeof *style; ++i) {
        int ok = json_num(js, rows[r], style[i], &v) == 0;
        if (!ok) fprintf(stderr, "%s.%s missing\n", rows[r], style[i]);
        CHECK(ok && v >= 0 && (i == 0 || v <= 100 || i > 2));
      }
      CHECK(json_num(js, rows[r], "onsets_per_bar\": {\"soprano", &v) == 0 &&
            v > 0);
    }
    double a, b;
    /* the net beats the fixed-interval harmonizer */
    if (json_num(js, "kantor", "acc_mean", &a) == 0 &&
        json_num(js, "interval", "acc_mean", &b) == 0)
      CHECK(a > b);
    /* the interval baseline is all parallel octaves (about 2 per move) */
    if (json_num(js, "interval", "parallels_per100", &b) == 0)
      CHECK(b > 150 && b < 210);
  }
  free(js);
  static const char *stems[] = {"chor005", "chor237"};
  for (int i = 0; i < 2; ++i) {
    snprintf(path, sizeof path, "%s/svg/%s.svg", dir, stems[i]);
    CHECK(file_starts(path, "<?xml"));
    snprintf(path, sizeof path, "%s/mid/%s-bach.mid", dir, stems[i]);
    CHECK(file_starts(path, "MThd"));
    snprintf(path, sizeof path, "%s/mid/%s-kantor.mid", dir, stems[i]);
    CHECK(file_starts(path, "MThd"));
    snprintf(path, sizeof path, "%s/svg/%s.svg.tmp", dir, stems[i]);
    CHECK(!exists(path));
  }

  /* sampling is seeded: the same seed gives the same figures */
  char *j1 = NULL, *j2 = NULL;
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --temperature "
           "0.7 --seed 7 --lookahead 4",
           k);
  CHECK(run(cmd, &j1) == 0);
  CHECK(run(cmd, &j2) == 0);
  CHECK(j1 && j2 && !strcmp(j1, j2));
  free(j2);
  /* ... and so does any block partition (random sizes up to 1024 frames) */
  j2 = NULL;
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --temperature "
           "0.7 --seed 7 --lookahead 4 --random-blocks --block 1024",
           k);
  CHECK(run(cmd, &j2) == 0);
  CHECK(j1 && j2 && !strcmp(j1, j2));
  free(j1);
  free(j2);

  /* the guard's style terms: reproducible, for any block partition, and
     no consecutive fifths or octaves by style.py's definition */
  j1 = j2 = NULL;
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --lookahead 4 "
           "--decode style",
           k);
  CHECK(run(cmd, &j1) == 0);
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --lookahead 4 "
           "--style root=0.3 --random-blocks --block 1024",
           k);
  CHECK(run(cmd, &j2) == 0);
  CHECK(j1 && strstr(j1, "decode style"));
  /* bach: the plugin's name for the same decoding (Harmony style) */
  {
    char *j3 = NULL;
    snprintf(cmd, sizeof cmd,
             "'%s' eval --set test --only chor005,chor237 --json "
             "--lookahead 4 --decode bach",
             k);
    CHECK(run(cmd, &j3) == 0);
    CHECK(j1 && j3 && !strcmp(j1, j3));
    free(j3);
  }
  /* the same weights (root=0.3 is the shipped L4 one), other blocks */
  if (j1 && j2) {
    char *m1 = strstr(j1, "\"lookahead\":"), *m2 = strstr(j2, "\"lookahead\":");
    CHECK(m1 && m2 && !strcmp(m1, m2));
    char *ps = strstr(j1, "\"parallels_per_100\": {\"mean\": ");
    CHECK(ps && atof(ps + strlen("\"parallels_per_100\": {\"mean\": ")) == 0.0);
  }
  free(j1);
  free(j2);
  /* the engine's default is the light weights (kt_engine_style_light):
     the same as --decode light, for any block partition */
  j1 = j2 = NULL;
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --lookahead 0",
           k);
  CHECK(run(cmd, &j1) == 0);
  snprintf(cmd, sizeof cmd,
           "'%s' eval --set test --only chor005,chor237 --json --lookahead 0 "
           "--decode light --random-blocks --block 1024",
           k);
  CHECK(run(cmd, &j2) == 0);
  CHECK(j1 && strstr(j1, "decode light") && j2 && !strcmp(j1, j2));
  free(j1);
  free(j2);
  snprintf(cmd, sizeof cmd, "'%s' eval --decode bogus 2>/dev/null", k);
  CHECK(run(cmd, NULL) == 2);
  snprintf(cmd, sizeof cmd, "'%s' eval --style root=x 2>/dev/null", k);
  CHECK(run(cmd, NULL) == 2);
  snprintf(cmd, sizeof cmd, "'%s' eval --style nothing=1 2>/dev/null", k);
  CHECK(run(cmd, NULL) == 2);

  /* usage errors exit 2, a missing corpus exits 1 naming the file */
  snprintf(cmd, sizeof cmd, "'%s' eval --set bogus 2>/dev/null", k);
  CHECK(run(cmd, NULL) == 2);
  snprintf(cmd, sizeof cmd, "'%s' eval --lookahead 99 2>/dev/null", k);
  CHECK(run(cmd, NULL) == 2);
  snprintf(cmd, sizeof cmd, "'%s' eval --key H 2>/dev/null", k);
  CHECK(run(cmd, NULL) == 2);
  char *msg = NULL;
  snprintf(cmd, sizeof cmd, "'%s' eval --data '%s/nothing' 2>&1", k, dir);
  CHECK(run(cmd, &msg) == 1);
  CHECK(msg && strstr(msg, "nothing"));
  free(msg);
  snprintf(cmd, sizeof cmd, "'%s' eval --model '%s/none.kmod' 2>&1", k, dir);
  CHECK(run(cmd, &msg) == 1);
  CHECK(msg && strstr(msg, "none.kmod"));
  free(msg);

  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  if (kt_failures) {
    fprintf(stderr, "%d failure(s)\n", kt_failures);
    return 1;
  }
  printf("eval smoke: all checks passed\n");
  return 0;
}
