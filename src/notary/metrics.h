/* The notary's counters (metrics.c) and the events that move them and are logged
 * (events.c), served as Prometheus text by metrics_http.c (--metrics HOST:PORT). Counters
 * are atomics: the loop, the refresher thread and any worker may count. */
#ifndef TP_NOTARY_METRICS_H
#define TP_NOTARY_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

/* teeproof_proof_duration_seconds buckets (upper bounds, milliseconds). */
#define TP_METRICS_DURATION_BUCKETS 12
extern const unsigned tp_metrics_bucket_ms[TP_METRICS_DURATION_BUCKETS];

typedef struct tp_metrics {
    atomic_ullong proofs_signed;
    atomic_ullong proofs_refused[TP_ERR__COUNT];   /* by error */
    atomic_ullong sessions_refused[TP_ERR__COUNT]; /* ended with an error outside PROVE */
    atomic_ullong bytes_to_target;                 /* recorded prover -> target bytes */
    atomic_ullong bytes_to_prover;                 /* recorded target -> prover bytes */
    atomic_ullong duration_bucket[TP_METRICS_DURATION_BUCKETS]; /* not cumulative */
    atomic_ullong duration_count;
    atomic_ullong duration_sum_ms;
    atomic_ullong keys_rotated;
    atomic_ullong evidence_refreshed;
    atomic_ullong refresh_failures;                /* key rotations and evidence refreshes */
    /* Replay workers (workers.c), per queue: [0] small replays, [1] large ones. */
    atomic_ullong replays[2];                      /* jobs run (tunnel and direct) */
    atomic_ullong replay_busy_us[2];               /* wall time a thread spent on a job */
    atomic_ullong replay_cpu_us[2];                /* CPU time of the threads on jobs */
    size_t replay_threads[2];                      /* threads serving the queue (set at start) */
} tp_metrics;

typedef struct tp_notary tp_notary;
typedef struct tp_session tp_session;
typedef struct tp_buf tp_buf;

/* metrics.c: the exposition of n's metrics now (Prometheus text format 0.0.4), appended
 * to out; 1/0 (out of memory). Loop thread. */
int tp_metrics_render(tp_notary *n, tp_buf *out);
void tp_metrics_observe_proof(tp_metrics *m, int signed_ok, tp_err err, uint64_t ms);

/* events.c: each logs one line and counts. */
void tp_event_listening(tp_notary *n, const char *bound);
void tp_event_metrics_listening(tp_notary *n, const char *bound);
void tp_event_stopping(tp_notary *n);
/* A PROVE request's outcome (rc TP_OK: signed), after ms milliseconds. */
void tp_event_proof(tp_session *s, tp_err rc, const tp_error *e, uint64_t ms);
/* A session ends with an error other than a refused proof (once per session). */
void tp_event_session_refused(tp_session *s, const tp_error *e);
void tp_event_key_rotated(tp_notary *n, int64_t not_before, int64_t not_after);
void tp_event_key_rotation_failed(tp_notary *n, tp_err rc, const tp_error *e);
void tp_event_evidence_refreshed(tp_notary *n);
void tp_event_evidence_refresh_failed(tp_notary *n, tp_err rc, const tp_error *e);
void tp_event_status(const tp_notary *n, size_t paused);
/* Recorded tunnel bytes. */
void tp_event_relayed(tp_session *s, int to_target, size_t n);

#endif
