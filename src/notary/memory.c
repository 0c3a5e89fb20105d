/* The notary's memory bounds: the per-session queue cap and the whole-process budget
 * (--memory-budget). Every session charges its footprint (the allocations of its buffers
 * plus an estimate of its OpenSSL state) to one counter, notary->mem_used; a new session
 * that would not fit, or a session whose buffers grow the total past the budget, is
 * refused with memory-budget. The spare recording regions kept for reuse (base/region.h)
 * count as the notary's too, and are given back before anything is refused. Also the
 * SIGUSR1 status line. */
#include "notary/session.h"

#include "base/region.h"

/* What a session costs beyond its tp_buf allocations and its struct: the OpenSSL
 * connection (record buffers of about 17 KiB each way while records flow, handshake and
 * key schedule state). Measured: 23 KiB of RSS per idle attested session (250 held by
 * tp-flood --hold); 48 KiB leaves room for the record buffers of a busy one. */
#define TP_SSL_CONN_ESTIMATE (48u << 10)

int tp_session_queue_full(const tp_session *s)
{
    size_t queued = s->out.len - s->out_pos;
    if (s->target.fd >= 0) /* bytes for a target that is gone wait for nothing */
        queued += s->to_target.len - s->to_target_pos;
    return queued >= TP_SESSION_QUEUE_CAP;
}

size_t tp_session_footprint(const tp_session *s)
{
    return sizeof(*s) + TP_SSL_CONN_ESTIMATE * (s->direct ? 2 : 1) + s->in.buf.cap + s->out.cap + s->to_target.cap +
           s->rec_client.cap + s->rec_server.cap + (s->write_buffered ? TP_PROVER_WRITE_BUFFER : 0);
}

void tp_session_charge(tp_session *s)
{
    size_t now = tp_session_footprint(s);
    s->notary->mem_used = s->notary->mem_used - s->mem_charged + now;
    s->mem_charged = now;
}

/* 1 if the notary holds at most its budget plus `extra`. What it holds are its sessions'
 * and jobs' charges and the spare recording regions it keeps for reuse (base/region.h);
 * over the budget, the spares are given back first. */
static int fits(const tp_notary *n, size_t extra)
{
    size_t budget = n->cfg.memory_budget;
    if (n->mem_used > budget || budget - n->mem_used < extra)
        return 0;
    if (tp_region_spare_bytes() <= budget - n->mem_used - extra)
        return 1;
    tp_region_trim();
    return 1;
}

int tp_session_within_budget(tp_session *s)
{
    size_t before = s->mem_charged;
    tp_session_charge(s);
    /* Only the session whose growth crossed the budget is refused, not a bystander. */
    if (s->mem_charged <= before || fits(s->notary, 0) || s->state == TP_SESS_CLOSING)
        return 1;
    tp_session_fail_budget(s);
    return 0;
}

void tp_session_fail_budget(tp_session *s)
{
    tp_error e;
    tp_error_set(&e, TP_ERR_MEMORY_BUDGET, "notary memory budget exhausted; try again later");
    tp_session_fail(s, &e);
}

int tp_notary_admits_session(const tp_notary *n)
{
    return fits(n, sizeof(tp_session) + TP_SSL_CONN_ESTIMATE);
}

void tp_session_trim_idle(tp_session *s)
{
    s->trimmed = 1;
    if (s->state != TP_SESS_READY && s->state != TP_SESS_TUNNEL && s->state != TP_SESS_RELAY_DONE)
        return;
    if (s->out_pos == s->out.len && !s->ssl_wants_write) {
        tp_buf_free(&s->out);
        s->out_pos = 0;
    }
    if (s->to_target_pos == s->to_target.len) {
        tp_buf_free(&s->to_target);
        s->to_target_pos = 0;
    }
    if (s->in.pos == s->in.buf.len)
        tp_frame_decoder_free(&s->in);
    tp_session_charge(s);
}

void tp_session_release_unneeded(tp_session *s)
{
    tp_buf_free(&s->rec_client); /* holds the prover's encrypted secrets: wiped */
    tp_buf_free(&s->rec_server);
    tp_buf_free(&s->to_target);
    s->to_target_pos = 0;
    tp_frame_decoder_free(&s->in);
    s->frames_waiting = 0;
    tp_session_charge(s);
}

void tp_notary_log_status(const tp_notary *n)
{
    size_t paused = 0;
    for (const tp_session *s = n->sessions; s != NULL; s = s->next)
        paused += tp_session_queue_full(s);
    tp_event_status(n, paused);
}
