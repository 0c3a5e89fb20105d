/* The notary daemon: one process, one epoll loop, many sessions. */
#ifndef TP_NOTARY_NOTARY_H
#define TP_NOTARY_NOTARY_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdint.h>

#include "notary/metrics.h"
#include "tee/identity.h"

/* Target ports given with --allow-port (443 when none is given). */
#define TP_NOTARY_MAX_ALLOW_PORTS 32

typedef struct tp_notary_config {
    const char *listen;          /* HOST:PORT */
    const char *tee;             /* attestation platform */
    const char *ca_file;         /* trust store for targets; NULL = system */
    const char *cert_file;       /* channel TLS certificate; NULL = self-signed */
    const char *key_file;
    const char *tsm_root;        /* configfs-tsm override (tdx, sev-snp) */
    const char *nsm_dev;         /* Nitro NSM device override */
    const char *teeserver_socket;/* Confidential Space launcher socket override */
    const char *audience;        /* Confidential Space token audience */
    int allow_private;           /* allow special-purpose target addresses (loopback, private...) */
    uint16_t allow_ports[TP_NOTARY_MAX_ALLOW_PORTS]; /* target ports tunnelled to */
    size_t n_allow_ports;
    int allow_any_port;          /* --allow-port any */
    size_t max_sessions;
    size_t max_transcript;       /* bytes recorded per session, both directions */
    size_t memory_budget;        /* bytes all sessions together may hold (memory.c) */
    unsigned idle_timeout_ms;    /* no traffic for this long ends a session */
    unsigned session_timeout_ms; /* a session's whole lifetime */
    unsigned connect_timeout_ms;
    unsigned evidence_refresh_s; /* re-obtain evidence this often; 0 = never */
    unsigned key_lifetime_s;     /* each signing key's window; a new key at its end */
    const char *collateral_dir;  /* tdx, sev-snp: collateral bundled with the evidence, or NULL */
    const char *collateral_url;  /* the same from a local PCS/KDS-compatible cache, or NULL */
    int log_json;                /* --log-format json (log.c) */
    const char *metrics;         /* --metrics HOST:PORT, or NULL (metrics_http.c) */
    int metrics_allow_remote;    /* a non-loopback --metrics address is allowed */
    struct json_t *config_doc;   /* --config's document: strings above may point into it */
    size_t workers;              /* proof replay threads (workers.c); 0 = one per online CPU */
} tp_notary_config;

/* --key-lifetime bounds; the longest is the longest window verifiers accept. */
#define TP_KEY_LIFETIME_MIN_S 2
#define TP_KEY_LIFETIME_MAX_S TP_KEY_WINDOW_MAX_S

/* The one background thread: makes the next signing identity before the current key's
 * window ends and swaps it in, and refreshes evidence, off the event loop (a quote or
 * token request can block for a while), so the loop never waits on the TEE. */
typedef struct tp_refresher {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int running;
    int stop;
} tp_refresher;

/* epoll registration: data.ptr points at one of these. */
typedef struct tp_io {
    int fd;
    uint32_t events; /* what epoll watches for now (set by tp_io_add and tp_io_mod) */
    void (*on_event)(struct tp_io *io, uint32_t events);
    void *owner;
} tp_io;

typedef struct tp_session tp_session;
typedef struct tp_resolver tp_resolver;
typedef struct tp_workers tp_workers;

typedef struct tp_notary {
    tp_notary_config cfg;
    int epfd;
    int listen_fd;
    int nodelay_checked, nodelay_inherited; /* accepted sockets inherit TCP_NODELAY (loop.c) */
    int signal_fd;
    tp_io listen_io;
    tp_io signal_io;
    SSL_CTX *ssl_ctx;
    tp_attester *attester;
    tp_identity *identity;       /* current key; swapped by the refresher under identity_lock */
    struct tp_pcs_source *pcs;   /* --collateral-url, parsed; NULL without */
    pthread_mutex_t identity_lock;
    tp_refresher refresher;
    tp_resolver *resolver;
    tp_workers *workers;         /* proof replay pool (workers.c) */
    uint64_t next_session_id;
    X509_STORE *trust;
    char trust_id[80];           /* "system" or "sha256:<hex>" */
    tp_session *sessions;        /* doubly linked list */
    tp_session *graveyard;       /* destroyed this loop turn, freed after it */
    tp_session **by_id;          /* sessions by id (tp_session_find): chained buckets */
    size_t by_id_mask;           /* buckets - 1, a power of two minus one; 0 before the first */
    uint64_t sweep_due;          /* no session has a deadline before this (session.c) */
    size_t n_sessions;
    size_t mem_used;             /* bytes charged by all sessions against cfg.memory_budget */
    size_t n_refusing;           /* sessions open only to say limit or memory-budget */
    tp_metrics metrics;          /* counters (metrics.c), served with --metrics */
    struct tp_metrics_http *metrics_http; /* the --metrics listener, or NULL */
    size_t fd_capacity;          /* RLIMIT_NOFILE after raising it (capacity.c) */
    uint64_t accept_paused_until;/* accept() ran out of descriptors: listener unwatched till then */
    size_t sessions_at_pause;    /* ... or until fewer sessions than this are open */
    unsigned long long accept_pauses;
    int accept_failing;          /* the last accept() failed for want of descriptors (logged once) */
    int stop;
} tp_notary;

/* Blocks SIGTERM/SIGINT (stop) and SIGUSR1 (status line) in the calling thread; call before
 * starting any thread so that every thread inherits the mask and the signals reach only the
 * loop's signalfd. */
int tp_block_stop_signals(void);
int tp_io_add(tp_notary *n, tp_io *io, uint32_t events);
int tp_io_mod(tp_notary *n, tp_io *io, uint32_t events);
void tp_io_del(tp_notary *n, tp_io *io);
void tp_io_close(tp_notary *n, tp_io *io); /* close(2) also leaves the epoll set */
uint64_t tp_now_ms(void);

/* Sessions (session.c). */
void tp_session_accept(tp_notary *n, int fd);
void tp_session_sweep(tp_notary *n, uint64_t now_ms);
/* Ends every session and frees the id index. */
void tp_session_close_all(tp_notary *n);
/* Frees sessions destroyed during the last batch of events (their tp_io may still be
 * referenced by that batch, so freeing waits until the batch is done). */
void tp_session_reap(tp_notary *n);

/* The --metrics listener (metrics_http.c): binds cfg.metrics (refused when not loopback
 * unless cfg.metrics_allow_remote); registers it with the loop; ends overdue exchanges
 * (sweep); closes it. Without cfg.metrics, listen and the rest do nothing. */
tp_err tp_metrics_http_listen(tp_notary *n, char *bound, size_t bound_len, tp_error *err);
int tp_metrics_http_register(tp_notary *n);
void tp_metrics_http_sweep(tp_notary *n, uint64_t now_ms);
void tp_metrics_http_close(tp_notary *n);
/* A listening socket on HOST:PORT for what ("--listen", "--metrics"), optionally only on a
 * loopback address (setup.c); bound gets the address actually bound. */
tp_err tp_notary_bind(const char *spec, const char *what, int loopback_only, int *fd,
                      char *bound, size_t bound_len, tp_error *err);

/* Descriptors (capacity.c): raises the soft RLIMIT_NOFILE to the hard limit and logs the
 * sessions it holds (call before opening anything); after accept() failed with error: 1 if
 * it was for want of descriptors or memory (the listener is paused), else 0; resume resumes
 * it once the pause is over or a session ended; the loop's epoll timeout for that. */
void tp_notary_raise_fd_limit(tp_notary *n);
int tp_accept_failed(tp_notary *n, int error);
void tp_accept_resume(tp_notary *n, uint64_t now);
int tp_loop_timeout_ms(const tp_notary *n, uint64_t now, int longest);

/* Memory accounting (memory.c): one line on stderr with the session count, the memory
 * charged against the budget and the sessions paused by their queue cap (on SIGUSR1). */
void tp_notary_log_status(const tp_notary *n);

/* Setup (setup.c): trust store, channel TLS context, identity. */
tp_err tp_notary_setup(tp_notary *n, tp_error *err);
void tp_notary_teardown(tp_notary *n);
/* Bundles the operator's collateral (--collateral or --collateral-url) with id's evidence,
 * now and at each refresh; nothing without either. */
tp_err tp_notary_attach_collateral(tp_notary *n, tp_identity *id, tp_error *err);
tp_err tp_notary_listen(tp_notary *n, char *bound, size_t bound_len, tp_error *err);
int tp_notary_run(tp_notary *n);

/* refresh.c */
/* A new reference to the current identity (release with tp_identity_free). Any thread. */
tp_identity *tp_notary_identity(tp_notary *n);
int tp_refresher_start(tp_notary *n);
void tp_refresher_stop(tp_notary *n);

#endif
