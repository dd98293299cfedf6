/* tools/args.c -- command-line value parsing (see args.h). */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int kt_arg_number(const char *s, double lo, double hi, int integral,
                  double *v)
{
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (errno || end == s || *end || !(x >= lo && x <= hi))
    return -1;
  if (integral && x != floor(x))
    return -1;
  *v = x;
  return 0;
}

int kt_arg_key(const char *s, int *tonic, int *minor)
{
  static const int pcs[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
  if (!strcmp(s, "auto")) {
    *tonic = -1;
    *minor = 0;
    return 0;
  }
  char c = s[0];
  if (!((c >= 'a' && c <= 'g') || (c >= 'A' && c <= 'G')))
    return -1;
  int lower = c >= 'a';
  int pc = pcs[lower ? c - 'a' : c - 'A'];
  const char *p = s + 1;
  if (*p == '#') {
    pc++;
    p++;
  } else if (*p == 'b' || *p == '-') {
    pc--;
    p++;
  }
  if (*p == ':')
    p++;
  if (!strcmp(p, "min") || !strcmp(p, "minor") || !strcmp(p, "m"))
    lower = 1;
  else if (!strcmp(p, "maj") || !strcmp(p, "major"))
    lower = 0;
  else if (*p)
    return -1;
  *tonic = (pc + 12) % 12;
  *minor = lower;
  return 0;
}

int kt_arg_choice(const char *s, const char *names)
{
  size_t n = strlen(s);
  for (int i = 0; *names; ++i) {
    const char *bar = strchr(names, '|');
    size_t len = bar ? (size_t)(bar - names) : strlen(names);
    if (len == n && !strncmp(s, names, n)) return i;
    if (!bar) break;
    names = bar + 1;
  }
  return -1;
}

int kt_arg_decode(const char *s)
{
  int r = kt_arg_choice(s, "plain|balanced|bach|classic|light|style");
  return r < 0 ? -1 : r % 3;
}
