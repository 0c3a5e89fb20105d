/* Helpers shared by the `teeproof` subcommands. */
#ifndef TP_CLI_UTIL_H
#define TP_CLI_UTIL_H

#include <stddef.h>
#include <time.h>

#include "teeproof/attest.h"
#include "teeproof/errors.h"

/* Prints "error: <msg>" on stderr; returns exit status 1 (2 for usage errors). */
int tp_cli_fail(const tp_error *e);
/* Exit status for a command's result: 0, 2 with usage text for TP_ERR_ARG, else 1. */
int tp_cli_exit(tp_err rc, const char *cmd, const tp_error *e);
int tp_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --allow-insecure-sim / --policy FILE: exactly one of them. */
tp_err tp_cli_policy(int allow_insecure_sim, const char *policy_file, tp_policy **out, tp_error *err);
/* A Unix time in seconds (a positive decimal integer) for --at / --now; 1 on success. */
int tp_cli_parse_time(const char *s, time_t *out);
/* Writes data and a newline to path (NULL or "-" = stdout). secret: the file is created
 * or truncated with mode 0600 (an existing file is set to 0600 too). */
tp_err tp_cli_write_file(const char *path, const char *data, size_t len, int secret, tp_error *err);
/* Prints JSON text (from the library: already indented) to stdout with a newline. */
void tp_cli_print_json(const char *text);

#endif
