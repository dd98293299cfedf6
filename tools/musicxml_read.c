/* tools/musicxml_read.c -- a MusicXML melody in (see musicxml.h): a small
 * XML reader (a tree of elements with attributes and text; errors with the
 * line), then the part's measures: divisions, meters, tempo, notes, rests,
 * ties, backup/forward.  Every length and number is checked. */
#include "musicxml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (64L << 20) /* bytes */
#define MAX_DEPTH 256

/* ---- the XML tree ------------------------------------------------------ */

typedef struct {
  int name;              /* pool offset */
  int attr, n_attr;      /* first attribute index, count */
  int text;              /* pool offset of the first non-blank text, -1 */
  int first, next, last; /* children (indices), -1 */
  int line;
} xnode;

typedef struct {
  int name, value; /* pool offsets */
} xattr;

typedef struct {
  xnode *n;
  int nn, capn;
  xattr *a;
  int na, capa;
  char *pool;
  size_t np, capp;
  int oom;
} xdoc;

static void xdoc_free(xdoc *d)
{
  free(d->n);
  free(d->a);
  free(d->pool);
  memset(d, 0, sizeof *d);
}

/* Appends len bytes and a NUL to the pool; the offset, or -1. */
static int pool_add(xdoc *d, const char *s, size_t len)
{
  if (d->np + len + 1 > d->capp) {
    size_t cap = d->capp ? d->capp : 4096;
    while (cap < d->np + len + 1)
      cap *= 2;
    char *p = realloc(d->pool, cap);
    if (!p) {
      d->oom = 1;
      return -1;
    }
    d->pool = p;
    d->capp = cap;
  }
  if (d->np > (size_t)0x7fffffff - len - 1) {
    d->oom = 1;
    return -1;
  }
  int off = (int)d->np;
  memcpy(d->pool + d->np, s, len);
  d->pool[d->np + len] = 0;
  d->np += len + 1;
  return off;
}

static const char *S(const xdoc *d, int off)
{
  return off >= 0 ? d->pool + off : NULL;
}

typedef struct {
  const char *buf;
  size_t len, i;
  int line;
  char *err;
  size_t errlen;
  const char *name;
  const xdoc *doc; /* for the measure an error is in */
  const int *stack;
  int depth;
} xparser;

static int perr(xparser *p, const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *measure = NULL;
  for (int k = p->depth - 1; k >= 0 && !measure; --k) {
    const xnode *x = &p->doc->n[p->stack[k]];
    if (!strcmp(p->doc->pool + x->name, "measure"))
      for (int a = 0; a < x->n_attr && !measure; ++a)
        if (!strcmp(p->doc->pool + p->doc->a[x->attr + a].name, "number"))
          measure = p->doc->pool + p->doc->a[x->attr + a].value;
  }
  if (measure)
    snprintf(p->err, p->errlen, "%s: line %d (measure %s): malformed XML: %s",
             p->name, p->line, measure, msg);
  else
    snprintf(p->err, p->errlen, "%s: line %d: malformed XML: %s", p->name,
             p->line, msg);
  return -1;
}

static void adv(xparser *p, size_t k)
{
  for (size_t j = 0; j < k && p->i < p->len; ++j)
    if (p->buf[p->i++] == '\n') ++p->line;
}

static int starts(const xparser *p, const char *s)
{
  size_t l = strlen(s);
  return p->len - p->i >= l && !memcmp(p->buf + p->i, s, l);
}

/* Skips to just after the string s; -1 if it never comes. */
static int skip_past(xparser *p, const char *s, const char *what)
{
  size_t l = strlen(s);
  while (p->i < p->len) {
    if (p->len - p->i >= l && !memcmp(p->buf + p->i, s, l)) {
      adv(p, l);
      return 0;
    }
    adv(p, 1);
  }
  return perr(p, "%s not closed before the end of the file", what);
}

static int is_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == ':' ||
         c == '.' || (unsigned char)c >= 0x80;
}

static int is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decodes s[0..len) (entities) into the pool; the offset, or -1 (error). */
static int decode(xparser *p, xdoc *d, const char *s, size_t len)
{
  char *out = malloc(len + 1);
  if (!out) {
    d->oom = 1;
    return perr(p, "out of memory");
  }
  size_t k = 0;
  for (size_t i = 0; i < len; ++i) {
    if (s[i] != '&') {
      out[k++] = s[i];
      continue;
    }
    const char *semi = memchr(s + i, ';', len - i);
    if (!semi || semi - (s + i) > 12) {
      free(out);
      return perr(p, "a bare '&' (not an entity)");
    }
    size_t el = (size_t)(semi - (s + i)) + 1;
    static const char *const ent[5] = {"&lt;", "&gt;", "&amp;", "&quot;",
                                       "&apos;"};
    static const char ch[5] = {'<', '>', '&', '"', '\''};
    int done = 0;
    for (int e = 0; e < 5 && !done; ++e)
      if (el == strlen(ent[e]) && !memcmp(s + i, ent[e], el)) {
        out[k++] = ch[e];
        done = 1;
      }
    if (!done && el > 3 && s[i + 1] == '#') {
      char num[16];
      memcpy(num, s + i + 2, el - 3);
      num[el - 3] = 0;
      char *end;
      long v =
          num[0] == 'x' ? strtol(num + 1, &end, 16) : strtol(num, &end, 10);
      if (*end || v <= 0 || v > 0x10ffff) {
        free(out);
        return perr(p, "bad character reference '%.*s'", (int)el, s + i);
      }
      /* UTF-8 */
      if (v < 0x80) {
        out[k++] = (char)v;
      } else if (v < 0x800) {
        out[k++] = (char)(0xc0 | (v >> 6));
        out[k++] = (char)(0x80 | (v & 63));
      } else if (v < 0x10000) {
        out[k++] = (char)(0xe0 | (v >> 12));
        out[k++] = (char)(0x80 | ((v >> 6) & 63));
        out[k++] = (char)(0x80 | (v & 63));
      } else {
        out[k++] = (char)(0xf0 | (v >> 18));
        out[k++] = (char)(0x80 | ((v >> 12) & 63));
        out[k++] = (char)(0x80 | ((v >> 6) & 63));
        out[k++] = (char)(0x80 | (v & 63));
      }
      done = 1;
    }
    if (!done) {
      free(out);
      return perr(p, "unknown entity '%.*s'", (int)el, s + i);
    }
    i += el - 1;
  }
  int off = pool_add(d, out, k);
  free(out);
  if (off < 0) return perr(p, "out of memory");
  return off;
}

static int new_node(xdoc *d)
{
  if (d->nn == d->capn) {
    int cap = d->capn ? d->capn * 2 : 1024;
    xnode *n = realloc(d->n, sizeof *n * (size_t)cap);
    if (!n) {
      d->oom = 1;
      return -1;
    }
    d->n = n;
    d->capn = cap;
  }
  xnode *x = &d->n[d->nn];
  memset(x, 0, sizeof *x);
  x->text = x->first = x->next = x->last = -1;
  return d->nn++;
}

static int new_attr(xdoc *d, int name, int value)
{
  if (d->na == d->capa) {
    int cap = d->capa ? d->capa * 2 : 1024;
    xattr *a = realloc(d->a, sizeof *a * (size_t)cap);
    if (!a) {
      d->oom = 1;
      return -1;
    }
    d->a = a;
    d->capa = cap;
  }
  d->a[d->na] = (xattr){name, value};
  return d->na++;
}

/* Parses the document; the root node's index is 0.  0 or -1 with err. */
static int xml_parse(xparser *p, xdoc *d)
{
  int stack[MAX_DEPTH];
  int root_done = 0;
  p->depth = 0;
  p->doc = d;
  p->stack = stack;
  if (starts(p, "\xef\xbb\xbf")) adv(p, 3);
  while (p->i < p->len) {
    if (starts(p, "<?")) {
      if (skip_past(p, "?>", "a processing instruction") < 0) return -1;
    } else if (starts(p, "<!--")) {
      if (skip_past(p, "-->", "a comment") < 0) return -1;
    } else if (starts(p, "<![CDATA[")) {
      if (p->depth == 0) return perr(p, "CDATA outside the root element");
      adv(p, 9);
      size_t a = p->i;
      if (skip_past(p, "]]>", "a CDATA section") < 0) return -1;
      xnode *x = &d->n[stack[p->depth - 1]];
      if (x->text < 0) {
        x->text = pool_add(d, p->buf + a, p->i - 3 - a);
        if (x->text < 0) return perr(p, "out of memory");
      }
    } else if (starts(p, "<!DOCTYPE") || starts(p, "<!")) {
      /* a DOCTYPE, maybe with an internal subset [...] */
      int br = 0;
      while (p->i < p->len) {
        char c = p->buf[p->i];
        adv(p, 1);
        if (c == '[') ++br;
        if (c == ']') --br;
        if (c == '>' && br <= 0) break;
      }
    } else if (starts(p, "</")) {
      adv(p, 2);
      size_t a = p->i;
      while (p->i < p->len && is_name_char(p->buf[p->i]))
        adv(p, 1);
      size_t nl = p->i - a;
      while (p->i < p->len && is_space(p->buf[p->i]))
        adv(p, 1);
      if (p->i >= p->len || p->buf[p->i] != '>')
        return perr(p, "unterminated closing tag");
      adv(p, 1);
      if (p->depth == 0)
        return perr(p, "closing tag </%.*s> with nothing open", (int)nl,
                    p->buf + a);
      const char *open = S(d, d->n[stack[p->depth - 1]].name);
      if (strlen(open) != nl || memcmp(open, p->buf + a, nl))
        return perr(p, "</%.*s> closes <%s> (opened on line %d)", (int)nl,
                    p->buf + a, open, d->n[stack[p->depth - 1]].line);
      if (--p->depth == 0) root_done = 1;
    } else if (p->buf[p->i] == '<') {
      adv(p, 1);
      size_t a = p->i;
      while (p->i < p->len && is_name_char(p->buf[p->i]))
        adv(p, 1);
      if (p->i == a) return perr(p, "a '<' that starts no tag");
      if (root_done) return perr(p, "a second root element");
      if (p->depth == MAX_DEPTH)
        return perr(p, "elements nested deeper than %d", MAX_DEPTH);
      int k = new_node(d);
      if (k < 0) return perr(p, "out of memory");
      xnode *x = &d->n[k];
      x->line = p->line;
      x->name = pool_add(d, p->buf + a, p->i - a);
      x->attr = d->na;
      if (x->name < 0) return perr(p, "out of memory");
      if (p->depth > 0) {
        xnode *par = &d->n[stack[p->depth - 1]];
        if (par->last >= 0)
          d->n[par->last].next = k;
        else
          par->first = k;
        par->last = k;
      }
      int self_close = 0;
      for (;;) {
        while (p->i < p->len && is_space(p->buf[p->i]))
          adv(p, 1);
        if (p->i >= p->len) return perr(p, "unterminated tag");
        if (starts(p, "/>")) {
          adv(p, 2);
          self_close = 1;
          break;
        }
        if (p->buf[p->i] == '>') {
          adv(p, 1);
          break;
        }
        size_t an = p->i;
        while (p->i < p->len && is_name_char(p->buf[p->i]))
          adv(p, 1);
        size_t anl = p->i - an;
        if (anl == 0) return perr(p, "unexpected '%c' in a tag", p->buf[p->i]);
        while (p->i < p->len && is_space(p->buf[p->i]))
          adv(p, 1);
        if (p->i >= p->len || p->buf[p->i] != '=')
          return perr(p, "attribute '%.*s' without a value", (int)anl,
                      p->buf + an);
        adv(p, 1);
        while (p->i < p->len && is_space(p->buf[p->i]))
          adv(p, 1);
        if (p->i >= p->len || (p->buf[p->i] != '"' && p->buf[p->i] != '\''))
          return perr(p, "attribute '%.*s': value not quoted", (int)anl,
                      p->buf + an);
        char q = p->buf[p->i];
        adv(p, 1);
        size_t va = p->i;
        while (p->i < p->len && p->buf[p->i] != q) {
          if (p->buf[p->i] == '<') return perr(p, "'<' in an attribute value");
          adv(p, 1);
        }
        if (p->i >= p->len) return perr(p, "unterminated attribute value");
        int nameo = pool_add(d, p->buf + an, anl);
        int valo = decode(p, d, p->buf + va, p->i - va);
        adv(p, 1);
        if (nameo < 0 || valo < 0) return -1;
        if (new_attr(d, nameo, valo) < 0) return perr(p, "out of memory");
        d->n[k].n_attr++;
      }
      if (self_close) {
        if (p->depth == 0) root_done = 1;
      } else {
        stack[p->depth++] = k;
      }
    } else {
      size_t a = p->i;
      while (p->i < p->len && p->buf[p->i] != '<')
        adv(p, 1);
      size_t e = p->i, b = a;
      while (b < e && is_space(p->buf[b]))
        ++b;
      while (e > b && is_space(p->buf[e - 1]))
        --e;
      if (b == e) continue;
      if (p->depth == 0) return perr(p, "text outside the root element");
      int t = decode(p, d, p->buf + b, e - b);
      if (t < 0) return -1;
      xnode *x = &d->n[stack[p->depth - 1]];
      if (x->text < 0) x->text = t;
    }
  }
  if (p->depth > 0)
    return perr(p, "the file ends inside <%s> (opened on line %d)",
                S(d, d->n[stack[p->depth - 1]].name),
                d->n[stack[p->depth - 1]].line);
  if (d->nn == 0) return perr(p, "no root element");
  return 0;
}

static const char *xname(const xdoc *d, int k)
{
  return S(d, d->n[k].name);
}

static const char *xattr_get(const xdoc *d, int k, const char *name)
{
  for (int i = 0; i < d->n[k].n_attr; ++i)
    if (!strcmp(S(d, d->a[d->n[k].attr + i].name), name))
      return S(d, d->a[d->n[k].attr + i].value);
  return NULL;
}

/* The first child named name, or -1. */
static int xchild(const xdoc *d, int k, const char *name)
{
  for (int c = d->n[k].first; c >= 0; c = d->n[c].next)
    if (!strcmp(xname(d, c), name)) return c;
  return -1;
}

static const char *xchild_text(const xdoc *d, int k, const char *name)
{
  int c = xchild(d, k, name);
  return c >= 0 ? S(d, d->n[c].text) : NULL;
}

/* ---- the melody -------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *measure; /* the current measure's number */
  char *err;
  size_t errlen;
} mctx;

static int merr(mctx *c, const char *fmt, ...)
{
  char msg[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->measure)
    snprintf(c->err, c->errlen, "%s: measure %s: %s", c->name, c->measure, msg);
  else
    snprintf(c->err, c->errlen, "%s: %s", c->name, msg);
  return -1;
}

/* A number from an element's text; 0 or -1. */
static int num_of(const char *s, double lo, double hi, double *v)
{
  if (!s) return -1;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  while (*end == ' ')
    ++end;
  if (errno || end == s || *end || !(x >= lo && x <= hi)) return -1;
  *v = x;
  return 0;
}

typedef struct {
  kt_mnote *v;
  int n, cap;
  kt_tempo *t;
  int nt, capt;
  kt_meter *m;
  int nm, capm;
} mbuf;

static int grow(void **p, int *cap, int n, size_t el)
{
  if (n < *cap) return 0;
  int c = *cap ? *cap * 2 : 64;
  void *q = realloc(*p, el * (size_t)c);
  if (!q) return -1;
  *p = q;
  *cap = c;
  return 0;
}

static int read_part(const xdoc *d, int part, int part_no, mctx *c,
                     kt_melody *m)
{
  mbuf b = {0};
  int ret = -1;
#define FAIL(...)                                                              \
  do {                                                                         \
    merr(c, __VA_ARGS__);                                                      \
    goto fail;                                                                 \
  } while (0)
  double divisions = 0, t0 = 0; /* measure start, quarter notes */
  int num = 4, den = 4, have_meter = 0;
  double first_len = -1, first_nominal = 0;
  int first_implicit = 0, n_measures = 0;
  const char *voice0 = NULL;
  double metronome = 0;
  int tie_open = 0; /* the last note wants the next one */
  for (int ms = d->n[part].first; ms >= 0; ms = d->n[ms].next) {
    if (strcmp(xname(d, ms), "measure")) continue;
    c->measure = xattr_get(d, ms, "number");
    if (!c->measure) c->measure = "?";
    double pos = 0, maxpos = 0, maxnote = 0;
    int after_backup = 0;
    for (int e = d->n[ms].first; e >= 0; e = d->n[e].next) {
      const char *en = xname(d, e);
      double v;
      if (!strcmp(en, "attributes")) {
        const char *dv = xchild_text(d, e, "divisions");
        if (dv) {
          if (num_of(dv, 1, 1e6, &divisions) < 0)
            FAIL("<divisions> '%s' is not a number 1..1000000", dv);
        }
        int tm = xchild(d, e, "time");
        if (tm >= 0) {
          const char *bt = xchild_text(d, tm, "beats");
          const char *bu = xchild_text(d, tm, "beat-type");
          double nb, nu;
          if (xchild(d, tm, "senza-misura") >= 0)
            FAIL("a time signature without meter (senza misura)");
          if (num_of(bt, 1, 64, &nb) < 0 || nb != floor(nb) ||
              num_of(bu, 1, 64, &nu) < 0 || nu != floor(nu))
            FAIL("time signature '%s/%s' is not supported (one "
                 "whole number over another)",
                 bt ? bt : "?", bu ? bu : "?");
          if ((int)nb != num || (int)nu != den || !have_meter) {
            if (grow((void **)&b.m, &b.capm, b.nm, sizeof *b.m) < 0) goto oom;
            b.m[b.nm++] = (kt_meter){t0 + pos, (int)nb, (int)nu};
            num = (int)nb;
            den = (int)nu;
            have_meter = 1;
          }
        }
      } else if (!strcmp(en, "direction") || !strcmp(en, "sound")) {
        int snd = !strcmp(en, "sound") ? e : xchild(d, e, "sound");
        const char *tp = snd >= 0 ? xattr_get(d, snd, "tempo") : NULL;
        if (tp) {
          if (num_of(tp, 1, 1000, &v) < 0)
            FAIL("tempo '%s' is not a number 1..1000", tp);
          if (grow((void **)&b.t, &b.capt, b.nt, sizeof *b.t) < 0) goto oom;
          b.t[b.nt++] = (kt_tempo){t0 + pos, v};
        } else if (snd < 0 && metronome == 0) {
          int dt = xchild(d, e, "direction-type");
          int mt = dt >= 0 ? xchild(d, dt, "metronome") : -1;
          const char *unit = mt >= 0 ? xchild_text(d, mt, "beat-unit") : NULL;
          const char *pm = mt >= 0 ? xchild_text(d, mt, "per-minute") : NULL;
          if (unit && pm && num_of(pm, 1, 1000, &v) == 0) {
            double q = !strcmp(unit, "half")      ? 2
                       : !strcmp(unit, "eighth")  ? 0.5
                       : !strcmp(unit, "whole")   ? 4
                       : !strcmp(unit, "quarter") ? 1
                                                  : 0;
            if (xchild(d, mt, "beat-unit-dot") >= 0) q *= 1.5;
            metronome = q * v;
          }
        }
      } else if (!strcmp(en, "backup") || !strcmp(en, "forward")) {
        if (divisions <= 0) FAIL("<%s> before <divisions> is known", en);
        if (num_of(xchild_text(d, e, "duration"), 0, 1e9, &v) < 0)
          FAIL("<%s> without a valid <duration>", en);
        pos += (en[0] == 'b' ? -v : v) / divisions;
        if (pos < -1e-9)
          FAIL("<backup> goes back past the start of the measure");
        if (en[0] == 'b') after_backup = 1;
        if (pos > maxpos) maxpos = pos;
      } else if (!strcmp(en, "note")) {
        if (xchild(d, e, "grace") >= 0 || xchild(d, e, "cue") >= 0) continue;
        if (xchild(d, e, "chord") >= 0)
          FAIL("a chord (several notes at once) in the melody "
               "part: the melody must be one voice");
        if (xchild(d, e, "time-modification") >= 0)
          FAIL("a tuplet (<time-modification>): tuplets are not "
               "supported");
        if (divisions <= 0) FAIL("a note before <divisions>");
        if (num_of(xchild_text(d, e, "duration"), 0, 1e9, &v) < 0)
          FAIL("a note without a valid <duration>");
        double dur = v / divisions;
        int is_rest = xchild(d, e, "rest") >= 0;
        const char *voice = xchild_text(d, e, "voice");
        int other_voice = voice && voice0 && strcmp(voice, voice0);
        if (!is_rest && other_voice)
          FAIL("several voices in the part (voice %s and voice "
               "%s): the melody must be one voice (choose another "
               "part with --part N)",
               voice0, voice);
        if (!is_rest && after_backup && pos < maxnote - 1e-9)
          FAIL("notes over other notes (after a <backup>): the "
               "melody must be one voice");
        if (!is_rest) {
          if (voice && !voice0) voice0 = voice;
          int pt = xchild(d, e, "pitch");
          if (pt < 0)
            FAIL("a note with neither <pitch> nor <rest> "
                 "(unpitched notes are not a melody)");
          const char *step = xchild_text(d, pt, "step");
          double alter = 0, octave;
          const char *at = xchild_text(d, pt, "alter");
          static const int semi[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
          if (!step || step[0] < 'A' || step[0] > 'G' || step[1])
            FAIL("a pitch with step '%s'", step ? step : "");
          if (at && (num_of(at, -2, 2, &alter) < 0 || alter != floor(alter)))
            FAIL("alter '%s': only whole semitones -2..2", at);
          if (num_of(xchild_text(d, pt, "octave"), 0, 9, &octave) < 0)
            FAIL("a pitch without a valid <octave> 0..9");
          int p = (int)octave * 12 + 12 + semi[step[0] - 'A'] + (int)alter;
          if (p < 0 || p > 127) FAIL("pitch %d out of MIDI", p);
          int tie_stop = 0, tie_start = 0;
          for (int t = d->n[e].first; t >= 0; t = d->n[t].next)
            if (!strcmp(xname(d, t), "tie")) {
              const char *ty = xattr_get(d, t, "type");
              if (ty && !strcmp(ty, "stop")) tie_stop = 1;
              if (ty && !strcmp(ty, "start")) tie_start = 1;
            }
          double start = t0 + pos;
          kt_mnote *last = b.n ? &b.v[b.n - 1] : NULL;
          if (tie_stop && tie_open && last && last->pitch == p &&
              fabs(last->start + last->dur - start) < 1e-6) {
            last->dur += dur; /* the tied continuation */
          } else if (dur > 0) {
            if (grow((void **)&b.v, &b.cap, b.n, sizeof *b.v) < 0) goto oom;
            b.v[b.n++] = (kt_mnote){start, dur, p, 80, 0};
          }
          tie_open = tie_start;
          if (pos + dur > maxnote) maxnote = pos + dur;
        } else if (!other_voice) {
          tie_open = 0;
        }
        pos += dur;
        if (pos > maxpos) maxpos = pos;
      }
    }
    double nominal = num * 4.0 / den;
    double len = maxpos > 1e-9 ? maxpos : nominal;
    if (n_measures++ == 0) {
      first_len = len;
      first_nominal = nominal;
      const char *im = xattr_get(d, ms, "implicit");
      first_implicit = im && !strcmp(im, "yes");
    }
    t0 += len;
    if (t0 > 1e6) FAIL("the piece is longer than a million beats");
  }
  c->measure = NULL;
  if (b.n == 0) {
    merr(c, "no notes in part %d", part_no);
    goto fail;
  }
  /* a pickup: moved so that it ends on the first barline */
  double shift = 0;
  if (first_len > 0 && first_len < first_nominal - 1e-9 &&
      (first_implicit || n_measures > 1))
    shift = first_nominal - first_len;
  for (int i = 0; i < b.n; ++i)
    b.v[i].start += shift;
  for (int i = 0; i < b.nt; ++i)
    b.t[i].at = b.t[i].at > 0 ? b.t[i].at + shift : 0;
  for (int i = 0; i < b.nm; ++i)
    b.m[i].at = b.m[i].at > 0 ? b.m[i].at + shift : 0;
  if (b.nt == 0 && metronome > 0) {
    if (grow((void **)&b.t, &b.capt, 0, sizeof *b.t) < 0) goto oom;
    b.t[b.nt++] = (kt_tempo){0, metronome};
  }
  m->notes = b.v;
  m->n_notes = b.n;
  m->tempo = b.t;
  m->n_tempo = b.nt;
  m->meter = b.m;
  m->n_meter = b.nm;
  m->end = t0 + shift;
  return 0;
oom:
  c->measure = NULL;
  merr(c, "out of memory");
fail:
  free(b.v);
  free(b.t);
  free(b.m);
  return ret;
#undef FAIL
}

int kt_mxl_read_melody_mem(const char *buf, size_t len, const char *name,
                           int part, kt_melody *m, char *err, size_t errlen)
{
  memset(m, 0, sizeof *m);
  if (len >= 4 && !memcmp(buf, "PK\3\4", 4)) {
    snprintf(err, errlen,
             "%s: a compressed MusicXML file (.mxl, a zip archive) is not "
             "read: export uncompressed MusicXML (.musicxml), or unzip it "
             "and give the score file inside",
             name);
    return -1;
  }
  if (len >= 2 &&
      ((unsigned char)buf[0] == 0xff || (unsigned char)buf[0] == 0xfe) &&
      ((unsigned char)buf[1] == 0xfe || (unsigned char)buf[1] == 0xff)) {
    snprintf(err, errlen,
             "%s: a UTF-16 file is not read: save the MusicXML as UTF-8", name);
    return -1;
  }
  xdoc d;
  memset(&d, 0, sizeof d);
  xparser p = {buf, len, 0, 1, err, errlen, name, NULL, NULL, 0};
  if (xml_parse(&p, &d) < 0) {
    xdoc_free(&d);
    return -1;
  }
  mctx c = {name, NULL, err, errlen};
  int ret = -1;
  const char *root = xname(&d, 0);
  if (!strcmp(root, "score-timewise")) {
    merr(&c, "a score-timewise MusicXML file is not read: export it as "
             "(partwise) MusicXML");
  } else if (strcmp(root, "score-partwise")) {
    merr(&c,
         "not a MusicXML score: the root element is <%s>, not "
         "<score-partwise>",
         root);
  } else {
    int k = 0, pt = -1;
    for (int e = d.n[0].first; e >= 0; e = d.n[e].next)
      if (!strcmp(xname(&d, e), "part") && ++k == part) pt = e;
    if (pt < 0) {
      if (k == 0)
        merr(&c, "no <part> in the score");
      else
        merr(&c, "no part %d: the score has %d part%s", part, k,
             k == 1 ? "" : "s");
    } else if (read_part(&d, pt, part, &c, m) == 0) {
      ret = 0;
    }
  }
  xdoc_free(&d);
  return ret;
}

int kt_mxl_read_melody(const char *path, int part, kt_melody *m, char *err,
                       size_t errlen)
{
  memset(m, 0, sizeof *m);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= (size_t)MAX_FILE) {
        free(buf);
        fclose(f);
        snprintf(err, errlen, "%s: larger than %ld MB: not a melody", path,
                 MAX_FILE >> 20);
        return -1;
      }
      cap = cap ? cap * 2 : 65536;
      char *nb = realloc(buf, cap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int rerr = ferror(f), saved = errno;
  fclose(f);
  if (rerr) {
    free(buf);
    snprintf(err, errlen, "%s: read error: %s", path, strerror(saved));
    return -1;
  }
  if (n == 0) {
    free(buf);
    snprintf(err, errlen, "%s: empty file", path);
    return -1;
  }
  int r = kt_mxl_read_melody_mem(buf, n, path, part, m, err, errlen);
  free(buf);
  return r;
}
