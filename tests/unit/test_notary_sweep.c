/* Unit tests: the notary's timeout sweep (notary/session.c). A session waiting for its
 * replay is not idle (the wait is the notary's: a large replay runs at the lowest priority
 * and may queue behind others), so only --session-timeout bounds it; every other state
 * keeps its idle deadline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "notary/session.h"

static void init(tp_notary *n, tp_session *s, enum tp_session_state state)
{
    memset(n, 0, sizeof(*n));
    memset(s, 0, sizeof(*s));
    n->cfg.idle_timeout_ms = 30000;
    n->sweep_due = UINT64_MAX;
    s->notary = n;
    s->state = state;
    s->trimmed = 1; /* no trim deadline in the way */
    s->target.fd = -1;
    s->prover.fd = -1;
    s->idle_deadline = 1000;
    s->end_deadline = 300000;
}

static void proving_session_has_no_idle_deadline(void **state)
{
    (void)state;
    tp_notary n;
    tp_session s;
    init(&n, &s, TP_SESS_PROVING);
    tp_session_sweep_lower(&s);
    assert_int_equal(n.sweep_due, 300000); /* the session's end, not its idle deadline */
    n.sessions = &s;
    n.sweep_due = 0;
    tp_session_sweep(&n, 5000); /* long past the idle deadline */
    assert_false(s.dead);
    assert_int_equal(s.state, TP_SESS_PROVING);
    assert_int_equal(n.sweep_due, 300000);
}

static void other_states_keep_their_idle_deadline(void **state)
{
    (void)state;
    static const enum tp_session_state states[] = {TP_SESS_READY, TP_SESS_TUNNEL, TP_SESS_RELAY_DONE,
                                                   TP_SESS_DIRECT, TP_SESS_CLOSING};
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        tp_notary n;
        tp_session s;
        init(&n, &s, states[i]);
        tp_session_sweep_lower(&s);
        assert_int_equal(n.sweep_due, 1000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(proving_session_has_no_idle_deadline),
        cmocka_unit_test(other_states_keep_their_idle_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
