/* Unit tests: the notary's options (src/notary/options.c). The command line and the
 * configuration file give the same configuration for every option; flags override keys;
 * a command-line --allow-port replaces the file's list; unknown keys, wrong types, bad
 * ranges and syntax errors are refused (status 2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notary/options.h"

static tp_notary_config defaults(void)
{
    return (tp_notary_config){.max_sessions = 1024, .max_transcript = 16u << 20, .memory_budget = 1u << 30,
                              .idle_timeout_ms = 30000, .session_timeout_ms = 300000,
                              .evidence_refresh_s = 1200, .key_lifetime_s = 3600};
}

/* A configuration as text, to compare two of them. */
static void describe(const tp_notary_config *c, char *out, size_t len)
{
    int k = snprintf(out, len,
                     "listen=%s tee=%s ca=%s cert=%s key=%s tsm=%s nsm=%s ts=%s aud=%s coll=%s metrics=%s "
                     "priv=%d any=%d remote=%d json=%d maxs=%zu maxt=%zu mem=%zu idle=%u sess=%u refresh=%u life=%u ports=",
                     c->listen, c->tee, c->ca_file, c->cert_file, c->key_file, c->tsm_root, c->nsm_dev,
                     c->teeserver_socket, c->audience, c->collateral_dir, c->metrics, c->allow_private,
                     c->allow_any_port, c->metrics_allow_remote, c->log_json, c->max_sessions, c->max_transcript,
                     c->memory_budget, c->idle_timeout_ms, c->session_timeout_ms, c->evidence_refresh_s,
                     c->key_lifetime_s);
    for (size_t i = 0; i < c->n_allow_ports && k > 0 && (size_t)k < len; i++)
        k += snprintf(out + k, len - (size_t)k, "%u,", c->allow_ports[i]);
}

static char g_path[64];

static const char *write_config(const char *text)
{
    snprintf(g_path, sizeof(g_path), "/tmp/tp-opts-XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return g_path;
}

/* Runs the parser on argv (NULL-terminated, argv[0] included); returns its status. */
static int parse(tp_notary_config *c, const char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    *c = defaults();
    return tp_notary_options(argc, (char **)argv, c);
}

static void test_file_equals_flags(void **state)
{
    const char *flags[] = {"n", "--listen", "127.0.0.1:7", "--tee", "sim", "--ca-file", "ca.pem", "--allow-private",
                           "--allow-port", "443", "--allow-port", "8443", "--cert", "c.pem", "--key", "k.pem",
                           "--tsm-root", "/t", "--nsm-dev", "/dev/x", "--teeserver-socket", "/s", "--audience", "a",
                           "--max-sessions", "5", "--max-transcript", "8192", "--memory-budget", "2097152",
                           "--idle-timeout", "7", "--session-timeout", "9", "--evidence-refresh", "61",
                           "--key-lifetime", "20", "--collateral", "/coll", "--log-format", "json",
                           "--metrics", "127.0.0.1:9", "--metrics-allow-remote", NULL};
    const char *file = write_config(
        "{\"listen\": \"127.0.0.1:7\", \"tee\": \"sim\", \"ca-file\": \"ca.pem\", \"allow-private\": true,"
        " \"allow-port\": [443, \"8443\"], \"cert\": \"c.pem\", \"key\": \"k.pem\", \"tsm-root\": \"/t\","
        " \"nsm-dev\": \"/dev/x\", \"teeserver-socket\": \"/s\", \"audience\": \"a\", \"max-sessions\": 5,"
        " \"max-transcript\": \"8192\", \"memory-budget\": 2097152, \"idle-timeout\": 7, \"session-timeout\": 9,"
        " \"evidence-refresh\": 61, \"key-lifetime\": 20, \"collateral\": \"/coll\", \"log-format\": \"json\","
        " \"metrics\": \"127.0.0.1:9\", \"metrics-allow-remote\": true}");
    const char *viafile[] = {"n", "--config", file, NULL};
    tp_notary_config a, b;
    char da[1024], db[1024];
    assert_int_equal(parse(&a, flags), 0);
    assert_int_equal(parse(&b, viafile), 0);
    describe(&a, da, sizeof(da));
    describe(&b, db, sizeof(db));
    assert_string_equal(da, db);
    assert_int_equal(a.idle_timeout_ms, 7000); /* seconds become milliseconds either way */
    assert_int_equal(b.log_json, 1);
    tp_notary_options_free(&b);
    unlink(file);
}

static void test_flags_override(void **state)
{
    const char *file = write_config("{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"allow-port\": [1, 2],"
                                    " \"max-sessions\": 3, \"allow-private\": false}");
    tp_notary_config c;
    const char *none[] = {"n", "--config", file, NULL};
    assert_int_equal(parse(&c, none), 0);
    assert_int_equal(c.n_allow_ports, 2);
    assert_int_equal(c.allow_ports[1], 2);
    assert_int_equal(c.allow_private, 0); /* false leaves a flag off */
    tp_notary_options_free(&c);
    const char *over[] = {"n", "--max-sessions", "4", "--config", file, "--listen", "127.0.0.1:2", "--allow-port", "3", NULL};
    assert_int_equal(parse(&c, over), 0);
    assert_string_equal(c.listen, "127.0.0.1:2");
    assert_int_equal(c.max_sessions, 4); /* before or after --config: the flag wins */
    assert_int_equal(c.n_allow_ports, 1); /* the command line's list replaces the file's */
    assert_int_equal(c.allow_ports[0], 3);
    tp_notary_options_free(&c);
    unlink(file);
}

static void test_refusals(void **state)
{
    static const char *bad[] = {
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"allow-ports\": [443]}", /* unknown key */
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"config\": \"x\"}",      /* no nesting */
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"help\": true}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"max-sessions\": 0}",    /* range */
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"max-sessions\": -1}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"max-sessions\": 1.5}",  /* type */
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"max-sessions\": \"5x\"}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"allow-private\": 1}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"listen\": \"127.0.0.1:2\"}", /* duplicate */
        "{\"listen\": 7, \"tee\": \"sim\"}",
        "{\"listen\": \"\", \"tee\": \"sim\"}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"allow-port\": [0]}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"allow-port\": [[443]]}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"log-format\": \"xml\"}",
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\", \"metrics-allow-remote\": true}", /* needs metrics */
        "{\"listen\": \"127.0.0.1:1\", \"tee\": \"sim\",}",                        /* syntax */
        "[\"listen\"]",
        "{\"tee\": \"sim\"}",                                                      /* listen required */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *file = write_config(bad[i]);
        const char *argv[] = {"n", "--config", file, NULL};
        tp_notary_config c;
        int rc = parse(&c, argv);
        tp_notary_options_free(&c);
        unlink(file);
        if (rc != 2)
            fail_msg("accepted: %s", bad[i]);
    }
    tp_notary_config c;
    const char *range[] = {"n", "--listen", "127.0.0.1:1", "--tee", "sim", "--idle-timeout", "0", NULL};
    assert_int_equal(parse(&c, range), 2);
    const char *unknown[] = {"n", "--listen", "127.0.0.1:1", "--tee", "sim", "--bogus", NULL};
    assert_int_equal(parse(&c, unknown), 2);
    const char *missing[] = {"n", "--config", "/nonexistent/tp-notary.json", NULL};
    assert_int_equal(parse(&c, missing), 2);
    const char *help[] = {"n", "--help", NULL};
    assert_int_equal(parse(&c, help), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_equals_flags),
        cmocka_unit_test(test_flags_override),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
