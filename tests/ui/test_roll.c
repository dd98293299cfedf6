/* tests/ui/test_roll.c -- the UI's picture without X11: the engine plays a
 * tune (free-running, 120 bpm), every decided slice goes into the roll as
 * the plugin's notify port would carry it (kt_engine_slice), and the roll
 * is drawn to an image (kept as $KANTOR_BUILD/ui-roll.png).  Checks: the
 * image is not blank, every note cell of the four parts shows its part's
 * colour, the key / chord text is drawn, other sizes draw too, a reset
 * plugin clears the roll, and the controls give the parameter changes the
 * shell writes to the ports. */
#include "../check.h"
#include "engine.h"
#include "roll.h"

#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RATE 48000.0
#define SIX 6000 /* frames per sixteenth at 120 bpm */
#define BLOCK 256

static const uint32_t BG = 0x15171c; /* the window background */

/* The engine plays `n16` sixteenths of a hymn tune; the roll gets every
 * decided slice. */
static void play(kt_roll *r, int n16)
{
  static const int pitch[] = {67, 67, 69, 71, 72, 71, 69, 67, 69, 71,
                              72, 74, 76, 74, 72, 71, 69, 67, 66, 67};
  static const int len[] = {4, 4, 4, 4, 8, 4, 4, 4, 2, 2,
                            4, 4, 8, 4, 4, 4, 4, 4, 4, 12};
  char err[256];
  kt_engine *e = kt_engine_new(RATE, BLOCK, err, sizeof err);
  CHECK(e != NULL, "%s", err);
  if (!e) exit(1);
  kt_engine_set_param(e, KT_P_BPM, 120);
  kt_midi_out store[512];
  kt_out out = {store, 0, 512, 0};
  int64_t start = 1000, end = start + (int64_t)n16 * SIX, t = 0;
  int64_t on_at[20], off_at[20], acc = start, sent = 0;
  for (int i = 0; i < 20; ++i) {
    on_at[i] = acc;
    acc += (int64_t)len[i] * SIX;
    off_at[i] = acc - 200;
  }
  while (t < end) {
    kt_event ev[8];
    uint32_t n = 0;
    for (int i = 0; i < 20; ++i) {
      if (on_at[i] >= t && on_at[i] < t + BLOCK && on_at[i] < end)
        ev[n++] = (kt_event){(uint32_t)(on_at[i] - t),
                             KT_EV_MIDI,
                             3,
                             {0x90, (uint8_t)pitch[i], 90},
                             {0}};
      if (off_at[i] >= t && off_at[i] < t + BLOCK && on_at[i] < end)
        ev[n++] = (kt_event){(uint32_t)(off_at[i] - t),
                             KT_EV_MIDI,
                             3,
                             {0x80, (uint8_t)pitch[i], 0},
                             {0}};
    }
    for (uint32_t a = 1; a < n; ++a) /* sort by frame */
      for (uint32_t b = a; b > 0 && ev[b].frame < ev[b - 1].frame; --b) {
        kt_event x = ev[b];
        ev[b] = ev[b - 1];
        ev[b - 1] = x;
      }
    out.n = 0;
    kt_engine_process(e, ev, n, BLOCK, &out);
    kt_engine_state st;
    kt_engine_get_state(e, &st);
    for (; sent < st.decided; ++sent) {
      kt_slice_view v;
      if (kt_engine_slice(e, sent, &v))
        kt_roll_push(r, &v, kt_engine_key(e), kt_engine_chord(e));
    }
    t += BLOCK;
  }
  kt_engine_free(e);
}

static uint32_t pixel(cairo_surface_t *s, double x, double y)
{
  int w = cairo_image_surface_get_width(s),
      h = cairo_image_surface_get_height(s);
  int ix = (int)x, iy = (int)y;
  if (ix < 0 || iy < 0 || ix >= w || iy >= h) return 0xffffffffu;
  const uint8_t *row = cairo_image_surface_get_data(s) +
                       (size_t)iy * (size_t)cairo_image_surface_get_stride(s);
  return ((const uint32_t *)row)[ix] & 0xffffff;
}

static cairo_surface_t *render(const kt_roll *r, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create(s);
  kt_roll_draw(r, cr, w, h);
  CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "cairo: %s",
        cairo_status_to_string(cairo_status(cr)));
  cairo_destroy(cr);
  cairo_surface_flush(s);
  return s;
}

/* Every visible note cell not shared with another part, except the
 * highlighted current slice, shows its part's colour at its centre.
 * Returns the cells checked per part in n[4]. */
static void check_cells(const kt_roll *r, cairo_surface_t *s, int w, int h,
                        int n[4])
{
  for (int k = 0; k < 4; ++k)
    n[k] = 0;
  int bad = 0;
  for (int64_t i = r->last - 200; i < r->last; ++i) {
    const kt_slice_view *v = &r->s[i & (KT_ROLL_HIST - 1)];
    if (i < 0 || v->index != i) continue;
    for (int k = 0; k < 4; ++k) {
      int p = v->pitch[k], shared = 0;
      for (int j = 0; j < 4; ++j)
        shared |= j != k && v->pitch[j] == p;
      double b[4];
      if (p < 0 || shared || !kt_roll_cell(r, w, h, i, p, b)) continue;
      uint32_t c = pixel(s, b[0] + b[2] * 0.6, b[1] + b[3] * 0.5);
      if (c != kt_roll_colour[k] && ++bad <= 5)
        fprintf(stderr, "slice %lld part %d pitch %d: colour %06x, not %06x\n",
                (long long)i, k, p, c, kt_roll_colour[k]);
      n[k] += c == kt_roll_colour[k];
    }
  }
  CHECK(bad == 0, "%d note cells in the wrong colour (%dx%d)", bad, w, h);
}

static void test_picture(const kt_roll *r)
{
  const int w = 760, h = 420;
  cairo_surface_t *s = render(r, w, h);
  /* not blank: many pixels off the background, many colours */
  long off_bg = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      off_bg += pixel(s, x, y) != BG;
  CHECK(off_bg > (long)w * h / 4, "only %ld pixels drawn", off_bg);
  int n[4];
  check_cells(r, s, w, h, n);
  for (int k = 0; k < 4; ++k)
    CHECK(n[k] >= 20, "part %d: %d note cells in its colour", k, n[k]);
  printf("note cells checked: melody %d alto %d tenor %d bass %d\n", n[0], n[1],
         n[2], n[3]);
  /* the key / chord text */
  double tb[4];
  kt_roll_text_box(w, h, tb);
  long ink = 0;
  for (int y = (int)tb[1]; y < tb[1] + tb[3]; ++y)
    for (int x = (int)tb[0]; x < tb[0] + tb[2] * 0.5; ++x)
      ink += pixel(s, x, y) != BG;
  CHECK(ink > 100, "key / chord text: %ld pixels", ink);
  CHECK(r->key >= 0, "no key detected after four bars");

  const char *dir = getenv("KANTOR_BUILD");
  char path[4096];
  snprintf(path, sizeof path, "%s/ui-roll.png", dir ? dir : ".");
  CHECK(cairo_surface_write_to_png(s, path) == CAIRO_STATUS_SUCCESS,
        "cannot write %s", path);
  printf("wrote %s\n", path);
  cairo_surface_destroy(s);

  /* other sizes: small (controls squeezed), large */
  const int sizes[][2] = {{320, 200}, {1600, 900}, {500, 700}};
  for (int i = 0; i < 3; ++i) {
    s = render(r, sizes[i][0], sizes[i][1]);
    check_cells(r, s, sizes[i][0], sizes[i][1], n);
    CHECK(n[0] > 0 && n[1] > 0 && n[2] > 0 && n[3] > 0,
          "%dx%d: a part is missing", sizes[i][0], sizes[i][1]);
    cairo_surface_destroy(s);
  }
}

static void test_reset(void)
{
  kt_roll r;
  kt_roll_init(&r);
  kt_slice_view v = {0, 0, 16, {60, 55, 52, 48}, 15};
  for (int i = 0; i < 300; ++i) {
    v.index = i;
    v.bar_pos = i % 16;
    kt_roll_push(&r, &v, 0, 1);
  }
  CHECK_EQ(r.last, 299);
  v.index = 250; /* a resend (UI opened): rewrites, last unchanged */
  kt_roll_push(&r, &v, 0, 1);
  CHECK_EQ(r.last, 299);
  v.index = 0; /* plugin re-activated: the old slices go */
  kt_roll_push(&r, &v, 0, 1);
  CHECK_EQ(r.last, 0);
  double b[4];
  CHECK(!kt_roll_cell(&r, 760, 420, 299, 60, b) ||
            r.s[299 & (KT_ROLL_HIST - 1)].index != 299,
        "slice 299 still shown after a reset");
  kt_roll empty;
  kt_roll_init(&empty);
  cairo_surface_t *s = render(&empty, 760, 420);
  cairo_surface_destroy(s);
}

static void click(kt_roll *r, kt_param which, double fx, int button,
                  kt_param *p, float *v, int *n)
{
  double b[4];
  *n = 0;
  if (!kt_roll_control_box(760, 420, which, b)) {
    CHECK(0, "no control for parameter %d", which);
    return;
  }
  *n = kt_roll_press(r, 760, 420, b[0] + b[2] * fx, b[1] + b[3] / 2, button, p,
                     v);
  kt_roll_release(r);
}

static void test_controls(void)
{
  kt_roll r;
  kt_roll_init(&r);
  kt_param p;
  float v;
  int n;
  const kt_param toggles[3] = {KT_P_ALTO_ON, KT_P_TENOR_ON, KT_P_BASS_ON};
  for (int h = 0; h < 3; ++h) {
    click(&r, toggles[h], 0.5, 1, &p, &v, &n);
    CHECK(n == 1 && p == toggles[h] && v == 0, "voice %d off", h);
    click(&r, toggles[h], 0.5, 1, &p, &v, &n);
    CHECK(n == 1 && p == toggles[h] && v == 1, "voice %d on again", h);
  }
  /* key: auto -> C -> C# ...; right click back; wraps around */
  click(&r, KT_P_KEY, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && p == KT_P_KEY && v == 0, "key after auto: %g", v);
  click(&r, KT_P_KEY, 0.5, 3, &p, &v, &n);
  click(&r, KT_P_KEY, 0.5, 3, &p, &v, &n);
  CHECK(n == 1 && v == 11, "key wraps to B: %g", v);
  click(&r, KT_P_MODE, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && p == KT_P_MODE && v == 1, "mode minor");
  click(&r, KT_P_RHYTHM, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && p == KT_P_RHYTHM && v == 1, "rhythm eighths: %g", v);
  click(&r, KT_P_RHYTHM, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && p == KT_P_RHYTHM && v == 0, "rhythm free again: %g", v);
  /* input timing: Auto, then 0, 16 ms ...; right click back; wheel 1 ms */
  r.param[KT_P_TIMING] = -1;
  click(&r, KT_P_TIMING, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && p == KT_P_TIMING && v == 0, "timing after auto: %g", v);
  click(&r, KT_P_TIMING, 0.5, 1, &p, &v, &n);
  CHECK(v == 16, "timing 16 ms: %g", v);
  click(&r, KT_P_TIMING, 0.5, 4, &p, &v, &n);
  CHECK(v == 17, "timing wheel up: %g", v);
  click(&r, KT_P_TIMING, 0.5, 3, &p, &v, &n);
  CHECK(v == 16, "timing right click down to 16: %g", v);
  click(&r, KT_P_TIMING, 0.5, 3, &p, &v, &n);
  click(&r, KT_P_TIMING, 0.5, 3, &p, &v, &n);
  CHECK(v == -1, "timing back to auto: %g", v);
  /* harmony style: Balanced (default) -> Bach -> Plain; right click back */
  CHECK(r.param[KT_P_STYLE] == 1, "style starts Balanced: %g",
        r.param[KT_P_STYLE]);
  click(&r, KT_P_STYLE, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && p == KT_P_STYLE && v == 2, "style Bach: %g", v);
  click(&r, KT_P_STYLE, 0.5, 1, &p, &v, &n);
  CHECK(n == 1 && v == 0, "style wraps to Plain: %g", v);
  click(&r, KT_P_STYLE, 0.5, 3, &p, &v, &n);
  CHECK(n == 1 && v == 2, "style right click back to Bach: %g", v);
  click(&r, KT_P_STYLE, 0.5, 5, &p, &v, &n);
  CHECK(n == 1 && v == 1, "style wheel down to Balanced: %g", v);
  for (int i = 0; i < 12; ++i)
    click(&r, KT_P_LOOKAHEAD, 0.5, 5, &p, &v, &n); /* wheel down: clamps */
  CHECK(n == 1 && p == KT_P_LOOKAHEAD && v == 0, "lookahead floor: %g", v);
  click(&r, KT_P_LOOKAHEAD, 0.5, 4, &p, &v, &n);
  CHECK(v == 1, "lookahead up: %g", v);
  /* temperature: a press at 3/4 of the slider, then a drag to the end */
  double b[4];
  kt_roll_control_box(760, 420, KT_P_TEMPERATURE, b);
  n = kt_roll_press(&r, 760, 420, b[0] + 2 + (b[2] - 4) * 0.75, b[1] + b[3] / 2,
                    1, &p, &v);
  CHECK(n == 1 && p == KT_P_TEMPERATURE && v > 1.45f && v < 1.55f,
        "temperature at 3/4: %g", v);
  n = kt_roll_motion(&r, 760, 420, b[0] + b[2] + 50, 0, &p, &v);
  CHECK(n == 1 && v == 2.0f, "temperature dragged past the end: %g", v);
  kt_roll_release(&r);
  n = kt_roll_motion(&r, 760, 420, b[0], 0, &p, &v);
  CHECK(n == 0, "motion after release changed %d", p);
  CHECK(r.param[KT_P_TEMPERATURE] == 2.0f, "roll keeps the value");
  /* the roll area itself is no control */
  n = kt_roll_press(&r, 760, 420, 380, 200, 1, &p, &v);
  CHECK(n == 0, "a click on the roll changed parameter %d", p);
}

int main(void)
{
  kt_roll r;
  kt_roll_init(&r);
  play(&r, 78); /* five bars: the last four are shown */
  CHECK(r.last >= 70, "only %lld slices decided", (long long)r.last);
  test_picture(&r);
  test_reset();
  test_controls();
  return kt_check_done("roll");
}
