/* tests/tools/xmlcheck.h -- a tiny well-formedness check for the SVGs we
 * write (balanced, properly nested tags; quoted attributes; no stray '<' or
 * '&'), plus xmllint --noout when it is installed.  Header-only, static. */
#ifndef KT_XMLCHECK_H
#define KT_XMLCHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 0 if well formed; else -1 with a message on stderr. */
static int kt_xml_check(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  static char buf[1 << 22];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char stack[64][32];
  int depth = 0, roots = 0;
  for (size_t i = 0; i < n; ++i) {
    if (buf[i] == '&') {
      if (!strncmp(buf + i, "&lt;", 4) || !strncmp(buf + i, "&gt;", 4) ||
          !strncmp(buf + i, "&amp;", 5) || !strncmp(buf + i, "&quot;", 6))
        continue;
      fprintf(stderr, "%s: byte %zu: bare '&'\n", path, i);
      return -1;
    }
    if (buf[i] != '<') continue;
    char *end = strchr(buf + i, '>');
    if (!end) {
      fprintf(stderr, "%s: byte %zu: unterminated tag\n", path, i);
      return -1;
    }
    if (buf[i + 1] == '?' || buf[i + 1] == '!') {
      i = (size_t)(end - buf);
      continue;
    }
    int closing = buf[i + 1] == '/';
    const char *nm = buf + i + 1 + closing;
    size_t nl = strcspn(nm, " \t\n/>");
    if (nl == 0 || nl >= 32) {
      fprintf(stderr, "%s: byte %zu: bad tag name\n", path, i);
      return -1;
    }
    int quotes = 0;
    for (const char *p = nm; p < end; ++p) {
      if (*p == '"') ++quotes;
      if (*p == '<') {
        fprintf(stderr, "%s: byte %zu: '<' inside a tag\n", path, i);
        return -1;
      }
    }
    if (quotes % 2) {
      fprintf(stderr, "%s: byte %zu: unbalanced quotes\n", path, i);
      return -1;
    }
    if (closing) {
      if (depth == 0 || strlen(stack[depth - 1]) != nl ||
          strncmp(stack[depth - 1], nm, nl)) {
        fprintf(stderr, "%s: byte %zu: mismatched </%.*s>\n", path, i, (int)nl,
                nm);
        return -1;
      }
      --depth;
    } else if (end[-1] != '/') {
      if (depth == 0) ++roots;
      if (depth == 64) return -1;
      memcpy(stack[depth], nm, nl);
      stack[depth++][nl] = 0;
    } else if (depth == 0) {
      ++roots;
    }
    i = (size_t)(end - buf);
  }
  if (depth != 0 || roots != 1) {
    fprintf(stderr, "%s: %d unclosed tags, %d root elements\n", path, depth,
            roots);
    return -1;
  }
  if (system("command -v xmllint >/dev/null 2>&1") == 0) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    if (system(cmd) != 0) {
      fprintf(stderr, "%s: xmllint rejects it\n", path);
      return -1;
    }
  }
  return 0;
}

#endif
