/* Address-space regions with transparent huge pages; see region.h. */
#include "base/region.h"

#include <sys/mman.h>

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
