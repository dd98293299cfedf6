/* tools/score.h -- four voices laid out as a chorale is printed, shared by
 * the MusicXML writer (musicxml.h) and the LilyPond writer (lily.h): notes
 * on the sixteenth grid, measures from the meter map (a pickup bar when
 * every voice starts late in the first bar), each voice's notes and rests
 * split into written values (sixteenth .. dotted whole) that do not hide
 * the beat, tied across bar lines and beats, and pitches spelled in the
 * key (line of fifths: F# in D major, raised 6th and 7th as sharps or
 * naturals in minor).  Pure C, no I/O. */
#ifndef KT_SCORE_H
#define KT_SCORE_H

#include "drive.h"
#include <stddef.h>

#define KT_SC_MAXV 8 /* voices: one or two groups of S, A, T, B */

typedef struct {
  double start, dur; /* quarter notes */
  int pitch;         /* MIDI */
} kt_sc_note;

typedef struct {
  const char *title;    /* the piece (may be NULL) */
  int n_voices;         /* 4 or 8: soprano, alto, tenor, bass (x groups) */
  const char *group[2]; /* group labels ("Bach", "Kantor"), may be NULL */
  const kt_sc_note *notes[KT_SC_MAXV];
  int n[KT_SC_MAXV];
  const kt_meter *meter; /* none: 4/4 */
  int n_meter;
  const kt_tempo *tempo; /* none: bpm */
  int n_tempo;
  double bpm;
  int tonic, minor; /* key (tonic pitch class; -1: C major) */
  int use_fifths;   /* 1: the signature is fifths (e.g. a kern file's, for a
                       modal chorale), spelled as minor if minor */
  int fifths;
  int staves; /* per group: 2 (S+A, T+B) or 4 */
} kt_score;

/* One written note or rest. */
typedef struct {
  int pos, len;     /* sixteenths from the measure's nominal start (a pickup
                       bar's first note is not at 0), sixteenths */
  int pitch;        /* MIDI, or -1 rest */
  int tie_start;    /* tied to the next item of this voice */
  int tie_stop;     /* tied from the previous one */
  int measure_rest; /* the voice is silent the whole measure */
  int base, dots;   /* written value: base 1 (16th) .. 16 (whole), 0/1 dot */
} kt_sc_item;

typedef struct {
  int start, len; /* sixteenths, absolute; len may be short of the meter
                     (pickup, last bar) */
  int nominal;    /* sixteenths the meter gives a bar */
  int offset;     /* pos of the measure's first sixteenth (pickup: >0) */
  int num, den;
  int new_meter; /* 1: print the time signature */
  int number;    /* 0: the pickup */
  double tempo;  /* > 0: a tempo mark at its start (quarter notes/min; a
                    change inside a bar is marked at the bar) */
  kt_sc_item *it[KT_SC_MAXV];
  int n_it[KT_SC_MAXV];
} kt_sc_measure;

typedef struct {
  kt_sc_measure *m;
  int n_measures;
  int fifths, minor; /* key signature */
} kt_sc_layout;

/* Lays the score out; 0, or -1 (out of memory) with err. */
int kt_sc_layout_make(const kt_score *s, kt_sc_layout *out, char *err,
                      size_t errlen);
void kt_sc_layout_free(kt_sc_layout *l);

/* Key signature (-7..7) of a key; tonic < 0: C major (0). */
int kt_sc_fifths(int tonic, int minor);

/* A pitch spelled in the key signature: letter 0..6 (C..B), alter
 * -2..2, octave (MIDI 60 = C4). */
typedef struct {
  int letter, alter, octave;
} kt_sc_spelling;
kt_sc_spelling kt_sc_spell(int pitch, int fifths, int minor);

#endif
