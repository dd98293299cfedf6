/* nn/chorale.h -- the chorale representation shared by the corpus reader, the
 * trainer, the evaluator and the tests: four voices at sixteenth-note
 * resolution, bar positions, key.  Pure C, no LV2, no I/O.            */
#ifndef KT_CHORALE_H
#define KT_CHORALE_H

#include "harmony.h"
#include "satb.h"

#include <stddef.h>
#include <stdint.h>

/* Modes as written in the kern key labels (*G:, *a:, *g:dor, ...). */
enum kt_mode {
  KT_MAJOR = 0,
  KT_MINOR = 1,
  KT_DORIAN = 2,
  KT_PHRYGIAN = 3,
  KT_MIXOLYDIAN = 4,
  KT_NMODES = 5
};

/* Major-like (0) or minor-like (1): what the nets see. */
static inline int kt_mode_family(int mode)
{
  return (mode == KT_MINOR || mode == KT_DORIAN || mode == KT_PHRYGIAN) ? 1 : 0;
}

/* One voice at one sixteenth slice. */
typedef struct {
  int8_t pitch;  /* MIDI pitch 0..127, or KT_REST */
  uint8_t onset; /* 1: a note (or rest) starts here; 0: held from before */
} kt_slice;

typedef struct {
  int lo, hi;          /* lowest and highest MIDI pitch sounding */
  int n_notes;         /* notes (a tied chain counts once) */
  int n_rests;         /* rest tokens */
  int n_ties;          /* tie continuations joined to a previous note */
  int n_sixteenths;    /* notes or rests of sixteenth duration */
  int n_32nds;         /* 32nd notes (off the grid; the one at the slice start wins) */
  int n_fermatas;
} kt_voice_stats;

typedef struct {
  char name[64];       /* file name without directory, e.g. "chor155.krn" */
  int n_slices;
  kt_slice *v[KT_NVOICES]; /* v[voice][slice] */
  uint8_t *bar_pos;    /* sixteenths since the last barline (pickups: counted so
                          the bar ends on its full length, e.g. a 1-beat pickup
                          in 4/4 starts at 12) */
  uint8_t *bar_len;    /* sixteenths in the current bar's meter (12, 16, 24) */
  uint8_t *fermata;    /* 1 where any voice has a fermata note starting */
  int tonic;           /* pitch class 0..11 of the key label (C = 0) */
  int mode;            /* enum kt_mode */
  int key_sig;         /* sharps > 0, flats < 0 */
  int meter_num, meter_den;   /* first meter of the piece */
  int n_meter_changes;        /* later *M lines that change the meter */
  kt_voice_stats stats[KT_NVOICES];
} kt_chorale;

/* Declared voice ranges (inclusive MIDI pitches). */
typedef struct {
  int lo[KT_NVOICES], hi[KT_NVOICES];
} kt_ranges;

/* Corpus-wide ranges (the reader's figures over all 333 files). */
extern const kt_ranges kt_chorale_ranges;

/* Read a kern chorale.  Returns 0 on success; on error returns -1 and
 * writes "FILE:LINE: message" into err.  Never crashes on bad input. */
int kt_kern_read(const char *path, kt_chorale *out, char *err, size_t errlen);
int kt_kern_parse(const char *text, size_t len, const char *name,
                  kt_chorale *out, char *err, size_t errlen);
void kt_chorale_free(kt_chorale *c);
int kt_chorale_copy(const kt_chorale *src, kt_chorale *dst);

/* Shift every pitch by semis.  Returns the number of (voice, note) pitches
 * that fall outside ranges (if ranges != NULL); pitches are shifted anyway
 * (never clamped) and the caller decides what to do.  Returns -1 and
 * changes nothing if a pitch would leave MIDI 0..127.  Also moves tonic,
 * key_sig (kept in -6..+5) and stats lo/hi. */
int kt_chorale_transpose(kt_chorale *c, int semis, const kt_ranges *ranges);

/* kt_harmony_key_shift_to_c(tonic): nn/harmony.h */

/* Back from slices to notes (for round-trip tests and MIDI export). */
typedef struct {
  int voice, start, len; /* in slices */
  int pitch;             /* MIDI pitch */
} kt_note;
/* Returns number of notes written (up to cap); total count if out == NULL. */
int kt_chorale_notes(const kt_chorale *c, int voice, kt_note *out, int cap);

/* split.tsv */
enum kt_set { KT_SET_TRAIN = 0, KT_SET_VALID = 1, KT_SET_TEST = 2 };
typedef struct {
  char file[64];
  char bwv[32];
  int group;
  int set; /* enum kt_set */
} kt_split_entry;
int kt_split_load(const char *path, kt_split_entry **out, int *n, char *err,
                  size_t errlen);
int kt_split_set_from_name(const char *name); /* "train"... -> enum, -1 if unknown */

/* Load every chorale of one set (or all if set < 0) from DATA/kern.
 * split_path may be NULL for DATA/split.tsv.  Returns 0 or -1 with err. */
int kt_corpus_load(const char *data_dir, const char *split_path, int set,
                   kt_chorale **out, int *n, char *err, size_t errlen);
void kt_corpus_free(kt_chorale *c, int n);

/* Default data directory: $KANTOR_DATA or ../shared/data/bach-370-chorales */
const char *kt_corpus_default_dir(void);

#endif
