/* Address-space regions with transparent huge pages; see region.h. */
#include "base/region.h"

#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

typedef struct spare {
    uint8_t *base;
    size_t used, size;
    time_t since;
} spare;

static pthread_mutex_t spares_lock = PTHREAD_MUTEX_INITIALIZER;
static spare spares[TP_REGION_SPARES];
static size_t n_spares, spare_bytes;

size_t tp_region_round(size_t n)
{
    if (n > SIZE_MAX - TP_REGION_STEP)
        return 0;
    return (n + TP_REGION_STEP - 1) & ~(TP_REGION_STEP - 1);
}

uint8_t *tp_region_reserve(size_t size)
{
    /* One step more than asked, then the unaligned head and tail are given back, so that
     * the region starts on a huge page boundary. */
    if (size == 0 || size % TP_REGION_STEP != 0 || size > SIZE_MAX - TP_REGION_STEP)
        return NULL;
    size_t span = size + TP_REGION_STEP;
    uint8_t *p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t at = ((uintptr_t)p + TP_REGION_STEP - 1) & ~(uintptr_t)(TP_REGION_STEP - 1);
    uint8_t *base = (uint8_t *)at;
    size_t head = (size_t)(base - p), tail = span - head - size;
    if (head > 0)
        munmap(p, head);
    if (tail > 0)
        munmap(base + size, tail);
    /* Advice only: without THP (never, or not built in) the region works with small pages. */
    (void)madvise(base, size, MADV_HUGEPAGE);
    return base;
}

int tp_region_commit(uint8_t *base, size_t from, size_t to)
{
    if (to <= from)
        return 1;
    return mprotect(base + from, to - from, PROT_READ | PROT_WRITE) == 0;
}

uint8_t *tp_region_move(uint8_t *base, size_t used, size_t size, size_t new_size)
{
    uint8_t *to = tp_region_reserve(new_size);
    if (to == NULL)
        return NULL;
    if (used > 0 && mremap(base, used, used, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED) {
        tp_region_release(to, new_size);
        return NULL;
    }
    if (size > used)
        munmap(base + used, size - used);
    return to;
}

void tp_region_release(uint8_t *base, size_t size)
{
    if (base != NULL && size > 0)
        munmap(base, size);
}

static time_t now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

void tp_region_recycle(uint8_t *base, size_t used, size_t size)
{
    if (base == NULL)
        return;
    pthread_mutex_lock(&spares_lock);
    int kept = used > 0 && n_spares < TP_REGION_SPARES && used <= TP_REGION_SPARE_BYTES - spare_bytes;
    if (kept) {
        spares[n_spares++] = (spare){base, used, size, now_s()};
        spare_bytes += used;
    }
    pthread_mutex_unlock(&spares_lock);
    if (!kept)
        tp_region_release(base, size);
}

int tp_region_reuse(uint8_t **base, size_t *used, size_t *size)
{
    pthread_mutex_lock(&spares_lock);
    size_t best = n_spares;
    for (size_t i = 0; i < n_spares; i++)
        if (best == n_spares || spares[i].used > spares[best].used)
            best = i;
    int found = best < n_spares;
    if (found) {
        *base = spares[best].base;
        *used = spares[best].used;
        *size = spares[best].size;
        spare_bytes -= spares[best].used;
        spares[best] = spares[--n_spares];
    }
    pthread_mutex_unlock(&spares_lock);
    return found;
}

size_t tp_region_spare_bytes(void)
{
    pthread_mutex_lock(&spares_lock);
    size_t n = spare_bytes;
    pthread_mutex_unlock(&spares_lock);
    return n;
}

/* Releases the spares kept since before `before` (all of them for a time in the future). */
static void trim_before(time_t before)
{
    spare out[TP_REGION_SPARES];
    size_t n_out = 0;
    pthread_mutex_lock(&spares_lock);
    for (size_t i = 0; i < n_spares;) {
        if (spares[i].since < before) {
            out[n_out++] = spares[i];
            spare_bytes -= spares[i].used;
            spares[i] = spares[--n_spares];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&spares_lock);
    for (size_t i = 0; i < n_out; i++) /* outside the lock: munmap takes time */
        tp_region_release(out[i].base, out[i].size);
}

void tp_region_trim(void)
{
    trim_before(now_s() + 1);
}

void tp_region_trim_idle(void)
{
    trim_before(now_s() - TP_REGION_SPARE_IDLE_S);
}
