/* nn/harmony.h -- chord labels and key finding, shared by the evaluator, the
 * chord classifier, the engine's "current chord" output and key detection.
 * Pure arithmetic: safe on the audio thread. */
#ifndef KT_HARMONY_H
#define KT_HARMONY_H

#include "rt.h"

enum kt_quality {
  KT_Q_NONE = 0, /* not a triad or seventh chord */
  KT_Q_MAJ, KT_Q_MIN, KT_Q_DIM, KT_Q_AUG,
  KT_Q_DOM7, KT_Q_MAJ7, KT_Q_MIN7, KT_Q_HDIM7, KT_Q_DIM7,
  KT_NQUALITIES
};

/* Chord class as one int: 0 = none, else 1 + root * (KT_NQUALITIES - 1) + (q - 1). */
#define KT_NCHORDS (1 + 12 * (KT_NQUALITIES - 1))

/* Label the pitches sounding together (MIDI pitches, KT_REST = -1 ignored).
 * Returns the chord class; *root and *quality may be NULL. */
int kt_chord_label(const int *pitches, int n, int *root, int *quality) KT_RT;
/* "C", "a", "G7", "f#dim", "-" ... into buf (>= 8 bytes). */
void kt_chord_name(int chord_class, char *buf, int buflen);
/* Key (tonic + 12 * minor) as "Eb major", "F# minor"..., "?" if < 0. */
void kt_key_name(int key, char *buf, int buflen);

/* Key finding (Krumhansl-Kessler profiles on a pitch-class histogram).
 * Returns tonic 0..11 and *minor 0/1. */
int kt_key_find(const float hist[12], int *minor) KT_RT;

/* Semitone shift in -6..+5 that moves the tonic (pitch class) to C. */
int kt_key_shift_to_c(int tonic) KT_RT;

/* The running key of a melody heard one note-slice at a time, as the engine
 * detects it (and the trainer simulates it): a decaying pitch-class
 * histogram of the sounding slices, Krumhansl-Kessler, and a new key taken
 * only after it has won KT_KEY_SWITCH slices in a row. */
#define KT_KEY_DECAY 0.995f
#define KT_KEY_SWITCH 8
typedef struct {
  float pc[12];
  int known, tonic, minor; /* the key in use (known: any note seen) */
  int cand, cand_n;        /* a challenger (tonic + 12 * minor) and its run */
} kt_key_tracker;

void kt_key_tracker_reset(kt_key_tracker *k) KT_RT;
/* One slice of melody: pitch (rests, < 0, leave the key as it is). */
void kt_key_tracker_push(kt_key_tracker *k, int pitch) KT_RT;

#endif
