/* tests/nn_eval/test_style_ref.c -- nn/style against the reference scripts
 * in ../shared/style (run with /usr/bin/python3):
 *  1. every chorale of the corpus: each statistic of kt_style_piece_stats
 *     equals style.stats() of kern.py's voices exactly (the same double);
 *  2. the test split: kt_style_finish equals bach-test.json to its 3
 *     decimals (pooled mean, p10, p50, p90);
 *  3. kantor eval --json's Kantor figures (L0 and L4) judged by
 *     style_check.py against bach-test.json give the same "off N" as eval;
 *  4. kantor eval's Kantor figures at L0 equal style.py's through
 *     `kantor render` (MIDI in and out) to 3 decimals, on the test chorales
 *     without a meter change (style.py's MIDI melody carries one meter, eval
 *     the score's; chor011, 252, 280 differ for that reason).
 * Skips (77) without the corpus, ../shared/style or /usr/bin/python3. */
#include "../check.h"
#include "style.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PY "/usr/bin/python3"

static int exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

/* Runs cmd, returns its exit status; stdout into *out (malloc'd). */
static int run(const char *cmd, char **out)
{
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t cap = 1 << 16, n = 0, k;
  char *buf = malloc(cap);
  while (buf && (k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
    n += k;
    if (n + 1 == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
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

/* The figures after "KEY": {"mean": ... in js. */
static int json_fig(const char *js, const char *key, kt_style_fig *f)
{
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\": {\"mean\": ", key);
  const char *s = strstr(js, pat);
  if (!s) return -1;
  s += strlen(pat) - strlen("{\"mean\": ");
  return sscanf(s, "{\"mean\": %lf, \"p10\": %lf, \"p50\": %lf, \"p90\": %lf",
                &f->mean, &f->p10, &f->p50, &f->p90) == 4
             ? 0
             : -1;
}

/* The JSON object that starts at the first '{' at or after s (a copy). */
static char *json_object(const char *s)
{
  s = s ? strchr(s, '{') : NULL;
  if (!s) return NULL;
  int depth = 0;
  const char *e = s;
  for (; *e; ++e) {
    if (*e == '{') depth++;
    if (*e == '}' && --depth == 0) break;
  }
  if (!*e) return NULL;
  size_t n = (size_t)(e - s) + 1;
  char *o = malloc(n + 1);
  if (o) {
    memcpy(o, s, n);
    o[n] = 0;
  }
  return o;
}

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  int ok = fputs(text, f) >= 0;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int same3(double c, double py)
{
  return fabs(c - py) <= 0.0005 + 1e-9;
}

/* 1: per piece, exact. */
static void check_pieces(const char *data, const char *style)
{
  kt_chorale *cs = NULL;
  int n = 0;
  char err[512], cmd[8192];
  if (kt_corpus_load(data, NULL, -1, &cs, &n, err, sizeof err)) {
    CHECK(0, "corpus load: %s", err);
    return;
  }
  snprintf(cmd, sizeof cmd,
           PY " -c \"import sys,glob,os; sys.path.insert(0,'%s'); import "
              "kern,style\nfor f in sorted(glob.glob('%s/kern/*.krn')):\n"
              "  d=kern.read(f); st=style.stats(*d['pitch'], d['bars'])\n"
              "  print(os.path.basename(f), st['slices'], ' '.join(k+'='+"
              "repr(st[k]) for k in st if k!='slices'))\"",
           style, data);
  char *out = NULL;
  int rc = run(cmd, &out);
  CHECK(rc == 0 && out, "style.stats over %s/kern: exit %d", data, rc);
  int pieces = 0, diffs = 0;
  for (char *line = out ? strtok(out, "\n") : NULL; line;
       line = strtok(NULL, "\n")) {
    char name[64];
    long slices;
    int used;
    if (sscanf(line, "%63s %ld%n", name, &slices, &used) != 2) continue;
    const kt_chorale *c = NULL;
    for (int i = 0; i < n && !c; ++i)
      if (!strcmp(cs[i].name, name)) c = &cs[i];
    CHECK(c != NULL, "%s: not loaded by kt_corpus_load", name);
    if (!c) continue;
    pieces++;
    kt_metrics_voices m;
    kt_metrics_voices_from_chorale(c, &m);
    kt_style_piece p;
    kt_style_piece_stats(&m, &p);
    CHECK(p.slices == slices, "%s: %ld slices, style.py %ld", name, p.slices,
          slices);
    const char *s = line + used;
    for (int k = 0; k < KT_ST_N; ++k) {
      char key[64];
      int u = 0;
      while (*s == ' ')
        s++;
      const char *eq = strchr(s, '=');
      if (!eq || (size_t)(eq - s) >= sizeof key) break;
      memcpy(key, s, (size_t)(eq - s));
      key[eq - s] = 0;
      double v = 0;
      if (sscanf(eq + 1, "%lf%n", &v, &u) != 1) break;
      s = eq + 1 + u;
      CHECK(!strcmp(key, kt_style_name(k)), "statistic %d: %s, style.py %s", k,
            kt_style_name(k), key);
      if (p.v[k] != v && diffs++ < 10)
        CHECK(0, "%s %s: C %.17g, style.py %.17g", name, key, p.v[k], v);
    }
  }
  CHECK(pieces == n && n > 300, "%d pieces from style.py, %d loaded", pieces,
        n);
  CHECK(diffs == 0, "%d per-piece differences", diffs);
  printf("per piece: %d chorales x %d statistics, %d differences\n", pieces,
         KT_ST_N, diffs);
  free(out);
  kt_corpus_free(cs, n);
}

/* 2: Bach's test split against bach-test.json. */
static void check_bach_test(const char *data, const char *style,
                            kt_style_result *bach)
{
  kt_chorale *cs = NULL;
  int n = 0;
  char err[512], path[4200];
  if (kt_corpus_load(data, NULL, KT_SET_TEST, &cs, &n, err, sizeof err)) {
    CHECK(0, "corpus load: %s", err);
    return;
  }
  kt_style_acc a;
  kt_style_acc_init(&a);
  for (int i = 0; i < n; ++i) {
    kt_metrics_voices m;
    kt_metrics_voices_from_chorale(&cs[i], &m);
    CHECK(kt_style_acc_add(&a, &m) == 0);
  }
  kt_style_finish(&a, bach);
  snprintf(path, sizeof path, "%s/bach-test.json", style);
  size_t len;
  char *js = (char *)kt_test_slurp(path, &len);
  CHECK(js != NULL, "%s: cannot read", path);
  if (js) {
    js[len] = 0;
    char files[32];
    snprintf(files, sizeof files, "\"files\": %d,", n);
    CHECK(strstr(js, files) != NULL, "%s: not %d files", path, n);
    for (int s = 0; s < KT_ST_N; ++s) {
      kt_style_fig f;
      int ok = json_fig(js, kt_style_name(s), &f) == 0;
      CHECK(ok, "%s: no %s", path, kt_style_name(s));
      if (!ok) continue;
      const kt_style_fig *c = &bach->s[s];
      CHECK(same3(c->mean, f.mean) && same3(c->p10, f.p10) &&
                same3(c->p50, f.p50) && same3(c->p90, f.p90),
            "%s: C %.3f (%.3f %.3f %.3f), bach-test.json %.3f (%.3f %.3f "
            "%.3f)",
            kt_style_name(s), c->mean, c->p10, c->p50, c->p90, f.mean, f.p10,
            f.p50, f.p90);
    }
  }
  free(js);
  kt_style_acc_free(&a);
  kt_corpus_free(cs, n);
}

/* 3: eval's verdict = style_check.py's on eval's own figures. */
static void check_verdict(const char *kantor, const char *data,
                          const char *style, const char *dir, int lookahead)
{
  char cmd[8192], path[4200];
  char *js = NULL, *chk = NULL;
  snprintf(cmd, sizeof cmd,
           "'%s' eval --data '%s' --set test --lookahead %d --json", kantor,
           data, lookahead);
  int rc = run(cmd, &js);
  CHECK(rc == 0 && js, "%s: exit %d", cmd, rc);
  const char *sty = js ? strstr(js, "\"style\": {") : NULL;
  const char *k = sty ? strstr(sty, "\"kantor\": {") : NULL;
  char *obj = json_object(k);
  CHECK(obj != NULL, "L%d: no style.kantor object", lookahead);
  int off = -1, py_off = -2, checked = 0;
  if (obj) {
    const char *o = strstr(obj, "\"off\": ");
    if (o) sscanf(o, "\"off\": %d", &off);
    snprintf(path, sizeof path, "%s/kantor-l%d.json", dir, lookahead);
    CHECK(write_file(path, obj) == 0, "%s: cannot write", path);
    snprintf(cmd, sizeof cmd,
             PY " '%s/style_check.py' '%s/bach-test.json' '%s'", style, style,
             path);
    run(cmd, &chk);
    const char *last = chk ? strstr(chk, "off ") : NULL;
    while (last && strstr(last + 1, "\noff "))
      last = strstr(last + 1, "\noff ") + 1;
    if (last) sscanf(last, "off %d of %d", &py_off, &checked);
  }
  CHECK(off == py_off && checked == KT_STYLE_N_CHECKED,
        "L%d: kantor eval off %d, style_check.py off %d of %d", lookahead, off,
        py_off, checked);
  printf("L%d test split: off %d of %d (style_check.py: %d)\n", lookahead, off,
         KT_STYLE_N_CHECKED, py_off);
  free(obj);
  free(chk);
  free(js);
}

/* 4: eval's figures against style.py through kantor render. */
static void check_render(const char *kantor, const char *data,
                         const char *style, const char *dir)
{
  kt_chorale *cs = NULL;
  int n = 0;
  char err[512], path[4200], src[4200], only[8192] = "";
  if (kt_corpus_load(data, NULL, KT_SET_TEST, &cs, &n, err, sizeof err)) {
    CHECK(0, "corpus load: %s", err);
    return;
  }
  snprintf(path, sizeof path, "%s/kern", dir);
  CHECK(mkdir(path, 0777) == 0);
  int used = 0, skipped = 0;
  for (int i = 0; i < n; ++i) {
    const kt_chorale *c = &cs[i];
    int change = c->n_meter_changes > 0;
    for (int t = 1; t < c->n_slices && !change; ++t)
      change = c->bar_len[t] != c->bar_len[0];
    if (change) {
      skipped++;
      continue;
    }
    snprintf(src, sizeof src, "%s/kern/%s", data, c->name);
    snprintf(path, sizeof path, "%s/kern/%s", dir, c->name);
    CHECK(symlink(src, path) == 0, "%s", path);
    size_t l = strlen(only);
    snprintf(only + l, sizeof only - l, "%s%s", used ? "," : "", c->name);
    used++;
  }
  char cmd[16384];
  char *py = NULL, *js = NULL;
  snprintf(cmd, sizeof cmd,
           PY " '%s/style.py' '%s/kern' '%s/out' -- '%s' render {in} -o {out}",
           style, dir, dir, kantor);
  int rc = run(cmd, &py);
  CHECK(rc == 0 && py, "style.py through kantor render: exit %d", rc);
  snprintf(cmd, sizeof cmd, "'%s' eval --data '%s' --set test --only %s --json",
           kantor, data, only);
  rc = run(cmd, &js);
  CHECK(rc == 0 && js, "kantor eval --only: exit %d", rc);
  const char *sty = js ? strstr(js, "\"style\": {") : NULL;
  const char *k = sty ? strstr(sty, "\"kantor\": {") : NULL;
  char files[64];
  snprintf(files, sizeof files, "\"files\": %d, \"failed\": 0", used);
  CHECK(py && strstr(py, files), "style.py: not %d files rendered", used);
  int bad = 0;
  for (int s = 0; s < KT_ST_N && py && k; ++s) {
    kt_style_fig a, b;
    int ok = json_fig(k, kt_style_name(s), &a) == 0 &&
             json_fig(py, kt_style_name(s), &b) == 0;
    CHECK(ok, "%s missing", kt_style_name(s));
    if (!ok) continue;
    int same = same3(a.mean, b.mean) && same3(a.p10, b.p10) &&
               same3(a.p50, b.p50) && same3(a.p90, b.p90);
    bad += !same;
    CHECK(same,
          "%s: eval %.3f (%.3f %.3f %.3f), style.py render %.3f (%.3f "
          "%.3f %.3f)",
          kt_style_name(s), a.mean, a.p10, a.p50, a.p90, b.mean, b.p10, b.p50,
          b.p90);
  }
  printf("render: %d chorales (%d with meter changes left out), %d of %d "
         "statistics differ\n",
         used, skipped, bad, KT_ST_N);
  free(py);
  free(js);
  kt_corpus_free(cs, n);
}

int main(void)
{
  const char *data = kt_corpus_default_dir();
  const char *kantor = getenv("KANTOR_BIN");
  char style[4096], path[4200];
  const char *env = getenv("KANTOR_STYLE");
  if (env && *env)
    snprintf(style, sizeof style, "%s", env);
  else
    snprintf(style, sizeof style, "%s/../../style", data);
  snprintf(path, sizeof path, "%s/split.tsv", data);
  if (!exists(path)) {
    printf("SKIP: corpus not found at %s (set KANTOR_DATA)\n", data);
    return 77;
  }
  snprintf(path, sizeof path, "%s/style.py", style);
  if (!exists(path) || !exists(PY)) {
    printf("SKIP: %s or " PY " not found (set KANTOR_STYLE)\n", path);
    return 77;
  }
  if (!kantor) {
    fprintf(stderr, "KANTOR_BIN is not set\n");
    return 1;
  }
  char dir[] = "/tmp/kt_style_refXXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  check_pieces(data, style);
  kt_style_result bach;
  check_bach_test(data, style, &bach);
  check_verdict(kantor, data, style, dir, 0);
  check_verdict(kantor, data, style, dir, 4);
  check_render(kantor, data, style, dir);
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return kt_check_done("style_ref");
}
