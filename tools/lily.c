/* tools/lily.c -- LilyPond writer and engraver (see lily.h). */
#include "lily.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *ext_of(const char *p)
{
  const char *d = strrchr(p, '.');
  const char *sl = strrchr(p, '/');
  return d && (!sl || d > sl) ? d + 1 : "";
}

static int ext_is(const char *p, const char *e)
{
  const char *x = ext_of(p);
  if (strlen(x) != strlen(e)) return 0;
  for (; *x; ++x, ++e)
    if (tolower((unsigned char)*x) != *e) return 0;
  return 1;
}

int kt_ly_score_name_ok(const char *out)
{
  return ext_is(out, "pdf") || ext_is(out, "png") || ext_is(out, "svg") ||
         ext_is(out, "ly");
}

static void ly_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; s && *s; ++s) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    if ((unsigned char)*s >= 0x20) fputc(*s, f);
  }
  fputc('"', f);
}

static const char *dur_name(int base)
{
  switch (base) {
  case 16:
    return "1";
  case 8:
    return "2";
  case 4:
    return "4";
  case 2:
    return "8";
  default:
    return "16";
  }
}

static void ly_pitch(FILE *f, int pitch, int fifths, int minor)
{
  static const char *const letter[7] = {"c", "d", "e", "f", "g", "a", "b"};
  static const char *const alter[5] = {"eses", "es", "", "is", "isis"};
  kt_sc_spelling sp = kt_sc_spell(pitch, fifths, minor);
  fputs(letter[sp.letter], f);
  if (sp.alter) {
    /* Dutch names: ees/aes are accepted spellings of es/as */
    fputs(alter[sp.alter + 2], f);
  }
  for (int o = sp.octave; o > 3; --o)
    fputc('\'', f);
  for (int o = sp.octave; o < 3; ++o)
    fputc(',', f);
}

static void ly_voice(FILE *f, const kt_sc_layout *L, int v, int first,
                     const char *clef)
{
  /* the tonic of the signature on the line of fifths: major at fifths,
   * minor three fifths up (D major 2: D; b minor 2+3: B) */
  static const char *const letter[7] = {"f", "c", "g", "d", "a", "e", "b"};
  static const char *const alter[3] = {"es", "", "is"};
  int q = L->fifths + (L->minor ? 3 : 0);
  int li = ((q + 1) % 7 + 7) % 7, al = q + 1 >= 0 ? (q + 1) / 7 : -1;
  char kn[8];
  snprintf(kn, sizeof kn, "%s%s", letter[li], alter[al + 1]);
  fprintf(f, "    \\clef \"%s\" \\key %s \\%s\n", clef, kn,
          L->minor ? "minor" : "major");
  for (int i = 0; i < L->n_measures; ++i) {
    const kt_sc_measure *M = &L->m[i];
    fputs("    ", f);
    if (M->new_meter) fprintf(f, "\\time %d/%d ", M->num, M->den);
    int last = i == L->n_measures - 1;
    if (M->len < M->nominal && !last) fprintf(f, "\\partial 16*%d ", M->len);
    if (first && M->tempo > 0) fprintf(f, "\\tempo 4 = %.0f ", M->tempo);
    for (int j = 0; j < M->n_it[v]; ++j) {
      const kt_sc_item *it = &M->it[v][j];
      if (it->measure_rest) {
        fprintf(f, "R1*%d/16 ", M->len);
        continue;
      }
      if (it->pitch < 0)
        fputc('r', f);
      else
        ly_pitch(f, it->pitch, L->fifths, L->minor);
      fprintf(f, "%s%s%s ", dur_name(it->base), it->dots ? "." : "",
              it->tie_start ? "~" : "");
    }
    fputs(last ? "\\bar \"|.\"\n" : "|\n", f);
  }
}

static int write_ly(FILE *f, const kt_score *s, int one_page, char *err,
                    size_t errlen)
{
  kt_sc_layout L;
  if (kt_sc_layout_make(s, &L, err, errlen) < 0) return -1;
  int ngroups = s->n_voices > 4 ? 2 : 1;
  int staves = s->staves == 4 ? 4 : 2;
  fputs("\\version \"2.24.0\"\n\\header {\n  title = ", f);
  ly_string(f, s->title ? s->title : "");
  fputs("\n  tagline = ##f\n}\n", f);
  if (one_page) fputs("\\paper { page-breaking = #ly:one-page-breaking }\n", f);
  static const char *const names2[2] = {"S. A.", "T. B."};
  static const char *const names4[4] = {"S.", "A.", "T.", "B."};
  static const char *const clef4[4] = {"treble", "treble", "treble_8", "bass"};
  fputs("\\score {\n  <<\n", f);
  for (int g = 0; g < ngroups; ++g) {
    fputs("  \\new ChoirStaff <<\n", f);
    for (int st = 0; st < staves; ++st) {
      char name[128];
      snprintf(name, sizeof name, "%s%s%s",
               ngroups > 1 && s->group[g] ? s->group[g] : "",
               ngroups > 1 && s->group[g] ? " " : "",
               staves == 2 ? names2[st] : names4[st]);
      fputs("  \\new Staff \\with { instrumentName = ", f);
      ly_string(f, name);
      fputs(" } <<\n", f);
      int vps = 4 / staves;
      for (int k = 0; k < vps; ++k) {
        int v = g * 4 + st * vps + k;
        fprintf(f, "  \\new Voice { %s\n",
                vps == 1 ? ""
                : k == 0 ? "\\voiceOne"
                         : "\\voiceTwo");
        ly_voice(f, &L, v, g == 0 && st == 0 && k == 0,
                 staves == 2 ? (st == 0 ? "treble" : "bass") : clef4[st]);
        fputs("  }\n", f);
      }
      fputs("  >>\n", f);
    }
    fputs("  >>\n", f);
  }
  fputs("  >>\n  \\layout { }\n}\n", f);
  kt_sc_layout_free(&L);
  return 0;
}

int kt_ly_write(const char *path, const kt_score *s, int one_page, char *err,
                size_t errlen)
{
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 5);
  if (!tmp) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    snprintf(err, errlen, "%s: cannot write %s: %s", path, tmp,
             strerror(errno));
    free(tmp);
    return -1;
  }
  int bad = write_ly(f, s, one_page, err, errlen) < 0;
  int ioerr = ferror(f);
  ioerr |= fclose(f) != 0;
  if (!bad && (ioerr || rename(tmp, path) != 0)) {
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    bad = 1;
  }
  if (bad) remove(tmp);
  free(tmp);
  return bad ? -1 : 0;
}

/* lilypond on PATH? */
static int find_lilypond(void)
{
  const char *path = getenv("PATH");
  if (!path) return 0;
  char buf[4096];
  while (*path) {
    size_t n = strcspn(path, ":");
    if (n > 0 && n < sizeof buf - 16) {
      memcpy(buf, path, n);
      memcpy(buf + n, "/lilypond", 10);
      if (access(buf, X_OK) == 0) return 1;
    }
    path += n;
    if (*path == ':') ++path;
  }
  return 0;
}

static void remove_dir(const char *dir)
{
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
        remove(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

int kt_ly_engrave(const char *out, const kt_score *s, int *warnings, char *err,
                  size_t errlen)
{
  if (warnings) *warnings = 0;
  if (!kt_ly_score_name_ok(out)) {
    snprintf(err, errlen, "%s: a score is written as .pdf, .png, .svg or .ly",
             out);
    return -1;
  }
  if (ext_is(out, "ly")) return kt_ly_write(out, s, 0, err, errlen);
  if (!find_lilypond()) {
    snprintf(err, errlen,
             "%s: lilypond not found on PATH: engraving needs LilyPond "
             "(Debian: apt-get install lilypond); --musicxml writes a "
             "MusicXML file without it",
             out);
    return -1;
  }
  const char *ext = ext_of(out);
  char fmt[8];
  snprintf(fmt, sizeof fmt, "%s", ext);
  for (char *c = fmt; *c; ++c)
    *c = (char)tolower((unsigned char)*c);
  /* a temporary folder next to out: the result is renamed, not copied */
  char dir[4096], ly[4200], res[4200], log[4200], base[4200];
  const char *sl = strrchr(out, '/');
  int dl = sl ? (int)(sl - out) : 1;
  snprintf(dir, sizeof dir, "%.*s/.kantor-ly-XXXXXX", dl, sl ? out : ".");
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "%s: cannot make a temporary folder %s: %s", out, dir,
             strerror(errno));
    return -1;
  }
  snprintf(ly, sizeof ly, "%s/score.ly", dir);
  snprintf(base, sizeof base, "%s/score", dir);
  snprintf(res, sizeof res, "%s/score.%s", dir, fmt);
  snprintf(log, sizeof log, "%s/lilypond.log", dir);
  int ret = -1;
  if (kt_ly_write(ly, s, strcmp(fmt, "pdf") != 0, err, errlen) < 0) goto done;
  char fmtopt[32];
  snprintf(fmtopt, sizeof fmtopt, "--formats=%s", fmt);
  char *argv[] = {"lilypond",
                  "-dno-point-and-click",
                  "--loglevel=WARNING",
                  fmtopt,
                  "-o",
                  base,
                  ly,
                  NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, "lilypond", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    snprintf(err, errlen, "%s: cannot run lilypond: %s", out, strerror(rc));
    goto done;
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  /* what lilypond said: warnings to stderr, the first error line kept */
  char first[512] = "";
  FILE *lf = fopen(log, "r");
  if (lf) {
    char line[1024];
    while (fgets(line, sizeof line, lf)) {
      if (strstr(line, "warning:") && warnings) ++*warnings;
      if (strstr(line, "warning:") || strstr(line, "error:"))
        fprintf(stderr, "lilypond: %s", line);
      if (!first[0] && strstr(line, "error:")) {
        line[strcspn(line, "\n")] = 0;
        snprintf(first, sizeof first, "%.500s", line);
      }
    }
    fclose(lf);
  }
  struct stat sb;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || stat(res, &sb) != 0) {
    snprintf(err, errlen, "%s: lilypond failed (exit %d)%s%s", out,
             WIFEXITED(st) ? WEXITSTATUS(st) : -1, first[0] ? ": " : "", first);
    goto done;
  }
  if (rename(res, out) != 0) {
    snprintf(err, errlen, "%s: cannot write: %s", out, strerror(errno));
    goto done;
  }
  ret = 0;
done:
  remove_dir(dir);
  return ret;
}
