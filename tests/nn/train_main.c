/* tests/nn/train_main.c -- standalone `kantor train` (the trainer without
 * the rest of the CLI), for tests and for training before the CLI links. */
#include "cmds.h"

int main(int argc, char **argv)
{
  return kt_cmd_train(argc, argv);
}
