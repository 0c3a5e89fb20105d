/* Proof replay off the event loop: a pool of worker threads (--workers, default one per
 * online CPU) runs tp_notarize on a job that owns everything it reads (the session's
 * recordings, moved out of it; the PROVE request with its secrets; a reference to the
 * identity). The loop only moves bytes: results come back through an eventfd watched by
 * the loop and are matched to their session by id, never by pointer: a session that ended
 * meanwhile is simply not found, and its job is wiped and freed. Jobs are only ever touched
 * by one thread at a time (the queue's lock hands them over); mem_used is only touched by
 * the loop, which charges a job's bytes from submission until its result is consumed. */
#ifndef TP_NOTARY_WORKERS_H
#define TP_NOTARY_WORKERS_H

#include <jansson.h>

#include "notary/notary.h"
#include "tee/notarize.h"

/* --workers bounds (0 on the command line is not accepted; the default is the CPUs). */
#define TP_WORKERS_MAX 256
/* A replay of at least this many recorded bytes is large. Small and large replays have
 * their own queues and threads: --workers threads (default one per CPU) for small ones, and
 * one fewer (at least one: that is the cap on large replays at once) for large ones, so a
 * small proof never waits behind multi-megabyte replays. The large threads also run at the
 * lowest priority (Linux: SCHED_BATCH and nice 19 on the thread's own TID; the event loop and
 * the small threads stay at the process's), so they take the CPU only when the loop and the
 * small replays leave it: a small proof does not compete with them on equal terms. */
#define TP_WORKERS_LARGE_JOB (1u << 20)
#define TP_WORKERS_LARGE_NICE 19
/* Thread names (ps -L, top -H, /proc/PID/task/TID/comm; at most 15 characters). */
#define TP_WORKERS_NAME_SMALL "tp-replay-small"
#define TP_WORKERS_NAME_LARGE "tp-replay-large"

/* Secret inputs of a PROVE request, wiped when the job is freed. */
typedef struct tp_prove_secrets {
    tp_buf key;
    tp_buf seed;                  /* the prover's commitment seed */
    tp_var *vars;
    size_t n_vars;
} tp_prove_secrets;

typedef struct tp_prove_job {
    struct tp_prove_job *next;
    uint64_t session_id;
    /* Inputs, owned by the job. */
    tp_buf rec_client, rec_server; /* moved from the session */
    json_t *request;               /* the PROVE request: manifest and vars point into it */
    tp_prove_secrets secrets;
    tp_vars vars;
    char tunnel_host[256];         /* the session's target name, copied */
    tp_notarize_input in;          /* points into the above */
    tp_identity *identity;         /* a reference, released when the job is freed */
    size_t mem_charged;            /* this job's share of notary->mem_used (loop only) */
    uint64_t t0;                   /* tp_now_ms() at submission */
    int direct;                    /* direct mode: tls holds what the notary's client saw */
    tp_tls_verify_result tls;      /* direct mode: request and response bytes copied from
                                      rec_client/rec_server by the worker (wiped) */
    /* Result, written by the worker. */
    tp_err rc;
    tp_error err;
    char *proof;
    size_t proof_len;
} tp_prove_job;

typedef struct tp_workers tp_workers;

/* A job for session_id with empty buffers; NULL on allocation failure. */
tp_prove_job *tp_prove_job_new(uint64_t session_id);
/* Wipes the secrets and the recordings (client bytes carry the prover's secrets) and frees. */
void tp_prove_job_free(tp_prove_job *job);

/* Starts n->cfg.workers threads (0: one per online CPU) and registers the result eventfd. */
int tp_workers_start(tp_notary *n);
/* Joins the threads (a running replay finishes first) and frees every job left. */
void tp_workers_stop(tp_notary *n);
/* Queues a job (the pool owns it from now on) and charges its bytes; 1/0 (then the caller
 * still owns it). Loop thread only. */
int tp_workers_submit(tp_notary *n, tp_prove_job *job);

/* Time the running jobs of queue (0 small, 1 large) have run so far, in microseconds: with
 * metrics.replay_busy_us (jobs done), the busy time up to now (metrics.c). Any thread. */
uint64_t tp_workers_running_us(const tp_notary *n, int queue);

/* Moves the session's recordings (rec_client, rec_server) into the job, and back. */
void tp_prove_job_take_recordings(tp_prove_job *job, tp_session *s);
void tp_prove_job_return_recordings(tp_prove_job *job, tp_session *s);

/* A job's result for its session, still in TP_SESS_PROVING: the proof is sent or the
 * session fails. The job's recordings come back to the session. handlers.c for tunnel
 * mode; direct.c for direct mode (the response in DATA frames, then the proof). */
void tp_session_prove_done(tp_session *s, tp_prove_job *job);
void tp_direct_prove_done(tp_session *s, tp_prove_job *job);

#endif
