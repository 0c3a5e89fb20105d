/* Target name resolution off the event loop: a few threads run getaddrinfo (which blocks
 * for as long as DNS takes) and hand results back through an eventfd watched by the loop.
 * Results are matched to sessions by id, never by pointer: a session may end meanwhile. */
#ifndef TP_NOTARY_RESOLVER_H
#define TP_NOTARY_RESOLVER_H

#include "notary/notary.h"
#include "notary/target.h"

typedef struct tp_resolve_job {
    struct tp_resolve_job *next;
    uint64_t session_id;
    char host[256];
    uint16_t port;
    int allow_private;
    tp_err rc;                 /* result */
    tp_error err;
    tp_target_addrs addrs;
} tp_resolve_job;

#define TP_RESOLVER_THREADS 4

struct tp_resolver {
    pthread_t threads[TP_RESOLVER_THREADS];
    size_t n_threads;
    pthread_mutex_t lock;
    pthread_cond_t work;
    tp_resolve_job *todo_head, *todo_tail;
    tp_resolve_job *done;
    int stop;
    tp_io io;                  /* eventfd: results are ready */
};

int tp_resolver_start(tp_notary *n);
void tp_resolver_stop(tp_notary *n);
/* Queues a lookup for a session; 1/0. */
int tp_resolver_submit(tp_notary *n, uint64_t session_id, const char *host, uint16_t port);

#endif
