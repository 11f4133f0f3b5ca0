/* SPDX-License-Identifier: MIT */
/*
 * Small helpers over the vlr uAPI for the UML tests. The raw ioctl wrappers
 * (__vlr_*(), 0 or -errno) are shared with lrbench's vlr backend and the IGT
 * tests (workloads/uapi/vlr_ioctl.h), the STREAM data model with the IGT
 * tests (igt-tests/vlr_stream.h); neither depends on IGT. The functions
 * below are this suite's short forms of them.
 */
#ifndef VLR_LIB_H
#define VLR_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlr_drm.h"
#include "vlr_ioctl.h"
#include "vlr_stream.h"

#define VLR_SKIP 77

/* Print a failure with its context and return 1 from the calling test. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __func__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* ioctl through libdrm; returns 0 or -errno. */
int vlr_ioctl(int fd, unsigned long req, void *arg);

/* Open the vlr render node; -1 (with a message) when there is none. */
int vlr_open(void);

int vlr_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm_id, uint32_t *handle);
void *vlr_bo_map(int fd, uint32_t handle, uint64_t size);
int vlr_bo_close(int fd, uint32_t handle);
int vlr_vm_create(int fd, uint32_t *vm_id);
int vlr_vm_destroy(int fd, uint32_t vm_id);
int vlr_bind(int fd, uint32_t vm_id, uint32_t handle, uint64_t bo_offset, uint64_t addr,
	     uint64_t range);
int vlr_unbind(int fd, uint32_t vm_id, uint64_t addr, uint64_t range);
int vlr_queue_create(int fd, uint32_t vm_id, uint32_t *queue_id);
int vlr_queue_destroy(int fd, uint32_t queue_id);
int vlr_exec(int fd, struct drm_vlr_exec *e);
int vlr_wait_ufence(int fd, uint32_t vm_id, uint64_t addr, uint64_t value, int64_t timeout_ns);
int vlr_set_mode(int fd, uint32_t mode);
int vlr_get_stats(int fd, uint32_t queue_id, bool reset, struct drm_vlr_stats *s);

/* The STREAM program's per-pass transform and its K-fold composition. */
static inline uint32_t vlr_lcg(uint32_t x)
{
	return x * VLR_LCG_A + VLR_LCG_C;
}
void vlr_lcg_pow(uint64_t k, uint32_t *a, uint32_t *c);

uint64_t vlr_median(const __u64 *v, unsigned int n);
double vlr_now(void);
const char *vlr_mode_name(uint32_t mode);

/*
 * A never-ending STREAM job in its own VM: a control page in system memory
 * (progress, stop flag, user fences), a data buffer in VRAM and a staging
 * buffer in system memory. The CPU never maps the VRAM buffer: a COPY job
 * loads it from staging before the stream starts and another copies it back
 * for verification (UML's flush_tlb_mm() trips RCU lockdep when TTM zaps a
 * CPU mapping from a worker, so evictable BOs stay unmapped).
 */
struct vlr_stream {
	int fd;
	uint32_t vm, queue, ctl_bo, data_bo, staging_bo;
	uint64_t data_size;
	uint32_t *staging; /* system memory: initial data in, results out */
	volatile uint64_t *progress;
	volatile uint32_t *stop;
	volatile uint64_t *ufence;
	uint32_t *init; /* initial data, for verification */
	/*
	 * Passes of the stream's earlier jobs (vlr_stream_checkpoint() with
	 * restart): each STREAM job counts its own passes at @progress.
	 */
	uint64_t passes_done;
};

#define VLR_CTL_ADDR	 0x100000ull
#define VLR_DATA_ADDR	 0x1000000ull
#define VLR_STAGING_ADDR 0x80000000ull
#define VLR_PROGRESS	 0
#define VLR_STOP	 8
#define VLR_UFENCE	 16
#define VLR_UFENCE2	 24

int vlr_stream_start(struct vlr_stream *s, int fd, uint64_t data_size, uint32_t seed);
/* The same with DRM_VLR_QUEUE_CREATE_* flags for the stream's queue. */
int vlr_stream_start_flags(struct vlr_stream *s, int fd, uint64_t data_size, uint32_t seed,
			   uint32_t queue_flags);
/* Wait until the pass counter moves past @from (timeout in seconds). */
int vlr_stream_wait_progress(struct vlr_stream *s, uint64_t from, double timeout_s);
/* Stop it, wait for its user fence, verify every element exactly. */
int vlr_stream_stop_verify(struct vlr_stream *s);
void vlr_stream_fini(struct vlr_stream *s);

/*
 * A checkpoint of a running stream: stop it, copy its buffer back through
 * the engine and compare every element with the model after the passes the
 * progress counter shows; with @restart, start the stream again on the same
 * queue (a new STREAM job, whose pass counter starts at 0 again: the passes
 * so far go to @passes_done, and the data carries on from there). The waits name
 * the stream's queue, so a banned queue answers -EIO at once. Returns 0 when
 * the checkpoint ran (*@bad: elements that differ, 0 when exact), 1 (with a
 * message) when an ioctl or a wait failed.
 */
int vlr_stream_checkpoint(struct vlr_stream *s, bool restart, uint64_t *bad);
/* Passes the stream's data went through: earlier jobs' and the running one's. */
static inline uint64_t vlr_stream_passes(const struct vlr_stream *s)
{
	return s->passes_done + *s->progress;
}

/*
 * Create VRAM BOs of @bo_size adding up to @bytes (at most 64), then drop
 * them: TTM evicts the least recently used BOs, so LR jobs whose buffers are
 * in VRAM get preempted and restored afterwards. Returns 0 or -errno of the
 * GEM_CREATE that failed (the BOs created so far are dropped).
 */
int vlr_pressure(int fd, uint64_t bytes, uint64_t bo_size);

#endif
