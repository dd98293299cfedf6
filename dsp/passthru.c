/* dsp/passthru.c -- the melody's pass-through (engine_impl.h): each input
 * event goes out unchanged, delayed by the engine's latency in a queue of
 * KT_PT_QUEUE, and a bitset of the notes it let through keeps the output
 * well-formed and lets every one of them be released. */
#include "engine_impl.h"

#include <string.h>

static void pt_mark(kt_engine *e, const uint8_t d[3])
{
  int ch = d[0] & 15, st = d[0] & 0xF0;
  if (st == 0x90 && d[2] > 0)
    e->pt_on[ch][d[1] >> 3] |= (uint8_t)(1u << (d[1] & 7));
  else if (st == 0x80 || st == 0x90)
    e->pt_on[ch][d[1] >> 3] &= (uint8_t)~(1u << (d[1] & 7));
  else if (st == 0xB0 && (d[1] == 123 || d[1] == 120))
    memset(e->pt_on[ch], 0, sizeof e->pt_on[ch]);
}

static int pt_sounding(const kt_engine *e, int ch, int n)
{
  return (e->pt_on[ch][n >> 3] >> (n & 7)) & 1;
}

/* Every MIDI message that goes out unchanged from the input passes here:
 * note-ons of notes already sounding and note-offs of notes not sounding
 * are dropped, so the output stays well-formed whatever comes in. */
void kt_pt_emit(kt_engine *e, uint32_t frame, const uint8_t d[3],
                kt_out *out)
{
  int st = d[0] & 0xF0;
  int is_on = st == 0x90 && d[2] > 0;
  int ch = d[0] & 15, n = d[1] & 127;
  if (is_on && (pt_sounding(e, ch, n) || kt_voices_busy(&e->voices, ch, n)))
    return;
  if (!is_on && (st == 0x80 || st == 0x90) && !pt_sounding(e, ch, n))
    return;
  if (kt_out_push(out, frame, d[0], d[1], d[2], is_on ? KT_NGEN + 2 : 0))
    pt_mark(e, d);
  else if (is_on)
    out->dropped++;
}

void kt_pt_flush(kt_engine *e, uint32_t frame, kt_out *out)
{
  while (e->pt_n > 0) {
    kt_pt_emit(e, frame, e->ptq[e->pt_head].d, out);
    e->pt_head = (e->pt_head + 1) % KT_PT_QUEUE;
    e->pt_n--;
  }
}

void kt_pt_all_off(kt_engine *e, uint32_t frame, kt_out *out)
{
  kt_pt_flush(e, frame, out);
  for (int ch = 0; ch < 16; ++ch)
    for (int n = 0; n < 128; ++n)
      if (e->pt_on[ch][n >> 3] & (1u << (n & 7))) {
        uint8_t d[3] = {(uint8_t)(0x80 | ch), (uint8_t)n, 64};
        kt_pt_emit(e, frame, d, out);
      }
}

void kt_pt_due(kt_engine *e, int64_t until, kt_out *out)
{
  while (e->pt_n > 0 && e->ptq[e->pt_head].due < until) {
    int64_t f = e->ptq[e->pt_head].due - e->now;
    kt_pt_emit(e, (uint32_t)(f < 0 ? 0 : f), e->ptq[e->pt_head].d, out);
    e->pt_head = (e->pt_head + 1) % KT_PT_QUEUE;
    e->pt_n--;
  }
}

void kt_pt_send(kt_engine *e, uint32_t frame, const uint8_t d[3],
                kt_out *out)
{
  int st = d[0] & 0xF0;
  int is_on = st == 0x90 && d[2] > 0;
  if (!iparam(e, KT_P_PASSTHRU)) {
    /* Pass-through off: still release what it let through before. */
    if (!is_on && (st == 0x80 || st == 0x90))
      kt_pt_emit(e, frame, d, out);
    return;
  }
  uint32_t lat = engine_latency(e);
  if (lat == 0 && e->pt_n == 0) {
    kt_pt_emit(e, frame, d, out);
    return;
  }
  if (e->pt_n == KT_PT_QUEUE) { /* full: never lose it, send it now */
    kt_pt_emit(e, frame, d, out);
    return;
  }
  int64_t due = e->now + frame + lat;
  if (due < e->pt_last_due)
    due = e->pt_last_due;
  e->pt_last_due = due;
  kt_pt_event *q = &e->ptq[(e->pt_head + e->pt_n) % KT_PT_QUEUE];
  q->due = due;
  memcpy(q->d, d, 3);
  e->pt_n++;
}
