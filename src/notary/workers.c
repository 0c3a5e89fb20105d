/* The proof replay worker pool; see workers.h. */
#include "notary/workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/json_bytes.h"
#include "notary/session.h"

/* A worker thread and the queue it serves: 0 small replays, 1 large ones. */
typedef struct worker {
    tp_workers *pool;
    pthread_t thread;
    int queue;
} worker;

struct tp_workers {
    worker *threads;
    size_t n_threads;
    pthread_mutex_t lock;
    pthread_cond_t work[2];        /* one per queue: a job wakes one thread that serves it */
    tp_prove_job *todo_head[2], *todo_tail[2]; /* [0] small jobs, [1] large ones */
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

static int is_large(const tp_prove_job *job)
{
    return job->in.client_len + job->in.server_len >= TP_WORKERS_LARGE_JOB;
}

/* The first job of queue q, taken off it; NULL when none. Under the lock. */
static tp_prove_job *take_job(tp_workers *w, int q)
{
    tp_prove_job *job = w->todo_head[q];
    if (job == NULL)
        return NULL;
    w->todo_head[q] = job->next;
    if (w->todo_head[q] == NULL)
        w->todo_tail[q] = NULL;
    return job;
}

static void *work_loop(void *arg)
{
    worker *me = arg;
    tp_workers *w = me->pool;
    /* Large replays yield the CPU to the event loop and to small replays (Linux: a
     * thread's own nice value; failing to lower our priority changes nothing else). */
    if (me->queue == 1)
        (void)!setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), TP_WORKERS_LARGE_NICE);
    pthread_mutex_lock(&w->lock);
    for (;;) {
        tp_prove_job *job = NULL;
        while (!w->stop && (job = take_job(w, me->queue)) == NULL)
            pthread_cond_wait(&w->work[me->queue], &w->lock);
        if (job == NULL) /* stopping; queued jobs are freed by tp_workers_stop */
            break;
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
        if (s != NULL && s->state == TP_SESS_PROVING) {
            tp_session_prove_done(s, job);
            tp_session_resume(s);
        } else { /* the session ended (timeout, the prover left) while it was replayed */
            fprintf(stderr, "teeproof-notary: result for a session that ended meanwhile dropped (%s)\n",
                    job->rc == TP_OK ? "signed, never sent" : tp_err_name(job->rc));
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
    int q = is_large(job);
    pthread_mutex_lock(&w->lock);
    if (w->todo_tail[q])
        w->todo_tail[q]->next = job;
    else
        w->todo_head[q] = job;
    w->todo_tail[q] = job;
    pthread_cond_signal(&w->work[q]); /* one thread of that queue, not every worker */
    pthread_mutex_unlock(&w->lock);
    return 1;
}

/* Small-replay threads: --workers, or one per online CPU. */
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
    pthread_cond_init(&w->work[0], NULL);
    pthread_cond_init(&w->work[1], NULL);
    size_t large = want > 1 ? want - 1 : 1; /* large replays at once: all CPUs but one */
    w->threads = calloc(want + large, sizeof(worker));
    w->io = (tp_io){.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), .on_event = on_results, .owner = n};
    if (w->threads == NULL || w->io.fd < 0 || !tp_io_add(n, &w->io, EPOLLIN))
        return 0;
    for (size_t i = 0; i < want + large; i++) {
        w->threads[i] = (worker){.pool = w, .queue = i >= want};
        if (pthread_create(&w->threads[i].thread, NULL, work_loop, &w->threads[i]) != 0)
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
    pthread_cond_broadcast(&w->work[0]);
    pthread_cond_broadcast(&w->work[1]);
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i].thread, NULL);
    free_jobs(n, w->todo_head[0]);
    free_jobs(n, w->todo_head[1]);
    free_jobs(n, w->done);
    if (w->io.fd >= 0) {
        tp_io_del(n, &w->io);
        close(w->io.fd);
    }
    free(w->threads);
    pthread_cond_destroy(&w->work[0]);
    pthread_cond_destroy(&w->work[1]);
    pthread_mutex_destroy(&w->lock);
    free(w);
    n->workers = NULL;
}
