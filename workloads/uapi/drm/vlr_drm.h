/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 lrbench authors
 */
#ifndef _UAPI_VLR_DRM_H_
#define _UAPI_VLR_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vlr uAPI
 *
 * vlr is a virtual long-running (LR) compute device: a render node with
 * VRAM (kernel memory behind a TTM range manager), VMs with VM_BIND-style
 * mappings, exec queues whose jobs run built-in programs on an engine thread
 * and never export a completion dma-fence, user fences, and preempt fences
 * that let memory management evict the VRAM of a running LR job.
 *
 * Every structure is 8-byte aligned with explicit padding. Fields named
 * @pad and every flag bit not defined here must be zero (-EINVAL otherwise).
 * GPU addresses are byte addresses in the VM; ranges must be page aligned
 * where stated and lie inside [0, &drm_vlr_get_info.va_size).
 *
 * Errors common to every ioctl: -EINVAL for bad flags, padding, sizes or
 * alignment; -ENOENT for unknown handles or ids; -EFAULT for bad user
 * pointers; -ENOMEM when the kernel cannot allocate; -EINTR/-ERESTARTSYS
 * on signals.
 *
 * Version 2 added dma-fence VMs (DRM_VLR_VM_CREATE_DMA_FENCE), the shared
 * compute scheduler (DRM_VLR_QUEUE_CREATE_SHARED_SCHED),
 * &drm_vlr_wait_ufence.queue_id, and the copy-engine, restore-worker and
 * normal-job counters at the end of &struct drm_vlr_stats.
 */

/** DRM_VLR_UAPI_VERSION - bumped when ioctls or fields are added */
#define DRM_VLR_UAPI_VERSION 2

#define DRM_VLR_GET_INFO		0x00
#define DRM_VLR_GEM_CREATE		0x01
#define DRM_VLR_GEM_MMAP_OFFSET		0x02
#define DRM_VLR_VM_CREATE		0x03
#define DRM_VLR_VM_DESTROY		0x04
#define DRM_VLR_VM_BIND			0x05
#define DRM_VLR_QUEUE_CREATE		0x06
#define DRM_VLR_QUEUE_DESTROY		0x07
#define DRM_VLR_EXEC			0x08
#define DRM_VLR_WAIT_UFENCE		0x09
#define DRM_VLR_SET_MODE		0x0a
#define DRM_VLR_GET_STATS		0x0b

/**
 * enum drm_vlr_mode - how the device handles LR queues under eviction
 * @DRM_VLR_MODE_PREEMPT_FENCE: the generic path: LR scheduler entities, one
 *	preempt fence per queue in the VM's reservation objects (usage
 *	BOOKKEEP), pipelined restore (the queue resumes behind the copy fences).
 * @DRM_VLR_MODE_OPEN_CODED: the baseline drivers open-code: no preempt
 *	fence; run_job sleeps to throttle; eviction suspends the VM's queues
 *	with a synchronous driver-private wait; restore waits on the CPU for
 *	each copy before resuming.
 */
enum drm_vlr_mode {
	DRM_VLR_MODE_PREEMPT_FENCE = 0,
	DRM_VLR_MODE_OPEN_CODED = 1,
};

/**
 * struct drm_vlr_get_info - device properties (all output except @flags)
 */
struct drm_vlr_get_info {
	/** @flags: must be zero */
	__u32 flags;
	/** @uapi_version: DRM_VLR_UAPI_VERSION of the kernel */
	__u32 uapi_version;
	/** @vram_size: VRAM size in bytes */
	__u64 vram_size;
	/** @va_size: size of every VM's address space in bytes */
	__u64 va_size;
	/** @mode: current &enum drm_vlr_mode */
	__u32 mode;
	/** @preempt_granularity: elements between two preemption points */
	__u32 preempt_granularity;
	/**
	 * @min_run_us: fairness rule: a resumed queue runs this long before
	 * a new preemption request is honoured
	 */
	__u32 min_run_us;
	/** @max_restore_retries: failed restores before a VM is banned */
	__u32 max_restore_retries;
};

/** DRM_VLR_GEM_CREATE_SYSTEM - place the BO in system memory only */
#define DRM_VLR_GEM_CREATE_SYSTEM	(1u << 0)

/**
 * struct drm_vlr_gem_create - create a buffer object
 *
 * Without flags the BO lives in VRAM and is evicted to system memory under
 * pressure, then restored to VRAM. Returns -EINVAL for a zero, unaligned
 * (not a multiple of the page size) or oversized @size, -ENOENT for an
 * unknown @vm_id, -ENOSPC when a VRAM BO is larger than VRAM or when the
 * BO memory of this file (module parameter vlr.max_file_mb) or of the
 * device (vlr.max_total_mb) would exceed its limit; both default to 3/8 of
 * the RAM, counting every BO at its full size wherever it lives.
 */
struct drm_vlr_gem_create {
	/** @size: bytes, a non-zero multiple of the page size */
	__u64 size;
	/** @flags: DRM_VLR_GEM_CREATE_* */
	__u32 flags;
	/**
	 * @vm_id: 0 for an external BO (own reservation object), or the VM
	 * whose reservation object this VM-private BO shares; it can only be
	 * mapped in that VM
	 */
	__u32 vm_id;
	/** @handle: output GEM handle */
	__u32 handle;
	/** @pad: must be zero */
	__u32 pad;
};

/**
 * struct drm_vlr_gem_mmap_offset - fake offset for mmap() of a BO
 */
struct drm_vlr_gem_mmap_offset {
	/** @handle: GEM handle */
	__u32 handle;
	/** @flags: must be zero */
	__u32 flags;
	/** @offset: output offset to pass to mmap() on the render node */
	__u64 offset;
};

/**
 * DRM_VLR_VM_CREATE_DMA_FENCE - a dma-fence VM instead of a long-running one
 *
 * Its queues run bounded jobs that each have a completion dma-fence
 * (&drm_vlr_exec.out_syncobj); every exec makes the VM's BOs resident, waits
 * for their moves and adds the job's fence to the VM's reservation objects,
 * so eviction waits for the job instead of preempting it.
 */
#define DRM_VLR_VM_CREATE_DMA_FENCE	(1u << 0)

/**
 * struct drm_vlr_vm_create - create a VM
 *
 * By default the VM is long-running: its queues are LR queues. See
 * DRM_VLR_VM_CREATE_DMA_FENCE for the other kind.
 */
struct drm_vlr_vm_create {
	/** @flags: DRM_VLR_VM_CREATE_* */
	__u32 flags;
	/** @vm_id: output VM id (non-zero) */
	__u32 vm_id;
};

/**
 * struct drm_vlr_vm_destroy - destroy a VM, its queues and mappings
 *
 * Queues of the VM are stopped wherever they are (running, preempted,
 * restore in flight); their pending jobs are cancelled.
 */
struct drm_vlr_vm_destroy {
	/** @vm_id: VM id */
	__u32 vm_id;
	/** @pad: must be zero */
	__u32 pad;
};

#define DRM_VLR_VM_BIND_OP_MAP		0
#define DRM_VLR_VM_BIND_OP_UNMAP	1

/**
 * struct drm_vlr_vm_bind - map or unmap a BO range
 *
 * MAP: @addr, @bo_offset and @range page aligned, @range non-zero,
 * [@bo_offset, @bo_offset + @range) inside the BO and [@addr, @addr + @range)
 * inside the VA space; -EEXIST when it overlaps an existing mapping,
 * -EINVAL when a VM-private BO of another VM is mapped. The BO is made
 * resident before the ioctl returns.
 * UNMAP: @addr and @range must name exactly one existing mapping (-ENOENT
 * otherwise); @handle and @bo_offset must be zero.
 */
struct drm_vlr_vm_bind {
	/** @vm_id: VM id */
	__u32 vm_id;
	/** @op: DRM_VLR_VM_BIND_OP_* */
	__u32 op;
	/** @handle: GEM handle (MAP) */
	__u32 handle;
	/** @flags: must be zero */
	__u32 flags;
	/** @bo_offset: offset in the BO (MAP) */
	__u64 bo_offset;
	/** @addr: GPU address */
	__u64 addr;
	/** @range: bytes */
	__u64 range;
};

/**
 * DRM_VLR_QUEUE_CREATE_SHARED_SCHED - use the device's shared scheduler
 *
 * By default every queue has its own scheduler (1:1, as in xe). With this
 * flag the queue's entity goes on one compute scheduler shared by all such
 * queues of the device, as on hardware rings shared between contexts: a
 * run_job() that blocks (the open-coded LR throttle) then delays every
 * other queue on it.
 */
#define DRM_VLR_QUEUE_CREATE_SHARED_SCHED	(1u << 0)

/**
 * struct drm_vlr_queue_create - create an exec queue in a VM
 *
 * The queue is an LR queue in an LR VM and a normal (dma-fence) queue in a
 * DRM_VLR_VM_CREATE_DMA_FENCE VM. Returns -EIO when the VM is banned.
 */
struct drm_vlr_queue_create {
	/** @vm_id: VM id */
	__u32 vm_id;
	/** @flags: DRM_VLR_QUEUE_CREATE_* */
	__u32 flags;
	/** @queue_id: output queue id (non-zero) */
	__u32 queue_id;
	/** @pad: must be zero */
	__u32 pad;
};

/**
 * struct drm_vlr_queue_destroy - destroy an exec queue (any state)
 */
struct drm_vlr_queue_destroy {
	/** @queue_id: queue id */
	__u32 queue_id;
	/** @pad: must be zero */
	__u32 pad;
};

/**
 * enum drm_vlr_program - built-in compute programs
 * @DRM_VLR_PROG_STREAM: never-ending: passes over the u32 array at @dst
 *	(@len bytes); each pass replaces every element x by
 *	x * 1664525 + 1013904223 (mod 2^32), then writes the number of passes
 *	this job has completed to the u64 at @progress_addr (a job's own count:
 *	a new job on the same counter starts again at 1). Before each pass it
 *	reads the u32 at @stop_addr and ends when it is non-zero. @src and
 *	@value must be zero.
 * @DRM_VLR_PROG_FILL: bounded: writes the u32 @value to @len bytes at @dst.
 *	@src, @progress_addr and @stop_addr must be zero.
 * @DRM_VLR_PROG_COPY: bounded: copies @len bytes from @src to @dst (ranges
 *	must not overlap). @value, @progress_addr and @stop_addr must be zero.
 */
enum drm_vlr_program {
	DRM_VLR_PROG_STREAM = 1,
	DRM_VLR_PROG_FILL = 2,
	DRM_VLR_PROG_COPY = 3,
};

/**
 * struct drm_vlr_exec - queue a job on an exec queue
 *
 * The job waits for @in_syncobj (if non-zero) and then runs on the engine.
 * When it ends it writes @ufence_value (u64) to @ufence_addr, if non-zero.
 * LR jobs have no completion dma-fence: a non-zero @out_syncobj is refused
 * with -EOPNOTSUPP on an LR queue. On a queue of a dma-fence VM the job's
 * completion fence replaces the fence of @out_syncobj (-ENOENT if
 * unknown), and DRM_VLR_PROG_STREAM, which never ends, is refused with
 * -EINVAL. Addresses are checked against the VM's mappings when the job
 * runs; a job that touches an unmapped address faults and the queue is
 * banned. @len and @dst (and @src) must be multiples of 4, @len non-zero
 * and at most 1 GiB; @progress_addr and @ufence_addr 8-byte aligned,
 * @stop_addr 4-byte aligned; every range inside the VA space (-EINVAL).
 * Returns -ENOENT for an unknown queue or syncobj, -EIO when the queue or
 * its VM is banned, -EBUSY when the queue already holds 64 unfinished
 * jobs. The completion fence of a job that never ran signals with -EIO
 * when its queue was banned, -ECANCELED when it was destroyed.
 */
struct drm_vlr_exec {
	/** @queue_id: queue id */
	__u32 queue_id;
	/** @program: &enum drm_vlr_program */
	__u32 program;
	/** @flags: must be zero */
	__u32 flags;
	/** @in_syncobj: syncobj to wait for before running, or 0 */
	__u32 in_syncobj;
	/** @out_syncobj: syncobj for the completion fence (dma-fence VM only) */
	__u32 out_syncobj;
	/** @pad: must be zero */
	__u32 pad;
	/** @src: source address (COPY) */
	__u64 src;
	/** @dst: destination / stream buffer address */
	__u64 dst;
	/** @len: bytes */
	__u64 len;
	/** @value: fill value (FILL), low 32 bits used, high bits zero */
	__u64 value;
	/** @progress_addr: u64 pass counter (STREAM) */
	__u64 progress_addr;
	/** @stop_addr: u32 stop flag (STREAM) */
	__u64 stop_addr;
	/** @ufence_addr: user fence address, or 0 */
	__u64 ufence_addr;
	/** @ufence_value: value written there when the job ends */
	__u64 ufence_value;
};

#define DRM_VLR_UFENCE_OP_EQ	0
#define DRM_VLR_UFENCE_OP_NEQ	1
#define DRM_VLR_UFENCE_OP_GT	2
#define DRM_VLR_UFENCE_OP_GTE	3
#define DRM_VLR_UFENCE_OP_LT	4
#define DRM_VLR_UFENCE_OP_LTE	5

/** DRM_VLR_UFENCE_WAIT_ABSOLUTE - @timeout_ns is a CLOCK_MONOTONIC time */
#define DRM_VLR_UFENCE_WAIT_ABSOLUTE	(1u << 0)

/**
 * struct drm_vlr_wait_ufence - wait until (*@addr & @mask) @op @value
 *
 * @addr is a GPU address in @vm_id, 8-byte aligned and mapped (-EINVAL /
 * -ENOENT otherwise). @timeout_ns is relative (negative: wait forever) or,
 * with DRM_VLR_UFENCE_WAIT_ABSOLUTE, an absolute CLOCK_MONOTONIC deadline.
 * Returns 0 when the condition holds, -ETIME on timeout, -EIO when the VM
 * is banned or when @queue_id names a queue that was banned (a job fault)
 * and so will never write the fence. On a relative timeout, @timeout_ns is
 * updated with the time left. As with a GPU's user-fence interrupt, the
 * condition is checked again when a job writes its @ufence_addr (or a
 * queue or VM is banned): a value written otherwise, such as a STREAM's
 * progress counter, is seen at the next such write or at the timeout.
 */
struct drm_vlr_wait_ufence {
	/** @vm_id: VM id */
	__u32 vm_id;
	/** @op: DRM_VLR_UFENCE_OP_* */
	__u32 op;
	/** @flags: DRM_VLR_UFENCE_WAIT_* */
	__u32 flags;
	/**
	 * @queue_id: 0, or the queue (of this file, in @vm_id) expected to
	 * write the fence: the wait fails with -EIO once it is banned
	 */
	__u32 queue_id;
	/** @addr: GPU address of a u64 */
	__u64 addr;
	/** @value: value to compare with */
	__u64 value;
	/** @mask: mask applied to the memory before comparing */
	__u64 mask;
	/** @timeout_ns: see above */
	__s64 timeout_ns;
};

/**
 * struct drm_vlr_set_mode - switch the device mode
 *
 * Only allowed while no exec queue exists on the device (-EBUSY). The mode
 * is device-wide: only a caller with CAP_SYS_ADMIN may switch it (-EACCES).
 */
struct drm_vlr_set_mode {
	/** @mode: &enum drm_vlr_mode */
	__u32 mode;
	/** @flags: must be zero */
	__u32 flags;
};

/** DRM_VLR_STATS_RESET - zero the counters after reading them */
#define DRM_VLR_STATS_RESET	(1u << 0)

/** DRM_VLR_STATS_SAMPLES - latency samples kept (the most recent ones) */
#define DRM_VLR_STATS_SAMPLES	64

#define DRM_VLR_QUEUE_STATE_IDLE	0
#define DRM_VLR_QUEUE_STATE_RUNNING	1
#define DRM_VLR_QUEUE_STATE_PREEMPTED	2
#define DRM_VLR_QUEUE_STATE_BANNED	3

/**
 * struct drm_vlr_stats - counters (device-wide or one queue)
 *
 * Times are CLOCK_MONOTONIC nanoseconds; latencies are nanoseconds.
 */
struct drm_vlr_stats {
	/** @preemptions: queues taken off the engine for eviction */
	__u64 preemptions;
	/** @restores: completed restores (queue resumed) */
	__u64 restores;
	/** @evictions: BOs of LR VMs moved out of VRAM */
	__u64 evictions;
	/** @bans: VMs (device) or 1 if this queue was banned */
	__u64 bans;
	/** @restore_retries: restores that failed and were retried */
	__u64 restore_retries;
	/** @bytes_to_vram: bytes copied into VRAM (restores, moves) */
	__u64 bytes_to_vram;
	/** @bytes_to_system: bytes copied out of VRAM (evictions) */
	__u64 bytes_to_system;
	/** @bytes_cleared: bytes of VRAM cleared for new BOs */
	__u64 bytes_cleared;
	/** @last_preempt_requested_ns: last preemption request */
	__u64 last_preempt_requested_ns;
	/** @last_preempt_done_ns: last time a queue was off the engine */
	__u64 last_preempt_done_ns;
	/** @last_restore_start_ns: last restore start */
	__u64 last_restore_start_ns;
	/** @last_restore_end_ns: last time a queue ran again after restore */
	__u64 last_restore_end_ns;
	/** @preempt_samples: valid entries in @preempt_lat_ns */
	__u32 preempt_samples;
	/** @restore_samples: valid entries in @restore_lat_ns */
	__u32 restore_samples;
	/** @queue_state: DRM_VLR_QUEUE_STATE_* (per-queue stats only) */
	__u32 queue_state;
	/** @pad: zero */
	__u32 pad;
	/**
	 * @preempt_lat_ns: preempt requested -> off the engine (fence
	 * signalled in preempt-fence mode), most recent samples, ring order
	 */
	__u64 preempt_lat_ns[DRM_VLR_STATS_SAMPLES];
	/** @restore_lat_ns: restore start -> queue running again */
	__u64 restore_lat_ns[DRM_VLR_STATS_SAMPLES];

	/* Version 2. */

	/**
	 * @copy_bytes: bytes the copy engine copied (moves; clears are
	 * not counted): with @copy_busy_ns, the engine's raw bandwidth
	 */
	__u64 copy_bytes;
	/** @copy_busy_ns: time the copy engine spent copying @copy_bytes */
	__u64 copy_busy_ns;
	/** @copy_jobs: copy jobs that copied (not clears) */
	__u64 copy_jobs;
	/**
	 * @restore_worker_ns: wall time restore workers were tied up,
	 * computing or blocked, summed over every run
	 */
	__u64 restore_worker_ns;
	/** @restore_worker_runs: restore worker runs in @restore_worker_ns */
	__u64 restore_worker_runs;
	/** @normal_jobs: completed jobs of dma-fence queues */
	__u64 normal_jobs;
	/** @worker_samples: valid entries in @restore_worker_lat_ns */
	__u32 worker_samples;
	/** @normal_samples: valid entries in @normal_lat_ns */
	__u32 normal_samples;
	/**
	 * @restore_bytes: bytes the restore behind @restore_lat_ns (same
	 * index) brought back into VRAM
	 */
	__u64 restore_bytes[DRM_VLR_STATS_SAMPLES];
	/** @restore_worker_lat_ns: wall time of each restore worker run */
	__u64 restore_worker_lat_ns[DRM_VLR_STATS_SAMPLES];
	/**
	 * @normal_lat_ns: dma-fence queue jobs, exec ioctl -> completion
	 * fence signalled
	 */
	__u64 normal_lat_ns[DRM_VLR_STATS_SAMPLES];
};

/**
 * struct drm_vlr_get_stats - read counters
 *
 * The counters of a queue of this file are open to the file; the
 * device-wide ones (@queue_id 0) cover every client and need CAP_SYS_ADMIN
 * (-EACCES).
 */
struct drm_vlr_get_stats {
	/** @queue_id: 0 for the device, else a queue of this file */
	__u32 queue_id;
	/** @flags: DRM_VLR_STATS_* */
	__u32 flags;
	/** @stats: output */
	struct drm_vlr_stats stats;
};

#define DRM_IOCTL_VLR_GET_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_GET_INFO, struct drm_vlr_get_info)
#define DRM_IOCTL_VLR_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_GEM_CREATE, struct drm_vlr_gem_create)
#define DRM_IOCTL_VLR_GEM_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_GEM_MMAP_OFFSET, struct drm_vlr_gem_mmap_offset)
#define DRM_IOCTL_VLR_VM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_VM_CREATE, struct drm_vlr_vm_create)
#define DRM_IOCTL_VLR_VM_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VLR_VM_DESTROY, struct drm_vlr_vm_destroy)
#define DRM_IOCTL_VLR_VM_BIND \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VLR_VM_BIND, struct drm_vlr_vm_bind)
#define DRM_IOCTL_VLR_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_QUEUE_CREATE, struct drm_vlr_queue_create)
#define DRM_IOCTL_VLR_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VLR_QUEUE_DESTROY, struct drm_vlr_queue_destroy)
#define DRM_IOCTL_VLR_EXEC \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VLR_EXEC, struct drm_vlr_exec)
#define DRM_IOCTL_VLR_WAIT_UFENCE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_WAIT_UFENCE, struct drm_vlr_wait_ufence)
#define DRM_IOCTL_VLR_SET_MODE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VLR_SET_MODE, struct drm_vlr_set_mode)
#define DRM_IOCTL_VLR_GET_STATS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_GET_STATS, struct drm_vlr_get_stats)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VLR_DRM_H_ */
