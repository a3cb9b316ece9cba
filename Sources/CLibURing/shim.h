// liburing 2.3 for Swift. The libc headers come first: liburing defines
// _XOPEN_SOURCE/_GNU_SOURCE itself, and including it bare breaks a clean
// build with a conflicting fd_set (TOOLCHAIN.md). Bindings only, no logic.
#ifndef OVERLAP_CLIBURING_SHIM_H
#define OVERLAP_CLIBURING_SHIM_H
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <time.h>
#include <signal.h>
#include <fcntl.h>
#include <sched.h>
#include <errno.h>
#include <string.h>
/* The kernel's uapi header before liburing's own copy of it (same include
   guard, so the copy is skipped): swift-system's CSystem module includes the
   kernel's, and two different definitions of struct io_uring_sqe in one
   Swift module fail to merge. */
#include <linux/io_uring.h>
#include <liburing.h>

static inline unsigned char overlap_iosqe_buffer_select(void) { return IOSQE_BUFFER_SELECT; }
static inline unsigned overlap_cqe_f_buffer(void) { return IORING_CQE_F_BUFFER; }
static inline unsigned overlap_cqe_buffer_shift(void) { return IORING_CQE_BUFFER_SHIFT; }
static inline unsigned overlap_cqe_f_more(void) { return IORING_CQE_F_MORE; }
static inline unsigned overlap_setup_single_issuer(void) { return IORING_SETUP_SINGLE_ISSUER; }
static inline unsigned overlap_setup_defer_taskrun(void) { return IORING_SETUP_DEFER_TASKRUN; }
static inline unsigned overlap_setup_coop_taskrun(void) { return IORING_SETUP_COOP_TASKRUN; }
static inline unsigned overlap_setup_cqsize(void) { return IORING_SETUP_CQSIZE; }
static inline unsigned overlap_cq_overflow(struct io_uring *ring) {
    return ring->cq.koverflow ? __atomic_load_n(ring->cq.koverflow, __ATOMIC_ACQUIRE) : 0;
}
#endif
