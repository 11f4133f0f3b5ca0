// SPDX-License-Identifier: MIT
/*
 * Bad input to every vlr ioctl: a table of cases, each a valid argument with
 * one to three fields corrupted, and the errno vlr_drm.h documents for it.
 */

/**
 * TEST: vlr lr invalid
 * Category: Core
 * Mega feature: Compute
 * Sub-category: Long-running compute
 * Functionality: uAPI input validation
 * Description: Every vlr ioctl rejects bad flags, padding, sizes, alignment,
 *              handles and ranges with its documented errno.
 * Test category: negative test
 *
 * SUBTEST: invalid-get-info
 * Description: GET_INFO with flags set fails with EINVAL.
 *
 * SUBTEST: invalid-gem-create
 * Description: GEM_CREATE with a zero, unaligned or too large size, unknown
 *              flags, padding, or an unknown VM fails with its errno.
 *
 * SUBTEST: invalid-gem-mmap-offset
 * Description: GEM_MMAP_OFFSET with an unknown handle or flags fails.
 *
 * SUBTEST: invalid-vm-create
 * Description: VM_CREATE with flag bits other than DRM_VLR_VM_CREATE_DMA_FENCE
 *              fails with EINVAL.
 *
 * SUBTEST: invalid-vm-destroy
 * Description: VM_DESTROY of an unknown VM, of VM id 0, or with padding
 *              fails.
 *
 * SUBTEST: invalid-vm-bind
 * Description: VM_BIND with unknown VM or BO, bad op or flags, unaligned or
 *              out-of-range addresses, overlaps, another VM's private BO,
 *              or an unmap that names no mapping fails with its errno.
 *
 * SUBTEST: invalid-queue-create
 * Description: QUEUE_CREATE with an unknown VM, flag bits other than
 *              DRM_VLR_QUEUE_CREATE_SHARED_SCHED, or padding fails.
 *
 * SUBTEST: invalid-queue-destroy
 * Description: QUEUE_DESTROY of an unknown queue, of queue id 0, or with
 *              padding fails.
 *
 * SUBTEST: invalid-exec
 * Description: EXEC with unknown queue, program or syncobj, flags, padding,
 *              bad lengths, fields a program does not use, misaligned
 *              counters, overlapping copies, or an out syncobj on an LR
 *              queue fails; on a queue of a dma-fence VM a STREAM job fails
 *              with EINVAL and an unknown out syncobj with ENOENT.
 *
 * SUBTEST: invalid-wait-ufence
 * Description: WAIT_UFENCE with an unknown VM or op, flags, a misaligned or
 *              unmapped address, an unknown queue_id (ENOENT) or the queue of
 *              another VM (EINVAL) fails; the VM's own queue is accepted.
 *
 * SUBTEST: invalid-id-zero
 * Description: VM_DESTROY and QUEUE_DESTROY of id 0 fail with ENOENT and
 *              leave the id allocator alone: VMs and queues created after
 *              them never get id 0.
 *
 * SUBTEST: invalid-set-mode
 * Description: SET_MODE with an unknown mode or flags fails with EINVAL,
 *              and switching modes while a queue exists fails with EBUSY.
 *
 * SUBTEST: invalid-get-stats
 * Description: GET_STATS of an unknown queue or with unknown flags fails.
 *
 * SUBTEST: invalid-user-pointer
 * Description: Every vlr ioctl given an unmapped argument pointer fails with
 *              EFAULT.
 */

#include <stddef.h>

#include "igt.h"
#include "lrb_igt_compat.h"
#include "vlr_helpers.h"

IGT_TEST_DESCRIPTION("Every vlr ioctl rejects bad input with its documented errno.");

#define MAP_ADDR 0x200000ull  /* env.bo (2 pages) is mapped here */
#define UNMAPPED 0x3000000ull /* inside the VA space, never mapped */
#define BAD_ID	 0xdead

enum ioc {
	GET_INFO,
	GEM_CREATE,
	GEM_MMAP_OFFSET,
	VM_CREATE,
	VM_DESTROY,
	VM_BIND,
	QUEUE_CREATE,
	QUEUE_DESTROY,
	EXEC,
	WAIT_UFENCE,
	SET_MODE,
	GET_STATS,
	NUM_IOC,
};

static const struct ioctl_desc {
	const char *name; /* subtest: invalid-<name> */
	unsigned long req;
	size_t size;
} ioctls[NUM_IOC] = {
    [GET_INFO] = {"get-info", DRM_IOCTL_VLR_GET_INFO, sizeof(struct drm_vlr_get_info)},
    [GEM_CREATE] = {"gem-create", DRM_IOCTL_VLR_GEM_CREATE, sizeof(struct drm_vlr_gem_create)},
    [GEM_MMAP_OFFSET] = {"gem-mmap-offset", DRM_IOCTL_VLR_GEM_MMAP_OFFSET,
			 sizeof(struct drm_vlr_gem_mmap_offset)},
    [VM_CREATE] = {"vm-create", DRM_IOCTL_VLR_VM_CREATE, sizeof(struct drm_vlr_vm_create)},
    [VM_DESTROY] = {"vm-destroy", DRM_IOCTL_VLR_VM_DESTROY, sizeof(struct drm_vlr_vm_destroy)},
    [VM_BIND] = {"vm-bind", DRM_IOCTL_VLR_VM_BIND, sizeof(struct drm_vlr_vm_bind)},
    [QUEUE_CREATE] = {"queue-create", DRM_IOCTL_VLR_QUEUE_CREATE,
		      sizeof(struct drm_vlr_queue_create)},
    [QUEUE_DESTROY] = {"queue-destroy", DRM_IOCTL_VLR_QUEUE_DESTROY,
		       sizeof(struct drm_vlr_queue_destroy)},
    [EXEC] = {"exec", DRM_IOCTL_VLR_EXEC, sizeof(struct drm_vlr_exec)},
    [WAIT_UFENCE] = {"wait-ufence", DRM_IOCTL_VLR_WAIT_UFENCE, sizeof(struct drm_vlr_wait_ufence)},
    [SET_MODE] = {"set-mode", DRM_IOCTL_VLR_SET_MODE, sizeof(struct drm_vlr_set_mode)},
    [GET_STATS] = {"get-stats", DRM_IOCTL_VLR_GET_STATS, sizeof(struct drm_vlr_get_stats)},
};

/* Values that depend on the objects of the run, resolved by token(). */
#define TOK(n)	      (0xffffffffffff0000ull + (n))
#define T_SYNCOBJ     TOK(1) /* a valid syncobj */
#define T_BO	      TOK(2) /* env.bo, private to env.vm */
#define T_OTHER_BO    TOK(3) /* a BO private to another VM */
#define T_VA_SIZE     TOK(4)
#define T_VA_LAST     TOK(5) /* va_size - one page */
#define T_VRAM_PLUS   TOK(6) /* vram_size + one page */
#define T_FRESH_ADDR  TOK(7) /* a page-aligned address nothing is mapped at */
#define T_FRESH_VM    TOK(8) /* a VM created for this case */
#define T_FRESH_QUEUE TOK(9) /* a queue created for this case */
#define T_VM	      TOK(10)
#define T_QUEUE	      TOK(11)
#define T_OTHER_MODE  TOK(12) /* the mode the device is not in */
#define T_OTHER_QUEUE TOK(13) /* a queue of env.other_vm */
#define T_DF_QUEUE    TOK(14) /* a queue of a dma-fence VM */

/* Field of an ioctl struct: offset and size, for the case table. */
#define F(type, field) offsetof(struct type, field), sizeof(((struct type *)0)->field)

struct field_set {
	size_t off, len;
	uint64_t value;
};

static const struct inval_case {
	enum ioc ioc;
	const char *what;
	int err;
	bool with_queue;	 /* SET_MODE: whether a queue exists during the call */
	struct field_set set[4]; /* applied to the ioctl's valid baseline; len 0 ends */
} cases[] = {
    {GET_INFO, "flags set", EINVAL, .set = {{F(drm_vlr_get_info, flags), 1}}},

    {GEM_CREATE, "size zero", EINVAL, .set = {{F(drm_vlr_gem_create, size), 0}}},
    {GEM_CREATE, "size not page aligned", EINVAL,
     .set = {{F(drm_vlr_gem_create, size), VLR_PAGE + 4}}},
    {GEM_CREATE, "VRAM BO larger than VRAM", ENOSPC,
     .set = {{F(drm_vlr_gem_create, size), T_VRAM_PLUS}}},
    {GEM_CREATE, "unknown flag", EINVAL, .set = {{F(drm_vlr_gem_create, flags), 1u << 7}}},
    {GEM_CREATE, "pad set", EINVAL, .set = {{F(drm_vlr_gem_create, pad), 1}}},
    {GEM_CREATE, "unknown VM", ENOENT, .set = {{F(drm_vlr_gem_create, vm_id), BAD_ID}}},

    {GEM_MMAP_OFFSET, "unknown handle", ENOENT,
     .set = {{F(drm_vlr_gem_mmap_offset, handle), BAD_ID}}},
    {GEM_MMAP_OFFSET, "handle zero", ENOENT, .set = {{F(drm_vlr_gem_mmap_offset, handle), 0}}},
    {GEM_MMAP_OFFSET, "flags set", EINVAL, .set = {{F(drm_vlr_gem_mmap_offset, flags), 1}}},

    {VM_CREATE, "unknown flag", EINVAL,
     .set = {{F(drm_vlr_vm_create, flags), DRM_VLR_VM_CREATE_DMA_FENCE << 1}}},
    {VM_CREATE, "every unknown flag", EINVAL,
     .set = {{F(drm_vlr_vm_create, flags), (uint32_t)~DRM_VLR_VM_CREATE_DMA_FENCE}}},
    {VM_CREATE, "unknown flag with DMA_FENCE", EINVAL,
     .set = {{F(drm_vlr_vm_create, flags), DRM_VLR_VM_CREATE_DMA_FENCE | 1u << 31}}},

    {VM_DESTROY, "unknown VM", ENOENT, .set = {{F(drm_vlr_vm_destroy, vm_id), BAD_ID}}},
    {VM_DESTROY, "VM zero", ENOENT, .set = {{F(drm_vlr_vm_destroy, vm_id), 0}}},
    {VM_DESTROY, "pad set", EINVAL, .set = {{F(drm_vlr_vm_destroy, pad), 1}}},

    {VM_BIND, "unknown VM", ENOENT, .set = {{F(drm_vlr_vm_bind, vm_id), BAD_ID}}},
    {VM_BIND, "unknown BO", ENOENT, .set = {{F(drm_vlr_vm_bind, handle), BAD_ID}}},
    {VM_BIND, "unknown op", EINVAL, .set = {{F(drm_vlr_vm_bind, op), 2}}},
    {VM_BIND, "flags set", EINVAL, .set = {{F(drm_vlr_vm_bind, flags), 1}}},
    {VM_BIND, "address not page aligned", EINVAL,
     .set = {{F(drm_vlr_vm_bind, addr), 0x1800000 + 64}}},
    {VM_BIND, "BO offset not page aligned", EINVAL, .set = {{F(drm_vlr_vm_bind, bo_offset), 64}}},
    {VM_BIND, "range zero", EINVAL, .set = {{F(drm_vlr_vm_bind, range), 0}}},
    {VM_BIND, "range not page aligned", EINVAL,
     .set = {{F(drm_vlr_vm_bind, range), VLR_PAGE + 64}}},
    {VM_BIND, "range past the BO", EINVAL, .set = {{F(drm_vlr_vm_bind, range), 3 * VLR_PAGE}}},
    {VM_BIND, "offset + range past the BO", EINVAL,
     .set = {{F(drm_vlr_vm_bind, bo_offset), VLR_PAGE}, {F(drm_vlr_vm_bind, range), 2 * VLR_PAGE}}},
    {VM_BIND, "address at the end of the VA space", EINVAL,
     .set = {{F(drm_vlr_vm_bind, addr), T_VA_SIZE}}},
    {VM_BIND, "range crossing the end of the VA space", EINVAL,
     .set = {{F(drm_vlr_vm_bind, addr), T_VA_LAST}, {F(drm_vlr_vm_bind, range), 2 * VLR_PAGE}}},
    {VM_BIND, "overlaps an existing mapping", EEXIST,
     .set = {{F(drm_vlr_vm_bind, addr), MAP_ADDR + VLR_PAGE}}},
    {VM_BIND, "private BO of another VM", EINVAL,
     .set = {{F(drm_vlr_vm_bind, handle), T_OTHER_BO}}},
    {VM_BIND, "unmap where nothing is mapped", ENOENT,
     .set = {{F(drm_vlr_vm_bind, op), DRM_VLR_VM_BIND_OP_UNMAP}, {F(drm_vlr_vm_bind, handle), 0}}},
    {VM_BIND, "unmap of part of a mapping", ENOENT,
     .set = {{F(drm_vlr_vm_bind, op), DRM_VLR_VM_BIND_OP_UNMAP},
	     {F(drm_vlr_vm_bind, handle), 0},
	     {F(drm_vlr_vm_bind, addr), MAP_ADDR}}},
    {VM_BIND, "unmap with a handle", EINVAL,
     .set = {{F(drm_vlr_vm_bind, op), DRM_VLR_VM_BIND_OP_UNMAP},
	     {F(drm_vlr_vm_bind, addr), MAP_ADDR},
	     {F(drm_vlr_vm_bind, range), 2 * VLR_PAGE}}},

    {QUEUE_CREATE, "unknown VM", ENOENT, .set = {{F(drm_vlr_queue_create, vm_id), BAD_ID}}},
    {QUEUE_CREATE, "unknown flag", EINVAL,
     .set = {{F(drm_vlr_queue_create, flags), DRM_VLR_QUEUE_CREATE_SHARED_SCHED << 1}}},
    {QUEUE_CREATE, "every unknown flag", EINVAL,
     .set = {{F(drm_vlr_queue_create, flags), (uint32_t)~DRM_VLR_QUEUE_CREATE_SHARED_SCHED}}},
    {QUEUE_CREATE, "pad set", EINVAL, .set = {{F(drm_vlr_queue_create, pad), 1}}},

    {QUEUE_DESTROY, "unknown queue", ENOENT, .set = {{F(drm_vlr_queue_destroy, queue_id), BAD_ID}}},
    {QUEUE_DESTROY, "queue zero", ENOENT, .set = {{F(drm_vlr_queue_destroy, queue_id), 0}}},
    {QUEUE_DESTROY, "pad set", EINVAL, .set = {{F(drm_vlr_queue_destroy, pad), 1}}},

    {EXEC, "unknown queue", ENOENT, .set = {{F(drm_vlr_exec, queue_id), BAD_ID}}},
    {EXEC, "program zero", EINVAL, .set = {{F(drm_vlr_exec, program), 0}}},
    {EXEC, "unknown program", EINVAL, .set = {{F(drm_vlr_exec, program), 99}}},
    {EXEC, "flags set", EINVAL, .set = {{F(drm_vlr_exec, flags), 1}}},
    {EXEC, "pad set", EINVAL, .set = {{F(drm_vlr_exec, pad), 1}}},
    {EXEC, "out syncobj (LR jobs have no completion fence)", EOPNOTSUPP,
     .set = {{F(drm_vlr_exec, out_syncobj), T_SYNCOBJ}}},
    {EXEC, "unknown out syncobj on an LR queue", EOPNOTSUPP,
     .set = {{F(drm_vlr_exec, out_syncobj), BAD_ID}}},
    {EXEC, "unknown in syncobj", ENOENT, .set = {{F(drm_vlr_exec, in_syncobj), BAD_ID}}},
    {EXEC, "STREAM on a dma-fence VM queue (it never ends)", EINVAL,
     .set = {{F(drm_vlr_exec, queue_id), T_DF_QUEUE},
	     {F(drm_vlr_exec, program), DRM_VLR_PROG_STREAM},
	     {F(drm_vlr_exec, progress_addr), MAP_ADDR + VLR_PAGE},
	     {F(drm_vlr_exec, stop_addr), MAP_ADDR + VLR_PAGE + 8}}},
    {EXEC, "unknown out syncobj on a dma-fence VM queue", ENOENT,
     .set = {{F(drm_vlr_exec, queue_id), T_DF_QUEUE}, {F(drm_vlr_exec, out_syncobj), BAD_ID}}},
    {EXEC, "length zero", EINVAL, .set = {{F(drm_vlr_exec, len), 0}}},
    {EXEC, "length not a multiple of 4", EINVAL, .set = {{F(drm_vlr_exec, len), 6}}},
    {EXEC, "FILL with a source", EINVAL, .set = {{F(drm_vlr_exec, src), MAP_ADDR}}},
    {EXEC, "FILL value above 32 bits", EINVAL, .set = {{F(drm_vlr_exec, value), 1ull << 32}}},
    {EXEC, "FILL with a progress address", EINVAL,
     .set = {{F(drm_vlr_exec, progress_addr), MAP_ADDR + VLR_PAGE}}},
    {EXEC, "FILL with a stop address", EINVAL,
     .set = {{F(drm_vlr_exec, stop_addr), MAP_ADDR + VLR_PAGE}}},
    {EXEC, "misaligned user fence", EINVAL,
     .set = {{F(drm_vlr_exec, ufence_addr), MAP_ADDR + VLR_PAGE + 4}}},
    {EXEC, "COPY with overlapping ranges", EINVAL,
     .set = {{F(drm_vlr_exec, program), DRM_VLR_PROG_COPY}, {F(drm_vlr_exec, src), MAP_ADDR + 64}}},
    {EXEC, "COPY with a value", EINVAL,
     .set = {{F(drm_vlr_exec, program), DRM_VLR_PROG_COPY},
	     {F(drm_vlr_exec, src), MAP_ADDR + VLR_PAGE},
	     {F(drm_vlr_exec, value), 1}}},
    {EXEC, "STREAM with a value", EINVAL,
     .set = {{F(drm_vlr_exec, program), DRM_VLR_PROG_STREAM},
	     {F(drm_vlr_exec, progress_addr), MAP_ADDR + VLR_PAGE},
	     {F(drm_vlr_exec, stop_addr), MAP_ADDR + VLR_PAGE + 8},
	     {F(drm_vlr_exec, value), 1}}},
    {EXEC, "STREAM with a misaligned progress counter", EINVAL,
     .set = {{F(drm_vlr_exec, program), DRM_VLR_PROG_STREAM},
	     {F(drm_vlr_exec, progress_addr), MAP_ADDR + VLR_PAGE + 4},
	     {F(drm_vlr_exec, stop_addr), MAP_ADDR + VLR_PAGE + 16}}},
    {EXEC, "STREAM with a misaligned stop flag", EINVAL,
     .set = {{F(drm_vlr_exec, program), DRM_VLR_PROG_STREAM},
	     {F(drm_vlr_exec, progress_addr), MAP_ADDR + VLR_PAGE},
	     {F(drm_vlr_exec, stop_addr), MAP_ADDR + VLR_PAGE + 10}}},

    {WAIT_UFENCE, "unknown VM", ENOENT, .set = {{F(drm_vlr_wait_ufence, vm_id), BAD_ID}}},
    {WAIT_UFENCE, "unknown op", EINVAL, .set = {{F(drm_vlr_wait_ufence, op), 6}}},
    {WAIT_UFENCE, "unknown flag", EINVAL, .set = {{F(drm_vlr_wait_ufence, flags), 2}}},
    {WAIT_UFENCE, "unknown queue", ENOENT, .set = {{F(drm_vlr_wait_ufence, queue_id), BAD_ID}}},
    {WAIT_UFENCE, "queue of another VM", EINVAL,
     .set = {{F(drm_vlr_wait_ufence, queue_id), T_OTHER_QUEUE}}},
    /* Control: the VM's own queue is accepted; the value never comes. */
    {WAIT_UFENCE, "own queue, value never written", ETIME,
     .set = {{F(drm_vlr_wait_ufence, queue_id), T_QUEUE},
	     {F(drm_vlr_wait_ufence, mask), ~0ull},
	     {F(drm_vlr_wait_ufence, value), 1}}},
    {WAIT_UFENCE, "address not 8-byte aligned", EINVAL,
     .set = {{F(drm_vlr_wait_ufence, addr), MAP_ADDR + 4}}},
    {WAIT_UFENCE, "address not mapped", ENOENT, .set = {{F(drm_vlr_wait_ufence, addr), UNMAPPED}}},

    {SET_MODE, "unknown mode", EINVAL, .set = {{F(drm_vlr_set_mode, mode), 2}}},
    {SET_MODE, "flags set", EINVAL, .set = {{F(drm_vlr_set_mode, flags), 1}}},
    {SET_MODE, "switching modes while a queue exists", EBUSY, .with_queue = true,
     .set = {{F(drm_vlr_set_mode, mode), T_OTHER_MODE}}},

    {GET_STATS, "unknown queue", ENOENT, .set = {{F(drm_vlr_get_stats, queue_id), BAD_ID}}},
    {GET_STATS, "unknown flag", EINVAL, .set = {{F(drm_vlr_get_stats, flags), 2}}},
};

/* The objects the cases refer to. */
struct env {
	int fd;
	struct drm_vlr_get_info info;
	uint32_t vm, bo, queue, other_vm, other_bo, syncobj;
	uint32_t other_queue, df_vm, df_queue; /* made on demand by token() */
	uint64_t next_addr;
	uint32_t fresh_vms[8], fresh_queues[8];
	unsigned int nfresh_vms, nfresh_queues;
};

static void env_init(struct env *e, int fd, const struct drm_vlr_get_info *info, bool queue)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->info = *info;
	e->vm = vlr_vm_create(fd);
	e->bo = vlr_bo_create(fd, 2 * VLR_PAGE, 0, e->vm);
	vlr_map(fd, e->vm, e->bo, MAP_ADDR, 2 * VLR_PAGE);
	e->other_vm = vlr_vm_create(fd);
	e->other_bo = vlr_bo_create(fd, 2 * VLR_PAGE, 0, e->other_vm);
	igt_assert_eq(drmSyncobjCreate(fd, 0, &e->syncobj), 0);
	if (queue)
		e->queue = vlr_queue_create(fd, e->vm);
	e->next_addr = 0x1000000;
}

static void env_fini(struct env *e)
{
	for (unsigned int i = 0; i < e->nfresh_queues; i++)
		__vlr_queue_destroy(e->fd, e->fresh_queues[i]);
	for (unsigned int i = 0; i < e->nfresh_vms; i++)
		__vlr_vm_destroy(e->fd, e->fresh_vms[i]);
	if (e->other_queue)
		igt_assert_eq(__vlr_queue_destroy(e->fd, e->other_queue), 0);
	if (e->df_vm)
		vlr_vm_destroy(e->fd, e->df_vm); /* and its queue */
	if (e->queue)
		igt_assert_eq(__vlr_queue_destroy(e->fd, e->queue), 0);
	drmSyncobjDestroy(e->fd, e->syncobj);
	vlr_vm_destroy(e->fd, e->other_vm);
	vlr_vm_destroy(e->fd, e->vm);
	vlr_bo_close(e->fd, e->other_bo);
	vlr_bo_close(e->fd, e->bo);
}

static uint64_t token(struct env *e, uint64_t v)
{
	switch (v) {
	case T_SYNCOBJ:
		return e->syncobj;
	case T_BO:
		return e->bo;
	case T_OTHER_BO:
		return e->other_bo;
	case T_VA_SIZE:
		return e->info.va_size;
	case T_VA_LAST:
		return e->info.va_size - VLR_PAGE;
	case T_VRAM_PLUS:
		return e->info.vram_size + VLR_PAGE;
	case T_FRESH_ADDR:
		e->next_addr += 0x100000;
		return e->next_addr;
	case T_VM:
		return e->vm;
	case T_QUEUE:
		return e->queue;
	case T_OTHER_MODE:
		return e->info.mode == DRM_VLR_MODE_PREEMPT_FENCE ? DRM_VLR_MODE_OPEN_CODED
								  : DRM_VLR_MODE_PREEMPT_FENCE;
	case T_OTHER_QUEUE:
		if (!e->other_queue)
			e->other_queue = vlr_queue_create(e->fd, e->other_vm);
		return e->other_queue;
	case T_DF_QUEUE:
		if (!e->df_vm) {
			e->df_vm = vlr_vm_create_flags(e->fd, DRM_VLR_VM_CREATE_DMA_FENCE);
			e->df_queue = vlr_queue_create(e->fd, e->df_vm);
		}
		return e->df_queue;
	case T_FRESH_VM:
		igt_assert(e->nfresh_vms < 8);
		return e->fresh_vms[e->nfresh_vms++] = vlr_vm_create(e->fd);
	case T_FRESH_QUEUE:
		igt_assert(e->nfresh_queues < 8);
		return e->fresh_queues[e->nfresh_queues++] = vlr_queue_create(e->fd, e->vm);
	default:
		return v;
	}
}

/* A valid argument for each ioctl; the cases corrupt it. */
static void baseline(struct env *e, enum ioc ioc, void *arg)
{
	memset(arg, 0, ioctls[ioc].size);
	switch (ioc) {
	case GET_INFO:
	case VM_CREATE:
	case GET_STATS:
		break;
	case GEM_CREATE:
		((struct drm_vlr_gem_create *)arg)->size = VLR_PAGE;
		break;
	case GEM_MMAP_OFFSET:
		((struct drm_vlr_gem_mmap_offset *)arg)->handle = e->bo;
		break;
	case VM_DESTROY:
		((struct drm_vlr_vm_destroy *)arg)->vm_id = token(e, T_FRESH_VM);
		break;
	case VM_BIND: {
		struct drm_vlr_vm_bind *b = arg;

		b->vm_id = e->vm;
		b->op = DRM_VLR_VM_BIND_OP_MAP;
		b->handle = e->bo;
		b->addr = token(e, T_FRESH_ADDR);
		b->range = VLR_PAGE;
		break;
	}
	case QUEUE_CREATE:
		((struct drm_vlr_queue_create *)arg)->vm_id = e->vm;
		break;
	case QUEUE_DESTROY:
		((struct drm_vlr_queue_destroy *)arg)->queue_id = token(e, T_FRESH_QUEUE);
		break;
	case EXEC: {
		struct drm_vlr_exec *x = arg;

		x->queue_id = e->queue;
		x->program = DRM_VLR_PROG_FILL;
		x->dst = MAP_ADDR;
		x->len = VLR_PAGE;
		break;
	}
	case WAIT_UFENCE: {
		struct drm_vlr_wait_ufence *w = arg;

		w->vm_id = e->vm;
		w->op = DRM_VLR_UFENCE_OP_EQ;
		w->addr = MAP_ADDR;
		w->mask = 0; /* (x & 0) == 0: true at once */
		break;
	}
	case SET_MODE:
		((struct drm_vlr_set_mode *)arg)->mode = e->info.mode;
		break;
	default:
		igt_assert(!"unknown ioctl");
	}
}

static void apply(struct env *e, void *arg, const struct field_set *f)
{
	uint64_t v = token(e, f->value);

	switch (f->len) {
	case 4:
		*(uint32_t *)((char *)arg + f->off) = (uint32_t)v;
		break;
	case 8:
		*(uint64_t *)((char *)arg + f->off) = v;
		break;
	default:
		igt_assert_f(0, "field of %zu bytes in the case table\n", f->len);
	}
}

static void test_invalid(int fd, const struct drm_vlr_get_info *info, enum ioc ioc)
{
	union {
		struct drm_vlr_get_stats big; /* the largest argument */
		uint64_t align;
		char bytes[512];
	} arg;
	int mismatches = 0, n = 0;

	igt_assert(sizeof(arg) >= ioctls[ioc].size);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct inval_case *c = &cases[i];
		struct env e;
		int ret;

		if (c->ioc != ioc)
			continue;
		/* SET_MODE needs a device without queues unless the case wants one. */
		env_init(&e, fd, info, ioc != SET_MODE || c->with_queue);
		baseline(&e, ioc, &arg);
		for (const struct field_set *f = c->set; f < c->set + 4 && f->len; f++)
			apply(&e, &arg, f);
		ret = __vlr_ioctl(fd, ioctls[ioc].req, &arg);
		n++;
		if (ret != -c->err) {
			igt_warn("%s: %s: returned %d (%s), expected -%s\n", ioctls[ioc].name,
				 c->what, ret, ret ? strerror(-ret) : "success",
				 strerrorname_np(c->err));
			mismatches++;
		} else {
			igt_debug("%s: %s: -%s as documented\n", ioctls[ioc].name, c->what,
				  strerrorname_np(c->err));
		}
		env_fini(&e);
	}
	igt_assert_f(n > 0, "no cases for %s\n", ioctls[ioc].name);
	igt_info("%s: %d cases, %d wrong\n", ioctls[ioc].name, n, mismatches);
	igt_assert_eq(mismatches, 0);
}

static void test_user_pointer(int fd)
{
	/* A page that is certainly not mapped: map one and unmap it. */
	void *hole = mmap(NULL, VLR_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int mismatches = 0;

	igt_assert(hole != MAP_FAILED);
	munmap(hole, VLR_PAGE);
	for (int i = 0; i < NUM_IOC; i++) {
		int ret = __vlr_ioctl(fd, ioctls[i].req, hole);

		if (ret != -EFAULT) {
			igt_warn("%s with an unmapped argument returned %d, expected -EFAULT\n",
				 ioctls[i].name, ret);
			mismatches++;
		}
	}
	igt_assert_eq(mismatches, 0);
}

/* Id 0 names nothing: destroying it fails and does not disturb the id allocator. */
static void test_id_zero(int fd)
{
	uint32_t vm[8], queue[8];

	igt_assert_eq(__vlr_vm_destroy(fd, 0), -ENOENT);
	igt_assert_eq(__vlr_queue_destroy(fd, 0), -ENOENT);
	for (int i = 0; i < 8; i++) {
		/* Both kinds of VM; vlr_*_create() assert a non-zero id. */
		vm[i] = vlr_vm_create_flags(fd, i % 2 ? DRM_VLR_VM_CREATE_DMA_FENCE : 0);
		queue[i] = vlr_queue_create(fd, vm[i]);
		igt_assert_eq(__vlr_vm_destroy(fd, 0), -ENOENT);
		igt_assert_eq(__vlr_queue_destroy(fd, 0), -ENOENT);
	}
	for (int i = 0; i < 8; i++) {
		igt_assert_eq(__vlr_queue_destroy(fd, queue[i]), 0);
		vlr_vm_destroy(fd, vm[i]);
	}
}

int igt_main ()
{
	struct drm_vlr_get_info info;
	int fd = -1;

	igt_fixture () {
		fd = vlr_require_device(&info);
	}

	for (int i = 0; i < NUM_IOC; i++) {
		igt_describe("Bad arguments fail with the errno vlr_drm.h documents.");
		igt_subtest_f ("invalid-%s", ioctls[i].name)
			test_invalid(fd, &info, i);
	}

	igt_describe("VM and queue id 0 are never valid and never handed out.");
	igt_subtest ("invalid-id-zero")
		test_id_zero(fd);

	igt_describe("An unmapped argument pointer fails with EFAULT.");
	igt_subtest ("invalid-user-pointer")
		test_user_pointer(fd);

	igt_fixture () {
		close(fd);
	}
}
