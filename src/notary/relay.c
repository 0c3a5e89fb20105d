/* The tunnel: connects to the target (each resolved address in turn), relays bytes between
 * the prover and the target through the TLS gate (tls/gate.h), and records every byte,
 * within the per-session transcript cap. */
#include "notary/session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "notary/resolver.h"
#include "notary/target.h"

tp_err tp_relay_open(tp_session *s, const char *host, uint16_t port, tp_error *err)
{
    int literal = tp_target_is_literal(host); /* parsed here: no resolver thread hand-off */
    if (!literal && !tp_resolver_submit(s->notary, s->id, host, port))
        return tp_error_set(err, TP_ERR_NOMEM, "cannot queue the name lookup");
    snprintf(s->target_host, sizeof(s->target_host), "%s", host);
    s->target_port = port;
    s->tunnel_used = 1;
    s->state = TP_SESS_RESOLVING;
    s->connect_deadline = tp_now_ms() + s->notary->cfg.connect_timeout_ms;
    if (literal) {
        tp_target_addrs addrs;
        tp_error rerr;
        tp_err rc = tp_target_resolve(host, port, s->notary->cfg.allow_private, &addrs, &rerr);
        tp_relay_resolved(s, rc, &addrs, &rerr); /* the same path as a thread's result */
    }
    return TP_OK;
}

static void fail_connect(tp_session *s, int error)
{
    tp_error e;
    tp_error_set(&e, TP_ERR_CONNECT, "cannot connect to %s:%u: %s", s->target_host, s->target_port,
                 strerror(error));
    tp_session_fail(s, &e);
}

/* Starts a connect to the next address that accepts one; when none is left, fails the
 * session with the last attempt's error. Each attempt may take an equal share of the time
 * left, so that every address gets its turn before the overall deadline. */
static void connect_next(tp_session *s)
{
    while (s->addr_next < s->addrs.n) {
        size_t i = s->addr_next++;
        int fd = tp_target_connect_start(&s->addrs.addr[i], s->addrs.len[i]);
        if (fd < 0) {
            s->connect_errno = errno;
            continue;
        }
        s->target.fd = fd;
        if (!tp_io_add(s->notary, &s->target, EPOLLOUT)) {
            s->connect_errno = errno;
            close(fd);
            s->target.fd = -1;
            continue;
        }
        uint64_t now = tp_now_ms(), left = s->connect_deadline > now ? s->connect_deadline - now : 0;
        s->attempt_deadline = now + left / (s->addrs.n - i);
        s->state = TP_SESS_CONNECTING;
        return;
    }
    fail_connect(s, s->connect_errno ? s->connect_errno : ECONNREFUSED);
}

/* The attempt on the current address failed: drop its socket, go on with the next. */
static void next_address(tp_session *s, int error)
{
    s->connect_errno = error;
    tp_io_close(s->notary, &s->target);
    connect_next(s);
}

void tp_relay_attempt_expired(tp_session *s)
{
    if (s->state != TP_SESS_CONNECTING || s->target.fd < 0)
        return;
    next_address(s, ETIMEDOUT);
    s->prover.on_event(&s->prover, 0); /* an error, if that was the last address, goes now */
}

void tp_relay_resolved(tp_session *s, tp_err rc, const tp_target_addrs *addrs, const tp_error *rerr)
{
    if (s->state != TP_SESS_RESOLVING) /* timed out or closed meanwhile */
        return;
    if (rc == TP_OK) {
        s->addrs = *addrs;
        s->addr_next = 0;
        connect_next(s);
    } else {
        tp_session_fail(s, rerr);
    }
    s->prover.on_event(&s->prover, 0); /* send an error now */
}

/* A tunnel that never opened: the prover's early bytes (handlers.c) reached no target, so
 * they are neither sent nor kept as recorded (the recording is what the target received). */
static void drop_early(tp_session *s)
{
    if (s->direct != NULL || (s->state != TP_SESS_RESOLVING && s->state != TP_SESS_CONNECTING))
        return;
    tp_buf_reset(&s->to_target);
    s->to_target_pos = 0;
    tp_buf_reset(&s->rec_client);
}

void tp_relay_close(tp_session *s)
{
    tp_tls_gate_free(&s->gate); /* nothing is relayed after this */
    drop_early(s);
    if (s->state == TP_SESS_RESOLVING)
        s->state = TP_SESS_RELAY_DONE;
    if (s->target.fd < 0)
        return;
    tp_io_close(s->notary, &s->target);
    if (s->state == TP_SESS_TUNNEL || s->state == TP_SESS_CONNECTING || s->state == TP_SESS_DIRECT)
        s->state = TP_SESS_RELAY_DONE;
}

int tp_relay_within_cap(tp_session *s)
{
    size_t total = s->rec_client.len + s->rec_server.len;
    if (total <= s->notary->cfg.max_transcript)
        return tp_session_within_budget(s); /* and the whole notary's memory */
    tp_error e;
    tp_error_set(&e, TP_ERR_LIMIT, "transcript exceeds the notary's limit of %zu bytes",
                 s->notary->cfg.max_transcript);
    tp_session_fail(s, &e);
    return 0;
}

static void finish_connect(tp_session *s)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(s->target.fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
        next_address(s, soerr ? soerr : errno);
        return;
    }
    if (s->direct != NULL) { /* direct mode: the notary's own TLS client, not a relay */
        tp_direct_connected(s);
        return;
    }
    s->state = TP_SESS_TUNNEL;
    tp_session_send(s, TP_MSG_TUNNEL_OK, "{}", 2);
    /* A ClientHello that came as early data waits in to_target: tp_relay_on_event's
     * tp_relay_flush sends it now. */
}

/* The target went away (closed or reset): the relay ends, the recording stays, and the
 * prover is told; whether what was recorded proves anything is for verification to say. */
static void end_relay(tp_session *s)
{
    tp_relay_close(s);
    tp_session_send(s, TP_MSG_TUNNEL_CLOSE, "{}", 2);
}

void tp_relay_flush(tp_session *s)
{
    if (s->target.fd < 0 || s->state != TP_SESS_TUNNEL)
        return;
    while (s->to_target_pos < s->to_target.len) {
        ssize_t n = send(s->target.fd, s->to_target.data + s->to_target_pos,
                         s->to_target.len - s->to_target_pos, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                end_relay(s);
            return;
        }
        s->to_target_pos += (size_t)n;
    }
    s->to_target.len = s->to_target_pos = 0;
}

/* Before the target is connected (early data) the gate's release waits in to_target;
 * tp_relay_flush sends nothing until the tunnel is open. */
void tp_relay_from_prover(tp_session *s, const uint8_t *p, size_t n)
{
    tp_error e;
    if (tp_tls_gate_client(&s->gate, s->target_host, p, n, &s->to_target, &e) != TP_OK) {
        tp_session_fail(s, &e); /* closes the target before anything held reaches it */
        return;
    }
    tp_relay_flush(s);
}

/* Bytes read from the target per recv, sent on as one DATA frame: fewer syscalls, frames
 * and gate calls per byte than one TLS record's worth (bench/relay.sh measures it). A
 * recording past TP_BUF_LARGE_MIN is read into straight, up to TP_RELAY_READ_LARGE at a
 * time, but never so much that the queue to the prover passes its cap by more than
 * TP_RELAY_READ. */
#define TP_RELAY_READ (64u << 10)
#define TP_RELAY_READ_LARGE (256u << 10)

static void fail_recording(tp_session *s)
{
    tp_error e;
    tp_error_set(&e, TP_ERR_NOMEM, "out of memory recording the tunnel");
    tp_session_fail(s, &e);
}

/* Room for the next read (*want bytes). A large recording is read into straight (no copy
 * in between; its region grows in huge-page steps) and its session's writes to the prover
 * are buffered; a smaller one goes through the stack buffer, so that a short recording's
 * allocation stays the size of what it holds and an idle session holds no write buffer. */
static uint8_t *read_room(tp_session *s, uint8_t *stack, size_t *want)
{
    *want = TP_RELAY_READ;
    if (s->rec_server.len < TP_BUF_LARGE_MIN)
        return stack;
    tp_session_buffer_writes(s); /* a large relay: records to the prover a few per write */
    size_t queued = s->out.len - s->out_pos; /* under TP_BACKPRESSURE_BYTES here */
    size_t room = TP_BACKPRESSURE_BYTES - queued + TP_RELAY_READ;
    *want = room < TP_RELAY_READ_LARGE ? room : TP_RELAY_READ_LARGE;
    uint8_t *p = tp_buf_space(&s->rec_server, *want);
    if (p == NULL)
        fail_recording(s);
    return p;
}

/* Reads, checks the bytes with the gate, records them and queues them for the prover. */
static void read_target(tp_session *s)
{
    uint8_t stack[TP_RELAY_READ];
    while (s->state == TP_SESS_TUNNEL && s->out.len - s->out_pos < TP_BACKPRESSURE_BYTES) {
        size_t want;
        uint8_t *buf = read_room(s, stack, &want);
        if (buf == NULL)
            return;
        ssize_t n = recv(s->target.fd, buf, want, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            end_relay(s);
            return;
        }
        tp_error e;
        if (tp_tls_gate_server(&s->gate, buf, (size_t)n, &e) != TP_OK) {
            tp_session_fail(s, &e); /* closes the target; nothing of it reaches the prover */
            return;
        }
        if (buf != stack) {
            tp_buf_added(&s->rec_server, (size_t)n);
        } else if (!tp_buf_append(&s->rec_server, buf, (size_t)n)) {
            fail_recording(s);
            return;
        }
        if (!tp_relay_within_cap(s))
            return;
        tp_event_relayed(s, 0, (size_t)n);
        tp_session_send_data(s, buf, (size_t)n);
    }
}

void tp_relay_on_event(tp_io *io, uint32_t events)
{
    tp_session *s = io->owner;
    if (s->dead)
        return;
    if (s->state == TP_SESS_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        finish_connect(s);
    if (s->state == TP_SESS_TUNNEL && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        read_target(s);
    tp_relay_flush(s);
    /* Push what arrived to the prover now rather than on its next event. */
    s->prover.on_event(&s->prover, 0);
}
