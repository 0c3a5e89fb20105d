/* The notary's metrics in the Prometheus text exposition format (version 0.0.4): counters
 * kept in tp_metrics, gauges read from the notary when asked (sessions, memory, the
 * current key's window and evidence age). Names and labels are documented in
 * docs/deploy.md and teeproof-notary(8). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "base/bytes.h"
#include "notary/notary.h"
#include "notary/workers.h"

/* One exposition line is a name, at most two short labels and a number. */
#define TP_METRICS_LINE_MAX 256

const unsigned tp_metrics_bucket_ms[TP_METRICS_DURATION_BUCKETS] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};

void tp_metrics_observe_proof(tp_metrics *m, int signed_ok, tp_err err, uint64_t ms)
{
    if (signed_ok)
        atomic_fetch_add(&m->proofs_signed, 1);
    else if ((unsigned)err < TP_ERR__COUNT)
        atomic_fetch_add(&m->proofs_refused[err], 1);
    size_t b = 0;
    while (b < TP_METRICS_DURATION_BUCKETS && ms > tp_metrics_bucket_ms[b])
        b++;
    if (b < TP_METRICS_DURATION_BUCKETS)
        atomic_fetch_add(&m->duration_bucket[b], 1);
    atomic_fetch_add(&m->duration_count, 1);
    atomic_fetch_add(&m->duration_sum_ms, ms);
}

static int line(tp_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int line(tp_buf *out, const char *fmt, ...)
{
    char l[TP_METRICS_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l, sizeof(l), fmt, ap);
    va_end(ap);
    return k > 0 && (size_t)k < sizeof(l) && tp_buf_append(out, l, (size_t)k);
}

static int head(tp_buf *out, const char *name, const char *type, const char *help)
{
    return line(out, "# HELP %s %s\n", name, help) && line(out, "# TYPE %s %s\n", name, type);
}

static int proofs(tp_metrics *m, tp_buf *out)
{
    int ok = head(out, "teeproof_proofs_total", "counter", "PROVE requests answered, by result and error name.") &&
             line(out, "teeproof_proofs_total{result=\"signed\"} %llu\n",
                  (unsigned long long)atomic_load(&m->proofs_signed));
    for (int e = 1; ok && e < TP_ERR__COUNT; e++) {
        unsigned long long v = atomic_load(&m->proofs_refused[e]);
        if (v)
            ok = line(out, "teeproof_proofs_total{result=\"refused\",error=\"%s\"} %llu\n", tp_err_name((tp_err)e), v);
    }
    ok = ok && head(out, "teeproof_sessions_refused_total", "counter",
                    "Sessions ended with an error outside a PROVE request, by error name.");
    for (int e = 1; ok && e < TP_ERR__COUNT; e++) {
        unsigned long long v = atomic_load(&m->sessions_refused[e]);
        if (v)
            ok = line(out, "teeproof_sessions_refused_total{error=\"%s\"} %llu\n", tp_err_name((tp_err)e), v);
    }
    return ok;
}

static int histogram(tp_metrics *m, tp_buf *out)
{
    const char *name = "teeproof_proof_duration_seconds";
    unsigned long long cum = 0;
    int ok = head(out, name, "histogram", "Time from a PROVE request to its answer.");
    for (size_t b = 0; ok && b < TP_METRICS_DURATION_BUCKETS; b++) {
        cum += atomic_load(&m->duration_bucket[b]);
        ok = line(out, "%s_bucket{le=\"%g\"} %llu\n", name, tp_metrics_bucket_ms[b] / 1000.0, cum);
    }
    unsigned long long count = atomic_load(&m->duration_count);
    return ok && line(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, count) &&
           line(out, "%s_sum %.3f\n", name, (double)atomic_load(&m->duration_sum_ms) / 1000.0) &&
           line(out, "%s_count %llu\n", name, count);
}

static int counters(tp_notary *n, tp_buf *out)
{
    tp_metrics *m = &n->metrics;
    return head(out, "teeproof_sessions", "gauge", "Sessions open now.") &&
           line(out, "teeproof_sessions %zu\n", n->n_sessions) &&
           head(out, "teeproof_sessions_total", "counter", "Sessions accepted since start.") &&
           line(out, "teeproof_sessions_total %llu\n", (unsigned long long)n->next_session_id) &&
           head(out, "teeproof_bytes_relayed_total", "counter", "Tunnel bytes relayed and recorded, by direction.") &&
           line(out, "teeproof_bytes_relayed_total{direction=\"prover_to_target\"} %llu\n",
                (unsigned long long)atomic_load(&m->bytes_to_target)) &&
           line(out, "teeproof_bytes_relayed_total{direction=\"target_to_prover\"} %llu\n",
                (unsigned long long)atomic_load(&m->bytes_to_prover)) &&
           head(out, "teeproof_keys_rotated_total", "counter", "Signing keys replaced by a new one.") &&
           line(out, "teeproof_keys_rotated_total %llu\n", (unsigned long long)atomic_load(&m->keys_rotated)) &&
           head(out, "teeproof_evidence_refreshed_total", "counter", "Evidence re-obtained for the current key.") &&
           line(out, "teeproof_evidence_refreshed_total %llu\n", (unsigned long long)atomic_load(&m->evidence_refreshed)) &&
           head(out, "teeproof_refresh_failures_total", "counter", "Failed key rotations and evidence refreshes.") &&
           line(out, "teeproof_refresh_failures_total %llu\n", (unsigned long long)atomic_load(&m->refresh_failures));
}

static int gauges(tp_notary *n, tp_buf *out)
{
    tp_identity *id = tp_notary_identity(n);
    time_t now = time(NULL);
    pthread_mutex_lock(&id->lock);
    long long age = (long long)(now - id->evidence_time);
    pthread_mutex_unlock(&id->lock);
    long long remaining = (long long)(id->window.not_after - (int64_t)now);
    tp_identity_free(id);
    return head(out, "teeproof_evidence_age_seconds", "gauge", "Age of the evidence served for the current key.") &&
           line(out, "teeproof_evidence_age_seconds %lld\n", age) &&
           head(out, "teeproof_key_window_remaining_seconds", "gauge", "Seconds left in the current key's window.") &&
           line(out, "teeproof_key_window_remaining_seconds %lld\n", remaining) &&
           head(out, "teeproof_memory_bytes", "gauge", "Memory charged by all sessions against the budget.") &&
           line(out, "teeproof_memory_bytes %zu\n", n->mem_used) &&
           head(out, "teeproof_memory_budget_bytes", "gauge", "The memory budget (--memory-budget).") &&
           line(out, "teeproof_memory_budget_bytes %zu\n", n->cfg.memory_budget);
}

/* A replay-queue family: its head, then a sample per queue ([0] small, [1] large). */
static int per_queue(tp_buf *out, const char *name, const char *type, const char *help, double v[2])
{
    return head(out, name, type, help) && line(out, "%s{queue=\"small\"} %.15g\n", name, v[0]) &&
           line(out, "%s{queue=\"large\"} %.15g\n", name, v[1]);
}

/* Per replay queue: busy/threads over an interval is how busy that queue's threads were,
 * cpu/busy how much of that time they had the CPU (a low-priority thread waits for it). */
static int replays(tp_notary *n, tp_buf *out)
{
    tp_metrics *m = &n->metrics;
    double threads[2], jobs[2], busy[2], cpu[2];
    for (int q = 0; q < 2; q++) {
        threads[q] = (double)m->replay_threads[q];
        jobs[q] = (double)atomic_load(&m->replays[q]);
        busy[q] = (double)(atomic_load(&m->replay_busy_us[q]) + tp_workers_running_us(n, q)) / 1e6;
        cpu[q] = (double)atomic_load(&m->replay_cpu_us[q]) / 1e6;
    }
    return per_queue(out, "teeproof_replay_threads", "gauge", "Replay worker threads, by queue.", threads) &&
           per_queue(out, "teeproof_replays_total", "counter", "Replays (and signatures) run by the workers, by queue.", jobs) &&
           per_queue(out, "teeproof_replay_busy_seconds_total", "counter", "Wall time worker threads spent on jobs (running ones so far), by queue.", busy) &&
           per_queue(out, "teeproof_replay_cpu_seconds_total", "counter", "CPU time worker threads spent on jobs, by queue.", cpu);
}

int tp_metrics_render(tp_notary *n, tp_buf *out)
{
    return proofs(&n->metrics, out) && histogram(&n->metrics, out) && counters(n, out) && gauges(n, out) &&
           replays(n, out);
}
