/* demo/mkdemo.c -- writes demo/melody.mid, the demo melody: an original
 * 8-bar hymn-like tune in G major, 4/4, 80 quarter notes per minute,
 * written for Kantor (not from the Bach corpus; public domain / CC0).
 * Usage: mkdemo OUT.mid.  The test 'demo_melody' checks that the committed
 * demo/melody.mid is exactly what this program writes. */
#include "smf.h"

#include <stdio.h>

/* pitch, duration in eighths; 0 pitch = rest */
static const int tune[][2] = {
    /* 1 */ {67, 2}, {67, 2}, {69, 2}, {71, 2},
    /* 2 */ {72, 2}, {71, 2}, {69, 4},
    /* 3 */ {71, 2}, {74, 2}, {72, 2}, {71, 2},
    /* 4 */ {71, 2}, {69, 1}, {67, 1}, {69, 4},
    /* 5 */ {74, 2}, {72, 2}, {71, 2}, {69, 2},
    /* 6 */ {67, 2}, {69, 1}, {71, 1}, {72, 4},
    /* 7 */ {76, 2}, {74, 2}, {71, 2}, {69, 2},
    /* 8 */ {67, 8},
};

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: mkdemo OUT.mid\n");
    return 2;
  }
  const int div = 480;
  kt_smf s;
  kt_smf_init(&s, 1, div);
  kt_smf_track *t0 = kt_smf_add_track(&s);
  kt_smf_add_meta(t0, 0, 0x03, "Kantor demo", 11);
  kt_smf_add_tempo(t0, 0, 80);
  kt_smf_add_meter(t0, 0, 4, 4);
  kt_smf_add_meta(t0, 0, 0x59, "\x01\x00", 2); /* G major */
  kt_smf_track *t1 = kt_smf_add_track(&s);
  kt_smf_add_meta(t1, 0, 0x03, "Melody", 6);
  kt_smf_add_midi(t1, 0, 0xc0, 52, 0);
  uint32_t tick = 0;
  for (size_t i = 0; i < sizeof tune / sizeof tune[0]; ++i) {
    uint32_t d = (uint32_t)tune[i][1] * (uint32_t)div / 2;
    if (tune[i][0] > 0) {
      kt_smf_add_midi(t1, tick, 0x90, (uint8_t)tune[i][0], 80);
      kt_smf_add_midi(t1, tick + d, 0x80, (uint8_t)tune[i][0], 0);
    }
    tick += d;
  }
  char err[256];
  int r = kt_smf_write_file(&s, argv[1], err, sizeof err);
  kt_smf_free(&s);
  if (r < 0) {
    fprintf(stderr, "mkdemo: %s\n", err);
    return 1;
  }
  return 0;
}
