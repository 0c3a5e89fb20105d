/* The notary's one logging path (see log.h): a line is built whole, then written with one
 * call, so lines from the loop and the refresher thread never interleave. A message can
 * hold text a prover chose (a target host name): in text lines every control byte is
 * written as '?', so no one can start a forged line; JSON lines escape by construction and
 * replace bytes that are not UTF-8. */
#include "notary/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A message is one short sentence; longer ones are cut. */
#define TP_LOG_MESSAGE_MAX 512

static int g_json;

void tp_log_set_json(int json)
{
    g_json = json;
}

/* Control bytes (and, for JSON, non-ASCII bytes when the text is not UTF-8) become '?'. */
static void defang(char *s, int non_ascii)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (non_ascii && *p >= 0x80))
            *p = '?';
}

/* A JSON string of s; s made ASCII first if it is not valid UTF-8. */
static json_t *json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    char copy[TP_LOG_MESSAGE_MAX];
    snprintf(copy, sizeof(copy), "%s", s);
    defang(copy, 1);
    return json_string(copy);
}

static const char *level_name(tp_log_level l)
{
    return l == TP_LOG_ERROR ? "error" : l == TP_LOG_WARN ? "warn" : "info";
}

/* "2026-12-01T05:12:38.123Z" */
static void now_rfc3339(char *out, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static void write_json(tp_log_level level, const char *event, const tp_log_field *f, size_t n,
                       const char *msg)
{
    char when[48];
    now_rfc3339(when, sizeof(when));
    json_t *o = json_pack("{s:s, s:s, s:s}", "time", when, "level", level_name(level), "event", event);
    for (size_t i = 0; o != NULL && i < n; i++)
        json_object_set_new(o, f[i].key, f[i].s ? json_text(f[i].s) : json_integer(f[i].i));
    if (o != NULL)
        json_object_set_new(o, "message", json_text(msg));
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (line != NULL)
        fprintf(stderr, "%s\n", line);
    else /* out of memory, or a string that is not UTF-8: the event is still reported */
        fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":\"%s\"}\n", when, level_name(level), event);
    free(line);
    json_decref(o);
}

void tp_log(tp_log_level level, const char *event, const tp_log_field *fields, size_t n_fields,
            const char *fmt, ...)
{
    char msg[TP_LOG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g_json)
        write_json(level, event, fields, n_fields, msg);
    else {
        defang(msg, 0);
        fprintf(stderr, "teeproof-notary: %s\n", msg);
    }
    fflush(stderr);
}
