/* nn/split.c -- reader for split.tsv (header "file bwv split_group split",
 * tab-separated; split is train, valid or test). */
#include "chorale.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_split_set_from_name(const char *name)
{
  if (!name) return -1;
  if (!strcmp(name, "train")) return KT_SET_TRAIN;
  if (!strcmp(name, "valid") || !strcmp(name, "validation"))
    return KT_SET_VALID;
  if (!strcmp(name, "test")) return KT_SET_TEST;
  return -1;
}

/* Split s in place at tabs; returns the number of fields. */
static int kt_split_fields(char *s, char **f, int max)
{
  int n = 0;
  char *p = s;
  for (;;) {
    char *t = strchr(p, '\t');
    if (n < max) f[n] = p;
    n++;
    if (!t) break;
    *t = 0;
    p = t + 1;
  }
  return n;
}

int kt_split_load(const char *path, kt_split_entry **out, int *n, char *err,
                  size_t errlen)
{
  *out = NULL;
  *n = 0;
  FILE *fp = fopen(path, "r");
  if (!fp) {
    snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
    return -1;
  }
  kt_split_entry *v = NULL;
  int cnt = 0, cap = 0, line = 0;
  char buf[512];
  while (fgets(buf, sizeof buf, fp)) {
    line++;
    size_t l = strlen(buf);
    if (l == sizeof buf - 1 && buf[l - 1] != '\n') {
      snprintf(err, errlen, "%s:%d: line too long", path, line);
      goto fail;
    }
    while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
      buf[--l] = 0;
    if (memchr(buf, 0, l) != NULL || strlen(buf) != l) {
      snprintf(err, errlen, "%s:%d: NUL byte", path, line);
      goto fail;
    }
    char *f[4];
    int nf = kt_split_fields(buf, f, 4);
    if (line == 1) {
      if (nf != 4 || strcmp(f[0], "file") || strcmp(f[1], "bwv") ||
          strcmp(f[2], "split_group") || strcmp(f[3], "split")) {
        snprintf(err, errlen,
                 "%s:1: bad header, expected 'file<TAB>bwv<TAB>split_group"
                 "<TAB>split'",
                 path);
        goto fail;
      }
      continue;
    }
    if (l == 0) continue;
    if (nf != 4) {
      snprintf(err, errlen, "%s:%d: %d fields, expected 4", path, line, nf);
      goto fail;
    }
    size_t fl = strlen(f[0]);
    if (fl == 0 || fl >= sizeof v->file || strchr(f[0], '/') || fl < 5 ||
        strcmp(f[0] + fl - 4, ".krn")) {
      snprintf(err, errlen, "%s:%d: bad file name '%.40s'", path, line, f[0]);
      goto fail;
    }
    if (strlen(f[1]) >= sizeof v->bwv) {
      snprintf(err, errlen, "%s:%d: bwv field too long", path, line);
      goto fail;
    }
    char *end;
    errno = 0;
    long g = strtol(f[2], &end, 10);
    if (errno || end == f[2] || *end || g < 0 || g > 1000000) {
      snprintf(err, errlen, "%s:%d: bad split_group '%.20s'", path, line, f[2]);
      goto fail;
    }
    int set = kt_split_set_from_name(f[3]);
    if (set < 0) {
      snprintf(err, errlen,
               "%s:%d: unknown split '%.20s' (train, valid or test)", path,
               line, f[3]);
      goto fail;
    }
    for (int i = 0; i < cnt; i++)
      if (!strcmp(v[i].file, f[0])) {
        snprintf(err, errlen, "%s:%d: %s listed twice", path, line, f[0]);
        goto fail;
      }
    if (cnt == cap) {
      int nc = cap ? cap * 2 : 512;
      kt_split_entry *nv = realloc(v, (size_t)nc * sizeof *v);
      if (!nv) {
        snprintf(err, errlen, "%s:%d: out of memory", path, line);
        goto fail;
      }
      v = nv;
      cap = nc;
    }
    kt_split_entry *e = &v[cnt++];
    memset(e, 0, sizeof *e);
    snprintf(e->file, sizeof e->file, "%s", f[0]);
    snprintf(e->bwv, sizeof e->bwv, "%s", f[1]);
    e->group = (int)g;
    e->set = set;
  }
  if (ferror(fp)) {
    snprintf(err, errlen, "%s:%d: read error", path, line);
    goto fail;
  }
  if (line == 0) {
    snprintf(err, errlen, "%s:0: empty file", path);
    goto fail;
  }
  fclose(fp);
  *out = v;
  *n = cnt;
  return 0;
fail:
  fclose(fp);
  free(v);
  return -1;
}
