/* The notary's options: one table drives both the command line (getopt_long) and the
 * configuration file (--config FILE, a JSON object whose keys are the long option names
 * without "--"). Values from the file are applied first, then the command line's, so a
 * flag overrides its key; a repeatable option given on the command line (--allow-port)
 * replaces the file's whole list. Unknown keys, wrong types and bad values are refused
 * with the key named; syntax errors with their line and column. */
#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "notary/notary.h"
#include "notary/options.h"
#include "notary/workers.h"

#define TP_DEFAULT_TARGET_PORT 443
#define TP_MIN_MEMORY_BUDGET ((unsigned long long)1 << 20)
#define TP_MAX_MEMORY_BUDGET ((unsigned long long)1 << 44)
/* A configuration file is a handful of keys: anything bigger is a mistake. */
#define TP_CONFIG_MAX_BYTES (64u << 10)
/* Longest decimal rendering of a JSON integer value, with its NUL. */
#define TP_NUMBER_TEXT 32

enum opt_kind {
    K_STR,      /* const char * at off */
    K_FLAG,     /* int at off, set to 1 */
    K_SIZE,     /* size_t at off, min..max */
    K_UINT,     /* unsigned at off, min..max, stored times scale */
    K_PORTS,    /* allow_ports / allow_any_port */
    K_LOGFMT,   /* text | json */
    K_CONFIG,   /* --config: command line only */
    K_HELP,     /* --help: command line only */
};

typedef struct tp_opt {
    const char *name;
    enum opt_kind kind;
    size_t off;
    unsigned long long min, max;
    unsigned scale;
    const char *why; /* what a bad value is told */
} tp_opt;

#define CFG(field) offsetof(tp_notary_config, field)
static const tp_opt k_opts[] = {
    {"listen", K_STR, CFG(listen), 0, 0, 0, NULL},
    {"tee", K_STR, CFG(tee), 0, 0, 0, NULL},
    {"ca-file", K_STR, CFG(ca_file), 0, 0, 0, NULL},
    {"allow-private", K_FLAG, CFG(allow_private), 0, 0, 0, NULL},
    {"allow-port", K_PORTS, 0, 1, 65535, 0, "wants a port 1-65535 or 'any' (at most 32 ports)"},
    {"cert", K_STR, CFG(cert_file), 0, 0, 0, NULL},
    {"key", K_STR, CFG(key_file), 0, 0, 0, NULL},
    {"tsm-root", K_STR, CFG(tsm_root), 0, 0, 0, NULL},
    {"nsm-dev", K_STR, CFG(nsm_dev), 0, 0, 0, NULL},
    {"teeserver-socket", K_STR, CFG(teeserver_socket), 0, 0, 0, NULL},
    {"audience", K_STR, CFG(audience), 0, 0, 0, NULL},
    {"max-sessions", K_SIZE, CFG(max_sessions), 1, 1000000, 0, "wants 1-1000000"},
    {"max-transcript", K_SIZE, CFG(max_transcript), 4096, (unsigned long long)1 << 32, 0,
     "wants 4096-4294967296 bytes"},
    {"memory-budget", K_SIZE, CFG(memory_budget), TP_MIN_MEMORY_BUDGET, TP_MAX_MEMORY_BUDGET, 0,
     "wants 1048576-17592186044416 bytes"},
    {"workers", K_SIZE, CFG(workers), 1, TP_WORKERS_MAX, 0, "wants 1-256 threads"},
    {"idle-timeout", K_UINT, CFG(idle_timeout_ms), 1, 86400, 1000, "wants 1-86400 seconds"},
    {"session-timeout", K_UINT, CFG(session_timeout_ms), 1, 86400, 1000, "wants 1-86400 seconds"},
    {"evidence-refresh", K_UINT, CFG(evidence_refresh_s), 60, 86400, 1, "wants 60-86400 seconds"},
    {"key-lifetime", K_UINT, CFG(key_lifetime_s), TP_KEY_LIFETIME_MIN_S, TP_KEY_LIFETIME_MAX_S, 1,
     "wants 2-604800 seconds"},
    {"collateral", K_STR, CFG(collateral_dir), 0, 0, 0, NULL},
    {"collateral-url", K_STR, CFG(collateral_url), 0, 0, 0, NULL},
    {"log-format", K_LOGFMT, CFG(log_json), 0, 0, 0, "wants 'text' or 'json'"},
    {"metrics", K_STR, CFG(metrics), 0, 0, 0, NULL},
    {"metrics-allow-remote", K_FLAG, CFG(metrics_allow_remote), 0, 0, 0, NULL},
    {"config", K_CONFIG, 0, 0, 0, 0, NULL},
    {"help", K_HELP, 0, 0, 0, 0, NULL},
};
#define N_OPTS (sizeof(k_opts) / sizeof(k_opts[0]))

static const char k_usage[] =
    "usage: teeproof-notary --listen HOST:PORT --tee PLATFORM [options]\n"
    "       teeproof-notary --config FILE [options]\n"
    "\n"
    "Runs the teeproof notary: provers open an attested TLS 1.3 channel to it, tunnel their\n"
    "own TLS session with a target through it, and receive a signed proof of the response.\n"
    "\n"
    "  --config FILE           a JSON object whose keys are these options' names without\n"
    "                          '--' (\"allow-port\": [443, 8443], \"allow-private\": true, ...);\n"
    "                          options on the command line override its keys\n"
    "  --listen HOST:PORT      address to accept provers on (port 0 picks a free port);\n"
    "                          prints 'listening on HOST:PORT' when ready\n"
    "  --tee PLATFORM          sim | tdx | sev-snp | nitro | gcp-cs | auto (auto never picks sim)\n"
    "  --ca-file PEM           trust store for target certificates (default: the system's)\n"
    "  --allow-private         allow targets on special-purpose addresses (loopback, private,\n"
    "                          link-local...; refused by default; for tests and enclave forwarders)\n"
    "  --allow-port PORT|any   a target port to tunnel to (repeatable; default 443 only)\n"
    "  --cert PEM --key PEM    channel certificate and key (default: a fresh self-signed one;\n"
    "                          provers trust the attestation, not a CA)\n"
    "  --tsm-root DIR          configfs-tsm report directory (tdx, sev-snp)\n"
    "  --nsm-dev PATH          Nitro Secure Module device (default /dev/nsm)\n"
    "  --teeserver-socket PATH Confidential Space launcher socket\n"
    "                          (default /run/container_launcher/teeserver.sock)\n"
    "  --audience AUD          Confidential Space token audience (default teeproof)\n"
    "  --max-sessions N        concurrent sessions (default 1024)\n"
    "  --max-transcript BYTES  recorded bytes per session, both directions (default 16777216)\n"
    "  --memory-budget BYTES   memory all sessions together may hold: buffers, recordings and\n"
    "                          an estimate of TLS state (default 1073741824); a session that\n"
    "                          would exceed it is refused with memory-budget\n"
    "  --workers N             threads that replay and sign proofs, off the event loop\n"
    "                          (default: one per online CPU)\n"
    "  --idle-timeout SECONDS  end a session after this long without traffic (default 30)\n"
    "  --session-timeout SECONDS  a session's maximum lifetime (default 300)\n"
    "  --evidence-refresh SECONDS  re-obtain evidence for the same key this often (default\n"
    "                          1200; Nitro documents and Confidential Space tokens expire)\n"
    "  --key-lifetime SECONDS  each signing key's attested window (default 3600, 2-604800);\n"
    "                          a new key replaces it before the window ends, the old one is\n"
    "                          wiped; a leaked key can sign only proofs dated in its window\n"
    "  --collateral DIR        tdx: Intel PCS collateral (TCB Info, QE Identity, CRLs; layout in\n"
    "                          docs/platforms.md) re-read at each refresh and sent with the\n"
    "                          evidence, so proofs carry it; sev-snp: AMD CRLs (and\n"
    "                          snp_vcek.der / snp_vlek.der when the evidence lacks it)\n"
    "  --collateral-url URL    the same fetched from a local PCS/KDS-compatible cache (a\n"
    "                          PCCS): http://HOST[:PORT][/PREFIX] on a loopback or private\n"
    "                          address (plain HTTP: the collateral is signed), at start and\n"
    "                          at each refresh, by the refresher thread\n"
    "  --log-format text|json  stderr log lines: human text (default) or one JSON object per\n"
    "                          line (time, level, event, target, error, durations, bytes)\n"
    "  --metrics HOST:PORT     serve Prometheus metrics at http://HOST:PORT/metrics; prints\n"
    "                          'metrics on HOST:PORT' before 'listening on'; loopback only\n"
    "                          unless --metrics-allow-remote\n"
    "  --metrics-allow-remote  allow a non-loopback --metrics address\n"
    "  --help                  this text\n"
    "\n"
    "Stops cleanly on SIGTERM or SIGINT. On SIGUSR1 logs one status line on stderr:\n"
    "'teeproof-notary: status: sessions=N memory=BYTES budget=BYTES paused=N'.\n";

/* Where a value comes from, for error messages: "--max-sessions" or "config F: key 'x'". */
typedef struct origin {
    const char *file; /* NULL: the command line */
    const char *key;
} origin;

static int bad(const origin *o, const char *why)
{
    if (o->file)
        fprintf(stderr, "error: config %s: key '%s' %s\n", o->file, o->key, why);
    else
        fprintf(stderr, "error: --%s %s (see --help)\n", o->key, why);
    return 0;
}

static int parse_number(const char *s, unsigned long long min, unsigned long long max,
                        unsigned long long *out)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

static int add_port(tp_notary_config *c, const char *arg)
{
    unsigned long long v;
    if (strcmp(arg, "any") == 0) {
        c->allow_any_port = 1;
        return 1;
    }
    if (!parse_number(arg, 1, 65535, &v) || c->n_allow_ports >= TP_NOTARY_MAX_ALLOW_PORTS)
        return 0;
    c->allow_ports[c->n_allow_ports++] = (uint16_t)v;
    return 1;
}

/* Applies one value (NULL for a flag) of option o; 1, or 0 after saying why. */
static int apply(tp_notary_config *c, const tp_opt *o, const char *v, const origin *from)
{
    char *field = (char *)c + o->off;
    unsigned long long n;
    switch (o->kind) {
    case K_STR:
        if (v[0] == '\0')
            return bad(from, "wants a non-empty value");
        *(const char **)field = v;
        return 1;
    case K_FLAG:
        *(int *)field = 1;
        return 1;
    case K_SIZE:
        if (!parse_number(v, o->min, o->max, &n))
            return bad(from, o->why);
        *(size_t *)field = (size_t)n;
        return 1;
    case K_UINT:
        if (!parse_number(v, o->min, o->max, &n))
            return bad(from, o->why);
        *(unsigned *)field = (unsigned)n * o->scale;
        return 1;
    case K_PORTS:
        return add_port(c, v) ? 1 : bad(from, o->why);
    case K_LOGFMT:
        if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
            return bad(from, o->why);
        *(int *)field = strcmp(v, "json") == 0;
        return 1;
    default:
        return bad(from, "is not allowed here");
    }
}

static const tp_opt *find_opt(const char *name)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strcmp(k_opts[i].name, name) == 0)
            return &k_opts[i];
    return NULL;
}

/* One JSON value of a key: a string, a non-negative integer (numeric options), true for a
 * flag (false leaves it off). */
static int apply_json(tp_notary_config *c, const tp_opt *o, json_t *v, const origin *from)
{
    char num[TP_NUMBER_TEXT];
    if (o->kind == K_FLAG) {
        if (!json_is_boolean(v))
            return bad(from, "wants true or false");
        return json_is_true(v) ? apply(c, o, NULL, from) : 1;
    }
    if (json_is_integer(v) && (o->kind == K_SIZE || o->kind == K_UINT || o->kind == K_PORTS)) {
        if (json_integer_value(v) < 0)
            return bad(from, o->why);
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return apply(c, o, num, from);
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return bad(from, o->kind == K_STR || o->kind == K_LOGFMT ? "wants a string" : "wants a number or a string");
    return apply(c, o, json_string_value(v), from);
}

static int apply_file(tp_notary_config *c, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    tp_error err;
    if (tp_read_file(path, &text, &len, &err) != TP_OK || len > TP_CONFIG_MAX_BYTES) {
        fprintf(stderr, "error: config %s: %s\n", path, text ? "larger than 65536 bytes" : tp_error_message(&err));
        free(text);
        return 0;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!json_is_object(root)) {
        if (root)
            fprintf(stderr, "error: config %s: not a JSON object\n", path);
        else
            fprintf(stderr, "error: config %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
        json_decref(root);
        return 0;
    }
    c->config_doc = root; /* the strings applied point into it */
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        const tp_opt *o = find_opt(key);
        origin from = {path, key};
        if (o == NULL || o->kind == K_CONFIG || o->kind == K_HELP) {
            fprintf(stderr, "error: config %s: unknown key '%s'\n", path, key);
            return 0;
        }
        if (json_is_array(v) && o->kind == K_PORTS) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) if (!apply_json(c, o, e, &from)) return 0;
        } else if (!apply_json(c, o, v, &from)) {
            return 0;
        }
    }
    return 1;
}

/* getopt_long's table, built from k_opts: val is the index + 256. */
static void long_options(struct option *lo)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        int no_arg = k_opts[i].kind == K_FLAG || k_opts[i].kind == K_HELP;
        lo[i] = (struct option){k_opts[i].name, no_arg ? no_argument : required_argument, NULL, (int)i + 256};
    }
    lo[N_OPTS] = (struct option){NULL, 0, NULL, 0};
}

/* Pass 1: --help, --config, unknown options, and whether --allow-port is given. */
static int scan(int argc, char **argv, const struct option *lo, const char **config, int *cli_ports)
{
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (o < 256 || o >= 256 + (int)N_OPTS) {
            fprintf(stderr, "error: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
        const tp_opt *opt = &k_opts[o - 256];
        if (opt->kind == K_HELP) {
            fputs(k_usage, stdout);
            return 1;
        }
        if (opt->kind == K_CONFIG)
            *config = optarg;
        *cli_ports |= opt->kind == K_PORTS;
    }
    if (optind < argc) {
        fprintf(stderr, "error: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    return 0;
}

static int check(tp_notary_config *c)
{
    const char *why = NULL;
    if (c->listen == NULL || c->tee == NULL)
        why = "--listen and --tee are required";
    else if ((c->cert_file == NULL) != (c->key_file == NULL))
        why = "--cert and --key go together";
    else if (c->metrics_allow_remote && c->metrics == NULL)
        why = "--metrics-allow-remote needs --metrics";
    if (why) {
        fprintf(stderr, "error: %s (see --help)\n", why);
        return 2;
    }
    if (!c->allow_any_port && c->n_allow_ports == 0)
        c->allow_ports[c->n_allow_ports++] = TP_DEFAULT_TARGET_PORT;
    return 0;
}

int tp_notary_options(int argc, char **argv, tp_notary_config *c)
{
    struct option lo[N_OPTS + 1];
    long_options(lo);
    const char *config = NULL;
    int cli_ports = 0, rc = scan(argc, argv, lo, &config, &cli_ports), o;
    if (rc != 0)
        return rc;
    if (config != NULL && !apply_file(c, config))
        return 2;
    if (cli_ports) { /* the command line's list replaces the file's */
        c->n_allow_ports = 0;
        c->allow_any_port = 0;
    }
    optind = 0;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        const tp_opt *opt = &k_opts[o - 256];
        origin from = {NULL, opt->name};
        if (opt->kind != K_CONFIG && !apply(c, opt, optarg, &from))
            return 2;
    }
    return check(c);
}

void tp_notary_options_free(tp_notary_config *c)
{
    json_decref(c->config_doc);
    c->config_doc = NULL;
}
