/* teeproof-notary: the notary daemon (tunnel mode). Options: options.c; logs: log.c;
 * metrics: metrics.c and metrics_http.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "notary/log.h"
#include "notary/notary.h"
#include "notary/options.h"
#include "teeproof/memory.h"

#define TP_DEFAULT_MEMORY_BUDGET ((size_t)1 << 30)

/* The listener(s), then "metrics on" and "listening on" on stdout (scripts wait for the
 * latter), then the loop until a stop signal. */
static int run(tp_notary *n)
{
    tp_error err;
    tp_error_clear(&err);
    char bound[300], mbound[300];
    tp_notary_raise_fd_limit(n);
    n->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (n->epfd < 0 || tp_notary_setup(n, &err) != TP_OK || tp_notary_listen(n, bound, sizeof(bound), &err) != TP_OK ||
        tp_metrics_http_listen(n, mbound, sizeof(mbound), &err) != TP_OK) {
        fprintf(stderr, "error: %s\n", err.code ? tp_error_message(&err) : "cannot start the event loop");
        return 1;
    }
    if (n->metrics_http != NULL) {
        printf("metrics on %s\n", mbound);
        tp_event_metrics_listening(n, mbound);
    }
    printf("listening on %s\n", bound);
    fflush(stdout);
    tp_event_listening(n, bound);
    int ok = tp_notary_run(n);
    tp_event_stopping(n);
    if (!ok) {
        fprintf(stderr, "error: event loop failed\n");
        return 1;
    }
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
    tp_secure_json_memory(); /* provers' variable values pass through jansson; set first */
    int rc = tp_notary_options(argc, argv, &n.cfg);
    if (rc != 0) {
        tp_notary_options_free(&n.cfg);
        return rc == 1 ? 0 : rc;
    }
    tp_log_set_json(n.cfg.log_json);
    signal(SIGPIPE, SIG_IGN);
    if (!tp_block_stop_signals()) {
        fprintf(stderr, "error: cannot block SIGTERM/SIGINT\n");
        tp_notary_options_free(&n.cfg);
        return 1;
    }
    rc = run(&n);
    tp_metrics_http_close(&n);
    tp_notary_teardown(&n);
    tp_notary_options_free(&n.cfg);
    return rc;
}
