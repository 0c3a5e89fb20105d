/* Helpers shared by the `teeproof` subcommands; see util.h. */
#include "cli/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tp_cli_fail(const tp_error *e)
{
    /* The bracketed name is stable: scripts and tests can match on it. */
    fprintf(stderr, "error: %s [%s]\n", tp_error_message(e), tp_err_name(e->code));
    return 1;
}

int tp_cli_exit(tp_err rc, const char *cmd, const tp_error *e)
{
    if (rc == TP_OK)
        return 0;
    if (rc == TP_ERR_ARG)
        return tp_cli_usage_error(cmd, "%s", tp_error_message(e));
    /* The bracketed name is stable: scripts and tests can match on it. */
    fprintf(stderr, "error: %s [%s]\n", e->code == rc ? tp_error_message(e) : tp_err_str(rc), tp_err_name(rc));
    return 1;
}

int tp_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "error: %s (see teeproof %s --help)\n", msg, cmd);
    return 2;
}

tp_err tp_cli_policy(int allow_insecure_sim, const char *policy_file, tp_policy **out, tp_error *err)
{
    if (allow_insecure_sim == (policy_file != NULL))
        return tp_error_set(err, TP_ERR_ARG, "give exactly one of --policy FILE or --allow-insecure-sim");
    if (policy_file)
        return tp_policy_load(policy_file, out, err);
    *out = tp_policy_insecure_sim();
    return *out ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, NULL);
}

void tp_cli_print_json(const char *text)
{
    if (text)
        puts(text);
}

int tp_cli_parse_time(const char *s, time_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v <= 0)
        return 0;
    *out = (time_t)v;
    return 1;
}

static FILE *open_output(const char *path, int secret)
{
    if (!secret)
        return fopen(path, "wb");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL)
        close(fd);
    return f;
}

tp_err tp_cli_write_file(const char *path, const char *data, size_t len, int secret, tp_error *err)
{
    int to_stdout = path == NULL || strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : open_output(path, secret);
    if (f == NULL)
        return tp_error_set(err, TP_ERR_IO, "cannot write %s", path);
    int ok = fwrite(data, 1, len, f) == len && fputc('\n', f) != EOF;
    ok = (to_stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
    return ok ? TP_OK : tp_error_set(err, TP_ERR_IO, "cannot write %s", to_stdout ? "stdout" : path);
}
