/* Test tool: a plain-TCP service on loopback that records every byte it receives.
 *   tp-sink --port PORT --out FILE [--host 127.x.y.z] [--banner TEXT] [--reply TEXT]
 *           [--idle-ms N] [--lifetime S] [--blackhole]
 * Prints "listening on HOST:PORT" once ready (port 0 picks one; host 127.0.0.1 unless
 * given), and "accepted" for each connection. Serves one connection at a time: sends the banner (an SMTP-like greeting) on
 * connect, the reply after the first bytes it receives, appends what it receives to FILE
 * (created empty at start), and closes the connection after idle-ms (default 500) without
 * data or when the peer closes. --blackhole: accepts nothing and fills its own backlog, so
 * that a connect to it neither succeeds nor fails (a silent host). Exits by itself after
 * `lifetime` seconds (default 120). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct sink_opts {
    long port;
    const char *host, *out, *banner, *reply;
    int blackhole;
    int idle_ms;
    unsigned lifetime;
} sink_opts;

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            return 0;
        c += w;
        n -= (size_t)w;
    }
    return 1;
}

static void serve(int conn, int out, const sink_opts *o)
{
    if (o->banner && !write_all(conn, o->banner, strlen(o->banner)))
        return;
    int replied = 0;
    char buf[16384];
    struct pollfd p = {.fd = conn, .events = POLLIN};
    while (poll(&p, 1, o->idle_ms) == 1) {
        ssize_t n = read(conn, buf, sizeof(buf));
        if (n <= 0 || !write_all(out, buf, (size_t)n))
            return;
        if (o->reply && !replied) {
            replied = 1;
            if (!write_all(conn, o->reply, strlen(o->reply)))
                return;
        }
    }
}

static int listen_on(const sink_opts *o)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (fd < 0 || inet_pton(AF_INET, o->host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, o->blackhole ? 0 : 16) != 0)
        return -1;
    socklen_t len = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    /* Blackhole: one connection of our own, never accepted, fills the backlog. */
    if (o->blackhole) {
        int self = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (self < 0 || connect(self, (struct sockaddr *)&sa, sizeof(sa)) != 0)
            return -1;
    }
    printf("listening on %s:%u\n", o->host, ntohs(sa.sin_port));
    fflush(stdout);
    return fd;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    sink_opts o = {.port = -1, .host = "127.0.0.1", .idle_ms = 500, .lifetime = 120};
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'}, {"out", required_argument, NULL, 'o'},
        {"banner", required_argument, NULL, 'b'}, {"reply", required_argument, NULL, 'r'},
        {"idle-ms", required_argument, NULL, 'i'}, {"lifetime", required_argument, NULL, 'l'},
        {"host", required_argument, NULL, 'h'}, {"blackhole", no_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p') o.port = strtol(optarg, NULL, 10);
        else if (c == 'o') o.out = optarg;
        else if (c == 'b') o.banner = optarg;
        else if (c == 'r') o.reply = optarg;
        else if (c == 'i') o.idle_ms = atoi(optarg);
        else if (c == 'l') o.lifetime = (unsigned)atoi(optarg);
        else if (c == 'h') o.host = optarg;
        else if (c == 'k') o.blackhole = 1;
        else return 2;
    }
    if (o.port < 0 || o.port > 65535 || o.out == NULL) {
        fprintf(stderr, "error: --port and --out are required\n");
        return 2;
    }
    int out = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    int lfd = out < 0 ? -1 : listen_on(&o);
    if (lfd < 0) {
        perror("error: tp-sink");
        return 1;
    }
    alarm(o.lifetime);
    while (o.blackhole)
        pause();
    for (;;) {
        int conn = accept(lfd, NULL, NULL);
        if (conn < 0)
            continue;
        printf("accepted\n");
        fflush(stdout);
        serve(conn, out, &o);
        close(conn);
    }
}
