/* Resolver threads for target names; see resolver.h. */
#include "notary/resolver.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "notary/session.h"

static void *resolve_loop(void *arg)
{
    tp_notary *n = arg;
    tp_resolver *r = n->resolver;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && r->todo_head == NULL)
            pthread_cond_wait(&r->work, &r->lock);
        if (r->stop)
            break;
        tp_resolve_job *job = r->todo_head;
        r->todo_head = job->next;
        if (r->todo_head == NULL)
            r->todo_tail = NULL;
        pthread_mutex_unlock(&r->lock);
        job->rc = tp_target_resolve(job->host, job->port, job->allow_private, &job->addrs, &job->err);
        pthread_mutex_lock(&r->lock);
        int first = r->done == NULL; /* else the loop has a wake-up pending for the list */
        job->next = r->done;
        r->done = job;
        if (first) { /* outside the lock: the loop wakes into a free mutex */
            pthread_mutex_unlock(&r->lock);
            uint64_t one = 1;
            (void)!write(r->io.fd, &one, sizeof(one));
            pthread_mutex_lock(&r->lock);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void on_results(tp_io *io, uint32_t events)
{
    tp_notary *n = io->owner;
    tp_resolver *r = n->resolver;
    uint64_t count;
    (void)!read(io->fd, &count, sizeof(count));
    pthread_mutex_lock(&r->lock);
    tp_resolve_job *done = r->done;
    r->done = NULL;
    pthread_mutex_unlock(&r->lock);
    while (done) {
        tp_resolve_job *job = done;
        done = job->next;
        tp_session *s = tp_session_find(n, job->session_id);
        if (s != NULL) /* else the session ended while its name was being resolved */
            tp_relay_resolved(s, job->rc, &job->addrs, &job->err);
        free(job);
    }
}

int tp_resolver_submit(tp_notary *n, uint64_t session_id, const char *host, uint16_t port)
{
    tp_resolver *r = n->resolver;
    tp_resolve_job *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return 0;
    job->session_id = session_id;
    snprintf(job->host, sizeof(job->host), "%s", host);
    job->port = port;
    job->allow_private = n->cfg.allow_private;
    pthread_mutex_lock(&r->lock);
    if (r->todo_tail)
        r->todo_tail->next = job;
    else
        r->todo_head = job;
    r->todo_tail = job;
    pthread_mutex_unlock(&r->lock);
    pthread_cond_signal(&r->work); /* after the unlock: the thread wakes into a free mutex */
    return 1;
}

int tp_resolver_start(tp_notary *n)
{
    tp_resolver *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return 0;
    n->resolver = r;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->work, NULL);
    r->io = (tp_io){.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), .on_event = on_results, .owner = n};
    if (r->io.fd < 0 || !tp_io_add(n, &r->io, EPOLLIN))
        return 0;
    for (size_t i = 0; i < TP_RESOLVER_THREADS; i++) {
        if (pthread_create(&r->threads[i], NULL, resolve_loop, n) != 0)
            return 0;
        r->n_threads++;
    }
    return 1;
}

static void free_jobs(tp_resolve_job *j)
{
    while (j) {
        tp_resolve_job *next = j->next;
        free(j);
        j = next;
    }
}

void tp_resolver_stop(tp_notary *n)
{
    tp_resolver *r = n->resolver;
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->lock);
    /* A thread inside getaddrinfo finishes that lookup first (bounded by the resolver's
     * own timeouts), then sees stop. */
    for (size_t i = 0; i < r->n_threads; i++)
        pthread_join(r->threads[i], NULL);
    free_jobs(r->todo_head);
    free_jobs(r->done);
    if (r->io.fd >= 0)
        close(r->io.fd);
    pthread_cond_destroy(&r->work);
    pthread_mutex_destroy(&r->lock);
    free(r);
    n->resolver = NULL;
}
