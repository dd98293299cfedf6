/* nn/harmony.h -- chord labels and key finding, shared by the evaluator, the
 * chord classifier, the engine's "current chord" output and key detection.
 * Pure arithmetic: safe on the audio thread.  One module, four sub-prefixes:
 * kt_harmony_chord_ (labels), kt_harmony_key_ (key finding, tracker), kt_harmony_sig_ (signatures,
 * tracker), kt_harmony_style_chord (the style statistics' labels). */
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
int kt_harmony_chord_label(const int *pitches, int n, int *root, int *quality) KT_RT;
/* "C", "a", "G7", "f#dim", "-" ... into buf (>= 8 bytes). */
void kt_harmony_chord_name(int chord_class, char *buf, int buflen);
/* Key (tonic + 12 * minor) as "Eb major", "F# minor"..., "?" if < 0. */
void kt_harmony_key_name(int key, char *buf, int buflen);

/* The chord labels of the style statistics (../shared/style/style.py,
 * nn/style.h), also read by the decoder's style terms (dsp/decode.h).
 * Chord qualities of kt_harmony_style_chord (alphabetical, the tie-break order). */
enum kt_style_quality {
  KT_SQ_NONE = -1,
  KT_SQ_AUG = 0,
  KT_SQ_DIM,
  KT_SQ_DIM7,
  KT_SQ_DOM7,
  KT_SQ_HDIM7,
  KT_SQ_MAJ,
  KT_SQ_MAJ7,
  KT_SQ_MIN,
  KT_SQ_MIN7,
  KT_SQ_N
};

/* Chord of a pitch-class set (bit p = pitch class p): the quality (enum
 * kt_style_quality, KT_SQ_NONE for no chord) and *root (0..11; -1). */
int kt_harmony_style_chord(unsigned pcs, int *root) KT_RT;
/* The same for every pitch-class set at once: tab[pcs] = (quality + 1) |
 * root << 4 (0 for no chord), for a lookup on the audio thread. */
void kt_harmony_style_chord_table(unsigned char tab[4096]);

/* Key finding (Krumhansl-Kessler profiles on a pitch-class histogram).
 * Returns tonic 0..11 and *minor 0/1. */
int kt_harmony_key_find(const float hist[12], int *minor) KT_RT;

/* Semitone shift in -6..+5 that moves the tonic (pitch class) to C. */
int kt_harmony_key_shift_to_c(int tonic) KT_RT;

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
} kt_harmony_key_tracker;

void kt_harmony_key_tracker_reset(kt_harmony_key_tracker *k) KT_RT;
/* One slice of melody: pitch (rests, < 0, leave the key as it is). */
void kt_harmony_key_tracker_push(kt_harmony_key_tracker *k, int pitch) KT_RT;

/* Key signature (diatonic collection) finding: which of the 12 major-scale
 * collections a pitch-class histogram fits, named by its major tonic
 * (0 = C: no sharps or flats, 7 = G: one sharp, 5 = F: one flat ...).  A
 * collection scores +1 per unit of weight inside it, -1 outside, and +0.6
 * more on the tonic triads of its major and relative minor (degrees 0, 4,
 * 7, 9), which settles the ties between neighbouring collections that a
 * melody avoiding the 4th or 7th degree leaves.  Relative major and minor
 * share a collection, so A minor (even with its raised G#) is C. */
int kt_harmony_sig_find(const float hist[12]) KT_RT;
/* The collection of a key: its tonic if major, a minor third up if minor. */
int kt_harmony_sig_of_key(int tonic, int minor) KT_RT;

/* The running key signature of a melody heard one note-slice at a time, as
 * the engine tracks it for signature-normalized models (repr.key_norm 2)
 * and the trainer simulates it: like kt_harmony_key_tracker, a decaying histogram
 * of the sounding slices, and a new collection taken only after it has won
 * KT_SIG_SWITCH slices in a row (chosen for agreement with the file labels
 * on the train split, models/MODEL.md). */
#define KT_SIG_DECAY 0.998f
#define KT_SIG_SWITCH 4
typedef struct {
  float pc[12];
  int known, sig;   /* the collection in use (known: any note seen) */
  int cand, cand_n; /* a challenger and its run */
} kt_harmony_sig_tracker;

void kt_harmony_sig_tracker_reset(kt_harmony_sig_tracker *k) KT_RT;
void kt_harmony_sig_tracker_push(kt_harmony_sig_tracker *k, int pitch) KT_RT;

#endif
