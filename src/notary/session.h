/* Internal: one prover session. session.c owns the lifecycle and the prover channel;
 * handlers.c the protocol messages; relay.c the target connection; memory.c its memory. */
#ifndef TP_NOTARY_SESSION_H
#define TP_NOTARY_SESSION_H

#include "notary/notary.h"
#include "notary/target.h"
#include "proto/wire.h"
#include "tls/gate.h"

enum tp_session_state {
    TP_SESS_HANDSHAKE,   /* TLS with the prover in progress */
    TP_SESS_READY,       /* waiting for requests */
    TP_SESS_RESOLVING,   /* tunnel target name being resolved (resolver threads) */
    TP_SESS_CONNECTING,  /* tunnel target connect in progress */
    TP_SESS_TUNNEL,      /* relaying */
    TP_SESS_RELAY_DONE,  /* target closed; waiting for PROVE */
    TP_SESS_DIRECT,      /* direct mode: the notary's own TLS client talks to the target */
    TP_SESS_PROVING,     /* a worker replays the recording (workers.c); the prover is not read */
    TP_SESS_CLOSING,     /* flushing the last message, then close */
};

struct tp_session {
    tp_notary *notary;
    /* What the timeout sweep reads of every session, in its first cache line: with
     * thousands of idle sessions the sweep costs one cache miss per session, not several. */
    tp_session *prev, *next;
    enum tp_session_state state;
    int trimmed;               /* idle: its empty queues were freed (memory.c); traffic clears it */
    uint64_t idle_deadline;
    uint64_t end_deadline;
    uint64_t connect_deadline; /* resolving and connecting, all addresses */
    uint64_t attempt_deadline; /* connecting to the current address */
    tp_session *id_next;       /* its bucket's chain in notary->by_id */
    uint64_t id;               /* resolver results find their session by id */
    int dead;                  /* destroyed; waiting in the graveyard */
    int busy_reject;           /* over max sessions: answer with an error once connected */
    int budget_reject;         /* over the memory budget: likewise */
    int frames_waiting;        /* whole frames left in the decoder (queue full, or the
                                  per-event frame limit): handled before reading more */
    int ssl_buffered;          /* bytes read ahead wait inside OpenSSL (no EPOLLIN will
                                  announce them): read before waiting on the socket */
    size_t mem_charged;        /* this session's share of notary->mem_used */
    int refusal_logged;        /* its error was logged and counted (events.c) */
    int in_frame;              /* a frame's handler is running (on_event must not recurse) */
    int read_drained;          /* the channel's last read(2) was short: the socket had no
                                * more bytes then (session.c, read_prover) */
    tp_io prover;
    SSL *ssl;
    tp_frame_decoder in;
    tp_buf out;                /* frames waiting for SSL_write */
    size_t out_pos;
    int ssl_wants_write;       /* also: the write buffer could not be flushed */
    int write_buffered;        /* records to the prover go through a write buffer */
    tp_io target;              /* fd -1 when none */
    tp_buf to_target;          /* prover bytes waiting for the target */
    size_t to_target_pos;
    tp_identity *identity;     /* the key this session attested (a reference), or NULL */
    int tunnel_used;           /* one tunnel per session */
    int attested;              /* ATTEST_REQ answered: a tunnel may be asked for */
    tp_tls_gate gate;          /* the tunnel carries TLS with target_host, nothing else */
    tp_target_addrs addrs;     /* the target's acceptable addresses, tried in order */
    size_t addr_next;          /* the next one to try */
    int connect_errno;         /* why the last attempt failed */
    char target_host[256];
    uint16_t target_port;
    tp_buf rec_client;         /* recorded prover -> target bytes */
    tp_buf rec_server;         /* recorded target -> prover bytes */
    struct tp_direct *direct;  /* direct mode (DIRECT_REQ) state, or NULL; direct.c */
};

/* Queue a frame to the prover (1/0). */
int tp_session_send(tp_session *s, uint8_t type, const void *p, size_t n);
/* A DATA frame of relayed bytes: written to the prover at once when nothing is queued
 * before it (encrypted from p, not copied into the queue: p is the recording), else, and
 * whatever the socket does not take now, queued as tp_session_send does (1/0). */
int tp_session_send_data(tp_session *s, const uint8_t *p, size_t n);
/* From now on (a large relay, relay.c), records to the prover are gathered in a
 * TP_PROVER_WRITE_BUFFER buffer, kept until the session ends and charged to it, and sent
 * many per write (flushed whenever a write is done): a 100 MiB relay takes 10% less CPU.
 * 1/0 (without it, writes go out one per record). */
int tp_session_buffer_writes(tp_session *s);
#define TP_PROVER_WRITE_BUFFER (256u << 10)
/* Queue an ERROR frame and close once it is flushed. */
void tp_session_fail(tp_session *s, const tp_error *e);
/* Recompute epoll interest for both fds after state or buffers changed (and lowers the
 * notary's next sweep time to the session's next deadline). */
void tp_session_update_interest(tp_session *s);
/* Lowers notary->sweep_due to the earliest time the timeout sweep has something to do for
 * s: every path that sets a deadline or changes state ends in update_interest, which calls
 * it; the sweep skips its walk over all sessions until then. */
void tp_session_sweep_lower(tp_session *s);
void tp_session_destroy(tp_session *s);
/* The live session with this id, or NULL (it ended): threads' results find sessions so. */
tp_session *tp_session_find(tp_notary *n, uint64_t id);
/* Runs the session's prover event handling once without a new event: flushes what a
 * result queued (a proof, an error), closes a finished session, updates epoll interest. */
void tp_session_resume(tp_session *s);

/* handlers.c */
void tp_session_handle_frame(tp_session *s, const tp_frame *f);
/* The identity this session attests and signs with: the notary's current one, taken at
 * the session's first use and kept (a reference) until the session ends, so its proof is
 * signed by the key it attested even if the notary rotated since. */
tp_identity *tp_session_identity(tp_session *s);
/* relay.c */
tp_err tp_relay_open(tp_session *s, const char *host, uint16_t port, tp_error *err);
/* The resolver's answer for this session's target: connect, or fail the session. */
void tp_relay_resolved(tp_session *s, tp_err rc, const tp_target_addrs *addrs, const tp_error *err);
void tp_relay_on_event(tp_io *io, uint32_t events);
void tp_relay_close(tp_session *s);
void tp_relay_flush(tp_session *s);
/* Prover bytes for the target, through the TLS gate (fails the session on a violation). */
void tp_relay_from_prover(tp_session *s, const uint8_t *p, size_t n);
/* The current connect attempt ran out of time: the next address, or fail. */
void tp_relay_attempt_expired(tp_session *s);
/* Bytes recorded so far against the per-session cap, and the notary's memory against its
 * budget: 1 if still within both, else fails the session (limit / memory-budget). */
int tp_relay_within_cap(tp_session *s);

/* direct.c: direct mode, the notary as the TLS client (docs/protocol.md, "Direct mode"). */
/* DIRECT_REQ: checks it, then resolves and connects like a tunnel (tp_relay_open). */
void tp_direct_start(tp_session *s, const tp_frame *f);
/* Any frame after DIRECT_REQ: refused (protocol). */
void tp_direct_refuse(tp_session *s, const tp_frame *f);
/* The connect to the target succeeded (relay.c): the TLS client starts. */
void tp_direct_connected(tp_session *s);
/* The epoll events the direct TLS client waits for on the target socket. */
uint32_t tp_direct_interest(const tp_session *s);
/* Frees the TLS client and wipes the request's secrets (session end). */
void tp_direct_free(tp_session *s);

/* Per-session cap on queued bytes: frames waiting for the prover plus bytes waiting for the
 * target. While a session is at it the notary neither reads its prover nor handles the
 * frames already received, and relay.c stops reading its target. A frame handled just
 * under the cap may pass it by that frame's answer (an attestation, at most one proof), and
 * a read from the target by at most 64 KiB (TP_RELAY_READ in relay.c). */
#define TP_SESSION_QUEUE_CAP (256u << 10)
#define TP_BACKPRESSURE_BYTES TP_SESSION_QUEUE_CAP
/* Sessions open at once only to answer limit or memory-budget after the handshake: past
 * this, further connections are closed at once (their TLS state is memory too). */
#define TP_MAX_REFUSING 64
/* Frames handled per prover event: one prover's burst of small frames must not keep the
 * loop from the other sessions (the rest waits in the decoder; see frames_waiting). */
#define TP_FRAMES_PER_EVENT 64

/* memory.c: the session's memory against the whole notary's budget. */
/* 1 while the session's queued bytes are at or over TP_SESSION_QUEUE_CAP. */
int tp_session_queue_full(const tp_session *s);
/* Bytes the session holds now: its buffers' allocations and an estimate of the rest. */
size_t tp_session_footprint(const tp_session *s);
/* Brings notary->mem_used up to date with this session's footprint. */
void tp_session_charge(tp_session *s);
/* Charges the session; if it grew and the notary is now over its budget (and the session
 * is still working), fails it with memory-budget and returns 0. */
int tp_session_within_budget(tp_session *s);
/* Fails the session with memory-budget ("notary memory budget exhausted; try again later"). */
void tp_session_fail_budget(tp_session *s);
/* 1 if a new session fits in the budget next to the existing ones. */
int tp_notary_admits_session(const tp_notary *n);
/* A session that moved no byte for this long frees its empty queues (tp_session_trim_idle):
 * thousands of idle sessions then hold little more than their OpenSSL state. */
#define TP_IDLE_TRIM_MS 1000
/* Frees the session's empty queues (frames to the prover, bytes to the target, the
 * decoder) while it waits for its prover or target (ready, tunnel, relay done); its next
 * traffic allocates them again. */
void tp_session_trim_idle(tp_session *s);
/* Frees what a failed or finished session no longer needs (recordings, queues to the
 * target, received frames): only its answer to the prover stays until it is flushed. */
void tp_session_release_unneeded(tp_session *s);

#endif
