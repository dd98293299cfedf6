/* tools/kantor.c -- the kantor command-line program: subcommand dispatch.
 * Exit codes (tools/cmds.h): 0 ok, 1 runtime error, 2 usage error. */
#include "cmds.h"

#include <stdio.h>
#include <string.h>

#ifndef KT_VERSION
#define KT_VERSION "unknown"
#endif

/* Weak references: the subcommands are written in parallel in their own
 * files; a binary built while one of them is still a placeholder links and
 * says so instead of failing to build (gcc/clang, ELF). */
#pragma weak kt_cmd_corpus
#pragma weak kt_cmd_train
#pragma weak kt_cmd_eval
#pragma weak kt_cmd_render
#pragma weak kt_cmd_live
#pragma weak kt_cmd_model

typedef struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} kt_subcmd;

static void usage(FILE *f)
{
  fprintf(f, "usage: kantor COMMAND [ARGS...]\n"
             "\n"
             "A live neural Bach harmonizer: a melody in, alto, tenor and bass "
             "out.\n"
             "\n"
             "commands:\n"
             "  render   harmonize a MIDI file (-> four-track MIDI, WAV, SVG)\n"
             "  live     play live: ALSA MIDI in -> engine -> fluidsynth -> "
             "audio\n"
             "           (or --in FILE.mid --wav OUT.wav without devices)\n"
             "  corpus   inspect the Bach chorale corpus\n"
             "  train    train a model on the corpus\n"
             "  eval     evaluate a model on the corpus\n"
             "  model    what a model file holds and costs; write it int8\n"
             "  version  print the version\n"
             "  help     this text; 'kantor help COMMAND' or "
             "'kantor COMMAND --help' for one command\n");
}

int main(int argc, char **argv)
{
  const kt_subcmd cmds[] = {
      {"render", kt_cmd_render, "render"}, {"live", kt_cmd_live, "live"},
      {"corpus", kt_cmd_corpus, "corpus"}, {"train", kt_cmd_train, "train"},
      {"eval", kt_cmd_eval, "eval"},       {"model", kt_cmd_model, "model"},
  };
  const int n_cmds = (int)(sizeof cmds / sizeof cmds[0]);
  if (argc < 2) {
    usage(stderr);
    return KT_EXIT_USAGE;
  }
  const char *c = argv[1];
  if (!strcmp(c, "version") || !strcmp(c, "--version") || !strcmp(c, "-V")) {
    printf("kantor %s\n", KT_VERSION);
    return KT_EXIT_OK;
  }
  char *help_argv[4];
  if (!strcmp(c, "help") || !strcmp(c, "--help") || !strcmp(c, "-h")) {
    if (argc < 3) {
      usage(stdout);
      return KT_EXIT_OK;
    }
    /* kantor help CMD == kantor CMD --help */
    help_argv[0] = argv[0];
    help_argv[1] = argv[2];
    help_argv[2] = "--help";
    help_argv[3] = NULL;
    c = argv[2];
    argc = 3;
    argv = help_argv;
  }
  for (int i = 0; i < n_cmds; ++i) {
    if (strcmp(c, cmds[i].name) != 0) continue;
    if (!cmds[i].fn) {
      fprintf(stderr, "kantor: '%s' is not built into this binary\n", c);
      return KT_EXIT_FAIL;
    }
    /* The subcommand sees argv[0] = its name. */
    return cmds[i].fn(argc - 1, argv + 1);
  }
  fprintf(stderr, "kantor: unknown command '%s'\n\n", c);
  usage(stderr);
  return KT_EXIT_USAGE;
}
