/* teeproof-notary: the notary daemon (tunnel mode). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "notary/notary.h"
#include "notary/workers.h"
#include "teeproof/memory.h"

static const char k_usage[] =
    "usage: teeproof-notary --listen HOST:PORT --tee PLATFORM [options]\n"
    "\n"
    "Runs the teeproof notary: provers open an attested TLS 1.3 channel to it, tunnel their\n"
    "own TLS session with a target through it, and receive a signed proof of the response.\n"
    "\n"
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
    "                          evidence, so proofs carry it\n"
    "  --help                  this text\n"
    "\n"
    "Stops cleanly on SIGTERM or SIGINT. On SIGUSR1 prints one status line on stderr:\n"
    "'teeproof-notary: status: sessions=N memory=BYTES budget=BYTES paused=N'.\n";

#define TP_DEFAULT_MEMORY_BUDGET ((size_t)1 << 30)
#define TP_MIN_MEMORY_BUDGET ((size_t)1 << 20)

static int die_usage(const char *msg)
{
    fprintf(stderr, "error: %s (see --help)\n", msg);
    return 2;
}

static int parse_size(const char *s, size_t min, size_t max, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || s[0] == '-' || v < min || v > max)
        return 0;
    *out = (size_t)v;
    return 1;
}

#define TP_DEFAULT_TARGET_PORT 443

/* --allow-port PORT|any; 1/0. */
static int add_port(tp_notary_config *c, const char *arg)
{
    size_t v;
    if (strcmp(arg, "any") == 0) {
        c->allow_any_port = 1;
        return 1;
    }
    if (!parse_size(arg, 1, 65535, &v) || c->n_allow_ports >= TP_NOTARY_MAX_ALLOW_PORTS)
        return 0;
    c->allow_ports[c->n_allow_ports++] = (uint16_t)v;
    return 1;
}

enum { OPT_CA = 256, OPT_ALLOW_PRIVATE, OPT_CERT, OPT_KEY, OPT_TSM, OPT_MAXS, OPT_MAXT, OPT_IDLE, OPT_SESS, OPT_REFRESH, OPT_NSM, OPT_TEESERVER, OPT_AUD, OPT_LIFETIME, OPT_COLL, OPT_ALLOW_PORT, OPT_MEMB, OPT_WORKERS };

static int parse_args(int argc, char **argv, tp_notary_config *c)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'}, {"tee", required_argument, NULL, 't'},
        {"ca-file", required_argument, NULL, OPT_CA}, {"allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE},
        {"cert", required_argument, NULL, OPT_CERT}, {"key", required_argument, NULL, OPT_KEY},
        {"tsm-root", required_argument, NULL, OPT_TSM}, {"max-sessions", required_argument, NULL, OPT_MAXS},
        {"max-transcript", required_argument, NULL, OPT_MAXT}, {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"session-timeout", required_argument, NULL, OPT_SESS}, {"help", no_argument, NULL, 'h'},
        {"evidence-refresh", required_argument, NULL, OPT_REFRESH},
        {"nsm-dev", required_argument, NULL, OPT_NSM}, {"teeserver-socket", required_argument, NULL, OPT_TEESERVER},
        {"audience", required_argument, NULL, OPT_AUD},
        {"key-lifetime", required_argument, NULL, OPT_LIFETIME},
        {"collateral", required_argument, NULL, OPT_COLL},
        {"allow-port", required_argument, NULL, OPT_ALLOW_PORT},
        {"memory-budget", required_argument, NULL, OPT_MEMB},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {NULL, 0, NULL, 0},
    };
    size_t v;
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'l': c->listen = optarg; break;
        case 't': c->tee = optarg; break;
        case OPT_CA: c->ca_file = optarg; break;
        case OPT_ALLOW_PRIVATE: c->allow_private = 1; break;
        case OPT_CERT: c->cert_file = optarg; break;
        case OPT_KEY: c->key_file = optarg; break;
        case OPT_TSM: c->tsm_root = optarg; break;
        case OPT_NSM: c->nsm_dev = optarg; break;
        case OPT_TEESERVER: c->teeserver_socket = optarg; break;
        case OPT_AUD: c->audience = optarg; break;
        case OPT_COLL: c->collateral_dir = optarg; break;
        case OPT_MAXS:
            if (!parse_size(optarg, 1, 1000000, &c->max_sessions)) return die_usage("--max-sessions wants 1-1000000");
            break;
        case OPT_MAXT:
            if (!parse_size(optarg, 4096, (size_t)1 << 32, &c->max_transcript)) return die_usage("--max-transcript wants 4096-4294967296 bytes");
            break;
        case OPT_MEMB:
            if (!parse_size(optarg, TP_MIN_MEMORY_BUDGET, (size_t)1 << 44, &c->memory_budget))
                return die_usage("--memory-budget wants 1048576-17592186044416 bytes");
            break;
        case OPT_WORKERS:
            if (!parse_size(optarg, 1, TP_WORKERS_MAX, &c->workers)) return die_usage("--workers wants 1-256 threads");
            break;
        case OPT_IDLE:
            if (!parse_size(optarg, 1, 86400, &v)) return die_usage("--idle-timeout wants 1-86400 seconds");
            c->idle_timeout_ms = (unsigned)v * 1000;
            break;
        case OPT_SESS:
            if (!parse_size(optarg, 1, 86400, &v)) return die_usage("--session-timeout wants 1-86400 seconds");
            c->session_timeout_ms = (unsigned)v * 1000;
            break;
        case OPT_REFRESH:
            if (!parse_size(optarg, 60, 86400, &v)) return die_usage("--evidence-refresh wants 60-86400 seconds");
            c->evidence_refresh_s = (unsigned)v;
            break;
        case OPT_LIFETIME:
            if (!parse_size(optarg, TP_KEY_LIFETIME_MIN_S, TP_KEY_LIFETIME_MAX_S, &v))
                return die_usage("--key-lifetime wants 2-604800 seconds");
            c->key_lifetime_s = (unsigned)v;
            break;
        case OPT_ALLOW_PORT:
            if (!add_port(c, optarg)) return die_usage("--allow-port wants a port 1-65535 or 'any' (at most 32 ports)");
            break;
        case 'h': fputs(k_usage, stdout); return 1;
        default: {
            char msg[128];
            snprintf(msg, sizeof(msg), "unknown or incomplete option '%s'", argv[optind - 1]);
            return die_usage(msg);
        }
        }
    }
    if (optind < argc)
        return die_usage("unexpected argument");
    if (c->listen == NULL || c->tee == NULL)
        return die_usage("--listen and --tee are required");
    if ((c->cert_file == NULL) != (c->key_file == NULL))
        return die_usage("--cert and --key go together");
    if (!c->allow_any_port && c->n_allow_ports == 0)
        c->allow_ports[c->n_allow_ports++] = TP_DEFAULT_TARGET_PORT;
    return 0;
}

int main(int argc, char **argv)
{
    tp_notary n = {.epfd = -1, .listen_fd = -1, .signal_fd = -1};
    n.cfg = (tp_notary_config){.max_sessions = 1024, .max_transcript = 16u << 20,
                               .memory_budget = TP_DEFAULT_MEMORY_BUDGET,
                               .idle_timeout_ms = 30000, .session_timeout_ms = 300000,
                               .connect_timeout_ms = 10000, .evidence_refresh_s = 1200,
                               .key_lifetime_s = TP_KEY_LIFETIME_DEFAULT_S};
    int rc = parse_args(argc, argv, &n.cfg);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    signal(SIGPIPE, SIG_IGN);
    tp_secure_json_memory(); /* provers' variable values pass through jansson */
    if (!tp_block_stop_signals()) {
        fprintf(stderr, "error: cannot block SIGTERM/SIGINT\n");
        return 1;
    }
    tp_error err;
    tp_error_clear(&err);
    char bound[300];
    n.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (n.epfd < 0 || tp_notary_setup(&n, &err) != TP_OK ||
        tp_notary_listen(&n, bound, sizeof(bound), &err) != TP_OK) {
        fprintf(stderr, "error: %s\n", err.code ? tp_error_message(&err) : "cannot start the event loop");
        tp_notary_teardown(&n);
        return 1;
    }
    printf("listening on %s\n", bound);
    fflush(stdout);
    fprintf(stderr, "teeproof-notary: tee=%s trust=%s\n", tp_attester_platform(n.attester), n.trust_id);
    int ok = tp_notary_run(&n);
    tp_notary_teardown(&n);
    if (!ok) {
        fprintf(stderr, "error: event loop failed\n");
        return 1;
    }
    return 0;
}
