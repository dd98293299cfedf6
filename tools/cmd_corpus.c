/* tools/cmd_corpus.c -- `kantor corpus`: read every chorale listed in
 * split.tsv and print corpus statistics (human table or one JSON object). */
#include "chorale.h"
#include "cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files whose extreme notes are suspected to be encoding errors; ranges
 * are reported with and without them (see nn/kern.c). */
static const char *const kt_suspicious[] = {"chor194.krn", "chor197.krn"};
#define KT_NSUSPICIOUS 2

static const char *const kt_vname[KT_NVOICES] = {"bass", "tenor", "alto",
                                                 "soprano"};
static const char *const kt_modename[KT_NMODES] = {"major", "minor", "dorian",
                                                   "phrygian", "mixolydian"};
static const char *const kt_pcname[12] = {"C",  "C#", "D",  "E-", "E",  "F",
                                          "F#", "G",  "A-", "A",  "B-", "B"};

#define KT_MAXKEYS 64

typedef struct {
  int lo[KT_NVOICES], hi[KT_NVOICES];
  char lo_file[KT_NVOICES][64], hi_file[KT_NVOICES][64];
} kt_rangeacc;

typedef struct {
  char label[16];
  int count;
} kt_count;

typedef struct {
  int files, files_set[3];
  long slices, slices_set[3];
  kt_rangeacc all, clean;
  kt_count meters[KT_MAXKEYS];
  int n_meters;
  kt_count sigs[KT_MAXKEYS];
  int n_sigs;
  kt_count keys[KT_MAXKEYS];
  int n_keys;
  long notes[KT_NVOICES], rests[KT_NVOICES], ties[KT_NVOICES],
      sixteenths[KT_NVOICES], n32[KT_NVOICES], fermatas[KT_NVOICES];
  int meter_changes, files_with_meter_changes;
  long fermata_slices;
} kt_corpus_stats;

static void kt_bump(kt_count *c, int *n, const char *label)
{
  for (int i = 0; i < *n; i++)
    if (!strcmp(c[i].label, label)) {
      c[i].count++;
      return;
    }
  if (*n >= KT_MAXKEYS) return;
  snprintf(c[*n].label, sizeof c[*n].label, "%s", label);
  c[*n].count = 1;
  (*n)++;
}

static int kt_count_cmp(const void *a, const void *b)
{
  const kt_count *x = a, *y = b;
  if (x->count != y->count) return y->count - x->count;
  return strcmp(x->label, y->label);
}

static void kt_range_init(kt_rangeacc *r)
{
  for (int v = 0; v < KT_NVOICES; v++) {
    r->lo[v] = 1000;
    r->hi[v] = -1;
    r->lo_file[v][0] = r->hi_file[v][0] = 0;
  }
}

static void kt_range_add(kt_rangeacc *r, const kt_chorale *c)
{
  for (int v = 0; v < KT_NVOICES; v++) {
    if (c->stats[v].lo < 0) continue;
    if (c->stats[v].lo < r->lo[v]) {
      r->lo[v] = c->stats[v].lo;
      snprintf(r->lo_file[v], sizeof r->lo_file[v], "%s", c->name);
    }
    if (c->stats[v].hi > r->hi[v]) {
      r->hi[v] = c->stats[v].hi;
      snprintf(r->hi_file[v], sizeof r->hi_file[v], "%s", c->name);
    }
  }
}

static void kt_add(kt_corpus_stats *s, const kt_chorale *c, int set)
{
  s->files++;
  s->files_set[set]++;
  s->slices += c->n_slices;
  s->slices_set[set] += c->n_slices;
  kt_range_add(&s->all, c);
  int susp = 0;
  for (int i = 0; i < KT_NSUSPICIOUS; i++)
    if (!strcmp(c->name, kt_suspicious[i])) susp = 1;
  if (!susp) kt_range_add(&s->clean, c);
  char lab[16];
  snprintf(lab, sizeof lab, "%d/%d", c->meter_num, c->meter_den);
  kt_bump(s->meters, &s->n_meters, lab);
  snprintf(lab, sizeof lab, "%d%s", c->key_sig < 0 ? -c->key_sig : c->key_sig,
           c->key_sig > 0 ? "#" : (c->key_sig < 0 ? "b" : ""));
  kt_bump(s->sigs, &s->n_sigs, lab);
  const char *mn =
      c->mode >= 0 && c->mode < KT_NMODES ? kt_modename[c->mode] : "?";
  snprintf(lab, sizeof lab, "%s %s", kt_pcname[c->tonic % 12], mn);
  kt_bump(s->keys, &s->n_keys, lab);
  for (int v = 0; v < KT_NVOICES; v++) {
    s->notes[v] += c->stats[v].n_notes;
    s->rests[v] += c->stats[v].n_rests;
    s->ties[v] += c->stats[v].n_ties;
    s->sixteenths[v] += c->stats[v].n_sixteenths;
    s->n32[v] += c->stats[v].n_32nds;
    s->fermatas[v] += c->stats[v].n_fermatas;
  }
  s->meter_changes += c->n_meter_changes;
  if (c->n_meter_changes) s->files_with_meter_changes++;
  for (int i = 0; i < c->n_slices; i++)
    s->fermata_slices += c->fermata[i];
}

static long kt_sum(const long *a)
{
  long t = 0;
  for (int v = 0; v < KT_NVOICES; v++)
    t += a[v];
  return t;
}

static void kt_print_counts(const char *title, kt_count *c, int n)
{
  printf("%s:", title);
  for (int i = 0; i < n; i++)
    printf("%s %s %d", i ? "," : "", c[i].label, c[i].count);
  printf("\n");
}

static void kt_print_ranges(const char *title, const kt_rangeacc *r)
{
  printf("%s\n", title);
  for (int v = KT_SOPRANO; v >= 0; v--)
    printf("  %-8s %3d-%-3d  (low %s, high %s)\n", kt_vname[v], r->lo[v],
           r->hi[v], r->lo_file[v], r->hi_file[v]);
}

static void kt_human(const kt_corpus_stats *s, const char *data,
                     kt_count *meters, int nm, kt_count *sigs, int nsg,
                     kt_count *keys, int nk)
{
  printf("corpus: %s\n", data);
  printf("files:  %d (train %d, valid %d, test %d)\n", s->files,
         s->files_set[0], s->files_set[1], s->files_set[2]);
  printf("slices: %ld sixteenths (train %ld, valid %ld, test %ld)\n", s->slices,
         s->slices_set[0], s->slices_set[1], s->slices_set[2]);
  kt_print_ranges("pitch ranges (MIDI), all files:", &s->all);
  kt_print_ranges("pitch ranges without chor194.krn and chor197.krn:",
                  &s->clean);
  kt_print_counts("meters (first of each file)", meters, nm);
  printf("meter changes: %d in %d files\n", s->meter_changes,
         s->files_with_meter_changes);
  kt_print_counts("key signatures", sigs, nsg);
  kt_print_counts("keys", keys, nk);
  printf("%-10s %8s %8s %8s %8s %8s %8s\n", "voice", "notes", "rests", "ties",
         "16ths", "32nds", "fermatas");
  for (int v = KT_SOPRANO; v >= 0; v--)
    printf("%-10s %8ld %8ld %8ld %8ld %8ld %8ld\n", kt_vname[v], s->notes[v],
           s->rests[v], s->ties[v], s->sixteenths[v], s->n32[v],
           s->fermatas[v]);
  printf("%-10s %8ld %8ld %8ld %8ld %8ld %8ld\n", "total", kt_sum(s->notes),
         kt_sum(s->rests), kt_sum(s->ties), kt_sum(s->sixteenths),
         kt_sum(s->n32), kt_sum(s->fermatas));
  printf("slices with a fermata onset: %ld\n", s->fermata_slices);
}

static void kt_json_str(const char *s)
{
  putchar('"');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      printf("\\%c", ch);
    else if (ch < 32)
      printf("\\u%04x", ch);
    else
      putchar(ch);
  }
  putchar('"');
}

static void kt_json_counts(const char *key, const kt_count *c, int n)
{
  printf(",\"%s\":{", key);
  for (int i = 0; i < n; i++) {
    if (i) putchar(',');
    kt_json_str(c[i].label);
    printf(":%d", c[i].count);
  }
  putchar('}');
}

static void kt_json_ranges(const char *key, const kt_rangeacc *r)
{
  printf(",\"%s\":{", key);
  for (int v = 0; v < KT_NVOICES; v++)
    printf("%s\"%s\":{\"lo\":%d,\"hi\":%d,\"lo_file\":\"%s\",\"hi_file\":"
           "\"%s\"}",
           v ? "," : "", kt_vname[v], r->lo[v], r->hi[v], r->lo_file[v],
           r->hi_file[v]);
  putchar('}');
}

static void kt_json_voices(const char *key, const long *a)
{
  printf(",\"%s\":{", key);
  for (int v = 0; v < KT_NVOICES; v++)
    printf("%s\"%s\":%ld", v ? "," : "", kt_vname[v], a[v]);
  printf(",\"total\":%ld}", kt_sum(a));
}

static void kt_json(const kt_corpus_stats *s, const char *data,
                    kt_count *meters, int nm, kt_count *sigs, int nsg,
                    kt_count *keys, int nk)
{
  printf("{\"data\":");
  kt_json_str(data);
  printf(",\"files\":%d,\"files_per_split\":{\"train\":%d,\"valid\":%d,"
         "\"test\":%d}",
         s->files, s->files_set[0], s->files_set[1], s->files_set[2]);
  printf(",\"slices\":%ld,\"slices_per_split\":{\"train\":%ld,\"valid\":%ld,"
         "\"test\":%ld}",
         s->slices, s->slices_set[0], s->slices_set[1], s->slices_set[2]);
  kt_json_ranges("ranges", &s->all);
  kt_json_ranges("ranges_without_suspicious", &s->clean);
  printf(",\"suspicious_files\":[\"%s\",\"%s\"]", kt_suspicious[0],
         kt_suspicious[1]);
  kt_json_counts("meters", meters, nm);
  printf(",\"meter_changes\":%d,\"files_with_meter_changes\":%d",
         s->meter_changes, s->files_with_meter_changes);
  kt_json_counts("key_signatures", sigs, nsg);
  kt_json_counts("keys", keys, nk);
  kt_json_voices("notes", s->notes);
  kt_json_voices("rests", s->rests);
  kt_json_voices("ties", s->ties);
  kt_json_voices("sixteenths", s->sixteenths);
  kt_json_voices("thirty_seconds", s->n32);
  kt_json_voices("fermatas", s->fermatas);
  printf(",\"fermata_slices\":%ld}\n", s->fermata_slices);
}

static void kt_corpus_usage(FILE *f)
{
  fprintf(f, "usage: kantor corpus [--data DIR] [--split FILE] [--json]\n"
             "Read every chorale listed in the split file and print corpus\n"
             "statistics: files and slices per split, voice ranges (with and\n"
             "without the suspicious files chor194/chor197), meters, key\n"
             "signatures, keys, rests, sixteenths, 32nds, ties, fermatas.\n"
             "  --data DIR    corpus directory (default $KANTOR_DATA or\n"
             "                ../shared/data/bach-370-chorales)\n"
             "  --split FILE  split table (default DIR/split.tsv)\n"
             "  --json        one JSON object instead of the table\n"
             "  --help        this text\n"
             "Exit status: 0 ok, 1 unreadable/bad file, 2 usage error.\n");
}

int kt_cmd_corpus(int argc, char **argv)
{
  static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                       {"split", required_argument, 0, 's'},
                                       {"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *data = NULL, *split = NULL;
  int json = 0;
  optind = 1;
  opterr = 1;
  for (;;) {
    int c = getopt_long(argc, argv, "d:s:jh", opts, NULL);
    if (c == -1) break;
    switch (c) {
    case 'd':
      data = optarg;
      break;
    case 's':
      split = optarg;
      break;
    case 'j':
      json = 1;
      break;
    case 'h':
      kt_corpus_usage(stdout);
      return KT_EXIT_OK;
    default:
      kt_corpus_usage(stderr);
      return KT_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "kantor corpus: unexpected argument '%s'\n", argv[optind]);
    kt_corpus_usage(stderr);
    return KT_EXIT_USAGE;
  }
  if (!data) {
    const char *e = getenv("KANTOR_DATA");
#ifdef KT_DATA_DIR
    data = (e && *e) ? e : KT_DATA_DIR;
#else
    (void)e;
    data = kt_corpus_default_dir();
#endif
  }
  char split_buf[4200];
  if (!split) {
    snprintf(split_buf, sizeof split_buf, "%s/split.tsv", data);
    split = split_buf;
  }
  char err[512];
  kt_split_entry *e;
  int ne;
  if (kt_split_load(split, &e, &ne, err, sizeof err)) {
    fprintf(stderr, "kantor corpus: %s\n", err);
    return KT_EXIT_FAIL;
  }
  kt_corpus_stats *s = calloc(1, sizeof *s);
  if (!s) {
    free(e);
    fprintf(stderr, "kantor corpus: out of memory\n");
    return KT_EXIT_FAIL;
  }
  kt_range_init(&s->all);
  kt_range_init(&s->clean);
  for (int i = 0; i < ne; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/kern/%s", data, e[i].file);
    kt_chorale c;
    if (kt_kern_read(path, &c, err, sizeof err)) {
      fprintf(stderr, "kantor corpus: %s\n", err);
      free(e);
      free(s);
      return KT_EXIT_FAIL;
    }
    kt_add(s, &c, e[i].set);
    kt_chorale_free(&c);
  }
  free(e);
  qsort(s->meters, (size_t)s->n_meters, sizeof s->meters[0], kt_count_cmp);
  qsort(s->sigs, (size_t)s->n_sigs, sizeof s->sigs[0], kt_count_cmp);
  qsort(s->keys, (size_t)s->n_keys, sizeof s->keys[0], kt_count_cmp);
  if (json)
    kt_json(s, data, s->meters, s->n_meters, s->sigs, s->n_sigs, s->keys,
            s->n_keys);
  else
    kt_human(s, data, s->meters, s->n_meters, s->sigs, s->n_sigs, s->keys,
             s->n_keys);
  free(s);
  if (fflush(stdout) != 0) {
    fprintf(stderr, "kantor corpus: write error on stdout\n");
    return KT_EXIT_FAIL;
  }
  return KT_EXIT_OK;
}
