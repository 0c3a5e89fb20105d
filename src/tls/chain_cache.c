/* Chains that X509_verify_cert accepted, kept across replays so that a notary seeing the
 * same target chain again does not verify its signatures again (issue 8: the chain was
 * ~9% of the notary's instructions per small proof). Sound because an entry is reused only
 * when every input of that decision is the same (docs/security.md, "Cached chain
 * verification"):
 *  - the certificates, in order, are the very objects verified. tp_cert_decode shares one
 *    decoded object per exact DER byte string, and an entry holds a reference to each, so
 *    an address cannot be reused by another certificate while the entry lives: the same
 *    objects in the same order mean the same DER bytes in the same order;
 *  - the trust store is the same object (referenced, so never a new store at an old
 *    address), holding the same number of objects (a store that gained certificates or
 *    CRLs, e.g. through lazy hashed-directory lookups, is a miss) with the same verify
 *    flags and depth; stores that check CRLs are never cached (their answer depends on more than time);
 *  - the verification time is inside every certificate's validity window on the verified
 *    path, trust anchor included (the only time input of X509_verify_cert without CRLs).
 * Only successes are kept (failures re-run and report their own error); the host name and
 * the CertificateVerify signature over this session's transcript are checked on every
 * replay, outside this cache. Bounded slots, least recently used replaced; one mutex. */
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "tls/tls_internal.h"

#define TP_CHAIN_CACHE_SLOTS 32
#define TP_CHAIN_CACHE_MAX_CERTS 8 /* longer chains are verified every time */
#define TP_CHAIN_CACHE_NO_CRL (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)

typedef struct chain_slot {
    X509_STORE *store;             /* referenced; NULL: free slot */
    int store_objects;             /* the store's object count when verified */
    unsigned long flags;           /* the store's verify flags then */
    int depth;                     /* and its depth limit */
    X509 *certs[TP_CHAIN_CACHE_MAX_CERTS]; /* referenced, in the order sent */
    int n;
    time_t not_before, not_after;  /* the intersection of the path's validity windows */
    uint64_t last_use;
} chain_slot;

static chain_slot g_slots[TP_CHAIN_CACHE_SLOTS];
static uint64_t g_clock;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* The store's object count, or -1; under the store's own lock (lookups may add to it). */
static int store_objects(X509_STORE *store)
{
    if (!X509_STORE_lock(store))
        return -1;
    int n = sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
    X509_STORE_unlock(store);
    return n;
}

static int cacheable(X509_STORE *store, STACK_OF(X509) *chain, unsigned long *flags, int *depth)
{
    const X509_VERIFY_PARAM *param = X509_STORE_get0_param(store);
    *flags = X509_VERIFY_PARAM_get_flags(param);
    *depth = X509_VERIFY_PARAM_get_depth(param);
    int n = sk_X509_num(chain);
    return n > 0 && n <= TP_CHAIN_CACHE_MAX_CERTS && !(*flags & TP_CHAIN_CACHE_NO_CRL);
}

static int same_chain(const chain_slot *s, STACK_OF(X509) *chain)
{
    if (s->n != sk_X509_num(chain))
        return 0;
    for (int i = 0; i < s->n; i++)
        if (s->certs[i] != sk_X509_value(chain, i))
            return 0;
    return 1;
}

static void slot_clear(chain_slot *s)
{
    for (int i = 0; i < s->n; i++)
        X509_free(s->certs[i]);
    X509_STORE_free(s->store);
    memset(s, 0, sizeof(*s));
}

int tp_chain_cache_hit(STACK_OF(X509) *chain, X509_STORE *store, time_t when)
{
    unsigned long flags;
    int depth;
    if (!cacheable(store, chain, &flags, &depth))
        return 0;
    int objects = store_objects(store);
    int hit = 0;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < TP_CHAIN_CACHE_SLOTS && !hit; i++) {
        chain_slot *s = &g_slots[i];
        if (s->store != store || !same_chain(s, chain))
            continue;
        if (s->store_objects != objects || s->flags != flags || s->depth != depth) {
            slot_clear(s); /* the store changed: this answer may no longer hold */
            continue;
        }
        hit = when >= s->not_before && when <= s->not_after;
        if (hit)
            s->last_use = ++g_clock;
    }
    pthread_mutex_unlock(&g_lock);
    return hit;
}

/* t as seconds since the epoch; 0 if it cannot be read. */
static int asn1_seconds(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    *out = timegm(&tm);
    return 1;
}

/* The validity windows of the verified path (leaf to anchor), intersected. */
static int path_window(X509_STORE_CTX *ctx, time_t *nb, time_t *na)
{
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    int n = sk_X509_num(path);
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(path, i);
        time_t b, a;
        if (!asn1_seconds(X509_get0_notBefore(x), &b) || !asn1_seconds(X509_get0_notAfter(x), &a))
            return 0;
        b += 1; /* a fractional notBefore (GeneralizedTime) rounds up: one second early never hits */
        a -= 1; /* X509_cmp_time is <=: a certificate has expired at its notAfter second itself */
        if (i == 0 || b > *nb)
            *nb = b;
        if (i == 0 || a < *na)
            *na = a;
    }
    return n > 0 && *nb <= *na;
}

void tp_chain_cache_put(STACK_OF(X509) *chain, X509_STORE *store, X509_STORE_CTX *verified,
                        time_t when)
{
    unsigned long flags;
    int depth;
    chain_slot e = {.store = store, .n = sk_X509_num(chain)};
    if (!cacheable(store, chain, &flags, &depth) || !path_window(verified, &e.not_before, &e.not_after) ||
        when < e.not_before || when > e.not_after || (e.store_objects = store_objects(store)) < 0)
        return;
    e.flags = flags;
    e.depth = depth;
    pthread_mutex_lock(&g_lock);
    chain_slot *victim = &g_slots[0];
    for (size_t i = 0; i < TP_CHAIN_CACHE_SLOTS; i++) {
        chain_slot *s = &g_slots[i];
        if (s->store == store && same_chain(s, chain)) { /* another thread verified it too */
            pthread_mutex_unlock(&g_lock);
            return;
        }
        if (victim->store != NULL && (s->store == NULL || s->last_use < victim->last_use))
            victim = s;
    }
    int refs = X509_STORE_up_ref(store);
    for (int i = 0; refs && i < e.n; i++)
        if (!X509_up_ref(e.certs[i] = sk_X509_value(chain, i))) {
            for (int j = 0; j < i; j++)
                X509_free(e.certs[j]);
            X509_STORE_free(store);
            refs = 0;
        }
    if (refs) {
        slot_clear(victim);
        e.last_use = ++g_clock;
        *victim = e;
    }
    pthread_mutex_unlock(&g_lock);
}

void tp_chain_cache_clear(void)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < TP_CHAIN_CACHE_SLOTS; i++)
        slot_clear(&g_slots[i]);
    pthread_mutex_unlock(&g_lock);
}
