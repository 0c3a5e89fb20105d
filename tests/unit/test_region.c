/* Unit tests: buffers that grow large (tp_buf_init_large) in huge-page regions
 * (base/region.h): the move off the heap, growth past a reservation, space for reads,
 * detach, wiping, and the spare regions kept for reuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/region.h"

/* The byte at offset i of the test pattern. */
static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 31 + (i >> 12));
}

/* Appends the pattern up to total bytes, in chunks of step. */
static void fill(tp_buf *b, size_t total, size_t step)
{
    uint8_t chunk[65536];
    while (b->len < total) {
        size_t n = total - b->len < step ? total - b->len : step;
        for (size_t i = 0; i < n; i++)
            chunk[i] = pattern(b->len + i);
        assert_true(tp_buf_append(b, chunk, n));
    }
}

static int holds_pattern(const tp_buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] != pattern(i))
            return 0;
    return 1;
}

static void large_buffer_leaves_the_heap_past_the_threshold(void **state)
{
    (void)state;
    tp_region_trim();
    tp_buf b;
    tp_buf_init_large(&b, 1);
    fill(&b, TP_BUF_LARGE_MIN - 100, 4096);
    assert_int_equal(b.region, 0); /* still an ordinary buffer */
    fill(&b, TP_BUF_LARGE_MIN + 5000, 4096);
    assert_true(b.region > 0);
    assert_int_equal((uintptr_t)b.data % TP_REGION_STEP, 0);
    assert_true(holds_pattern(&b));
    /* what it is charged for: at most one region step above what it needs */
    assert_true(b.cap > b.len && b.cap - b.len <= TP_REGION_STEP + 1);
    tp_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.region, 0);
    tp_region_trim();
}

static void region_grows_past_its_reservation_without_losing_bytes(void **state)
{
    (void)state;
    tp_region_trim();
    tp_buf b;
    tp_buf_init_large(&b, 1);
    fill(&b, 2 * TP_BUF_LARGE_MIN, 65536);
    size_t first = b.region;
    fill(&b, first + 3 * TP_REGION_STEP + 12345, 65536); /* beyond the first reservation */
    assert_true(b.region > first);
    assert_true(holds_pattern(&b));
    assert_true(b.cap - b.len <= TP_REGION_STEP + 1);
    tp_buf_free(&b);
    tp_region_trim();
}

static void space_is_written_then_counted(void **state)
{
    (void)state;
    tp_buf b;
    tp_buf_init_large(&b, 1);
    fill(&b, 3 * TP_BUF_LARGE_MIN, 65536);
    size_t before = b.len;
    uint8_t *p = tp_buf_space(&b, 65536);
    assert_non_null(p);
    assert_ptr_equal(p, b.data + before);
    for (size_t i = 0; i < 1000; i++)
        p[i] = pattern(before + i);
    tp_buf_added(&b, 1000);
    assert_int_equal(b.len, before + 1000);
    assert_true(holds_pattern(&b));
    tp_buf_reset(&b); /* keeps the region */
    assert_int_equal(b.len, 0);
    assert_true(b.region > 0);
    tp_buf_free(&b);
    tp_region_trim();
}

static void detach_hands_out_a_heap_copy(void **state)
{
    (void)state;
    tp_buf b;
    tp_buf_init_large(&b, 1);
    fill(&b, 2 * TP_BUF_LARGE_MIN, 65536);
    assert_true(b.region > 0);
    size_t len = 0;
    uint8_t *p = tp_buf_detach(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 2 * TP_BUF_LARGE_MIN);
    assert_int_equal(p[len], 0);
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern(i))
            fail_msg("byte %zu differs", i);
    free(p); /* an ordinary allocation */
    assert_null(b.data);
    assert_int_equal(b.region, 0);
    tp_region_trim();
}

static void freed_region_is_kept_as_a_spare_and_reused(void **state)
{
    (void)state;
    tp_region_trim();
    assert_int_equal(tp_region_spare_bytes(), 0);
    tp_buf b;
    tp_buf_init_large(&b, 1);
    fill(&b, 3 * TP_BUF_LARGE_MIN, 65536);
    size_t cap = b.cap;
    uint8_t *region = b.data;
    tp_buf_free(&b);
    assert_int_equal(tp_region_spare_bytes(), cap);
    tp_buf c;
    tp_buf_init_large(&c, 1);
    fill(&c, TP_BUF_LARGE_MIN + 65536, 65536); /* past the threshold whatever the heap growth */
    assert_ptr_equal(c.data, region); /* the spare, pages and all */
    assert_int_equal(c.cap, cap);     /* and charged as such */
    assert_int_equal(tp_region_spare_bytes(), 0);
    assert_true(holds_pattern(&c));
    tp_buf_free(&c);
    assert_int_equal(tp_region_spare_bytes(), cap);
    tp_region_trim();
    assert_int_equal(tp_region_spare_bytes(), 0);
    tp_region_trim_idle(); /* nothing left: a no-op */
}

static void secret_large_buffer_is_wiped_before_it_is_kept(void **state)
{
    (void)state;
    tp_region_trim();
    tp_buf b;
    tp_buf_init_large(&b, 0);
    uint8_t chunk[4096];
    memset(chunk, 0xa5, sizeof(chunk));
    while (b.len < 2 * TP_BUF_LARGE_MIN)
        assert_true(tp_buf_append(&b, chunk, sizeof(chunk)));
    assert_true(b.region > 0);
    uint8_t *region = b.data;
    size_t cap = b.cap;
    tp_buf_free(&b);
    /* Still mapped (a spare): every byte it held is gone. */
    assert_int_equal(tp_region_spare_bytes(), cap);
    for (size_t i = 0; i < cap; i++)
        if (region[i] != 0)
            fail_msg("byte %zu not wiped", i);
    tp_region_trim();
}

static void spares_are_bounded(void **state)
{
    (void)state;
    tp_region_trim();
    tp_buf b[TP_REGION_SPARES + 1];
    for (size_t i = 0; i <= TP_REGION_SPARES; i++) {
        tp_buf_init_large(&b[i], 1);
        fill(&b[i], 2 * TP_BUF_LARGE_MIN, 65536);
    }
    for (size_t i = 0; i <= TP_REGION_SPARES; i++)
        tp_buf_free(&b[i]);
    assert_int_equal(tp_region_spare_bytes(), TP_REGION_SPARES * tp_region_round(2 * TP_BUF_LARGE_MIN + 1));
    tp_region_trim();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(large_buffer_leaves_the_heap_past_the_threshold),
        cmocka_unit_test(region_grows_past_its_reservation_without_losing_bytes),
        cmocka_unit_test(space_is_written_then_counted),
        cmocka_unit_test(detach_hands_out_a_heap_copy),
        cmocka_unit_test(freed_region_is_kept_as_a_spare_and_reused),
        cmocka_unit_test(secret_large_buffer_is_wiped_before_it_is_kept),
        cmocka_unit_test(spares_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
