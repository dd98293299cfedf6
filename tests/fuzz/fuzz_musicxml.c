/* tests/fuzz/fuzz_musicxml.c -- libFuzzer target: the MusicXML melody
 * reader rejects malformed files with a message naming the file; never
 * crashes.  A melody it accepts is laid out as a score (tools/score.h) and
 * each of its written values is checked: they fill every measure. */
#include "musicxml.h"
#include "score.h"
#include "smf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  kt_melody m;
  char err[512];
  err[0] = 0;
  if (kt_mxl_read_melody_mem((const char *)data, size, "fuzz.musicxml", 1, &m,
                             err, sizeof err) != 0) {
    if (!strstr(err, "fuzz.musicxml")) abort();
    return 0;
  }
  if (m.n_notes <= 0) abort();
  kt_sc_note *n = malloc(sizeof *n * (size_t)m.n_notes);
  if (!n) abort();
  double end = 0;
  for (int i = 0; i < m.n_notes; ++i) {
    n[i] = (kt_sc_note){m.notes[i].start, m.notes[i].dur, m.notes[i].pitch};
    if (m.notes[i].start + m.notes[i].dur > end)
      end = m.notes[i].start + m.notes[i].dur;
  }
  kt_score s;
  memset(&s, 0, sizeof s);
  s.n_voices = 4;
  s.notes[0] = n;
  s.n[0] = end < 5000 ? m.n_notes : 0; /* a long piece: the reader only */
  for (int v = 1; v < 4; ++v)
    s.notes[v] = n;
  s.meter = m.meter;
  s.n_meter = m.n_meter;
  s.tempo = m.tempo;
  s.n_tempo = m.n_tempo;
  s.bpm = 100;
  s.tonic = -1;
  s.staves = 2;
  kt_sc_layout L;
  if (kt_sc_layout_make(&s, &L, err, sizeof err) == 0) {
    for (int i = 0; i < L.n_measures; ++i) {
      int sum = 0;
      for (int k = 0; k < L.m[i].n_it[0]; ++k) {
        const kt_sc_item *it = &L.m[i].it[0][k];
        if (it->len != it->base * (it->dots ? 3 : 2) / 2 && !it->measure_rest)
          abort();
        sum += it->len;
      }
      if (sum != L.m[i].len) abort();
    }
    kt_sc_layout_free(&L);
  }
  free(n);
  kt_smf_free_melody(&m);
  return 0;
}
