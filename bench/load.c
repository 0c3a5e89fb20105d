/* In-process load generator on the prover library: N threads each run whole proofs
 * (tp_prove: attest, tunnel, TLS, PROVE, local verification) against a notary and a
 * target on loopback, one session after another, and the run prints proofs/s, p50/p99
 * latency, the notary's CPU per proof (utime+stime of its /proc/PID/stat, before and
 * after; nanoseconds from /proc/PID/task/TID/schedstat when the kernel has it, since
 * stat counts 10 ms ticks) and its RSS growth per concurrent session (peak VmRSS during the level minus
 * VmRSS before it). With --baseline the same threads fetch the same URL over a fresh TLS
 * connection each (the TLS session alone, as curl would), for the ratio.
 * With --idle N: each level runs once as above, then N idle sessions are opened (channel
 * handshake, ATTEST_REQ answered, a tunnel to --idle-target opened, then nothing: no
 * ClientHello, so no transcript; without --idle-target no tunnel, so the notary holds one
 * descriptor per session instead of two) and held while every level runs again; it prints the
 * notary's RSS growth per idle session and each level's p50/p99 with them held as a ratio
 * to without. --idle-only opens them, prints "refused: NAME" per refusal and "holding: K
 * sessions, R refused", and holds them until killed (tests).
 * Usage: load --notary HOST:PORT --manifest FILE --ca-file PEM --notary-pid PID
 *             [--var NAME=VALUE] [--levels 1,16,64,256] [--proofs N] [--baseline URL]
 *             [--header 'Name: value'] [--data FILE]
 *             [--idle N [--idle-target HOST:PORT] [--idle-only]]
 * --data appends one line per level to FILE: concurrency proofs/s p50_ms p99_ms cpu_ms rss_kib */
#include <dirent.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../src/base/file.h"
#include "../src/proto/wire.h"
#include "teeproof/prover.h"

#define LOAD_MAX_LEVELS 16
#define LOAD_MAX_VARS 8
#define LOAD_DEFAULT_PROOFS 64   /* at least this many per level, and 2 per thread */
#define LOAD_RSS_SAMPLE_US 20000
#define LOAD_MAX_IDLE 100000
#define LOAD_IDLE_THREADS 8          /* opening idle sessions: blocking round trips in parallel */
#define LOAD_IDLE_IO_TIMEOUT_S 30
#define LOAD_IDLE_SETTLE_US 2000000  /* after the last idle session opened: the notary trims a
                                        * session idle for 1 s; RSS is read and levels run after */
#define LOAD_FD_RESERVE 256          /* descriptors beside the idle sessions (active proofs...) */

typedef struct load_cfg {
    const char *notary, *ca_file, *baseline_url, *header, *data_file, *idle_target;
    const char *label;         /* the rows' first column */
    int idle, idle_only;       /* --idle N, --idle-only */
    char *manifest;
    size_t manifest_len;
    tp_var vars[LOAD_MAX_VARS];
    size_t n_vars;
    int notary_pid;
    int levels[LOAD_MAX_LEVELS];
    size_t n_levels;
    int proofs;
} load_cfg;

typedef struct level_run {
    const load_cfg *cfg;
    atomic_int next;           /* proofs handed out */
    int total;
    double *lat_ms;            /* one per proof */
    atomic_int failed;
    SSL_CTX *tls;              /* --baseline */
    char host[256], port[16], path[1024];
} level_run;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* utime+stime of a process in clock ticks, or -1. */
static long long proc_cpu_ticks(int pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

/* CPU time of all the process's threads in ns (schedstat), or -1. Threads that exit
 * between two samples are lost: the notary's threads live as long as it does. */
static long long proc_cpu_ns(int pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    long long total = 0;
    int any = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p2[300];
        unsigned long long ns = 0;
        snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", pid, e->d_name);
        FILE *f = fopen(p2, "r");
        if (f != NULL && fscanf(f, "%llu", &ns) == 1) {
            total += (long long)ns;
            any = 1;
        }
        if (f != NULL)
            fclose(f);
    }
    closedir(d);
    return any ? total : -1;
}

/* CPU time of the process in ms: schedstat, else stat's ticks. */
static double proc_cpu_ms(int pid)
{
    long long ns = proc_cpu_ns(pid);
    if (ns >= 0)
        return (double)ns / 1e6;
    long long t = proc_cpu_ticks(pid);
    return t < 0 ? -1 : (double)t * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

static long proc_rss_kib(int pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* One HTTPS GET on a fresh connection, reading the response to its end (Connection: close). */
static int tls_get(level_run *r)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(r->host, r->port, &hints, &ai) != 0)
        return 0;
    int fd = socket(ai->ai_family, SOCK_STREAM, 0), ok = 0;
    SSL *ssl = NULL;
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 && (ssl = SSL_new(r->tls)) != NULL) {
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, r->host);
        SSL_set1_host(ssl, r->host);
        char req[2048];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%s\r\n%s%sConnection: close\r\n\r\n",
                         r->path, r->host, r->port, r->cfg->header ? r->cfg->header : "",
                         r->cfg->header ? "\r\n" : "");
        if (SSL_connect(ssl) == 1 && SSL_write(ssl, req, n) == n) {
            char buf[16384];
            int k, first = 1;
            while ((k = SSL_read(ssl, buf, sizeof(buf))) > 0) {
                if (first)
                    ok = k >= 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0;
                first = 0;
            }
        }
    }
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    ERR_clear_error();
    return ok;
}

static int one_proof(level_run *r, tp_policy *policy)
{
    const load_cfg *c = r->cfg;
    tp_prove_opts o = {.notary = c->notary, .manifest_json = c->manifest, .manifest_len = c->manifest_len,
                       .vars = {c->vars, c->n_vars}, .policy = policy, .target_ca_file = c->ca_file};
    char *proof = NULL;
    size_t len = 0;
    tp_error err;
    tp_err rc = tp_prove(&o, &proof, &len, &err);
    if (rc != TP_OK)
        fprintf(stderr, "load: proof failed: %s [%s]\n", tp_error_message(&err), tp_err_name(rc));
    free(proof);
    return rc == TP_OK;
}

static void *worker(void *arg)
{
    level_run *r = arg;
    tp_policy *policy = tp_policy_insecure_sim();
    for (;;) {
        int i = atomic_fetch_add(&r->next, 1);
        if (i >= r->total)
            break;
        double t0 = now_ms();
        int ok = r->cfg->baseline_url ? tls_get(r) : one_proof(r, policy);
        r->lat_ms[i] = now_ms() - t0;
        if (!ok)
            atomic_fetch_add(&r->failed, 1);
    }
    tp_policy_free(policy);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* https://HOST:PORT/PATH into r. */
static int split_url(level_run *r, const char *url)
{
    if (strncmp(url, "https://", 8) != 0)
        return 0;
    const char *h = url + 8, *slash = strchr(h, '/'), *colon = strchr(h, ':');
    if (slash == NULL || colon == NULL || colon > slash || (size_t)(colon - h) >= sizeof(r->host) ||
        (size_t)(slash - colon - 1) >= sizeof(r->port) || strlen(slash) >= sizeof(r->path))
        return 0;
    snprintf(r->host, sizeof(r->host), "%.*s", (int)(colon - h), h);
    snprintf(r->port, sizeof(r->port), "%.*s", (int)(slash - colon - 1), colon + 1);
    snprintf(r->path, sizeof(r->path), "%s", slash);
    return 1;
}

/* One level's figures, for the comparison with idle sessions held. */
typedef struct level_result {
    double p50, p99;
} level_result;

static int run_level(const load_cfg *c, int conc, FILE *data, level_result *res)
{
    level_run r = {.cfg = c, .total = c->proofs > 2 * conc ? c->proofs : 2 * conc};
    r.lat_ms = calloc((size_t)r.total, sizeof(double));
    pthread_t *th = calloc((size_t)conc, sizeof(pthread_t));
    if (c->baseline_url) {
        r.tls = SSL_CTX_new(TLS_client_method());
        if (r.tls == NULL || !split_url(&r, c->baseline_url) || SSL_CTX_load_verify_locations(r.tls, c->ca_file, NULL) != 1)
            return 0;
        SSL_CTX_set_verify(r.tls, SSL_VERIFY_PEER, NULL);
    }
    long rss0 = proc_rss_kib(c->notary_pid), rss_peak = rss0;
    double cpu0 = proc_cpu_ms(c->notary_pid);
    double t0 = now_ms();
    int started = 0;
    for (; started < conc; started++)
        if (pthread_create(&th[started], NULL, worker, &r) != 0)
            break;
    while (atomic_load(&r.next) < r.total) {
        long rss = proc_rss_kib(c->notary_pid);
        rss_peak = rss > rss_peak ? rss : rss_peak;
        usleep(LOAD_RSS_SAMPLE_US);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    double wall = now_ms() - t0;
    double cpu1 = proc_cpu_ms(c->notary_pid);
    qsort(r.lat_ms, (size_t)r.total, sizeof(double), cmp_double);
    double cpu_ms = (cpu1 - cpu0) / r.total;
    double rss_per = (double)(rss_peak - rss0) / conc;
    res->p50 = pct(r.lat_ms, r.total, 0.5);
    res->p99 = pct(r.lat_ms, r.total, 0.99);
    printf("%-8s c=%-4d n=%-5d %8.1f /s  p50 %8.2f ms  p99 %8.2f ms  cpu(pid) %6.3f ms/op  rss %7.1f KiB/session%s\n",
           c->label, conc, r.total, r.total * 1e3 / wall, pct(r.lat_ms, r.total, 0.5),
           pct(r.lat_ms, r.total, 0.99), cpu_ms, rss_per, atomic_load(&r.failed) ? "  FAILURES" : "");
    if (data)
        fprintf(data, "%d %.1f %.3f %.3f %.4f %.1f\n", conc, r.total * 1e3 / wall, pct(r.lat_ms, r.total, 0.5),
                pct(r.lat_ms, r.total, 0.99), cpu_ms, rss_per);
    fflush(stdout);
    int ok = atomic_load(&r.failed) == 0 && started == conc;
    SSL_CTX_free(r.tls);
    free(r.lat_ms);
    free(th);
    return ok;
}

/* --idle: sessions opened to the notary and then left idle, held while levels run. */
typedef struct idle_set {
    const load_cfg *cfg;
    SSL_CTX *ctx;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char tunnel_req[320];      /* TUNNEL_REQ's payload: {host, port} of --idle-target */
    size_t tunnel_req_len;
    SSL **ssl;                 /* one per session; NULL unless held (its fd: SSL_get_fd) */
    atomic_int next, held, refused, failed;
    pthread_mutex_t print;     /* "refused: NAME" lines */
} idle_set;

/* The next frame: 1 (in *f), -1 an ERROR frame (its error in *err), 0 the connection failed. */
static int idle_recv(SSL *ssl, tp_frame_decoder *d, tp_frame *f, tp_error *err)
{
    uint8_t buf[16384];
    for (;;) {
        int got = tp_frame_decoder_next(d, f, err);
        if (got < 0)
            return 0;
        if (got == 1 && f->type == TP_MSG_ERROR) {
            tp_error_frame_parse(f->payload, f->len, err);
            return -1;
        }
        if (got == 1)
            return 1;
        int r = SSL_read(ssl, buf, sizeof(buf));
        if (r <= 0 || !tp_frame_decoder_feed(d, buf, (size_t)r))
            return 0;
    }
}

/* Sends one frame and reads the answer, which must be of type want: 1, -1 (ERROR), 0. A
 * notary over its limits answers ERROR right after the handshake, whatever was sent, and
 * may close before the write: the answer is read even when the write failed. */
static int idle_step(SSL *ssl, tp_frame_decoder *d, uint8_t type, const char *p, size_t n, uint8_t want,
                     tp_error *err)
{
    tp_buf out;
    tp_buf_init_public(&out);
    if (tp_frame_write(&out, type, p, n))
        SSL_write(ssl, out.data, (int)out.len);
    tp_buf_free(&out);
    tp_frame f;
    int got = idle_recv(ssl, d, &f, err);
    return got == 1 && f.type != want ? 0 : got;
}

/* Connects, completes the channel handshake, ATTEST_REQ and TUNNEL_REQ; 1 when held. */
static int idle_open(idle_set *set, SSL **held)
{
    struct timeval tv = {.tv_sec = LOAD_IDLE_IO_TIMEOUT_S};
    int fd = socket(set->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), got = 0, one = 1;
    SSL *ssl = NULL;
    tp_frame_decoder d = {0};
    tp_error err;
    tp_error_set(&err, TP_ERR_IO, "no answer");
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0 &&
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 && /* Nagle: 40 ms a step */
        connect(fd, (struct sockaddr *)&set->addr, set->addr_len) == 0 && (ssl = SSL_new(set->ctx)) != NULL &&
        SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
        got = idle_step(ssl, &d, TP_MSG_ATTEST_REQ, "{}", 2, TP_MSG_ATTEST_RESP, &err);
        if (got == 1 && set->tunnel_req_len > 0)
            got = idle_step(ssl, &d, TP_MSG_TUNNEL_REQ, set->tunnel_req, set->tunnel_req_len, TP_MSG_TUNNEL_OK, &err);
    }
    tp_frame_decoder_free(&d);
    ERR_clear_error();
    if (got == 1) {
        *held = ssl;
        atomic_fetch_add(&set->held, 1);
        return 1;
    }
    atomic_fetch_add(got < 0 ? &set->refused : &set->failed, 1);
    if (got < 0 && set->cfg->idle_only) {
        pthread_mutex_lock(&set->print);
        printf("refused: %s\n", tp_err_name(err.code));
        pthread_mutex_unlock(&set->print);
    }
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    return 0;
}

static void *idle_opener(void *arg)
{
    idle_set *set = arg;
    for (int i; (i = atomic_fetch_add(&set->next, 1)) < set->cfg->idle;)
        idle_open(set, &set->ssl[i]);
    return NULL;
}

/* The TUNNEL_REQ payload for --idle-target (none without it: attested sessions only). */
static int idle_tunnel_req(idle_set *set, const char *target)
{
    char thost[256];
    unsigned tport;
    set->tunnel_req_len = 0;
    if (target == NULL)
        return 1;
    const char *tcolon = strrchr(target, ':');
    if (tcolon == NULL || (size_t)(tcolon - target) >= sizeof(thost) || sscanf(tcolon + 1, "%u", &tport) != 1)
        return 0;
    snprintf(thost, sizeof(thost), "%.*s", (int)(tcolon - target), target);
    int n = snprintf(set->tunnel_req, sizeof(set->tunnel_req), "{\"host\":\"%s\",\"port\":%u}", thost, tport);
    set->tunnel_req_len = (size_t)n;
    return 1;
}

/* The notary's address and the TUNNEL_REQ payload. */
static int idle_prepare(idle_set *set, const load_cfg *c)
{
    char host[256], port[16];
    const char *colon = strrchr(c->notary, ':');
    if (colon == NULL || (size_t)(colon - c->notary) >= sizeof(host) || !idle_tunnel_req(set, c->idle_target))
        return 0;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - c->notary), c->notary);
    snprintf(port, sizeof(port), "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return 0;
    memcpy(&set->addr, ai->ai_addr, ai->ai_addrlen);
    set->addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    /* No certificate check: these sessions only hold memory; proofs check the attestation. */
    set->ctx = SSL_CTX_new(TLS_client_method());
    if (set->ctx == NULL || !SSL_CTX_set_min_proto_version(set->ctx, TLS1_3_VERSION))
        return 0;
    SSL_CTX_set_verify(set->ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(set->ctx, SSL_MODE_RELEASE_BUFFERS); /* this process holds them too */
    set->ssl = calloc((size_t)c->idle, sizeof(SSL *));
    return set->ssl != NULL;
}

/* Opens c->idle sessions (LOAD_IDLE_THREADS at a time); prints what was held and the
 * notary's RSS growth per held session. */
static int idle_open_all(idle_set *set, const load_cfg *c)
{
    *set = (idle_set){.cfg = c};
    pthread_mutex_init(&set->print, NULL);
    if (!idle_prepare(set, c)) {
        fprintf(stderr, "load: cannot set up the idle sessions (--notary, --idle-target)\n");
        return 0;
    }
    long rss0 = proc_rss_kib(c->notary_pid);
    double t0 = now_ms();
    pthread_t th[LOAD_IDLE_THREADS];
    int started = 0;
    for (; started < LOAD_IDLE_THREADS; started++)
        if (pthread_create(&th[started], NULL, idle_opener, set) != 0)
            break;
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    double secs = (now_ms() - t0) / 1e3;
    usleep(LOAD_IDLE_SETTLE_US);
    long rss1 = proc_rss_kib(c->notary_pid);
    int held = atomic_load(&set->held);
    if (c->idle_only) {
        printf("holding: %d sessions, %d refused\n", held, atomic_load(&set->refused));
    } else {
        printf("idle     %d sessions held (%s; %d refused, %d failed) in %.1f s; notary RSS %+.1f MiB = %.1f KiB "
               "per idle session (goal <= 64 KiB)\n",
               held, set->tunnel_req_len ? "attested, tunnel open" : "attested, no tunnel", atomic_load(&set->refused), atomic_load(&set->failed), secs, (double)(rss1 - rss0) / 1024,
               held ? (double)(rss1 - rss0) / held : 0.0);
    }
    fflush(stdout);
    return held > 0;
}

/* Sessions still open and untouched (the notary neither closed them nor sent anything). */
static int idle_still_open(const idle_set *set)
{
    int n = 0;
    for (int i = 0; i < set->cfg->idle; i++) {
        struct pollfd p = {.fd = set->ssl[i] ? SSL_get_fd(set->ssl[i]) : -1, .events = POLLIN | POLLRDHUP};
        n += p.fd >= 0 && poll(&p, 1, 0) == 0;
    }
    return n;
}

static void idle_close_all(idle_set *set)
{
    for (int i = 0; set->ssl && i < set->cfg->idle; i++) {
        if (set->ssl[i] == NULL)
            continue;
        int fd = SSL_get_fd(set->ssl[i]);
        SSL_free(set->ssl[i]);
        close(fd);
    }
    free(set->ssl);
    SSL_CTX_free(set->ctx);
    pthread_mutex_destroy(&set->print);
}

/* Raises this process's descriptor limit to its hard limit; 1 if n idle sessions fit. */
static int raise_fd_limit(int n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)n + LOAD_FD_RESERVE > rl.rlim_cur) {
        fprintf(stderr, "load: --idle %d needs %d file descriptors; the hard limit is %llu\n", n,
                n + LOAD_FD_RESERVE, (unsigned long long)rl.rlim_cur);
        return 0;
    }
    return 1;
}

/* --idle (not --idle-only): the levels alone, then again with the idle sessions held. */
static int run_with_idle(load_cfg *c, FILE *data)
{
    level_result alone[LOAD_MAX_LEVELS], with[LOAD_MAX_LEVELS];
    int ok = 1;
    for (size_t i = 0; i < c->n_levels; i++)
        ok &= run_level(c, c->levels[i], data, &alone[i]);
    idle_set set;
    ok &= idle_open_all(&set, c);
    c->label = "w/idle";
    for (size_t i = 0; ok && i < c->n_levels; i++)
        ok &= run_level(c, c->levels[i], NULL, &with[i]);
    int open = idle_still_open(&set), held = atomic_load(&set.held);
    for (size_t i = 0; ok && i < c->n_levels; i++)
        printf("  c=%-4d with %d idle sessions held: p50 %7.2f ms = %5.2fx without; p99 %7.2f ms = %5.2fx without\n",
               c->levels[i], held, with[i].p50, with[i].p50 / alone[i].p50, with[i].p99, with[i].p99 / alone[i].p99);
    printf("  idle sessions still open at the end: %d of %d held\n", open, held);
    idle_close_all(&set);
    return ok && open == held && held == c->idle;
}

static int parse_levels(load_cfg *c, const char *s)
{
    c->n_levels = 0;
    char *end;
    while (*s && c->n_levels < LOAD_MAX_LEVELS) {
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 4096)
            return 0;
        c->levels[c->n_levels++] = (int)v;
        s = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return 0;
    }
    return c->n_levels > 0;
}

static int usage(void)
{
    fputs("usage: load --notary HOST:PORT --manifest FILE --ca-file PEM --notary-pid PID [--var N=V]\n"
          "            [--levels 1,16,64,256] [--proofs N] [--baseline URL] [--header 'N: v'] [--data FILE]\n"
          "            [--idle N [--idle-target HOST:PORT] [--idle-only]]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    load_cfg c = {.proofs = LOAD_DEFAULT_PROOFS, .levels = {1, 16, 64, 256}, .n_levels = 4, .label = "proof"};
    const char *manifest_file = NULL;
    static const struct option opts[] = {
        {"notary", required_argument, NULL, 'n'}, {"manifest", required_argument, NULL, 'm'},
        {"ca-file", required_argument, NULL, 'c'}, {"notary-pid", required_argument, NULL, 'p'},
        {"var", required_argument, NULL, 'v'}, {"levels", required_argument, NULL, 'l'},
        {"proofs", required_argument, NULL, 'k'}, {"baseline", required_argument, NULL, 'b'},
        {"header", required_argument, NULL, 'H'}, {"data", required_argument, NULL, 'd'},
        {"idle", required_argument, NULL, 'i'}, {"idle-target", required_argument, NULL, 't'},
        {"idle-only", no_argument, NULL, 'o'}, {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': c.notary = optarg; break;
        case 'm': manifest_file = optarg; break;
        case 'c': c.ca_file = optarg; break;
        case 'p': c.notary_pid = atoi(optarg); break;
        case 'b': c.baseline_url = optarg; break;
        case 'H': c.header = optarg; break;
        case 'd': c.data_file = optarg; break;
        case 'k': c.proofs = atoi(optarg); break;
        case 'i': c.idle = atoi(optarg); break;
        case 't': c.idle_target = optarg; break;
        case 'o': c.idle_only = 1; break;
        case 'l': if (!parse_levels(&c, optarg)) return usage(); break;
        case 'v': {
            char *eq = strchr(optarg, '=');
            if (eq == NULL || c.n_vars == LOAD_MAX_VARS)
                return usage();
            *eq = '\0';
            c.vars[c.n_vars++] = (tp_var){.name = optarg, .value = eq + 1};
            break;
        }
        default: return usage();
        }
    }
    if (c.baseline_url)
        c.label = "tls-get";
    int idle_ok = c.idle == 0 || (c.idle > 0 && c.idle <= LOAD_MAX_IDLE && c.notary &&
                                  c.baseline_url == NULL);
    if (!idle_ok || (c.idle_only && c.idle == 0))
        return usage();
    if (c.idle_only && c.notary_pid <= 0)
        c.notary_pid = -1; /* no RSS to read */
    else if (c.ca_file == NULL || c.notary_pid <= 0 || c.proofs < 1 ||
             (c.baseline_url == NULL && (c.notary == NULL || manifest_file == NULL)))
        return usage();
    signal(SIGPIPE, SIG_IGN);
    if (!raise_fd_limit(c.idle))
        return 1;
    if (c.idle_only) { /* holds until killed */
        idle_set set;
        if (!idle_open_all(&set, &c))
            return 1;
        for (;;)
            pause();
    }
    tp_error err;
    if (manifest_file && tp_read_file(manifest_file, &c.manifest, &c.manifest_len, &err) != TP_OK) {
        fprintf(stderr, "load: %s\n", tp_error_message(&err));
        return 1;
    }
    FILE *data = c.data_file ? fopen(c.data_file, "a") : NULL;
    int ok = 1;
    level_result res;
    if (c.idle > 0)
        ok = run_with_idle(&c, data);
    for (size_t i = 0; c.idle == 0 && i < c.n_levels; i++)
        ok &= run_level(&c, c.levels[i], data, &res);
    if (data)
        fclose(data);
    free(c.manifest);
    return ok ? 0 : 1;
}
