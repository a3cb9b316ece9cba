// Linux calls Swift's Glibc module leaves out: epoll, eventfd, timerfd, POSIX
// semaphores and sigwait helpers (TOOLCHAIN.md). Bindings only, no logic.
#ifndef OVERLAP_CLINUX_SHIM_H
#define OVERLAP_CLINUX_SHIM_H
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <semaphore.h>
#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>
#include <sys/prctl.h>

/// accept4 is declared only under _GNU_SOURCE, which Swift's Glibc module does not set.
int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int overlap_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/// Names the calling thread (15 bytes at most), as top and ps -L show it.
static inline void overlap_set_thread_name(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

/// pthread_tryjoin_np is a GNU extension the headers hide without _GNU_SOURCE.
extern int pthread_tryjoin_np(pthread_t thread, void **retval);
static inline int overlap_thread_tryjoin(pthread_t thread) { return pthread_tryjoin_np(thread, 0); }

/// A one-shot CLOCK_MONOTONIC timerfd, non-blocking and close-on-exec; -1 and errno on failure.
static inline int overlap_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }
/// Arms `fd` to become readable once at `deadline_ns` (absolute, CLOCK_MONOTONIC
/// nanoseconds, as overlap_monotonic_ns); 0 disarms it. A deadline already past
/// fires at once. The kernel adds no timer slack to a timerfd.
static inline int overlap_timerfd_arm_at(int fd, uint64_t deadline_ns) {
    struct itimerspec its = { { 0, 0 }, { (time_t)(deadline_ns / 1000000000ull), (long)(deadline_ns % 1000000000ull) } };
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static inline int overlap_errno(void) { return errno; }
/// Blocks SIGINT, SIGTERM, SIGHUP and SIGQUIT in the calling thread (and in the
/// threads it creates afterwards), so only the thread that waits for them sees them.
static inline int overlap_block_stop_signals(void) {
    /* A shell starts background jobs with SIGINT ignored, and an ignored
       signal is discarded even while blocked: restore the default first. */
    signal(SIGINT, SIG_DFL); signal(SIGTERM, SIG_DFL); signal(SIGHUP, SIG_DFL); signal(SIGQUIT, SIG_DFL);
    sigset_t s; sigemptyset(&s);
    sigaddset(&s, SIGINT); sigaddset(&s, SIGTERM); sigaddset(&s, SIGHUP); sigaddset(&s, SIGQUIT);
    sigaddset(&s, SIGPIPE);
    return pthread_sigmask(SIG_BLOCK, &s, NULL);
}
/// Waits up to `ms` for SIGINT/SIGTERM/SIGHUP/SIGQUIT; returns the signal, 0 on timeout.
static inline int overlap_wait_stop_signal(long ms) {
    sigset_t s; sigemptyset(&s);
    sigaddset(&s, SIGINT); sigaddset(&s, SIGTERM); sigaddset(&s, SIGHUP); sigaddset(&s, SIGQUIT);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    int sig = sigtimedwait(&s, NULL, &ts);
    return sig < 0 ? 0 : sig;
}
static inline uint64_t overlap_monotonic_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static inline uint64_t overlap_thread_cpu_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#endif
