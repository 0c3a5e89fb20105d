/* The notary's descriptor capacity: at start it raises its soft RLIMIT_NOFILE to the hard
 * limit and logs how many sessions that holds (two descriptors per session with a tunnel,
 * prover and target), warning when --max-sessions asks for more. When accept() fails for
 * want of descriptors or memory, the listener is unwatched for TP_ACCEPT_PAUSE_MS or until a
 * session ends (level-triggered epoll would otherwise report the pending connection again
 * at once, a busy loop); pending connections wait in the kernel's backlog meanwhile. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "notary/log.h"
#include "notary/notary.h"

/* Descriptors the notary needs beside its sessions: listeners, epoll, signalfd, resolver and
 * worker pipes, the metrics listener and its exchanges, log and configuration files. */
#define TP_FD_RESERVE 64
#define TP_FDS_PER_SESSION 2
#define TP_ACCEPT_PAUSE_MS 100

void tp_notary_raise_fd_limit(tp_notary *n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t soft_before = rl.rlim_cur;
    if (rl.rlim_cur != rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = soft_before;
    }
    size_t fds = rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX : (size_t)rl.rlim_cur;
    n->fd_capacity = fds;
    size_t sessions = fds > TP_FD_RESERVE ? (fds - TP_FD_RESERVE) / TP_FDS_PER_SESSION : 0;
    tp_log_field f[] = {TP_LOG_INT("fd_limit", fds), TP_LOG_INT("sessions_capacity", sessions),
                        TP_LOG_INT("max_sessions", n->cfg.max_sessions)};
    tp_log(TP_LOG_INFO, "fd-capacity", f, 3, "%zu file descriptors (soft limit raised from %llu): "
           "%zu sessions with a tunnel at 2 each; --max-sessions %zu", fds,
           (unsigned long long)soft_before, sessions, n->cfg.max_sessions);
    if (n->cfg.max_sessions > sessions)
        tp_log(TP_LOG_WARN, "fd-capacity-low", f, 3,
               "--max-sessions %zu needs about %zu file descriptors, the hard limit is %zu: raise it "
               "(LimitNOFILE=, ulimit -Hn) or lower --max-sessions; meanwhile accepting pauses when "
               "they run out", n->cfg.max_sessions, n->cfg.max_sessions * TP_FDS_PER_SESSION + TP_FD_RESERVE, fds);
}

int tp_accept_failed(tp_notary *n, int error)
{
    if (error != EMFILE && error != ENFILE && error != ENOBUFS && error != ENOMEM)
        return 0;
    n->accept_pauses++;
    if (!n->accept_failing) { /* once until an accept succeeds again */
        n->accept_failing = 1;
        tp_log_field f[] = {TP_LOG_STR("error", strerror(error)), TP_LOG_INT("sessions", n->n_sessions)};
        tp_log(TP_LOG_WARN, "accept-paused", f, 2,
               "cannot accept: %s (%zu sessions open); accepting pauses for %u ms at a time, or until a "
               "session ends, while this lasts", strerror(error), n->n_sessions, TP_ACCEPT_PAUSE_MS);
    }
    tp_io_mod(n, &n->listen_io, 0);
    n->accept_paused_until = tp_now_ms() + TP_ACCEPT_PAUSE_MS;
    n->sessions_at_pause = n->n_sessions;
    return 1;
}

void tp_accept_resume(tp_notary *n, uint64_t now)
{
    if (n->accept_paused_until == 0 || (now < n->accept_paused_until && n->n_sessions >= n->sessions_at_pause))
        return;
    n->accept_paused_until = 0;
    tp_io_mod(n, &n->listen_io, EPOLLIN);
}

int tp_loop_timeout_ms(const tp_notary *n, uint64_t now, int longest)
{
    if (n->accept_paused_until == 0)
        return longest;
    uint64_t left = n->accept_paused_until > now ? n->accept_paused_until - now : 0;
    return left < (uint64_t)longest ? (int)left : longest;
}
