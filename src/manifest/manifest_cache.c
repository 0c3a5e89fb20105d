/* Parsed manifests kept across the notary's replays (issue 8): a prover sends the same
 * manifest again and again, and parsing it (strict JSON, canonical hash, compiled regexes)
 * was ~5% of the notary's CPU per small proof. Sound because tp_manifest_parse is a
 * function of the bytes alone and a hit is keyed by those exact bytes (SHA-256, then a byte
 * compare): the object handed out is the one a fresh parse of the same bytes would build.
 * Its only state that changes with use, the regex work budget (tp_mf_regex_match), is reset
 * at every acquire to what this manifest's parse left (parsing matches defaults against
 * their patterns, so that is not always the full budget); and a manifest is lent to one user at a time
 * (a second user of the same bytes meanwhile gets a fresh parse), so the check functions
 * see it exactly as they would a manifest of their own. One more state grows with use and
 * is not reset: glibc keeps the DFA states a regexec builds inside the compiled regex_t
 * until regfree (tens of MB for one budget's worth of work on a pattern such as
 * (a|b)*a.{900}c, again for every new subject). So a manifest is kept only while the regex
 * work spent on it over all its uses stays under TP_MANIFEST_CACHE_REGEX_WORK (a small
 * share of one use's budget); past it, it is freed at release and the next use parses
 * afresh. Failures are never kept (they re-run and report their own error). Bounded
 * slots, least recently used replaced (never one that is lent out); one mutex. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "manifest/manifest_internal.h"

#define TP_MANIFEST_CACHE_SLOTS 16
#define TP_MANIFEST_CACHE_MAX_BYTES (64u << 10) /* larger manifests are parsed every time */
/* Regex work (tp_mf_regex_match's units) a kept manifest may have done over all its uses:
 * ~20 bytes of glibc DFA states per unit at worst, so ~1.3 MB per slot, ~21 MB in all. */
#define TP_MANIFEST_CACHE_REGEX_WORK (TP_MF_MAX_REGEX_WORK / 64)

typedef struct manifest_slot {
    uint8_t sha256[32];
    char *bytes;                   /* NULL: free slot */
    size_t len;
    tp_manifest *m;
    int lent;                      /* acquired and not yet released */
    size_t regex_work;             /* spent by all its uses so far (the DFA states kept) */
    size_t regex_work_parsed;      /* the budget its parse left: each use starts from it */
    uint64_t last_use;
} manifest_slot;

static manifest_slot g_slots[TP_MANIFEST_CACHE_SLOTS];
static uint64_t g_clock;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void slot_clear(manifest_slot *s)
{
    tp_manifest_free(s->m);
    free(s->bytes);
    memset(s, 0, sizeof(*s));
}

/* A slot holding exactly these bytes and not lent out, or NULL. Under g_lock. */
static manifest_slot *find_free_copy(const uint8_t sha[32], const char *json, size_t len)
{
    for (size_t i = 0; i < TP_MANIFEST_CACHE_SLOTS; i++) {
        manifest_slot *s = &g_slots[i];
        if (s->bytes != NULL && !s->lent && s->len == len && memcmp(s->sha256, sha, 32) == 0 &&
            memcmp(s->bytes, json, len) == 0)
            return s;
    }
    return NULL;
}

/* Keeps m (lent out now) for these bytes in a free or the least recently used idle slot;
 * 0 when every slot is lent out (m then stays the caller's alone). Under g_lock. */
static int insert(const uint8_t sha[32], const char *json, size_t len, tp_manifest *m)
{
    manifest_slot *victim = NULL;
    for (size_t i = 0; i < TP_MANIFEST_CACHE_SLOTS; i++) {
        manifest_slot *s = &g_slots[i];
        if (s->lent)
            continue;
        if (victim == NULL || s->bytes == NULL ||
            (victim->bytes != NULL && s->last_use < victim->last_use))
            victim = s;
        if (s->bytes == NULL)
            break;
    }
    char *copy = victim ? malloc(len ? len : 1) : NULL;
    if (copy == NULL)
        return 0;
    slot_clear(victim);
    memcpy(copy, json, len);
    *victim = (manifest_slot){.bytes = copy, .len = len, .m = m, .lent = 1, .last_use = ++g_clock,
                              .regex_work_parsed = m->regex_work_left};
    memcpy(victim->sha256, sha, 32);
    return 1;
}

tp_err tp_manifest_acquire(const char *json, size_t len, tp_manifest **out, tp_error *err)
{
    *out = NULL;
    if (json == NULL || len > TP_MANIFEST_CACHE_MAX_BYTES)
        return tp_manifest_parse(json, len, out, err);
    uint8_t sha[32];
    tp_sha256(json, len, sha);
    pthread_mutex_lock(&g_lock);
    manifest_slot *s = find_free_copy(sha, json, len);
    if (s != NULL) {
        s->lent = 1;
        s->last_use = ++g_clock;
        s->m->regex_work_left = s->regex_work_parsed; /* as tp_manifest_parse left it */
        *out = s->m;
    }
    pthread_mutex_unlock(&g_lock);
    if (*out != NULL)
        return TP_OK;
    tp_manifest *m;
    tp_err rc = tp_manifest_parse(json, len, &m, err);
    if (rc != TP_OK)
        return rc;
    pthread_mutex_lock(&g_lock);
    insert(sha, json, len, m);
    pthread_mutex_unlock(&g_lock);
    *out = m;
    return TP_OK;
}

void tp_manifest_release(tp_manifest *m)
{
    if (m == NULL)
        return;
    int kept = 0, found = 0;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < TP_MANIFEST_CACHE_SLOTS && !found; i++) {
        manifest_slot *s = &g_slots[i];
        if (s->m != m)
            continue;
        found = 1;
        s->lent = 0;
        s->regex_work += s->regex_work_parsed - m->regex_work_left; /* this use's */
        kept = s->regex_work <= TP_MANIFEST_CACHE_REGEX_WORK;
        if (!kept) { /* its regexes hold the DFA states of all those uses: parse afresh */
            free(s->bytes);
            memset(s, 0, sizeof(*s));
        }
    }
    pthread_mutex_unlock(&g_lock);
    if (!kept)
        tp_manifest_free(m);
}

int tp_manifest_cache_holds(const char *json, size_t len)
{
    uint8_t sha[32];
    tp_sha256(json, len, sha);
    pthread_mutex_lock(&g_lock);
    int held = find_free_copy(sha, json, len) != NULL;
    pthread_mutex_unlock(&g_lock);
    return held;
}

void tp_manifest_cache_clear(void)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < TP_MANIFEST_CACHE_SLOTS; i++)
        if (!g_slots[i].lent)
            slot_clear(&g_slots[i]);
    pthread_mutex_unlock(&g_lock);
}
