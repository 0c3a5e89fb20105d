/* Test tool: a prover that costs the notary memory, to check that the notary's memory stays
 * bounded (per-session output cap, whole-process budget).
 *   tp-flood --notary HOST:PORT [--sessions N] [--seconds S] [--hold | --raw]
 * Opens N attested channels (sim TEE only), then for S seconds:
 *   (default) sends ATTEST_REQ frames on every channel as fast as it can and never reads
 *             the answers: prints "flood: N sessions, M frames sent in S s";
 *   --hold    keeps the channels open and idle, as many as the notary accepts: prints
 *             "refused: NAME" for each channel the notary refused, then
 *             "holding: K sessions, R refused" (flushed at once), and waits;
 *   --raw     opens N plain TCP connections that never start TLS: prints
 *             "raw: N connections, K closed at once by the notary" and waits.
 * Exit 0 unless no channel could be opened at all (exit 1, "error: ... [NAME]"). */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prover/prover_int.h"

#define FLOOD_MAX_SESSIONS 256
#define FLOOD_CHUNK 16380         /* ATTEST_REQ frames ({} payload, 7 bytes) per write */
#define FLOOD_WRITE_WAIT_MS 50    /* a blocked write gives up after this and moves on */
#define FLOOD_OPEN_TIMEOUT_MS 10000

typedef struct flood_session {
    tp_channel c;
    int open;
} flood_session;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_send_wait(int fd, unsigned ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Opens and attests one channel; on refusal prints the notary's error name. */
static int open_one(flood_session *fs, const char *notary, const tp_policy *policy, tp_error *err)
{
    tp_err rc = tp_channel_open(&fs->c, notary, FLOOD_OPEN_TIMEOUT_MS, err);
    if (rc == TP_OK)
        rc = tp_channel_attest(&fs->c, policy, NULL, err);
    if (rc != TP_OK) {
        tp_channel_close(&fs->c);
        return 0;
    }
    fs->open = 1;
    return 1;
}

/* One write of a chunk of frames; a write that would block is retried on the next round
 * with the same buffer, as OpenSSL requires. 0 once the notary closed the channel. */
static int push(flood_session *fs, const uint8_t *chunk, size_t len, unsigned long long *frames)
{
    int w = SSL_write(fs->c.ssl, chunk, (int)len);
    if (w > 0) {
        *frames += (unsigned long long)w / 7;
        return 1;
    }
    int e = SSL_get_error(fs->c.ssl, w);
    ERR_clear_error();
    return e == SSL_ERROR_WANT_WRITE || (e == SSL_ERROR_SYSCALL && errno == EAGAIN);
}

static void flood(flood_session *fs, int n, double seconds)
{
    static uint8_t chunk[FLOOD_CHUNK];
    tp_buf one = TP_BUF_PUBLIC_INIT;
    tp_frame_write(&one, TP_MSG_ATTEST_REQ, "{}", 2);
    for (size_t i = 0; i + one.len <= sizeof(chunk); i += one.len)
        memcpy(chunk + i, one.data, one.len);
    size_t chunk_len = sizeof(chunk) / one.len * one.len;
    tp_buf_free(&one);
    for (int i = 0; i < n; i++)
        set_send_wait(fs[i].c.fd, FLOOD_WRITE_WAIT_MS);
    unsigned long long frames = 0;
    double t0 = now_s();
    int alive = n;
    while (alive > 0 && now_s() - t0 < seconds) {
        for (int i = 0; i < n; i++) {
            if (fs[i].open && !push(&fs[i], chunk, chunk_len, &frames)) {
                fs[i].open = 0;
                alive--;
            }
        }
    }
    printf("flood: %d sessions, %llu frames sent in %.1f s (%d closed by the notary)\n", n, frames,
           now_s() - t0, n - alive);
}

/* Plain TCP connections that never say a word; reports how many the notary dropped. */
static int raw(const char *notary, int n, double seconds)
{
    char host[256];
    const char *colon = strrchr(notary, ':');
    if (colon == NULL || (size_t)(colon - notary) >= sizeof(host))
        return 2;
    memcpy(host, notary, (size_t)(colon - notary));
    host[colon - notary] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return 1;
    static int fds[FLOOD_MAX_SESSIONS];
    int opened = 0, closed = 0;
    for (int i = 0; i < n; i++) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            fds[opened++] = fd;
        else if (fd >= 0)
            close(fd);
    }
    freeaddrinfo(ai);
    struct timespec settle = {.tv_nsec = 500000000};
    nanosleep(&settle, NULL);
    for (int i = 0; i < opened; i++) {
        char b;
        ssize_t r = recv(fds[i], &b, 1, MSG_DONTWAIT | MSG_PEEK);
        closed += r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
    printf("raw: %d connections, %d closed at once by the notary\n", opened, closed);
    fflush(stdout);
    struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    for (int i = 0; i < opened; i++)
        close(fds[i]);
    return opened > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *notary = NULL;
    int n = 4, hold = 0, raw_only = 0, o;
    double seconds = 5;
    static const struct option opts[] = {
        {"notary", required_argument, NULL, 'n'}, {"sessions", required_argument, NULL, 's'},
        {"seconds", required_argument, NULL, 't'}, {"hold", no_argument, NULL, 'h'},
        {"raw", no_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'n') notary = optarg;
        else if (o == 's') n = atoi(optarg);
        else if (o == 't') seconds = atof(optarg);
        else if (o == 'h') hold = 1;
        else if (o == 'r') raw_only = 1;
        else {
            fprintf(stderr, "error: bad arguments\n");
            return 2;
        }
    }
    if (notary == NULL || n < 1 || n > FLOOD_MAX_SESSIONS || seconds <= 0) {
        fprintf(stderr, "error: --notary HOST:PORT required; --sessions 1-%d; --seconds > 0\n",
                FLOOD_MAX_SESSIONS);
        return 2;
    }
    if (raw_only)
        return raw(notary, n, seconds);
    static flood_session fs[FLOOD_MAX_SESSIONS];
    tp_policy *policy = tp_policy_insecure_sim();
    tp_error err;
    tp_error_clear(&err);
    int opened = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        if (open_one(&fs[opened], notary, policy, &err)) {
            opened++;
        } else {
            refused++;
            printf("refused: %s\n", tp_err_name(err.code));
        }
    }
    if (opened == 0) {
        fprintf(stderr, "error: %s [%s]\n", tp_error_message(&err), tp_err_name(err.code));
        tp_policy_free(policy);
        return 1;
    }
    if (hold) {
        printf("holding: %d sessions, %d refused\n", opened, refused);
        fflush(stdout);
        struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9)};
        nanosleep(&ts, NULL);
    } else {
        flood(fs, opened, seconds);
    }
    for (int i = 0; i < opened; i++) {
        SSL_set_quiet_shutdown(fs[i].c.ssl, 1); /* do not wait on a notary we never read */
        tp_channel_close(&fs[i].c);
    }
    tp_policy_free(policy);
    return 0;
}
