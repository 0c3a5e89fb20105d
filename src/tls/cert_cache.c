/* Decoded certificates kept across replays. OpenSSL 3 spends most of d2i_X509 in its
 * decoder framework (the public key's decoder lookup), and a notary sees the same few
 * target chains again and again. A certificate is looked up by the SHA-256 of its exact
 * DER and then compared byte for byte, so a hit is the object d2i_X509 would have built
 * from the very same bytes; every check on it (chain, host, signatures, time) still runs
 * on every replay. Only successful decodes are kept; bounded slots, least recently used
 * replaced; one mutex (workers replay in parallel). */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "tls/tls_internal.h"

#define TP_CERT_CACHE_SLOTS 64
#define TP_CERT_CACHE_MAX_DER (16u << 10) /* larger certificates are decoded every time */

typedef struct cert_slot {
    uint8_t sha256[32];
    uint8_t *der;
    size_t len;
    X509 *x;
    uint64_t last_use;
} cert_slot;

static cert_slot g_slots[TP_CERT_CACHE_SLOTS];
static uint64_t g_clock;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static X509 *decode(const uint8_t *der, size_t n)
{
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    if (x != NULL && q != der + n) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The slot holding exactly these bytes, or NULL. Under g_lock. */
static cert_slot *find(const uint8_t sha[32], const uint8_t *der, size_t n)
{
    for (size_t i = 0; i < TP_CERT_CACHE_SLOTS; i++) {
        cert_slot *s = &g_slots[i];
        if (s->x != NULL && s->len == n && memcmp(s->sha256, sha, 32) == 0 && memcmp(s->der, der, n) == 0)
            return s;
    }
    return NULL;
}

/* Keeps a new reference to x for these bytes in the least recently used slot. Under g_lock. */
static void insert(const uint8_t sha[32], const uint8_t *der, size_t n, X509 *x)
{
    cert_slot *victim = &g_slots[0];
    for (size_t i = 1; i < TP_CERT_CACHE_SLOTS && victim->x != NULL; i++)
        if (g_slots[i].x == NULL || g_slots[i].last_use < victim->last_use)
            victim = &g_slots[i];
    uint8_t *copy = malloc(n);
    if (copy == NULL || !X509_up_ref(x)) {
        free(copy);
        return;
    }
    X509_free(victim->x);
    free(victim->der);
    memcpy(copy, der, n);
    *victim = (cert_slot){.der = copy, .len = n, .x = x, .last_use = ++g_clock};
    memcpy(victim->sha256, sha, 32);
}

X509 *tp_cert_decode(const uint8_t *der, size_t n)
{
    if (n > TP_CERT_CACHE_MAX_DER)
        return decode(der, n);
    uint8_t sha[32];
    tp_sha256(der, n, sha); /* the fetched digest: SHA256() fetches it on every call */
    pthread_mutex_lock(&g_lock);
    cert_slot *s = find(sha, der, n);
    X509 *x = s != NULL && X509_up_ref(s->x) ? s->x : NULL;
    if (x != NULL)
        s->last_use = ++g_clock;
    pthread_mutex_unlock(&g_lock);
    if (x != NULL)
        return x;
    x = decode(der, n);
    if (x == NULL)
        return NULL;
    pthread_mutex_lock(&g_lock);
    if (find(sha, der, n) == NULL) /* another thread may have decoded it meanwhile */
        insert(sha, der, n, x);
    pthread_mutex_unlock(&g_lock);
    return x;
}
