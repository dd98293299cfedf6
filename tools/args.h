/* tools/args.h -- command-line value parsing shared by the subcommands. */
#ifndef KT_ARGS_H
#define KT_ARGS_H

/* A number within [lo, hi]; integral: must be a whole number.  0 or -1. */
int kt_arg_number(const char *s, double lo, double hi, int integral,
                  double *v);
/* A key: "auto" (tonic -1), or a tonic C D E F G A B with an optional
 * sharp (#) or flat (b, -), then optionally ":maj"/":min" ("m", "major",
 * "minor"); a lowercase tonic means minor ("a", "f#", "bb").  0 or -1. */
int kt_arg_key(const char *s, int *tonic, int *minor);

/* The index of s among names, a list of words separated by '|'
 * ("off|on"), or -1. */
int kt_arg_choice(const char *s, const char *names);

/* A decoding (--decode): the harmony style parameter's value (KT_P_STYLE:
 * 0 plain, 1 balanced, 2 Bach), named by its label in lowercase or by its
 * older name (classic, light, style).  -1 if neither. */
int kt_arg_decode(const char *s);
#define KT_ARG_DECODE_NAMES "plain|balanced|bach (or classic|light|style)"

#endif
