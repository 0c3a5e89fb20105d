/* The notary's log (log.c): every line it writes on stderr goes through tp_log, as human
 * text ("teeproof-notary: MESSAGE") or, with --log-format json, one JSON object per line:
 * {"time": RFC 3339 UTC, "level", "event", the event's fields, "message"}. Fields and
 * messages carry names, addresses, sizes, durations and error names; never a secret (a
 * variable's value, a key, request bytes). Safe from any thread. */
#ifndef TP_NOTARY_LOG_H
#define TP_NOTARY_LOG_H

#include <stddef.h>

typedef enum { TP_LOG_INFO, TP_LOG_WARN, TP_LOG_ERROR } tp_log_level;

/* One field of a JSON line: a string (s != NULL) or an integer. */
typedef struct tp_log_field {
    const char *key;
    const char *s;
    long long i;
} tp_log_field;

#define TP_LOG_STR(k, v) ((tp_log_field){.key = (k), .s = (v)})
#define TP_LOG_INT(k, v) ((tp_log_field){.key = (k), .i = (long long)(v)})

/* 1: JSON lines; 0: text (the default). Set once at start-up, before any thread. */
void tp_log_set_json(int json);
/* Writes one line. fmt (printf) makes the message; fields go only into JSON lines. */
void tp_log(tp_log_level level, const char *event, const tp_log_field *fields, size_t n_fields,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
