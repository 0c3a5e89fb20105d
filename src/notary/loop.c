/* The notary's single epoll loop: listener, signals (stop; SIGUSR1: status), sessions,
 * timeouts. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "notary/notary.h"

uint64_t tp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int tp_io_add(tp_notary *n, tp_io *io, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = io};
    if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0)
        return 0;
    io->events = events;
    return 1;
}

int tp_io_mod(tp_notary *n, tp_io *io, uint32_t events)
{
    if (io->events == events) /* unchanged: no syscall (a relay asks on every event) */
        return 1;
    struct epoll_event ev = {.events = events, .data.ptr = io};
    if (epoll_ctl(n->epfd, EPOLL_CTL_MOD, io->fd, &ev) != 0)
        return 0;
    io->events = events;
    return 1;
}

void tp_io_del(tp_notary *n, tp_io *io)
{
    epoll_ctl(n->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

/* Closing the only descriptor of a socket removes it from the epoll set (epoll(7)): the
 * notary never forks or dups a session's socket, so no EPOLL_CTL_DEL is spent per close. */
void tp_io_close(tp_notary *n, tp_io *io)
{
    (void)n;
    if (io->fd >= 0)
        close(io->fd);
    io->fd = -1;
    io->events = 0;
}

static void on_listen(tp_io *io, uint32_t events)
{
    tp_notary *n = io->owner;
    for (;;) {
        int fd = accept4(n->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) { /* EAGAIN; out of descriptors: paused (capacity.c); else the next event */
            tp_accept_failed(n, errno);
            return;
        }
        n->accept_failing = 0;
        /* Small frames in a request/response dialogue: Nagle + delayed ACK would add 40 ms.
         * Set on the listener and inherited (Linux): checked once, else set on each. */
        int one = 1, on = 0;
        socklen_t len = sizeof(on);
        if (!n->nodelay_checked) {
            n->nodelay_checked = 1;
            n->nodelay_inherited = getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 && on;
        }
        if (!n->nodelay_inherited)
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        tp_session_accept(n, fd);
    }
}

static void on_signal(tp_io *io, uint32_t events)
{
    tp_notary *n = io->owner;
    struct signalfd_siginfo si;
    while (read(n->signal_fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGUSR1)
            tp_notary_log_status(n);
        else
            n->stop = 1;
    }
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGUSR1); /* not a stop: asks for the status line */
}

int tp_block_stop_signals(void)
{
    sigset_t set;
    stop_signals(&set);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0;
}

static int watch_signals(tp_notary *n)
{
    sigset_t set;
    stop_signals(&set);
    n->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (n->signal_fd < 0)
        return 0;
    n->signal_io = (tp_io){.fd = n->signal_fd, .on_event = on_signal, .owner = n};
    return tp_io_add(n, &n->signal_io, EPOLLIN);
}

int tp_notary_run(tp_notary *n)
{
    n->listen_io = (tp_io){.fd = n->listen_fd, .on_event = on_listen, .owner = n};
    if (!tp_io_add(n, &n->listen_io, EPOLLIN) || !watch_signals(n) || !tp_metrics_http_register(n))
        return 0;
    struct epoll_event events[64];
    uint64_t next_sweep = tp_now_ms() + 250;
    while (!n->stop) {
        int k = epoll_wait(n->epfd, events, 64, tp_loop_timeout_ms(n, tp_now_ms(), 250));
        if (k < 0 && errno != EINTR)
            return 0;
        for (int i = 0; i < k; i++) {
            tp_io *io = events[i].data.ptr;
            io->on_event(io, events[i].events);
        }
        tp_session_reap(n);
        uint64_t now = tp_now_ms();
        tp_accept_resume(n, now);
        if (now >= next_sweep) {
            tp_session_sweep(n, now);
            tp_metrics_http_sweep(n, now);
            next_sweep = now + 250;
        }
    }
    return 1;
}
