/* What the notary reports as it runs: each event is one log line (text or JSON, log.c)
 * and moves its counters (metrics.c). Fields: target host and port, error names,
 * durations, byte counts; never a secret. */
#include <string.h>

#include "notary/log.h"
#include "notary/session.h"

#define N_FIELDS(a) (sizeof(a) / sizeof((a)[0]))

void tp_event_listening(tp_notary *n, const char *bound)
{
    const char *tee = tp_attester_platform(n->attester);
    tp_log_field f[] = {TP_LOG_STR("address", bound), TP_LOG_STR("tee", tee), TP_LOG_STR("trust", n->trust_id)};
    tp_log(TP_LOG_INFO, "listening", f, N_FIELDS(f), "tee=%s trust=%s listening on %s", tee, n->trust_id, bound);
}

void tp_event_metrics_listening(tp_notary *n, const char *bound)
{
    tp_log_field f[] = {TP_LOG_STR("address", bound)};
    tp_log(TP_LOG_INFO, "metrics-listening", f, N_FIELDS(f), "metrics on http://%s/metrics", bound);
}

void tp_event_stopping(tp_notary *n)
{
    tp_log_field f[] = {TP_LOG_INT("sessions", n->n_sessions)};
    tp_log(TP_LOG_INFO, "stopping", f, N_FIELDS(f), "stopping (%zu sessions open)", n->n_sessions);
}

void tp_event_proof(tp_session *s, tp_err rc, const tp_error *e, uint64_t ms)
{
    tp_metrics_observe_proof(&s->notary->metrics, rc == TP_OK, rc, ms);
    tp_log_field f[] = {TP_LOG_STR("target_host", s->target_host), TP_LOG_INT("target_port", s->target_port),
                        TP_LOG_INT("duration_ms", ms), TP_LOG_INT("bytes_client", s->rec_client.len),
                        TP_LOG_INT("bytes_server", s->rec_server.len),
                        TP_LOG_STR("error", rc == TP_OK ? "" : tp_err_name(rc))};
    if (rc == TP_OK) {
        tp_log(TP_LOG_INFO, "proof-signed", f, N_FIELDS(f) - 1,
               "signed proof for %s:%u (%zu+%zu bytes recorded, %llu ms)", s->target_host, s->target_port,
               s->rec_client.len, s->rec_server.len, (unsigned long long)ms);
        return;
    }
    s->refusal_logged = 1;
    tp_log(TP_LOG_WARN, "proof-refused", f, N_FIELDS(f), "refused %s:%u: %s [%s]", s->target_host,
           s->target_port, tp_error_message(e), tp_err_name(rc));
}

void tp_event_session_refused(tp_session *s, const tp_error *e)
{
    if (s->refusal_logged)
        return;
    s->refusal_logged = 1;
    tp_err rc = e->code;
    if ((unsigned)rc < TP_ERR__COUNT)
        atomic_fetch_add(&s->notary->metrics.sessions_refused[rc], 1);
    const char *host = s->target_host[0] ? s->target_host : "-";
    tp_log_field f[] = {TP_LOG_INT("session", s->id), TP_LOG_STR("target_host", host),
                        TP_LOG_INT("target_port", s->target_port), TP_LOG_STR("error", tp_err_name(rc))};
    tp_log(TP_LOG_WARN, "session-refused", f, N_FIELDS(f), "session %llu (%s:%u) refused: %s [%s]",
           (unsigned long long)s->id, host, s->target_port, tp_error_message(e), tp_err_name(rc));
}

void tp_event_key_rotated(tp_notary *n, int64_t not_before, int64_t not_after)
{
    atomic_fetch_add(&n->metrics.keys_rotated, 1);
    tp_log_field f[] = {TP_LOG_INT("not_before", not_before), TP_LOG_INT("not_after", not_after)};
    tp_log(TP_LOG_INFO, "key-rotated", f, N_FIELDS(f), "new signing key, window [%lld, %lld]",
           (long long)not_before, (long long)not_after);
}

void tp_event_key_rotation_failed(tp_notary *n, tp_err rc, const tp_error *e)
{
    atomic_fetch_add(&n->metrics.refresh_failures, 1);
    tp_log_field f[] = {TP_LOG_STR("error", tp_err_name(rc))};
    tp_log(TP_LOG_ERROR, "key-rotation-failed", f, N_FIELDS(f), "key rotation failed: %s [%s]",
           tp_error_message(e), tp_err_name(rc));
}

void tp_event_evidence_refreshed(tp_notary *n)
{
    atomic_fetch_add(&n->metrics.evidence_refreshed, 1);
    tp_log(TP_LOG_INFO, "evidence-refreshed", NULL, 0, "evidence refreshed for the current key");
}

void tp_event_evidence_refresh_failed(tp_notary *n, tp_err rc, const tp_error *e)
{
    atomic_fetch_add(&n->metrics.refresh_failures, 1);
    tp_log_field f[] = {TP_LOG_STR("error", tp_err_name(rc))};
    tp_log(TP_LOG_ERROR, "evidence-refresh-failed", f, N_FIELDS(f), "evidence refresh failed: %s [%s]",
           tp_error_message(e), tp_err_name(rc));
}

void tp_event_status(const tp_notary *n, size_t paused)
{
    tp_log_field f[] = {TP_LOG_INT("sessions", n->n_sessions), TP_LOG_INT("memory_bytes", n->mem_used),
                        TP_LOG_INT("budget_bytes", n->cfg.memory_budget), TP_LOG_INT("paused", paused)};
    tp_log(TP_LOG_INFO, "status", f, N_FIELDS(f), "status: sessions=%zu memory=%zu budget=%zu paused=%zu",
           n->n_sessions, n->mem_used, n->cfg.memory_budget, paused);
}

void tp_event_relayed(tp_session *s, int to_target, size_t n)
{
    atomic_fetch_add(to_target ? &s->notary->metrics.bytes_to_target : &s->notary->metrics.bytes_to_prover, n);
}
