/* Key rotation and evidence refresh on one background thread; see tp_refresher in notary.h.
 * Each signing key has a window [created, created + --key-lifetime]. Before it ends
 * (a handover of min(session timeout, lifetime / 2) seconds, at least 1) the thread makes a
 * new key with evidence for its own window and swaps it in; sessions that attested the old
 * key keep a reference to it and can still get their proof signed inside its window. The
 * old key is freed and wiped when the last reference goes. Between rotations, evidence for
 * the current key is re-obtained every --evidence-refresh seconds (not for sim). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "notary/notary.h"

/* After a failed rotation: try again this soon (never later than lifetime / 2). */
#define ROTATE_RETRY_S 5
/* After a failed evidence refresh: try again this soon; the old evidence is served meanwhile. */
#define REFRESH_RETRY_S 60

tp_identity *tp_notary_identity(tp_notary *n)
{
    pthread_mutex_lock(&n->identity_lock);
    tp_identity *id = tp_identity_ref(n->identity);
    pthread_mutex_unlock(&n->identity_lock);
    return id;
}

/* When the current key must be replaced so that a session attesting it just before still
 * has handover seconds of its window left to get its proof signed. */
static time_t rotation_time(const tp_notary *n, const tp_identity *id)
{
    int64_t lifetime = id->window.not_after - id->window.not_before;
    int64_t handover = n->cfg.session_timeout_ms / 1000;
    if (handover > lifetime / 2)
        handover = lifetime / 2;
    if (handover < 1)
        handover = 1;
    return (time_t)(id->window.not_after - handover);
}

static tp_err rotate(tp_notary *n, tp_error *err)
{
    time_t now = time(NULL);
    tp_key_window w = {(int64_t)now, (int64_t)now + n->cfg.key_lifetime_s};
    tp_identity *next = NULL;
    tp_err rc = tp_identity_create_window(n->attester, &w, &next, err);
    if (rc == TP_OK) /* the new key's evidence needs it too */
        rc = tp_notary_attach_collateral(n, next, err);
    if (rc != TP_OK) {
        tp_identity_free(next);
        return rc;
    }
    pthread_mutex_lock(&n->identity_lock);
    tp_identity *old = n->identity;
    n->identity = next;
    pthread_mutex_unlock(&n->identity_lock);
    tp_identity_free(old); /* the notary's reference; sessions may still hold theirs */
    tp_event_key_rotated(n, w.not_before, w.not_after);
    return TP_OK;
}

static int refreshes_evidence(const tp_notary *n)
{
    return n->cfg.evidence_refresh_s > 0 && strcmp(tp_attester_platform(n->attester), "sim") != 0;
}

/* The next time the thread has something to do. */
static time_t next_wake(tp_notary *n, time_t retry_rotation, time_t next_refresh)
{
    tp_identity *id = tp_notary_identity(n);
    time_t at = rotation_time(n, id);
    tp_identity_free(id);
    if (retry_rotation > at)
        at = retry_rotation;
    if (refreshes_evidence(n) && next_refresh < at)
        at = next_refresh;
    return at;
}

/* Rotates when due, else refreshes the evidence when due; updates the two deadlines. */
static void act(tp_notary *n, time_t *retry_rotation, time_t *next_refresh)
{
    time_t now = time(NULL);
    tp_identity *id = tp_notary_identity(n);
    int rotate_due = now >= rotation_time(n, id) && now >= *retry_rotation;
    tp_error err;
    if (rotate_due) {
        tp_err rc = rotate(n, &err);
        unsigned retry = n->cfg.key_lifetime_s / 2 < ROTATE_RETRY_S ? n->cfg.key_lifetime_s / 2 : ROTATE_RETRY_S;
        *retry_rotation = rc == TP_OK ? 0 : now + (retry ? retry : 1);
        if (rc == TP_OK)
            *next_refresh = now + n->cfg.evidence_refresh_s;
        else /* keep the current key until its window ends; then attestations are refused */
            tp_event_key_rotation_failed(n, rc, &err);
    } else if (refreshes_evidence(n) && now >= *next_refresh) {
        tp_err rc = tp_identity_refresh(id, n->attester, &err);
        if (rc != TP_OK) /* keep serving the old evidence; retry sooner */
            tp_event_evidence_refresh_failed(n, rc, &err);
        else
            tp_event_evidence_refreshed(n);
        *next_refresh = now + (rc == TP_OK ? n->cfg.evidence_refresh_s : REFRESH_RETRY_S);
    }
    tp_identity_free(id);
}

static void *refresh_loop(void *arg)
{
    tp_notary *n = arg;
    tp_refresher *r = &n->refresher;
    time_t retry_rotation = 0, next_refresh = time(NULL) + n->cfg.evidence_refresh_s;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        struct timespec until = {.tv_sec = next_wake(n, retry_rotation, next_refresh), .tv_nsec = 0};
        while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
            ;
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->lock);
        act(n, &retry_rotation, &next_refresh);
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
