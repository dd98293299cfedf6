/* tests/ui/xshot.c -- screenshot of the X display ($DISPLAY) to a PNG (the
 * Kantor UI's window only, when it is found), and
 * a look for the Kantor UI in it: the window is the bounding box of its
 * background colour; inside its roll area (ui/roll.h geometry) notes of
 * the melody and of each voice must show in their colours.
 *   xshot OUT.png [MIN]  exit 0: the roll shows each of the four parts on
 *                        at least MIN pixels (default 40), 1: not (yet),
 *                        2: no display / cannot write */
#include "roll.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BG 0x15171c /* ui/roll.c's background */

int main(int argc, char **argv)
{
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: xshot OUT.png [MIN]\n");
    return 2;
  }
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) {
    fprintf(stderr, "xshot: cannot open display\n");
    return 2;
  }
  Window root = DefaultRootWindow(dpy);
  XWindowAttributes wa;
  XGetWindowAttributes(dpy, root, &wa);
  XImage *im = XGetImage(dpy, root, 0, 0, (unsigned)wa.width,
                         (unsigned)wa.height, AllPlanes, ZPixmap);
  if (!im) {
    fprintf(stderr, "xshot: XGetImage failed\n");
    return 2;
  }
  int w = wa.width, h = wa.height;
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  uint8_t *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint32_t c = (uint32_t)XGetPixel(im, x, y) & 0xffffff;
      ((uint32_t *)(data + (size_t)y * (size_t)stride))[x] = c;
      if (c == BG) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  cairo_surface_mark_dirty(s);
  cairo_surface_t *png = s; /* the UI window when found, else the screen */
  if (x1 > x0 + 100 && y1 > y0 + 100) {
    png = cairo_image_surface_create(CAIRO_FORMAT_RGB24, x1 - x0 + 1,
                                     y1 - y0 + 1);
    cairo_t *cr = cairo_create(png);
    cairo_set_source_surface(cr, s, -x0, -y0);
    cairo_paint(cr);
    cairo_destroy(cr);
  }
  int rc =
      cairo_surface_write_to_png(png, argv[1]) == CAIRO_STATUS_SUCCESS ? 0 : 2;
  if (png != s) cairo_surface_destroy(png);
  if (rc) fprintf(stderr, "xshot: cannot write %s\n", argv[1]);
  long count[4] = {0, 0, 0, 0};
  if (!rc && x1 > x0 + 100 && y1 > y0 + 100) {
    double ww = x1 - x0 + 1, wh = y1 - y0 + 1, b[4];
    kt_roll_area(ww, wh, b);
    for (int y = y0 + (int)b[1]; y < y0 + b[1] + b[3]; ++y)
      for (int x = x0 + (int)b[0]; x < x0 + b[0] + b[2]; ++x) {
        uint32_t c = (uint32_t)XGetPixel(im, x, y) & 0xffffff;
        for (int k = 0; k < 4; ++k)
          count[k] += c == kt_roll_colour[k];
      }
    printf("UI window %dx%d at (%d,%d); roll pixels: melody %ld alto %ld "
           "tenor %ld bass %ld\n",
           x1 - x0 + 1, y1 - y0 + 1, x0, y0, count[0], count[1], count[2],
           count[3]);
  } else if (!rc) {
    printf("no Kantor UI on the screen\n");
  }
  XDestroyImage(im);
  XCloseDisplay(dpy);
  cairo_surface_destroy(s);
  if (rc) return rc;
  for (int k = 0; k < 4; ++k)
    if (count[k] < (argc == 3 ? atol(argv[2]) : 40)) return 1;
  return 0;
}
