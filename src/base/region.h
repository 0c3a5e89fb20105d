/* Address-space regions for buffers that grow large (a tunnel's recording of a 100 MiB
 * response): reserved once, aligned to the huge page size and marked for transparent huge
 * pages, made usable in steps as the buffer grows, and moved to a bigger reservation by
 * remapping (the pages move, the bytes are not copied). One 2 MiB fault replaces 512 faults
 * of 4 KiB pages, and the buffer never copies itself to grow. Used by tp_buf (bytes.c) for
 * buffers made with tp_buf_init_large. */
#ifndef TP_BASE_REGION_H
#define TP_BASE_REGION_H

#include <stddef.h>
#include <stdint.h>

/* Granularity of regions: reservations and usable sizes are multiples of it, and a usable
 * size is what the memory budget counts (at most one step above what was asked for). */
#define TP_REGION_STEP ((size_t)2 << 20)

/* Rounds n up to a multiple of TP_REGION_STEP; 0 if that overflows. */
size_t tp_region_round(size_t n);
/* Reserves `size` bytes (a multiple of TP_REGION_STEP) of address space, none usable yet
 * (no memory is committed for it); NULL on failure. */
uint8_t *tp_region_reserve(size_t size);
/* Makes [from, to) of a reservation usable (read and write); 1/0. */
int tp_region_commit(uint8_t *base, size_t from, size_t to);
/* Moves the `used` usable bytes at base into a new reservation of new_size bytes (pages
 * remapped, not copied) and releases the old one (`size` bytes); the new base, or NULL
 * (the old region is then unchanged). */
uint8_t *tp_region_move(uint8_t *base, size_t used, size_t size, size_t new_size);
/* Returns the reservation to the system (the caller wipes first what must be wiped). */
void tp_region_release(uint8_t *base, size_t size);

/* Spare regions: a region given up with tp_region_recycle keeps its pages for the next
 * large buffer (tp_region_reuse), which then writes into memory that is already there
 * instead of faulting in (and having the kernel zero) fresh pages: a relay of a 100 MiB
 * response after another costs no page faults. At most TP_REGION_SPARES regions and
 * TP_REGION_SPARE_BYTES usable bytes are kept, each at most TP_REGION_SPARE_IDLE_S seconds
 * (tp_region_trim_idle); process-wide, thread-safe. A user that bounds its memory counts
 * tp_region_spare_bytes() as its own and calls tp_region_trim() before refusing work. */
#define TP_REGION_SPARES 2
#define TP_REGION_SPARE_BYTES ((size_t)256 << 20)
#define TP_REGION_SPARE_IDLE_S 10
/* Keeps the region (its `used` usable bytes, wiped by the caller if they must be) as a
 * spare, or releases it when the spares are full. */
void tp_region_recycle(uint8_t *base, size_t used, size_t size);
/* Takes the largest spare: 1 and its base, usable and reserved sizes; 0 if there is none. */
int tp_region_reuse(uint8_t **base, size_t *used, size_t *size);
/* Usable bytes kept in spares now. */
size_t tp_region_spare_bytes(void);
/* Releases every spare. */
void tp_region_trim(void);
/* Releases the spares kept longer than TP_REGION_SPARE_IDLE_S. */
void tp_region_trim_idle(void);

#endif
