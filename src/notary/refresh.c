/* Periodic evidence refresh for the same signing key; see tp_refresher in notary.h. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "notary/notary.h"

static void *refresh_loop(void *arg)
{
    tp_notary *n = arg;
    tp_refresher *r = &n->refresher;
    unsigned wait_s = n->cfg.evidence_refresh_s;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait_s;
        while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
            ;
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->lock);
        tp_error err;
        tp_err rc = tp_identity_refresh(n->identity, n->attester, &err);
        if (rc != TP_OK) /* keep serving the old evidence; retry sooner */
            fprintf(stderr, "teeproof-notary: evidence refresh failed: %s [%s]\n", tp_error_message(&err),
                    tp_err_name(rc));
        wait_s = rc == TP_OK ? n->cfg.evidence_refresh_s : 60;
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int tp_refresher_start(tp_notary *n)
{
    tp_refresher *r = &n->refresher;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    r->stop = 0;
    r->running = pthread_create(&r->thread, NULL, refresh_loop, n) == 0;
    return r->running;
}

void tp_refresher_stop(tp_notary *n)
{
    tp_refresher *r = &n->refresher;
    if (!r->running)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    r->running = 0;
}
