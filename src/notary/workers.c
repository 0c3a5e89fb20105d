/* The proof replay worker pool; see workers.h. */
#include "notary/workers.h"

#include <pthread.h> /* pthread_setname_np (_GNU_SOURCE) */
#include <sched.h>   /* SCHED_BATCH */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/json_bytes.h"
#include "notary/session.h"

/* A worker thread and the queue it serves: 0 small replays, 1 large ones. */
typedef struct worker {
    tp_workers *pool;
    pthread_t thread;
    int queue;
    atomic_ullong started_us;      /* when its job started (now_us); 0 while idle */
} worker;

struct tp_workers {
    worker *threads;
    size_t n_threads;
    pthread_mutex_t lock;
    pthread_cond_t work[2];        /* a job in queue [0] small, [1] large */
    tp_prove_job *todo_head[2], *todo_tail[2]; /* [0] small jobs, [1] large ones */
    tp_metrics *metrics;           /* the notary's: replays, busy and CPU time per queue */
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
    tp_tls_verify_result_free(&job->tls);
    free(job->secrets.vars);
    tp_json_wipe_decref(job->request); /* the variables, the key's and the seed's base64 */
    tp_identity_free(job->identity);
    free(job->proof);
    free(job);
}

void tp_prove_job_take_recordings(tp_prove_job *job, tp_session *s)
{
    tp_buf_free(&job->rec_client);
    tp_buf_free(&job->rec_server);
    job->rec_client = s->rec_client;
    job->rec_server = s->rec_server;
    s->rec_client = (tp_buf)TP_BUF_INIT;
    tp_buf_init_public(&s->rec_server);
}

void tp_prove_job_return_recordings(tp_prove_job *job, tp_session *s)
{
    tp_buf t = s->rec_client;
    s->rec_client = job->rec_client;
    job->rec_client = t;
    t = s->rec_server;
    s->rec_server = job->rec_server;
    job->rec_server = t;
}

static int is_large(const tp_prove_job *job)
{
    return job->rec_client.len + job->rec_server.len >= TP_WORKERS_LARGE_JOB;
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

/* Large-replay threads: the lowest priority of the process, for this thread only (on
 * Linux, setpriority and sched_setscheduler on a TID act on that thread). Failing changes
 * nothing else: the thread then runs at the process's priority. */
static void lower_priority(void)
{
    pid_t tid = (pid_t)syscall(SYS_gettid);
    struct sched_param sp = {.sched_priority = 0};
    (void)!sched_setscheduler(tid, SCHED_BATCH, &sp);
    (void)!setpriority(PRIO_PROCESS, (id_t)tid, TP_WORKERS_LARGE_NICE);
}

static uint64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Direct mode: the request and the response the notary's client saw, copied here (off the
 * loop; the originals go back to the session for the answer), then the shared stages. */
static tp_err notarize_direct(tp_prove_job *job)
{
    if (!tp_buf_append(&job->tls.client_app, job->rec_client.data, job->rec_client.len) ||
        !tp_buf_append(&job->tls.server_app, job->rec_server.data, job->rec_server.len))
        return tp_error_set(&job->err, TP_ERR_NOMEM, NULL);
    return tp_notarize_direct(&job->in, &job->tls, job->identity, &job->proof, &job->proof_len, &job->err);
}

/* One job, timed into the queue's counters (wall time busy and the thread's CPU time). */
static void run_job(worker *me, tp_prove_job *job)
{
    uint64_t t0 = now_us(), c0 = thread_cpu_us();
    atomic_store(&me->started_us, t0);
    job->rc = job->direct ? notarize_direct(job)
                          : tp_notarize(&job->in, job->identity, &job->proof, &job->proof_len, &job->err);
    tp_metrics *m = me->pool->metrics;
    atomic_fetch_add(&m->replays[me->queue], 1);
    atomic_store(&me->started_us, 0);
    atomic_fetch_add(&m->replay_busy_us[me->queue], now_us() - t0);
    atomic_fetch_add(&m->replay_cpu_us[me->queue], thread_cpu_us() - c0);
}

uint64_t tp_workers_running_us(const tp_notary *n, int queue)
{
    const tp_workers *w = n->workers;
    uint64_t sum = 0, now = now_us();
    for (size_t i = 0; w != NULL && i < w->n_threads; i++) {
        uint64_t t0 = atomic_load(&w->threads[i].started_us);
        if (w->threads[i].queue == queue && t0 != 0 && now > t0)
            sum += now - t0;
    }
    return sum;
}

static void *work_loop(void *arg)
{
    worker *me = arg;
    tp_workers *w = me->pool;
    pthread_setname_np(pthread_self(), me->queue ? TP_WORKERS_NAME_LARGE : TP_WORKERS_NAME_SMALL);
    if (me->queue == 1)
        lower_priority();
    pthread_mutex_lock(&w->lock);
    for (;;) {
        tp_prove_job *job = NULL;
        while (!w->stop && (job = take_job(w, me->queue)) == NULL)
            pthread_cond_wait(&w->work[me->queue], &w->lock);
        if (job == NULL) /* stopping; queued jobs are freed by tp_workers_stop */
            break;
        pthread_mutex_unlock(&w->lock);
        run_job(me, job);
        pthread_mutex_lock(&w->lock);
        int first = w->done == NULL; /* else the loop has a wake-up pending for the list */
        job->next = w->done;
        w->done = job;
        if (first) { /* outside the lock: the loop wakes into a free mutex */
            pthread_mutex_unlock(&w->lock);
            uint64_t one = 1;
            (void)!write(w->io.fd, &one, sizeof(one));
            pthread_mutex_lock(&w->lock);
        }
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
            if (job->direct)
                tp_direct_prove_done(s, job);
            else
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
    pthread_mutex_unlock(&w->lock);
    /* One thread serving that queue, signalled after the unlock so that it does not wake
     * into a held mutex (a futex wait and wake more per job). */
    pthread_cond_signal(&w->work[q]);
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
    w->metrics = &n->metrics;
    size_t large = want > 1 ? want - 1 : 1; /* large replays at once: all CPUs but one */
    n->metrics.replay_threads[0] = want;
    n->metrics.replay_threads[1] = large;
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
