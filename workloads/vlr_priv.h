/* SPDX-License-Identifier: MIT */
/*
 * Private to the vlr backend: the device handle shared by its three files
 * (vlr.c, the backend proper; vlr_mixed.c, the mixed-load threads;
 * vlr_counters.c, the kernel counter drain) and the backend's short forms
 * of the shared ioctl wrappers (uapi/vlr_ioctl.h, 0 or -errno).
 */
#ifndef LRBENCH_VLR_PRIV_H
#define LRBENCH_VLR_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"
#include "uapi/vlr_ioctl.h"

#define VLR_PAGE 4096ull
#define WAIT_NS	 30000000000ll

/* the job's queues whose own counters are drained (per-queue GET_STATS) */
#define MAX_JOB_QUEUES 64

struct kacc {
	pthread_mutex_t lock;
	struct lr_kmetrics km; /* accumulated since the last reset */
	pthread_t thread;
	bool running;
	atomic_bool stop;
	int err; /* first error of the drain thread (negative errno) */
	/* the running job's queues (lock held): their own counters are the
	 * job's; the device-wide ones include every load generator */
	uint32_t jobq[MAX_JOB_QUEUES];
	unsigned njobq;
};

struct lr_dev {
	int fd;
	char path[64];
	struct drm_vlr_get_info info;
	uint32_t cfg_queues; /* from an "-qN" config; 0: the job parameters decide */
	struct kacc acc;
	int knob_fd; /* debugfs dri/N/vlr_evict_vram, opened on first use; -1: not yet */
	char knob[128];
};

#define TRY(expr, ...)                                                                             \
	do {                                                                                       \
		if ((ret = (expr))) {                                                              \
			lr_fail(err, LR_ERR, __VA_ARGS__);                                         \
			goto fail;                                                                 \
		}                                                                                  \
	} while (0)

static inline const char *serr(int neg)
{
	return strerror(-neg);
}

static inline void bo_close(int fd, uint32_t h)
{
	if (h)
		__vlr_gem_close(fd, h);
}

static inline void *bo_map(int fd, uint32_t h, uint64_t size, int *ret)
{
	uint64_t offset;
	void *p;

	*ret = __vlr_mmap_offset(fd, h, &offset);
	if (*ret)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	if (p == MAP_FAILED) {
		*ret = -errno;
		return NULL;
	}
	return p;
}

/* Map all of BO @h at @addr. */
static inline int bo_bind(int fd, uint32_t vm, uint32_t h, uint64_t addr, uint64_t range)
{
	return __vlr_bind(fd, vm, DRM_VLR_VM_BIND_OP_MAP, h, 0, addr, range);
}

static inline void vm_destroy(int fd, uint32_t vm)
{
	if (vm)
		__vlr_vm_destroy(fd, vm);
}

static inline void queue_destroy(int fd, uint32_t q)
{
	if (q)
		__vlr_queue_destroy(fd, q);
}

/* Wait until the u64 at @addr @op @value; @queue (or 0) is the writer, so a
 * banned queue ends the wait with -EIO. @timeout_ns relative. */
static inline int wait_ufence_op(int fd, uint32_t vm, uint32_t queue, uint64_t addr, uint32_t op,
				 uint64_t value, int64_t timeout_ns)
{
	return __vlr_wait_ufence_queue(fd, vm, queue, addr, op, value, 0, &timeout_ns);
}

static inline int wait_ufence(int fd, uint32_t vm, uint32_t queue, uint64_t addr, uint64_t value)
{
	return wait_ufence_op(fd, vm, queue, addr, DRM_VLR_UFENCE_OP_EQ, value, WAIT_NS);
}

static inline int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	/* signals go to the main thread (lrbench's cancel) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

/* vlr_mixed.c: throttled LR jobs + open-loop normal jobs on the shared scheduler */
struct mixed;
int vlr_mixed_start(struct lr_dev *d, const struct lr_mixed_params *p, struct mixed **out,
		    struct lr_err *err);
/* Stop the threads, let the queued LR jobs finish, release everything.
 * Returns LR_ERR with the first error of the load (or of the drain). */
int vlr_mixed_destroy(struct mixed *m, struct lr_err *err);

/* vlr_counters.c: the kernel counters, drained in the background */
void vlr_counters_init(struct lr_dev *d);
void vlr_counters_fini(struct lr_dev *d);
/* The job's queues: drained from now on (@q != 0), or read one last time
 * and forgotten before they are destroyed (@q == 0). */
int vlr_jobq_register(struct lr_dev *d, uint32_t q);
int vlr_kernel_metrics(struct lr_dev *d, int reset, struct lr_kmetrics *out, struct lr_err *err);

#endif /* LRBENCH_VLR_PRIV_H */
