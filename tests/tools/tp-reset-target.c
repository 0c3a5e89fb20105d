/* Test tool: an HTTPS target that resets the connection in the middle of its response, for
 * the soak (a target that fails while the notary records it).
 *   tp-reset-target --listen HOST:PORT --cert PEM --key PEM
 * Prints "listening on HOST:PORT". Each connection: TLS 1.3 handshake, reads the request
 * head, sends response headers announcing RESET_ANNOUNCED body bytes and RESET_SENT of
 * them, then closes with a TCP reset (SO_LINGER 0), no close_notify. One thread per
 * connection, at most RESET_MAX_CONNS at once; runs until killed. */
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RESET_MAX_CONNS 64
#define RESET_IO_TIMEOUT_S 10
#define RESET_ANNOUNCED 100000
#define RESET_SENT 3000
#define RESET_HEAD_MAX 16384

static SSL_CTX *g_ctx;
static atomic_int g_conns;

static void reset_close(int fd)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(fd);
}

/* Reads until the end of the request head (or the buffer is full): 1 if it came. */
static int read_head(SSL *ssl)
{
    static const char end[] = "\r\n\r\n";
    char buf[RESET_HEAD_MAX + 1];
    size_t len = 0;
    while (len < RESET_HEAD_MAX) {
        int n = SSL_read(ssl, buf + len, (int)(RESET_HEAD_MAX - len));
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, end) != NULL)
            return 1;
    }
    return 0;
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct timeval tv = {.tv_sec = RESET_IO_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    SSL *ssl = SSL_new(g_ctx);
    if (ssl != NULL && SSL_set_fd(ssl, fd) && SSL_accept(ssl) == 1 && read_head(ssl)) {
        char head[160], body[RESET_SENT];
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
                          RESET_ANNOUNCED);
        memset(body, ' ', sizeof(body));
        body[0] = '{';
        if (SSL_write(ssl, head, hl) == hl)
            SSL_write(ssl, body, sizeof(body));
    }
    ERR_clear_error();
    SSL_free(ssl);
    reset_close(fd);
    atomic_fetch_sub(&g_conns, 1);
    return NULL;
}

static int listen_on(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    int ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 128) == 0;
    freeaddrinfo(res);
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    if (!ok || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("listening on %s:%u\n", host, ntohs(sa.sin_port));
    fflush(stdout);
    return fd;
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *cert = NULL, *key = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--listen") == 0) listen_spec = argv[i + 1];
        else if (strcmp(argv[i], "--cert") == 0) cert = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0) key = argv[i + 1];
    }
    if (listen_spec == NULL || cert == NULL || key == NULL) {
        fprintf(stderr, "error: usage: tp-reset-target --listen HOST:PORT --cert PEM --key PEM\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    g_ctx = SSL_CTX_new(TLS_server_method());
    if (g_ctx == NULL || !SSL_CTX_set_min_proto_version(g_ctx, TLS1_3_VERSION) ||
        SSL_CTX_use_certificate_chain_file(g_ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(g_ctx, key, SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "error: cannot load %s / %s\n", cert, key);
        return 1;
    }
    SSL_CTX_set_num_tickets(g_ctx, 0);
    int lfd = listen_on(listen_spec);
    if (lfd < 0) {
        fprintf(stderr, "error: cannot listen on %s\n", listen_spec);
        return 1;
    }
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        pthread_t t;
        if (atomic_fetch_add(&g_conns, 1) >= RESET_MAX_CONNS ||
            pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
            atomic_fetch_sub(&g_conns, 1);
            reset_close(fd);
            continue;
        }
        pthread_detach(t);
    }
}
