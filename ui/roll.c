/* ui/roll.c -- the Kantor UI's picture and controls on a cairo_t (no X11;
 * see roll.h). */
#include "roll.h"

#include "harmony.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const uint32_t kt_roll_colour[4] = {0xd62728, 0x2ca02c, 0x1f77b4, 0x9467bd};

#define HEAD_H 34.0  /* title, key and chord */
#define CTL_H 44.0   /* the control strip at the bottom */
#define LABEL_W 34.0 /* pitch names left of the roll */
#define MARGIN 8.0
#define TEXT_X 110.0 /* the key / chord text starts here */
#define DEF_BAR 16   /* sixteenths per bar before any slice arrived */

/* ---- layout ---------------------------------------------------------------
 */

typedef enum {
  C_NONE = 0,
  C_TEMP,
  C_KEY,
  C_MODE,
  C_LOOK,
  C_ALTO,
  C_TENOR,
  C_BASS,
  C_RHYTHM,
  C_TIMING,
  C_STYLE,
  C_N
} ctl;

typedef struct {
  double x, y, w, h;
} rect;

typedef struct {
  rect roll, ctl[C_N];
} layout;

static const double ctl_w[C_N] = {0,  180, 112, 64,  104, 62,
                                  70, 62,  100, 100, 112};
static const char *const part_name[4] = {"Melody", "Alto", "Tenor", "Bass"};

static double clampd(double v, double lo, double hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

static layout get_layout(double w, double h)
{
  layout L;
  memset(&L, 0, sizeof L);
  double total = 0;
  for (int c = C_TEMP; c < C_N; ++c)
    total += ctl_w[c] + (c > C_TEMP ? MARGIN : 0);
  double s = clampd((w - 2 * MARGIN) / total, 0.1, 1.0);
  double x = MARGIN;
  for (int c = C_TEMP; c < C_N; ++c) {
    L.ctl[c] = (rect){x, h - CTL_H + 8, ctl_w[c] * s, CTL_H - 16};
    x += (ctl_w[c] + MARGIN) * s;
  }
  L.roll =
      (rect){LABEL_W, HEAD_H + 2, w - LABEL_W - MARGIN, h - HEAD_H - 2 - CTL_H};
  if (L.roll.w < 1) L.roll.w = 1;
  if (L.roll.h < 1) L.roll.h = 1;
  return L;
}

static int inside(const rect *r, double x, double y)
{
  return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

/* ---- state ----------------------------------------------------------------
 */

static const kt_slice_view *slot(const kt_roll *r, int64_t index)
{
  if (index < 0) return NULL;
  const kt_slice_view *s = &r->s[index & (KT_ROLL_HIST - 1)];
  return s->index == index ? s : NULL;
}

static void clear_slices(kt_roll *r)
{
  for (int i = 0; i < KT_ROLL_HIST; ++i)
    r->s[i].index = -1;
  r->last = -1;
}

void kt_roll_init(kt_roll *r)
{
  memset(r, 0, sizeof *r);
  clear_slices(r);
  r->key = -1;
  for (int p = 0; p < KT_NPARAMS; ++p)
    r->param[p] = kt_param_get_info((kt_param)p)->def;
}

void kt_roll_push(kt_roll *r, const kt_slice_view *v, int key, int chord)
{
  if (v->index < 0) return;
  if (r->last >= 0 && v->index + KT_ROLL_HIST / 2 < r->last)
    clear_slices(r); /* the plugin was reset: indices started again */
  r->s[v->index & (KT_ROLL_HIST - 1)] = *v;
  if (v->index >= r->last) {
    r->last = v->index;
    r->key = key;
    r->chord = chord;
  }
}

/* ---- what is shown --------------------------------------------------------
 */

typedef struct {
  int64_t start; /* first slice shown; the newest is the last one */
  int n;         /* slices shown */
  int64_t bar0;  /* a barline (start of the newest slice's bar) */
  int bar_len;
  int lo, hi; /* pitches shown */
} view;

static view get_view(const kt_roll *r)
{
  view v;
  v.bar_len = DEF_BAR;
  int64_t bar0 = 0;
  const kt_slice_view *cur = slot(r, r->last);
  if (cur) {
    if (cur->bar_len >= 1 && cur->bar_len <= KT_ROLL_HIST / KT_ROLL_BARS)
      v.bar_len = cur->bar_len;
    bar0 = r->last - (cur->bar_pos % v.bar_len);
  }
  v.n = KT_ROLL_BARS * v.bar_len;
  v.bar0 = bar0;
  v.start = (r->last >= 0 ? r->last + 1 : 0) - v.n;
  int lo = 128, hi = -1;
  for (int i = 0; i < v.n; ++i) {
    const kt_slice_view *s = slot(r, v.start + i);
    for (int k = 0; s && k < 4; ++k) {
      int p = s->pitch[k];
      if (p < 0 || p > 127) continue;
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
  }
  if (hi < 0) { /* nothing yet: the choir's range */
    lo = 40;
    hi = 81;
  }
  lo -= 2;
  hi += 2;
  while (hi - lo < 24) {
    --lo;
    ++hi;
  }
  v.lo = lo < 0 ? 0 : lo;
  v.hi = hi > 127 ? 127 : hi;
  return v;
}

static void cell_box(const layout *L, const view *v, int64_t index, int pitch,
                     double box[4])
{
  double cw = L->roll.w / v->n, rh = L->roll.h / (v->hi - v->lo + 1);
  box[0] = L->roll.x + (double)(index - v->start) * cw;
  box[1] = L->roll.y + (double)(v->hi - pitch) * rh;
  box[2] = cw;
  box[3] = rh;
}

int kt_roll_cell(const kt_roll *r, double w, double h, int64_t index, int pitch,
                 double box[4])
{
  layout L = get_layout(w, h);
  view v = get_view(r);
  if (index < v.start || index >= v.start + v.n || pitch < v.lo || pitch > v.hi)
    return 0;
  cell_box(&L, &v, index, pitch, box);
  return 1;
}

void kt_roll_text_box(double w, double h, double box[4])
{
  (void)h;
  box[0] = TEXT_X;
  box[1] = 0;
  box[2] = w - TEXT_X - MARGIN;
  box[3] = HEAD_H;
}

void kt_roll_area(double w, double h, double box[4])
{
  layout L = get_layout(w, h);
  box[0] = L.roll.x;
  box[1] = L.roll.y;
  box[2] = L.roll.w;
  box[3] = L.roll.h;
}

int kt_roll_control_box(double w, double h, kt_param p, double box[4])
{
  static const kt_param of[C_N] = {
      KT_NPARAMS,     KT_P_TEMPERATURE, KT_P_KEY,      KT_P_MODE,
      KT_P_LOOKAHEAD, KT_P_ALTO_ON,     KT_P_TENOR_ON, KT_P_BASS_ON,
      KT_P_RHYTHM,    KT_P_TIMING,      KT_P_STYLE};
  layout L = get_layout(w, h);
  for (int c = C_TEMP; c < C_N; ++c)
    if (of[c] == p) {
      box[0] = L.ctl[c].x;
      box[1] = L.ctl[c].y;
      box[2] = L.ctl[c].w;
      box[3] = L.ctl[c].h;
      return 1;
    }
  return 0;
}

/* ---- drawing --------------------------------------------------------------
 */

static void rgb(cairo_t *cr, uint32_t c)
{
  cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                       (c & 255) / 255.0);
}

static void fill_rect(cairo_t *cr, double x, double y, double w, double h,
                      uint32_t c)
{
  rgb(cr, c);
  cairo_rectangle(cr, x, y, w, h);
  cairo_fill(cr);
}

static void text(cairo_t *cr, double x, double y, double size, int bold,
                 uint32_t c, const char *s)
{
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD
                              : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  rgb(cr, c);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, s);
}

static int black_key(int p)
{
  int pc = p % 12;
  return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

static void draw_grid(cairo_t *cr, const layout *L, const view *v)
{
  const rect *R = &L->roll;
  double rh = R->h / (v->hi - v->lo + 1), cw = R->w / v->n;
  for (int p = v->lo; p <= v->hi; ++p) {
    double y = R->y + (v->hi - p) * rh;
    fill_rect(cr, R->x, y, R->w, rh, black_key(p) ? 0x1c1f26 : 0x242832);
  }
  cairo_set_line_width(cr, 1.0);
  for (int i = 0; i <= v->n; ++i) {
    int64_t k = v->start + i - v->bar0; /* sixteenths from a barline */
    int64_t in_bar = ((k % v->bar_len) + v->bar_len) % v->bar_len;
    if (in_bar % 4 != 0) continue;
    double x = floor(R->x + i * cw) + 0.5;
    rgb(cr, in_bar == 0 ? 0x8a92a2 : 0x363b47);
    cairo_move_to(cr, x, R->y);
    cairo_line_to(cr, x, R->y + R->h);
    cairo_stroke(cr);
  }
}

static void draw_notes(cairo_t *cr, const kt_roll *r, const layout *L,
                       const view *v)
{
  for (int part = 3; part >= 0; --part) { /* the melody on top */
    for (int i = 0; i < v->n; ++i) {
      const kt_slice_view *s = slot(r, v->start + i);
      if (!s) continue;
      int p = s->pitch[part];
      if (p < v->lo || p > v->hi) continue;
      double b[4];
      cell_box(L, v, s->index, p, b);
      double gap = ((s->onset >> part) & 1) ? clampd(b[2] * 0.15, 1, 3) : 0;
      double inset = b[3] > 4 ? 1 : 0;
      fill_rect(cr, b[0] + gap, b[1] + inset, b[2] - gap + 0.5,
                b[3] - 2 * inset, kt_roll_colour[part]);
    }
  }
  const kt_slice_view *cur = slot(r, r->last);
  if (cur) { /* the current slice */
    double b[4];
    cell_box(L, v, cur->index, v->hi, b);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.10);
    cairo_rectangle(cr, b[0], L->roll.y, b[2], L->roll.h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, b[0] + b[2], L->roll.y);
    cairo_line_to(cr, b[0] + b[2], L->roll.y + L->roll.h);
    cairo_stroke(cr);
  }
}

static void box(cairo_t *cr, const rect *b, uint32_t fill, int filled)
{
  double rad = 4;
  cairo_new_sub_path(cr);
  cairo_arc(cr, b->x + b->w - rad, b->y + rad, rad, -M_PI / 2, 0);
  cairo_arc(cr, b->x + b->w - rad, b->y + b->h - rad, rad, 0, M_PI / 2);
  cairo_arc(cr, b->x + rad, b->y + b->h - rad, rad, M_PI / 2, M_PI);
  cairo_arc(cr, b->x + rad, b->y + rad, rad, M_PI, 1.5 * M_PI);
  cairo_close_path(cr);
  rgb(cr, filled ? fill : 0x2a2e38);
  cairo_fill_preserve(cr);
  rgb(cr, 0x4a505e);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
}

static void label(cairo_t *cr, const rect *b, uint32_t c, const char *s)
{
  double size = clampd(b->h * 0.45, 6, 12);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t te;
  cairo_text_extents(cr, s, &te);
  text(cr, b->x + (b->w - te.x_advance) / 2, b->y + b->h / 2 + size * 0.35,
       size, 0, c, s);
}

static int iparam(const kt_roll *r, kt_param p)
{
  return (int)lroundf(r->param[p]);
}

static void draw_controls(cairo_t *cr, const kt_roll *r, const layout *L)
{
  char s[48], kn[32];
  const rect *t = &L->ctl[C_TEMP];
  box(cr, t, 0, 0);
  double frac = clampd(r->param[KT_P_TEMPERATURE] /
                           kt_param_get_info(KT_P_TEMPERATURE)->max,
                       0, 1);
  rect f = {t->x + 2, t->y + 2, (t->w - 4) * frac, t->h - 4};
  if (f.w > 0) fill_rect(cr, f.x, f.y, f.w, f.h, 0x6b5a2e);
  snprintf(s, sizeof s, "Temperature %.2f", r->param[KT_P_TEMPERATURE]);
  label(cr, t, 0xe8e8e8, s);

  int key = iparam(r, KT_P_KEY);
  box(cr, &L->ctl[C_KEY], 0, 0);
  kt_harmony_key_name(key + 12 * (iparam(r, KT_P_MODE) != 0), kn, sizeof kn);
  snprintf(s, sizeof s, "Key %s", key < 0 || key > 11 ? "auto" : kn);
  label(cr, &L->ctl[C_KEY], 0xe8e8e8, s);
  box(cr, &L->ctl[C_MODE], 0, 0);
  label(cr, &L->ctl[C_MODE], key < 0 ? 0x707684 : 0xe8e8e8,
        iparam(r, KT_P_MODE) ? "minor" : "major");
  box(cr, &L->ctl[C_LOOK], 0, 0);
  snprintf(s, sizeof s, "Lookahead %d", iparam(r, KT_P_LOOKAHEAD));
  label(cr, &L->ctl[C_LOOK], 0xe8e8e8, s);
  for (int h = 0; h < 3; ++h) {
    int on = iparam(r, (kt_param)(KT_P_ALTO_ON + h)) != 0;
    box(cr, &L->ctl[C_ALTO + h], kt_roll_colour[h + 1], on);
    label(cr, &L->ctl[C_ALTO + h], on ? 0xffffff : 0x8a92a2, part_name[h + 1]);
  }
  /* the inner voices' rhythm: free, or eighths at the fastest */
  box(cr, &L->ctl[C_RHYTHM], 0, 0);
  label(cr, &L->ctl[C_RHYTHM], 0xe8e8e8,
        iparam(r, KT_P_RHYTHM) ? "Eighths" : "Free rhythm");
  /* how late the melody comes in: Auto (learned) or fixed */
  box(cr, &L->ctl[C_TIMING], 0, 0);
  if (r->param[KT_P_TIMING] < 0)
    snprintf(s, sizeof s, "Timing auto");
  else
    snprintf(s, sizeof s, "Timing %d ms", iparam(r, KT_P_TIMING));
  label(cr, &L->ctl[C_TIMING], 0xe8e8e8, s);
  /* the harmony style: Plain, Balanced (the default) or Bach */
  box(cr, &L->ctl[C_STYLE], 0, 0);
  const char *st = kt_param_label(KT_P_STYLE, iparam(r, KT_P_STYLE));
  snprintf(s, sizeof s, "Style %s", st ? st : "?");
  label(cr, &L->ctl[C_STYLE], 0xe8e8e8, s);
}

void kt_roll_draw(const kt_roll *r, cairo_t *cr, double w, double h)
{
  layout L = get_layout(w, h);
  view v = get_view(r);
  cairo_save(cr);
  fill_rect(cr, 0, 0, w, h, 0x15171c);
  text(cr, MARGIN + 2, 23, 17, 1, 0xf0f0f0, "Kantor");
  char key[32], chord[16], s[80];
  kt_harmony_key_name(r->key, key, sizeof key);
  kt_harmony_chord_name(r->chord, chord, sizeof chord);
  snprintf(s, sizeof s, "Key: %s      Chord: %s", key, chord);
  text(cr, TEXT_X, 23, 15, 0, 0xe8e8e8, s);
  /* legend, right-aligned in the header */
  double x = w - MARGIN;
  for (int part = 3; part >= 0; --part) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    cairo_text_extents_t te;
    cairo_text_extents(cr, part_name[part], &te);
    x -= te.x_advance;
    if (x < TEXT_X + 260) break; /* no room: the key and chord come first */
    text(cr, x, 22, 11, 0, 0xc0c4cc, part_name[part]);
    x -= 14;
    fill_rect(cr, x, 13, 10, 10, kt_roll_colour[part]);
    x -= 10;
  }
  cairo_save(cr);
  cairo_rectangle(cr, L.roll.x, L.roll.y, L.roll.w, L.roll.h);
  cairo_clip(cr);
  draw_grid(cr, &L, &v);
  draw_notes(cr, r, &L, &v);
  cairo_restore(cr);
  /* pitch names sit left of the clip */
  for (int p = v.lo; p <= v.hi; ++p) {
    double rh = L.roll.h / (v.hi - v.lo + 1);
    if (p % 12 != 0 || rh * 0.9 < 6) continue;
    char name[16];
    snprintf(name, sizeof name, "C%d", p / 12 - 1);
    text(cr, 6, L.roll.y + (v.hi - p) * rh + rh * 0.5 + 4,
         clampd(rh * 0.9, 6, 11), 0, 0x9aa0ac, name);
  }
  draw_controls(cr, r, &L);
  cairo_restore(cr);
}

/* ---- input ----------------------------------------------------------------
 */

static int set(kt_roll *r, kt_param p, double v, kt_param *po, float *vo)
{
  const kt_param_info *pi = kt_param_get_info(p);
  v = clampd(v, pi->min, pi->max);
  if (pi->integer || pi->toggle) v = floor(v + 0.5);
  r->param[p] = (float)v;
  *po = p;
  *vo = (float)v;
  return 1;
}

/* Integer parameter one step up (dir 1) or down (-1); wrap at the ends. */
static int step(kt_roll *r, kt_param p, int dir, int wrap, kt_param *po,
                float *vo)
{
  const kt_param_info *pi = kt_param_get_info(p);
  int v = iparam(r, p) + dir, lo = (int)pi->min, hi = (int)pi->max;
  if (v > hi) v = wrap ? lo : hi;
  if (v < lo) v = wrap ? hi : lo;
  return set(r, p, v, po, vo);
}

static int temp_at(kt_roll *r, const rect *b, double x, kt_param *p, float *v)
{
  double frac = clampd((x - b->x - 2) / (b->w - 4), 0, 1);
  double t = kt_param_get_info(KT_P_TEMPERATURE)->max * frac;
  return set(r, KT_P_TEMPERATURE, floor(t * 100 + 0.5) / 100, p, v);
}

int kt_roll_press(kt_roll *r, double w, double h, double x, double y,
                  int button, kt_param *p, float *v)
{
  layout L = get_layout(w, h);
  int c = C_NONE;
  for (int i = C_TEMP; i < C_N; ++i)
    if (inside(&L.ctl[i], x, y)) c = i;
  int up = button == 1 || button == 4, wheel = button == 4 || button == 5;
  if (button != 1 && button != 3 && !wheel) return 0;
  switch (c) {
  case C_TEMP:
    if (wheel)
      return set(r, KT_P_TEMPERATURE,
                 r->param[KT_P_TEMPERATURE] + (up ? 0.05 : -0.05), p, v);
    if (button != 1) return 0;
    r->drag = C_TEMP;
    return temp_at(r, &L.ctl[C_TEMP], x, p, v);
  case C_KEY:
    return step(r, KT_P_KEY, up ? 1 : -1, !wheel, p, v);
  case C_LOOK:
    return step(r, KT_P_LOOKAHEAD, up ? 1 : -1, !wheel, p, v);
  case C_MODE:
    return set(r, KT_P_MODE, wheel ? (up ? 0 : 1) : !iparam(r, KT_P_MODE), p,
               v);
  case C_RHYTHM:
    return set(r, KT_P_RHYTHM, wheel ? (up ? 1 : 0) : !iparam(r, KT_P_RHYTHM),
               p, v);
  case C_TIMING: {
    /* click: Auto, then a host's usual lateness; wheel: 1 ms steps */
    static const int stops[] = {-1, 0, 16, 32, 48, 64, 96, 128};
    const int n = (int)(sizeof stops / sizeof stops[0]);
    int cur = iparam(r, KT_P_TIMING);
    if (wheel)
      return set(r, KT_P_TIMING, cur < 0 ? (up ? 0 : -1) : cur + (up ? 1 : -1),
                 p, v);
    int i = 0;
    while (i < n - 1 && stops[i] < cur)
      ++i;
    if (up)
      i = stops[i] > cur ? i : (i + 1) % n;
    else
      i = (i + n - 1) % n;
    return set(r, KT_P_TIMING, stops[i], p, v);
  }
  case C_STYLE: /* click: the next style, round; wheel: up or down */
    return step(r, KT_P_STYLE, up ? 1 : -1, !wheel, p, v);
  case C_ALTO:
  case C_TENOR:
  case C_BASS:
    if (wheel) return 0;
    return set(r, (kt_param)(KT_P_ALTO_ON + (c - C_ALTO)),
               !iparam(r, (kt_param)(KT_P_ALTO_ON + (c - C_ALTO))), p, v);
  default:
    return 0;
  }
}

int kt_roll_motion(kt_roll *r, double w, double h, double x, double y,
                   kt_param *p, float *v)
{
  (void)y;
  if (r->drag != C_TEMP) return 0;
  layout L = get_layout(w, h);
  return temp_at(r, &L.ctl[C_TEMP], x, p, v);
}

void kt_roll_release(kt_roll *r)
{
  r->drag = C_NONE;
}
