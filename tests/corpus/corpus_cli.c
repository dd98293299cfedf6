/* tests/corpus/corpus_cli.c -- stand-alone driver for `kantor corpus`
 * (kt_cmd_corpus) so it can be tried without the kantor main. */
#include "cmds.h"

int main(int argc, char **argv)
{
  return kt_cmd_corpus(argc, argv);
}
