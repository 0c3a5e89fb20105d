/* Session lifecycle and the prover's TLS channel (non-blocking OpenSSL under epoll). */
#include "notary/session.h"

#include "base/region.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void on_prover_event(tp_io *io, uint32_t events);

/* Buckets of the id index at first; it doubles when sessions outnumber its buckets, so that
 * resolver and worker results find their session in constant time among thousands. */
#define TP_ID_BUCKETS_MIN 1024

static tp_session **id_bucket(tp_notary *n, uint64_t id)
{
    return &n->by_id[id & n->by_id_mask]; /* ids are sequential: the low bits spread them */
}

/* 1, or 0 if the first table cannot be allocated (a bigger one failing keeps the old). */
static int id_index_grow(tp_notary *n)
{
    size_t buckets = n->by_id ? (n->by_id_mask + 1) * 2 : TP_ID_BUCKETS_MIN;
    tp_session **t = calloc(buckets, sizeof(*t));
    if (t == NULL)
        return n->by_id != NULL;
    tp_session **old = n->by_id;
    size_t old_n = old ? n->by_id_mask + 1 : 0;
    n->by_id = t;
    n->by_id_mask = buckets - 1;
    for (size_t i = 0; i < old_n; i++)
        for (tp_session *s = old[i], *next; s != NULL; s = next) {
            next = s->id_next;
            s->id_next = *id_bucket(n, s->id);
            *id_bucket(n, s->id) = s;
        }
    free(old);
    return 1;
}

static void index_free(tp_notary *n)
{
    free(n->by_id);
    n->by_id = NULL;
    n->by_id_mask = 0;
}

static int link_session(tp_notary *n, tp_session *s)
{
    if ((n->by_id == NULL || n->n_sessions > n->by_id_mask) && !id_index_grow(n))
        return 0;
    s->id_next = *id_bucket(n, s->id);
    *id_bucket(n, s->id) = s;
    s->next = n->sessions;
    if (n->sessions)
        n->sessions->prev = s;
    n->sessions = s;
    n->n_sessions++;
    return 1;
}

static void unlink_session(tp_notary *n, tp_session *s)
{
    tp_session **p = id_bucket(n, s->id);
    while (*p != s)
        p = &(*p)->id_next;
    *p = s->id_next;
    if (s->prev)
        s->prev->next = s->next;
    else
        n->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    n->n_sessions--;
}

static void touch(tp_session *s)
{
    s->idle_deadline = tp_now_ms() + s->notary->cfg.idle_timeout_ms;
    s->trimmed = 0;
}

/* Notes whether each read(2) of the channel's socket returned less than it asked for. */
static long note_short_read(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
                            int ret, size_t *processed)
{
    (void)argp, (void)argi, (void)argl;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        tp_session *s = (tp_session *)BIO_get_callback_arg(b);
        s->read_drained = ret > 0 && processed != NULL && *processed < len;
    }
    return ret;
}

void tp_session_accept(tp_notary *n, int fd)
{
    int busy = n->n_sessions >= n->cfg.max_sessions, broke = !busy && !tp_notary_admits_session(n);
    if ((busy || broke) && n->n_refusing >= TP_MAX_REFUSING) {
        close(fd); /* even the refusals are too many: no TLS state for this one */
        return;
    }
    tp_session *s = calloc(1, sizeof(*s));
    SSL *ssl = s ? SSL_new(n->ssl_ctx) : NULL;
    if (ssl == NULL || !SSL_set_fd(ssl, fd)) {
        SSL_free(ssl);
        free(s);
        close(fd);
        return;
    }
    s->notary = n;
    s->id = ++n->next_session_id;
    s->ssl = ssl;
    s->state = TP_SESS_HANDSHAKE;
    s->busy_reject = busy;
    s->budget_reject = broke;
    s->prover = (tp_io){.fd = fd, .on_event = on_prover_event, .owner = s};
    s->target = (tp_io){.fd = -1, .on_event = tp_relay_on_event, .owner = s};
    s->end_deadline = tp_now_ms() + n->cfg.session_timeout_ms;
    /* Public bytes, not wiped: the target's ciphertext and the frames to the prover. The
     * recording may grow to --max-transcript: past a MiB it moves to huge pages. */
    tp_buf_init_large(&s->rec_server, 1);
    tp_buf_init_public(&s->out);
    touch(s);
    SSL_set_accept_state(ssl);
    BIO_set_callback_ex(SSL_get_rbio(ssl), note_short_read);
    BIO_set_callback_arg(SSL_get_rbio(ssl), (char *)s);
    if (!link_session(n, s)) {
        SSL_free(ssl);
        free(s);
        close(fd);
        return;
    }
    if (!tp_io_add(n, &s->prover, EPOLLIN)) {
        unlink_session(n, s);
        SSL_free(ssl);
        free(s);
        close(fd);
        return;
    }
    n->n_refusing += busy || broke;
    tp_session_charge(s);
    tp_session_sweep_lower(s);
}

void tp_session_destroy(tp_session *s)
{
    tp_notary *n = s->notary;
    tp_relay_close(s);
    tp_direct_free(s);
    SSL_free(s->ssl);
    tp_io_close(n, &s->prover);
    tp_frame_decoder_free(&s->in);
    tp_buf_free(&s->out);
    tp_buf_free(&s->to_target);
    tp_buf_free(&s->rec_client); /* holds the prover's encrypted secrets */
    tp_buf_free(&s->rec_server);
    tp_identity_free(s->identity); /* the last holder of a rotated key wipes it */
    s->identity = NULL;
    n->mem_used -= s->mem_charged;
    s->mem_charged = 0;
    n->n_refusing -= s->busy_reject || s->budget_reject;
    unlink_session(n, s);
    s->dead = 1;
    s->next = n->graveyard;
    n->graveyard = s;
}

tp_session *tp_session_find(tp_notary *n, uint64_t id)
{
    if (n->by_id == NULL)
        return NULL;
    for (tp_session *s = *id_bucket(n, id); s != NULL; s = s->id_next)
        if (s->id == id)
            return s;
    return NULL;
}

void tp_session_reap(tp_notary *n)
{
    while (n->graveyard) {
        tp_session *s = n->graveyard;
        n->graveyard = s->next;
        free(s);
    }
}

int tp_session_send(tp_session *s, uint8_t type, const void *p, size_t n)
{
    return tp_frame_write(&s->out, type, p, n);
}

void tp_session_fail(tp_session *s, const tp_error *e)
{
    tp_event_session_refused(s, e); /* logged and counted once; not after a refused proof */
    tp_relay_close(s);
    if (s->state != TP_SESS_HANDSHAKE)
        tp_error_frame_write(&s->out, e);
    s->state = TP_SESS_CLOSING;
}

void tp_session_update_interest(tp_session *s)
{
    tp_session_sweep_lower(s); /* every change of state or deadline ends here */
    uint32_t ev = 0;
    int out_pending = s->out_pos < s->out.len || s->ssl_wants_write;
    int full = tp_session_queue_full(s);
    /* Stop reading the prover while its queues are full (it does not read its answers, or
     * the target cannot keep up); frames already received come back through EPOLLOUT. */
    int reading = s->state != TP_SESS_CLOSING && s->state != TP_SESS_PROVING;
    if (reading && !full)
        ev |= EPOLLIN;
    if (s->state == TP_SESS_PROVING)
        ev |= EPOLLRDHUP; /* the prover leaving ends the session: its replay result is dropped */
    if (out_pending || ((s->frames_waiting || s->ssl_buffered) && reading && !full))
        ev |= EPOLLOUT;
    tp_io_mod(s->notary, &s->prover, ev);
    if (s->target.fd >= 0) {
        uint32_t tev = 0;
        if (s->state == TP_SESS_CONNECTING || s->to_target_pos < s->to_target.len)
            tev |= EPOLLOUT;
        if (s->state == TP_SESS_TUNNEL && s->out.len - s->out_pos < TP_BACKPRESSURE_BYTES)
            tev |= EPOLLIN;
        if (s->state == TP_SESS_DIRECT)
            tev = tp_direct_interest(s);
        tp_io_mod(s->notary, &s->target, tev);
    }
}

/* 1: progress or would block; 0: the connection is finished or broken. */
static int ssl_step_ok(tp_session *s, int rc)
{
    int e = SSL_get_error(s->ssl, rc);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ)
        return 1;
    if (e == SSL_ERROR_WANT_WRITE) {
        s->ssl_wants_write = 1;
        return 1;
    }
    return 0;
}

static int flush_prover(tp_session *s);

/* What tp_session_send_data could not write now (rc: the failed SSL_write's result, the
 * bytes from p on not written): queued like any frame's rest. */
static int queue_rest(tp_session *s, int rc, const uint8_t *p, size_t n)
{
    if (rc <= 0 && !ssl_step_ok(s, rc))
        s->ssl_wants_write = 1; /* broken: the next write_prover finds out and ends it */
    return tp_buf_append(&s->out, p, n);
}

int tp_session_send_data(tp_session *s, const uint8_t *p, size_t n)
{
    if (s->out_pos < s->out.len || s->ssl_wants_write || s->state == TP_SESS_HANDSHAKE || n == 0 ||
        n > TP_FRAME_MAX_PAYLOAD)
        return tp_session_send(s, TP_MSG_DATA, p, n);
    s->out.len = s->out_pos = 0;
    /* The header and the payload's first bytes fill one record: no record for 5 bytes. */
    uint8_t first[TP_DATA_CHUNK];
    size_t head = n < sizeof(first) - TP_FRAME_HEADER_LEN ? n : sizeof(first) - TP_FRAME_HEADER_LEN;
    size_t first_len = TP_FRAME_HEADER_LEN + head;
    tp_frame_header(first, TP_MSG_DATA, (uint32_t)n);
    memcpy(first + TP_FRAME_HEADER_LEN, p, head);
    int rc = SSL_write(s->ssl, first, (int)first_len);
    if (rc <= 0 || (size_t)rc < first_len) {
        size_t done = rc > 0 ? (size_t)rc : 0;
        return queue_rest(s, rc, first + done, first_len - done) &&
               tp_buf_append(&s->out, p + head, n - head);
    }
    touch(s);
    /* The rest straight from p; a write that would block leaves its bytes to the queue
     * (OpenSSL takes the retry from there: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
    for (size_t off = head; off < n;) {
        size_t k = n - off > 65536 ? 65536 : n - off;
        rc = SSL_write(s->ssl, p + off, (int)k);
        if (rc <= 0)
            return queue_rest(s, rc, p + off, n - off);
        off += (size_t)rc;
    }
    if (!flush_prover(s))
        s->ssl_wants_write = 1; /* broken: the next write_prover finds out and ends it */
    return 1;
}

static int do_handshake(tp_session *s)
{
    int rc = SSL_do_handshake(s->ssl);
    if (rc == 1) {
        s->state = TP_SESS_READY;
        tp_error e;
        if (s->busy_reject) {
            tp_error_set(&e, TP_ERR_LIMIT, "notary busy: %zu sessions in progress, try again later",
                         s->notary->cfg.max_sessions);
            tp_session_fail(s, &e);
        } else if (s->budget_reject) {
            tp_session_fail_budget(s);
        }
        return 1;
    }
    return ssl_step_ok(s, rc);
}

/* Records read per event: one busy prover must not monopolise the loop. The channel
 * reads ahead (one read(2) for several records, not two per record: setup.c), so what is
 * left may wait inside OpenSSL where epoll cannot see it: ssl_buffered then asks for
 * EPOLLOUT (tp_session_update_interest), as frames_waiting does, to come back for it. */
#define TP_READ_BUDGET 64

/* Handles received frames until the decoder needs more bytes, the session closes, its
 * queues are full or this event's share of frames is used up (*quota). */
static void handle_frames(tp_session *s, int *quota)
{
    tp_frame f;
    tp_error err;
    int got = 0;
    s->frames_waiting = 0;
    while (s->state != TP_SESS_CLOSING && s->state != TP_SESS_PROVING) {
        if (tp_session_queue_full(s) || *quota == 0) {
            s->frames_waiting = 1; /* maybe none: the decoder is asked when it resumes */
            return;
        }
        if ((got = tp_frame_decoder_next(&s->in, &f, &err)) != 1)
            break;
        (*quota)--;
        s->in_frame = 1;
        tp_session_handle_frame(s, &f);
        s->in_frame = 0;
    }
    if (s->state != TP_SESS_CLOSING && got < 0)
        tp_session_fail(s, &err);
}

/* Frames left from an earlier event first; then records, while there is room for what
 * they ask for. */
static int read_prover(tp_session *s, uint32_t events)
{
    uint8_t buf[16384]; /* a whole TLS record's plaintext per SSL_read */
    int quota = TP_FRAMES_PER_EVENT;
    handle_frames(s, &quota);
    if (!(events & EPOLLIN) && !s->ssl_buffered && SSL_pending(s->ssl) == 0)
        return 1;
    s->ssl_buffered = 0;
    for (int budget = TP_READ_BUDGET; budget > 0 || SSL_pending(s->ssl) > 0; budget--) {
        if (s->state == TP_SESS_CLOSING || s->state == TP_SESS_PROVING || s->frames_waiting)
            break;
        int rc = SSL_read(s->ssl, buf, sizeof(buf));
        if (rc <= 0) /* WANT_READ: no whole record is left inside OpenSSL */
            return ssl_step_ok(s, rc);
        touch(s);
        if (!tp_frame_decoder_feed(&s->in, buf, (size_t)rc))
            return 0;
        handle_frames(s, &quota);
        /* Everything the socket had at the last (short) read is consumed: stop without the
         * read(2) that would say EAGAIN; epoll (level-triggered) reports anything newer. */
        if (s->read_drained && !SSL_has_pending(s->ssl))
            break;
    }
    s->ssl_buffered = SSL_has_pending(s->ssl); /* stopped early: maybe records read ahead */
    return 1;
}

int tp_session_buffer_writes(tp_session *s)
{
    if (s->write_buffered)
        return 1;
    BIO *buf = BIO_new(BIO_f_buffer()), *sock = SSL_get_wbio(s->ssl);
    if (buf == NULL || sock == NULL || BIO_set_write_buffer_size(buf, TP_PROVER_WRITE_BUFFER) <= 0 ||
        !BIO_up_ref(sock)) {
        BIO_free(buf);
        return 0;
    }
    SSL_set0_wbio(s->ssl, BIO_push(buf, sock)); /* records written so far went out whole */
    s->write_buffered = 1;
    return 1;
}

/* Sends what the write buffer holds: 1 if sent or the socket is full (then wanted again on
 * EPOLLOUT), 0 if the connection is broken. */
static int flush_prover(tp_session *s)
{
    if (!s->write_buffered || BIO_flush(SSL_get_wbio(s->ssl)) > 0)
        return 1;
    if (!BIO_should_retry(SSL_get_wbio(s->ssl)))
        return 0;
    s->ssl_wants_write = 1;
    return 1;
}

static int write_prover(tp_session *s)
{
    s->ssl_wants_write = 0;
    while (s->out_pos < s->out.len) {
        size_t n = s->out.len - s->out_pos;
        int rc = SSL_write(s->ssl, s->out.data + s->out_pos, n > 65536 ? 65536 : (int)n);
        if (rc <= 0)
            return ssl_step_ok(s, rc) ? 1 : 0;
        s->out_pos += (size_t)rc;
        touch(s);
    }
    s->out.len = s->out_pos = 0;
    return flush_prover(s); /* also what reads or the handshake wrote meanwhile */
}

static void on_prover_event(tp_io *io, uint32_t events)
{
    tp_session *s = io->owner;
    /* Called back from inside a frame's handler: the frame points into the decoder, and
     * the event that is handling it writes the answer when the handler returns. */
    if (s->dead || s->in_frame)
        return;
    /* Reset or gone both ways: nothing sent now can arrive, nothing received matters. */
    int ok = !(events & (EPOLLHUP | EPOLLERR)) && !(s->state == TP_SESS_PROVING && (events & EPOLLRDHUP));
    if (ok && s->state == TP_SESS_HANDSHAKE)
        ok = do_handshake(s);
    if (ok && s->state != TP_SESS_HANDSHAKE)
        ok = read_prover(s, events);
    if (ok && s->state != TP_SESS_CLOSING)
        tp_session_within_budget(s); /* the decoder or the answers grew */
    if (ok && s->state == TP_SESS_CLOSING)
        tp_session_release_unneeded(s);
    if (ok && s->state != TP_SESS_HANDSHAKE)
        ok = write_prover(s);
    if (ok && s->state == TP_SESS_CLOSING && s->out_pos == s->out.len && !s->ssl_wants_write) {
        SSL_shutdown(s->ssl);
        ok = 0;
    }
    if (!ok) {
        tp_session_destroy(s);
        return;
    }
    tp_relay_flush(s);
    tp_session_update_interest(s);
}

void tp_session_resume(tp_session *s)
{
    touch(s); /* the idle clock restarts when the notary's own work is done */
    on_prover_event(&s->prover, 0);
}

static void expire(tp_session *s, const char *what)
{
    tp_error e;
    tp_error_set(&e, TP_ERR_TIMEOUT, "%s", what);
    if (s->state == TP_SESS_HANDSHAKE || s->state == TP_SESS_CLOSING) {
        tp_session_destroy(s);
        return;
    }
    tp_session_fail(s, &e);
    write_prover(s);
    SSL_shutdown(s->ssl);
    tp_session_destroy(s);
}

/* A session waiting for its replay is not idle: the wait is the notary's (a large replay
 * runs at the lowest priority and may queue), so only --session-timeout bounds it. */
static int idle_applies(const tp_session *s)
{
    return s->state != TP_SESS_PROVING;
}

/* The earliest time tp_session_sweep has something to do for s (the tests below). */
static uint64_t sweep_due(const tp_session *s)
{
    uint64_t idle = idle_applies(s) ? s->idle_deadline : UINT64_MAX;
    uint64_t due = s->end_deadline < idle ? s->end_deadline : idle;
    if ((s->state == TP_SESS_RESOLVING || s->state == TP_SESS_CONNECTING) && s->connect_deadline < due)
        due = s->connect_deadline;
    if (s->state == TP_SESS_CONNECTING && s->attempt_deadline < due)
        due = s->attempt_deadline;
    uint64_t trim = s->idle_deadline + TP_IDLE_TRIM_MS - s->notary->cfg.idle_timeout_ms;
    return !s->trimmed && trim < due ? trim : due;
}

void tp_session_sweep_lower(tp_session *s)
{
    uint64_t due = sweep_due(s);
    if (due < s->notary->sweep_due)
        s->notary->sweep_due = due;
}

void tp_session_sweep(tp_notary *n, uint64_t now)
{
    tp_region_trim_idle(); /* recording pages kept for reuse, unused for a while */
    if (now < n->sweep_due) /* no session's deadline has come: no walk over thousands */
        return;
    n->sweep_due = UINT64_MAX; /* lowered again below, and by events during the walk */
    tp_session *next;
    for (tp_session *s = n->sessions; s != NULL; s = next) {
        next = s->next;
        if ((s->state == TP_SESS_RESOLVING || s->state == TP_SESS_CONNECTING) && now >= s->connect_deadline)
            expire(s, s->state == TP_SESS_RESOLVING ? "resolving the target timed out"
                                                    : "connecting to the target timed out");
        else if (s->state == TP_SESS_CONNECTING && now >= s->attempt_deadline)
            tp_relay_attempt_expired(s); /* the target's next address */
        else if (now >= s->end_deadline)
            expire(s, "session exceeded its maximum duration");
        else if (now >= s->idle_deadline && idle_applies(s))
            expire(s, "session idle for too long");
        else if (!s->trimmed && now + n->cfg.idle_timeout_ms >= s->idle_deadline + TP_IDLE_TRIM_MS)
            tp_session_trim_idle(s);
        if (!s->dead)
            tp_session_sweep_lower(s);
    }
}

void tp_session_close_all(tp_notary *n)
{
    while (n->sessions)
        tp_session_destroy(n->sessions);
    tp_session_reap(n);
    index_free(n);
}
