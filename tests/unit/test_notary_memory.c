/* Unit tests: the notary's memory bounds (notary/memory.c): the per-session queue cap, the
 * accounting of each session's buffers against the process budget, memory-budget refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "base/region.h"
#include "notary/session.h"

static void init(tp_notary *n, tp_session *s, size_t budget)
{
    memset(n, 0, sizeof(*n));
    memset(s, 0, sizeof(*s));
    n->cfg.memory_budget = budget;
    s->notary = n;
    s->state = TP_SESS_READY;
    s->target.fd = -1;
    s->prover.fd = -1;
    tp_buf_init_public(&s->out);
    tp_buf_init_public(&s->rec_server);
}

static void fill(tp_buf *b, size_t n)
{
    static const uint8_t zero[4096];
    while (n > 0) {
        size_t k = n < sizeof(zero) ? n : sizeof(zero);
        assert_true(tp_buf_append(b, zero, k));
        n -= k;
    }
}

static void free_all(tp_session *s)
{
    tp_buf_free(&s->out);
    tp_buf_free(&s->to_target);
    tp_buf_free(&s->rec_client);
    tp_buf_free(&s->rec_server);
    tp_frame_decoder_free(&s->in);
}

static void queue_cap_counts_unsent_answers_and_target_bytes(void **state)
{
    (void)state;
    tp_notary n;
    tp_session s;
    init(&n, &s, 1u << 30);
    fill(&s.out, TP_SESSION_QUEUE_CAP - 1);
    assert_false(tp_session_queue_full(&s));
    fill(&s.out, 1);
    assert_true(tp_session_queue_full(&s));
    s.out_pos = 4096; /* sent: no longer queued */
    assert_false(tp_session_queue_full(&s));
    fill(&s.to_target, 4096);
    assert_false(tp_session_queue_full(&s)); /* no target: nothing waits for it */
    s.target.fd = 99;
    assert_true(tp_session_queue_full(&s));
    free_all(&s);
}

static void footprint_is_charged_and_released(void **state)
{
    (void)state;
    tp_notary n;
    tp_session s;
    init(&n, &s, 1u << 30);
    tp_session_charge(&s);
    size_t base = n.mem_used;
    assert_true(base >= sizeof(tp_session) + (16u << 10)); /* struct plus TLS estimate */
    fill(&s.rec_client, 100000);
    fill(&s.in.buf, 5000);
    tp_session_charge(&s);
    assert_int_equal(n.mem_used, base + s.rec_client.cap + s.in.buf.cap);
    assert_int_equal(n.mem_used, s.mem_charged);
    s.state = TP_SESS_CLOSING;
    tp_session_release_unneeded(&s);
    assert_int_equal(n.mem_used, base);
    assert_null(s.rec_client.data);
    assert_null(s.in.buf.data);
    free_all(&s);
}

static void growth_past_the_budget_is_refused_with_memory_budget(void **state)
{
    (void)state;
    tp_notary n;
    tp_session s, other;
    init(&n, &s, 1u << 20);
    tp_session_charge(&s);
    assert_true(tp_notary_admits_session(&n));
    /* A bystander that does not grow is not refused when the total is over. */
    init(&n, &other, 1u << 20);
    n.mem_used = s.mem_charged;
    fill(&other.rec_server, 600000);
    tp_session_charge(&other);
    fill(&s.rec_client, 600000); /* this one crosses 1 MiB */
    assert_false(tp_session_within_budget(&s));
    assert_int_equal(s.state, TP_SESS_CLOSING);
    assert_true(tp_session_within_budget(&other));
    assert_int_equal(other.state, TP_SESS_READY);
    assert_false(tp_notary_admits_session(&n));
    /* The refusal is the ERROR frame named memory-budget. */
    tp_frame_decoder d = {0};
    tp_frame f;
    tp_error e;
    assert_true(tp_frame_decoder_feed(&d, s.out.data, s.out.len));
    assert_int_equal(tp_frame_decoder_next(&d, &f, &e), 1);
    assert_int_equal(f.type, TP_MSG_ERROR);
    tp_error_frame_parse(f.payload, f.len, &e);
    assert_int_equal(e.code, TP_ERR_MEMORY_BUDGET);
    assert_non_null(strstr(tp_error_message(&e), "memory budget exhausted"));
    tp_frame_decoder_free(&d);
    /* Freed on the way out: the budget admits sessions again. */
    tp_session_release_unneeded(&s);
    other.state = TP_SESS_CLOSING;
    tp_session_release_unneeded(&other);
    assert_true(tp_notary_admits_session(&n));
    free_all(&s);
    free_all(&other);
}

/* A recording past a MiB lives in a region; once freed, its pages are kept as a spare
 * (base/region.h). Spares count toward the budget and are given back before anything is
 * refused. */
static void spare_recording_pages_count_and_go_first(void **state)
{
    (void)state;
    tp_region_trim();
    tp_notary n;
    tp_session s, other;
    init(&n, &s, 8u << 20);
    tp_buf_init_large(&s.rec_server, 1);
    fill(&s.rec_server, 3u << 20);
    assert_true(s.rec_server.region > 0);
    assert_true(tp_session_within_budget(&s));
    assert_true(n.mem_used >= s.rec_server.cap);
    s.state = TP_SESS_CLOSING;
    tp_session_release_unneeded(&s);
    size_t spare = tp_region_spare_bytes();
    assert_true(spare >= (3u << 20));
    /* Another session grows to where it fits only without the spare: it is not refused,
     * the spare is released instead. */
    init(&n, &other, 8u << 20);
    tp_session_charge(&other);
    fill(&other.rec_client, 3u << 20);
    size_t after = n.mem_used - other.mem_charged + tp_session_footprint(&other);
    assert_true(after <= n.cfg.memory_budget);        /* without the spare it fits */
    assert_true(after + spare > n.cfg.memory_budget); /* with it, not */
    assert_true(tp_session_within_budget(&other));
    assert_int_equal(other.state, TP_SESS_READY);
    assert_int_equal(tp_region_spare_bytes(), 0);
    free_all(&other);
    free_all(&s);
    tp_region_trim();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_cap_counts_unsent_answers_and_target_bytes),
        cmocka_unit_test(footprint_is_charged_and_released),
        cmocka_unit_test(growth_past_the_budget_is_refused_with_memory_budget),
        cmocka_unit_test(spare_recording_pages_count_and_go_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
