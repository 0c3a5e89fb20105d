/* The proof replay worker pool; see workers.h. */
#include "notary/workers.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/json_bytes.h"
#include "notary/session.h"

struct tp_workers {
    pthread_t *threads;
    size_t n_threads;
    pthread_mutex_t lock;
    pthread_cond_t work;
    tp_prove_job *todo_head, *todo_tail;
    tp_prove_job *done;
    int stop;
    tp_io io;                      /* eventfd: results are ready */
};

tp_prove_job *tp_prove_job_new(uint64_t session_id)
{
    tp_prove_job *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return NULL;
    job->session_id = session_id;
    job->rec_client = (tp_buf)TP_BUF_INIT;  /* the prover's encrypted secrets: wiped */
    tp_buf_init_public(&job->rec_server);
    job->secrets.key = (tp_buf)TP_BUF_INIT;
    job->secrets.seed = (tp_buf)TP_BUF_INIT;
    return job;
}

void tp_prove_job_free(tp_prove_job *job)
{
    if (job == NULL)
        return;
    tp_buf_free(&job->rec_client);
    tp_buf_free(&job->rec_server);
    tp_buf_free(&job->secrets.key);
    tp_buf_free(&job->secrets.seed);
    free(job->secrets.vars);
    tp_json_wipe_decref(job->request); /* the variables, the key's and the seed's base64 */
    tp_identity_free(job->identity);
    free(job->proof);
    free(job);
}

static void *work_loop(void *arg)
{
    tp_workers *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && w->todo_head == NULL)
            pthread_cond_wait(&w->work, &w->lock);
        if (w->stop)
            break;
        tp_prove_job *job = w->todo_head;
        w->todo_head = job->next;
        if (w->todo_head == NULL)
            w->todo_tail = NULL;
        pthread_mutex_unlock(&w->lock);
        job->rc = tp_notarize(&job->in, job->identity, &job->proof, &job->proof_len, &job->err);
        pthread_mutex_lock(&w->lock);
        job->next = w->done;
        w->done = job;
        uint64_t one = 1;
        (void)!write(w->io.fd, &one, sizeof(one));
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void on_results(tp_io *io, uint32_t events)
{
    (void)events;
    tp_notary *n = io->owner;
    tp_workers *w = n->workers;
    uint64_t count;
    (void)!read(io->fd, &count, sizeof(count));
    pthread_mutex_lock(&w->lock);
    tp_prove_job *done = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->lock);
    while (done) {
        tp_prove_job *job = done;
        done = job->next;
        n->mem_used -= job->mem_charged;
        tp_session *s = tp_session_find(n, job->session_id);
        /* else the session ended (timeout, the prover left) while its proof was replayed */
        if (s != NULL && s->state == TP_SESS_PROVING) {
            tp_session_prove_done(s, job);
            tp_session_resume(s);
        }
        tp_prove_job_free(job);
    }
}

static size_t job_footprint(const tp_prove_job *job)
{
    return sizeof(*job) + job->rec_client.cap + job->rec_server.cap + job->in.manifest_len;
}

int tp_workers_submit(tp_notary *n, tp_prove_job *job)
{
    tp_workers *w = n->workers;
    job->t0 = tp_now_ms();
    job->mem_charged = job_footprint(job);
    n->mem_used += job->mem_charged;
    job->next = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->todo_tail)
        w->todo_tail->next = job;
    else
        w->todo_head = job;
    w->todo_tail = job;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    return 1;
}

static size_t pool_size(const tp_notary *n)
{
    if (n->cfg.workers > 0)
        return n->cfg.workers;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > TP_WORKERS_MAX ? TP_WORKERS_MAX : (size_t)cpus;
}

int tp_workers_start(tp_notary *n)
{
    tp_workers *w = calloc(1, sizeof(*w));
    size_t want = pool_size(n);
    if (w == NULL)
        return 0;
    n->workers = w;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    w->threads = calloc(want, sizeof(pthread_t));
    w->io = (tp_io){.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), .on_event = on_results, .owner = n};
    if (w->threads == NULL || w->io.fd < 0 || !tp_io_add(n, &w->io, EPOLLIN))
        return 0;
    for (size_t i = 0; i < want; i++) {
        if (pthread_create(&w->threads[i], NULL, work_loop, w) != 0)
            return 0;
        w->n_threads++;
    }
    return 1;
}

static void free_jobs(tp_notary *n, tp_prove_job *j)
{
    while (j) {
        tp_prove_job *next = j->next;
        n->mem_used -= j->mem_charged;
        tp_prove_job_free(j);
        j = next;
    }
}

void tp_workers_stop(tp_notary *n)
{
    tp_workers *w = n->workers;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i], NULL);
    free_jobs(n, w->todo_head);
    free_jobs(n, w->done);
    if (w->io.fd >= 0) {
        tp_io_del(n, &w->io);
        close(w->io.fd);
    }
    free(w->threads);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->lock);
    free(w);
    n->workers = NULL;
}
