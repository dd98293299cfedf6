/* bench/qemu_icount.c -- a qemu-user TCG plugin (plugin API version 1, as
 * in Debian 12's qemu 7.2) for bench/arm_icount.sh: it counts the guest
 * instructions executed and, each time the translated block at the
 * address given as addr=HEX starts, records the count so far.  At exit
 * it writes the records, one per line, to out=PATH.
 *
 * Built for the host, loaded by qemu-aarch64 / qemu-x86_64:
 *   cc -O2 -shared -fPIC -o icount.so bench/qemu_icount.c
 *   qemu-aarch64 -plugin ./icount.so,addr=4010d0,out=marks.txt PROG ...
 * The declarations below are the few entry points of qemu's plugin API
 * that it uses (qemu's include/qemu/qemu-plugin.h documents them), so that
 * no qemu headers are needed.  Instructions, not time: an emulator's
 * timing says nothing about a real CPU's. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*kt_tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*kt_udata_cb)(qemu_plugin_id_t, void *);
typedef void (*kt_vcpu_udata_cb)(unsigned int, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, kt_tb_trans_cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *,
                                              enum qemu_plugin_op, void *,
                                              uint64_t);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *,
                                          kt_vcpu_udata_cb,
                                          enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, kt_udata_cb, void *);

#define KT_EXPORT __attribute__((visibility("default")))
KT_EXPORT int qemu_plugin_version = 1;

#define KT_MAX_MARKS (1u << 22)
static uint64_t count, addr;
static uint64_t *marks;
static size_t n_marks;
static const char *out_path;

static void on_mark(unsigned int vcpu, void *p)
{
  (void)vcpu;
  (void)p;
  if (n_marks < KT_MAX_MARKS) marks[n_marks++] = count;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
  (void)id;
  if (addr && qemu_plugin_tb_vaddr(tb) == addr)
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS,
                                         NULL);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                           &count, qemu_plugin_tb_n_insns(tb));
}

static void on_end(qemu_plugin_id_t id, void *p)
{
  (void)id;
  (void)p;
  if (out_path) {
    FILE *f = fopen(out_path, "w");
    if (!f) {
      fprintf(stderr, "qemu_icount: cannot write %s\n", out_path);
      return;
    }
    for (size_t i = 0; i < n_marks; ++i)
      fprintf(f, "%" PRIu64 "\n", marks[i]);
    if (fclose(f) != 0)
      fprintf(stderr, "qemu_icount: error writing %s\n", out_path);
  }
  fprintf(stderr, "qemu_icount: %" PRIu64 " instructions, %zu marks%s\n", count,
          n_marks, n_marks == KT_MAX_MARKS ? " (the most it keeps)" : "");
}

KT_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                  int argc, char **argv)
{
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (!strncmp(argv[i], "addr=", 5))
      addr = strtoull(argv[i] + 5, NULL, 16);
    else if (!strncmp(argv[i], "out=", 4))
      out_path = argv[i] + 4;
    else {
      fprintf(stderr, "qemu_icount: unknown argument '%s'\n", argv[i]);
      return -1;
    }
  }
  if (addr) {
    marks = malloc(sizeof *marks * KT_MAX_MARKS);
    if (!marks) return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_end, NULL);
  return 0;
}
