/* tools/cmds.h -- the kantor subcommands.  Each returns the process exit
 * code: 0 ok, 1 runtime error (bad file, ...), 2 usage error. */
#ifndef KT_CMDS_H
#define KT_CMDS_H

int kt_cmd_corpus(int argc, char **argv); /* tools/cmd_corpus.c */
int kt_cmd_train(int argc, char **argv);  /* tools/cmd_train.c */
int kt_cmd_eval(int argc, char **argv);   /* tools/cmd_eval.c */
int kt_cmd_render(int argc, char **argv); /* tools/cmd_render.c */
int kt_cmd_live(int argc, char **argv);   /* tools/cmd_live.c */
int kt_cmd_model(int argc, char **argv);  /* tools/cmd_model.c */

#define KT_EXIT_OK 0
#define KT_EXIT_FAIL 1
#define KT_EXIT_USAGE 2

#endif
