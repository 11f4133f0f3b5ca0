// SPDX-License-Identifier: MIT
/*
 * vlr-fuzz ops: one function per call the fuzzer makes, registered in
 * fz_ops[] with a weight. An op picks its arguments from what exists in the
 * file's tables (syzkaller's resources), so calls are mostly valid; with
 * t->garbage set, fz_ioctl() mutates one field of the argument (described by
 * a field table per ioctl: kind + the flag bits the uAPI defines) or passes
 * a bad pointer. Composite ops (ctl-create, fill-verify) make several
 * ioctls, each counted under its own name, and check the uAPI's promises.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "fuzz.h"
#include "vlr_ioctl.h"

enum {
	OP_GET_INFO,
	OP_GEM_CREATE,
	OP_GEM_CLOSE,
	OP_MMAP_OFFSET,
	OP_MMAP,
	OP_MUNMAP,
	OP_MEM_RW,
	OP_VM_CREATE,
	OP_VM_DESTROY,
	OP_BIND,
	OP_UNBIND,
	OP_QUEUE_CREATE,
	OP_QUEUE_DESTROY,
	OP_EXEC,
	OP_STREAM_STOP,
	OP_WAIT_UFENCE,
	OP_SET_MODE,
	OP_GET_STATS,
	OP_CENSUS,
	OP_SYNCOBJ_CREATE,
	OP_SYNCOBJ_DESTROY,
	OP_SYNCOBJ_WAIT,
	OP_PRIME_EXPORT,
	OP_PRIME_IMPORT,
	OP_DMABUF_CLOSE,
	OP_CTL_CREATE,
	OP_FILL_VERIFY,
	OP_FILE_CLOSE,
	OP_COUNT
};

#define PAGE	    4096ull
#define MAP_GAP	    (64ull << 10) /* unmapped VA between two mappings */
#define VA_START    (1ull << 20)
#define VLR_VA_SIZE (1ull << 40)

/* ---- argument descriptions for garbage ---- */
enum fz_kind { FK_FLAGS, FK_PAD, FK_ID, FK_SIZE, FK_ADDR, FK_VAL, FK_PTR, FK_COUNT };
struct fz_field {
	const char *name;
	uint16_t off;
	uint8_t size;
	uint8_t kind;
	uint64_t valid; /* FK_FLAGS: bits the uAPI defines */
};
#define FLD(s, m, k, v)                                                                            \
	{                                                                                          \
#m, offsetof(s, m), sizeof(((s *)0)->m), k, v                                      \
	}
#define FEND                                                                                       \
	{                                                                                          \
		NULL, 0, 0, 0, 0                                                                   \
	}

static const struct fz_field fl_get_info[] = {FLD(struct drm_vlr_get_info, flags, FK_FLAGS, 0),
					      FEND};
static const struct fz_field fl_gem_create[] = {
    FLD(struct drm_vlr_gem_create, size, FK_SIZE, 0),
    FLD(struct drm_vlr_gem_create, flags, FK_FLAGS, DRM_VLR_GEM_CREATE_SYSTEM),
    FLD(struct drm_vlr_gem_create, vm_id, FK_ID, 0), FLD(struct drm_vlr_gem_create, pad, FK_PAD, 0),
    FEND};
static const struct fz_field fl_mmap_offset[] = {
    FLD(struct drm_vlr_gem_mmap_offset, handle, FK_ID, 0),
    FLD(struct drm_vlr_gem_mmap_offset, flags, FK_FLAGS, 0), FEND};
static const struct fz_field fl_vm_create[] = {
    FLD(struct drm_vlr_vm_create, flags, FK_FLAGS, DRM_VLR_VM_CREATE_DMA_FENCE), FEND};
static const struct fz_field fl_vm_destroy[] = {FLD(struct drm_vlr_vm_destroy, vm_id, FK_ID, 0),
						FLD(struct drm_vlr_vm_destroy, pad, FK_PAD, 0),
						FEND};
static const struct fz_field fl_bind[] = {FLD(struct drm_vlr_vm_bind, vm_id, FK_ID, 0),
					  FLD(struct drm_vlr_vm_bind, op, FK_VAL, 0),
					  FLD(struct drm_vlr_vm_bind, handle, FK_ID, 0),
					  FLD(struct drm_vlr_vm_bind, flags, FK_FLAGS, 0),
					  FLD(struct drm_vlr_vm_bind, bo_offset, FK_SIZE, 0),
					  FLD(struct drm_vlr_vm_bind, addr, FK_ADDR, 0),
					  FLD(struct drm_vlr_vm_bind, range, FK_SIZE, 0),
					  FEND};
static const struct fz_field fl_queue_create[] = {
    FLD(struct drm_vlr_queue_create, vm_id, FK_ID, 0),
    FLD(struct drm_vlr_queue_create, flags, FK_FLAGS, DRM_VLR_QUEUE_CREATE_SHARED_SCHED),
    FLD(struct drm_vlr_queue_create, pad, FK_PAD, 0), FEND};
static const struct fz_field fl_queue_destroy[] = {
    FLD(struct drm_vlr_queue_destroy, queue_id, FK_ID, 0),
    FLD(struct drm_vlr_queue_destroy, pad, FK_PAD, 0), FEND};
static const struct fz_field fl_exec[] = {FLD(struct drm_vlr_exec, queue_id, FK_ID, 0),
					  FLD(struct drm_vlr_exec, program, FK_VAL, 0),
					  FLD(struct drm_vlr_exec, flags, FK_FLAGS, 0),
					  FLD(struct drm_vlr_exec, in_syncobj, FK_ID, 0),
					  FLD(struct drm_vlr_exec, out_syncobj, FK_ID, 0),
					  FLD(struct drm_vlr_exec, pad, FK_PAD, 0),
					  FLD(struct drm_vlr_exec, src, FK_ADDR, 0),
					  FLD(struct drm_vlr_exec, dst, FK_ADDR, 0),
					  FLD(struct drm_vlr_exec, len, FK_SIZE, 0),
					  FLD(struct drm_vlr_exec, value, FK_VAL, 0),
					  FLD(struct drm_vlr_exec, progress_addr, FK_ADDR, 0),
					  FLD(struct drm_vlr_exec, stop_addr, FK_ADDR, 0),
					  FLD(struct drm_vlr_exec, ufence_addr, FK_ADDR, 0),
					  FEND};
/* timeout_ns is never mutated: a huge one would hang the thread legitimately. */
static const struct fz_field fl_wait[] = {
    FLD(struct drm_vlr_wait_ufence, vm_id, FK_ID, 0),
    FLD(struct drm_vlr_wait_ufence, op, FK_VAL, 0),
    FLD(struct drm_vlr_wait_ufence, flags, FK_FLAGS, DRM_VLR_UFENCE_WAIT_ABSOLUTE),
    FLD(struct drm_vlr_wait_ufence, queue_id, FK_ID, 0),
    FLD(struct drm_vlr_wait_ufence, addr, FK_ADDR, 0),
    FLD(struct drm_vlr_wait_ufence, mask, FK_VAL, 0),
    FEND};
static const struct fz_field fl_set_mode[] = {FLD(struct drm_vlr_set_mode, mode, FK_VAL, 0),
					      FLD(struct drm_vlr_set_mode, flags, FK_FLAGS, 0),
					      FEND};
static const struct fz_field fl_get_stats[] = {
    FLD(struct drm_vlr_get_stats, queue_id, FK_ID, 0),
    FLD(struct drm_vlr_get_stats, flags, FK_FLAGS, DRM_VLR_STATS_RESET), FEND};
static const struct fz_field fl_gem_close[] = {FLD(struct drm_gem_close, handle, FK_ID, 0),
					       FLD(struct drm_gem_close, pad, FK_PAD, 0), FEND};
static const struct fz_field fl_syncobj_create[] = {
    FLD(struct drm_syncobj_create, flags, FK_FLAGS, DRM_SYNCOBJ_CREATE_SIGNALED), FEND};
static const struct fz_field fl_syncobj_destroy[] = {
    FLD(struct drm_syncobj_destroy, handle, FK_ID, 0),
    FLD(struct drm_syncobj_destroy, pad, FK_PAD, 0), FEND};
static const struct fz_field fl_syncobj_wait[] = {
    FLD(struct drm_syncobj_wait, handles, FK_PTR, 0),
    FLD(struct drm_syncobj_wait, count_handles, FK_COUNT, 0),
    FLD(struct drm_syncobj_wait, flags, FK_FLAGS, 7), FLD(struct drm_syncobj_wait, pad, FK_PAD, 0),
    FEND};
static const struct fz_field fl_prime_export[] = {
    FLD(struct drm_prime_handle, handle, FK_ID, 0),
    FLD(struct drm_prime_handle, flags, FK_FLAGS, DRM_CLOEXEC | DRM_RDWR), FEND};

/* ---- small helpers ---- */
static uint64_t rd(const void *p, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p, size); /* little endian */
	return v;
}

static void wr(void *p, unsigned int size, uint64_t v)
{
	memcpy(p, &v, size);
}

/*
 * An id no object has: ids and handles are small integers handed out from
 * 1, so these never name a live object of ours (a mutated GEM_CLOSE or
 * VM_DESTROY must not tear down something the tables still track).
 */
static uint64_t bad_id(struct fz_thread *t, uint64_t v)
{
	switch (fz_below(t, 4)) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffull;
	case 2:
		return 0x40000000ull | (v & 0xffff); /* never handed out */
	default:
		return 0x7fffff00ull + fz_below(t, 256);
	}
}

static uint64_t bad_size(struct fz_thread *t, uint64_t v)
{
	static const uint64_t huge[] = {
	    0,		1,	    3,	   1ull << 30,	    (1ull << 30) + PAGE,
	    1ull << 40, 1ull << 63, ~0ull, ~0ull - PAGE + 1};

	switch (fz_below(t, 3)) {
	case 0:
		return v + 1 + fz_below(t, 3); /* misaligned */
	case 1:
		return v * 1024 + PAGE;
	default:
		return huge[fz_below(t, sizeof(huge) / sizeof(huge[0]))];
	}
}

static uint64_t bad_addr(struct fz_thread *t, uint64_t v)
{
	switch (fz_below(t, 6)) {
	case 0:
		return v + 1 + fz_below(t, 3);
	case 1:
		return v + 4; /* 4-aligned but not 8 */
	case 2:
		return VLR_VA_SIZE - fz_below(t, 2) * PAGE;
	case 3:
		return ~0ull - PAGE + 1;
	case 4:
		return 0x7f000; /* below every mapping: unmapped */
	default:
		return v + (1ull << 36); /* far away, unmapped */
	}
}

/* Mutate one field (or the pointer) of @arg; describes it in t->note. */
static void *mutate(struct fz_thread *t, void *arg, const struct fz_field *fields, bool *bad_ptr)
{
	unsigned int n = 0, k;
	size_t len = strlen(t->note);
	char *note = t->note + len;
	size_t room = sizeof(t->note) - len;

	while (fields[n].name)
		n++;
	k = fz_below(t, n + 1);
	if (k == n) {
		static const uintptr_t ptrs[] = {16, 4096, 0xffffffffffff0000ull, 1};

		*bad_ptr = true;
		snprintf(note, room, " !ptr");
		return (void *)ptrs[fz_below(t, 4)];
	}

	const struct fz_field *fl = &fields[k];
	uint8_t *p = (uint8_t *)arg + fl->off;
	uint64_t v = rd(p, fl->size), nv = v;

	switch (fl->kind) {
	case FK_FLAGS: {
		unsigned int bit;
		uint64_t undefined = ~fl->valid & (fl->size == 8 ? ~0ull : 0xffffffffull);

		do
			bit = fz_below(t, fl->size * 8);
		while (!(undefined >> bit & 1));
		nv = v | 1ull << bit;
		break;
	}
	case FK_PAD:
		nv = 1 + fz_below(t, 0xffffffffull);
		break;
	case FK_ID:
		nv = bad_id(t, v);
		break;
	case FK_SIZE:
		nv = bad_size(t, v);
		break;
	case FK_ADDR:
		nv = bad_addr(t, v);
		break;
	case FK_COUNT:
		/*
		 * Bounded: DRM core's drm_syncobj_array_find() kmalloc()s
		 * count * 4 bytes without __GFP_NOWARN, so a count near 2^32
		 * WARNs in the page allocator (not vlr's; see README).
		 */
		nv = fz_below(t, 2) ? 0 : 1 + fz_below(t, 65536);
		break;
	case FK_PTR:
		nv = fz_below(t, 2) ? 16 : 0xffffffffffff0000ull;
		break;
	default:
		nv = fz_below(t, 2) ? fz_rand(t) : v + 1 + fz_below(t, 8);
		break;
	}
	if (nv == v)
		nv = v + 1;
	wr(p, fl->size, nv);
	snprintf(note, room, " !%s=%#llx", fl->name,
		 (unsigned long long)(nv & (fl->size == 8 ? ~0ull : 0xffffffffull)));
	return arg;
}

int fz_ioctl(struct fz_thread *t, struct fz_file *f, unsigned int op, unsigned long req, void *arg,
	     size_t size, const struct fz_field *fields)
{
	/* Without a field table the op mutated the argument itself. */
	bool bad_ptr = false, garbage = t->garbage;
	void *p = garbage && fields ? mutate(t, arg, fields, &bad_ptr) : arg;
	int ret;

	(void)size;
	fz_begin(t, op);
	do
		ret = ioctl(f->fd, req, p);
	while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	ret = ret ? -errno : 0;
	t->mutated = garbage;
	fz_end(t, op, ret);
	t->mutated = false;

	if (garbage) {
		__atomic_fetch_add(&fz_shm->garbage[op], 1, __ATOMIC_RELAXED);
		if (!ret)
			__atomic_fetch_add(&fz_shm->garbage_ok[op], 1, __ATOMIC_RELAXED);
		if (bad_ptr && ret != -EFAULT)
			__atomic_fetch_add(&fz_shm->garbage_efault[op], 1, __ATOMIC_RELAXED);
	} else if (ret == -EFAULT || ret == -ENOTTY || ret == -EBADF) {
		/* Every pointer and the fd were valid: these cannot be right. */
		fz_fail(t, "%s(%s) on a valid argument returned %s", fz_ops[op].name, t->note,
			strerror(-ret));
	}
	return ret;
}

static void note(struct fz_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct fz_thread *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
}

/* ---- the guarded memory access: SIGBUS/SIGSEGV on a BO mapping ---- */
static __thread sigjmp_buf mem_jb;
static __thread volatile int in_mem;

static void mem_signal(int sig)
{
	if (in_mem)
		siglongjmp(mem_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mem_handlers(void)
{
	static int done;
	struct sigaction sa = {.sa_handler = mem_signal, .sa_flags = SA_NODEFER};

	if (__atomic_exchange_n(&done, 1, __ATOMIC_SEQ_CST))
		return;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/*
 * Copy @len bytes between a BO mapping and @buf (write: into the mapping).
 * Returns 0, or the signal that interrupted it.
 */
static int mem_copy(void *map, void *buf, size_t len, bool write)
{
	int sig;

	mem_handlers();
	sig = sigsetjmp(mem_jb, 1);
	if (sig) {
		in_mem = 0;
		return sig;
	}
	in_mem = 1;
	if (write)
		memcpy(map, buf, len);
	else
		memcpy(buf, map, len);
	in_mem = 0;
	return 0;
}

/* ---- table helpers; all with f->mu held ---- */
#define DEL(arr, n, i) ((arr)[i] = (arr)[--(n)])

static struct fz_vm *vm_find(struct fz_file *f, uint32_t id)
{
	for (unsigned int i = 0; i < f->nvm; i++)
		if (f->vm[i].id == id)
			return &f->vm[i];
	return NULL;
}

static struct fz_queue *queue_find(struct fz_file *f, uint32_t id)
{
	for (unsigned int i = 0; i < f->nq; i++)
		if (f->q[i].id == id)
			return &f->q[i];
	return NULL;
}

static uint64_t va_alloc(struct fz_vm *vm, uint64_t range)
{
	uint64_t addr = vm->next_addr;

	vm->next_addr = (addr + range + 2 * MAP_GAP - 1) & ~(MAP_GAP - 1);
	if (vm->next_addr >= VLR_VA_SIZE - (4ull << 30))
		vm->next_addr = VA_START; /* wraps after ~1 TiB; EEXIST then */
	return addr;
}

static void ctl_unmap(struct fz_ctl *c)
{
	if (c->cpu)
		munmap((void *)c->cpu, PAGE);
	c->cpu = NULL;
}

/* Forget everything of VM @id: its queues, mappings and control pages. */
static void vm_forget(struct fz_file *f, uint32_t id)
{
	for (unsigned int i = 0; i < f->nq;)
		if (f->q[i].vm == id)
			DEL(f->q, f->nq, i);
		else
			i++;
	for (unsigned int i = 0; i < f->nmap;)
		if (f->map[i].vm == id)
			DEL(f->map, f->nmap, i);
		else
			i++;
	for (unsigned int i = 0; i < f->nctl;)
		if (f->ctl[i].vm == id) {
			ctl_unmap(&f->ctl[i]);
			DEL(f->ctl, f->nctl, i);
		} else {
			i++;
		}
	for (unsigned int i = 0; i < f->nvm;)
		if (f->vm[i].id == id)
			DEL(f->vm, f->nvm, i);
		else
			i++;
}

void fz_file_reset(struct fz_file *f)
{
	for (unsigned int i = 0; i < f->nctl; i++)
		ctl_unmap(&f->ctl[i]);
	f->nbo = f->nvm = f->nmap = f->nq = f->nctl = f->nsync = 0;
}

int fz_op_index(const char *name)
{
	for (unsigned int i = 0; i < fz_nops; i++)
		if (!strcmp(fz_ops[i].name, name))
			return i;
	return -1;
}

static void charge(struct fz_thread *t, int64_t bytes)
{
	__atomic_fetch_add(&fz_shm->proc[t->p->slot].bo_bytes, bytes, __ATOMIC_RELAXED);
}

/* A BO size: mostly small, a fifth large (memory pressure); within the caps. */
static uint64_t pick_size(struct fz_thread *t, bool system)
{
	uint64_t size, max = fz_opts.max_bo_size;
	int64_t used = fz_shm->proc[t->p->slot].bo_bytes;

	if (fz_chance(t, 20) && max > (1ull << 20))
		size = (1ull << 20) + fz_below(t, max - (1ull << 20) + 1);
	else
		size = (1 + fz_below(t, 64)) * PAGE;
	size = (size + PAGE - 1) & ~(PAGE - 1);
	if (size > max)
		size = max & ~(PAGE - 1);
	if (used + (int64_t)size > (int64_t)fz_opts.max_total) {
		__atomic_fetch_add(&fz_shm->oom_skips, 1, __ATOMIC_RELAXED);
		size = PAGE;
	}
	(void)system;
	return size;
}

/* ---- ops ---- */
static int op_get_info(struct fz_thread *t, struct fz_file *f)
{
	struct drm_vlr_get_info a = {0};
	int ret;

	note(t, "-");
	ret = fz_ioctl(t, f, OP_GET_INFO, DRM_IOCTL_VLR_GET_INFO, &a, sizeof(a), fl_get_info);
	if (!t->garbage && ret)
		fz_fail(t, "GET_INFO: %s", strerror(-ret));
	if (!t->garbage && (a.uapi_version != DRM_VLR_UAPI_VERSION || !a.vram_size ||
			    a.mode > DRM_VLR_MODE_OPEN_CODED))
		fz_fail(t, "GET_INFO: uapi_version %u vram_size %llu mode %u", a.uapi_version,
			(unsigned long long)a.vram_size, a.mode);
	return 0;
}

static int gem_create(struct fz_thread *t, struct fz_file *f, uint64_t size, uint32_t flags,
		      uint32_t vm, uint32_t *handle)
{
	struct drm_vlr_gem_create a = {.size = size, .flags = flags, .vm_id = vm};
	int ret;

	note(t, "size=%#llx flags=%#x vm=%u", (unsigned long long)size, flags, vm);
	ret = fz_ioctl(t, f, OP_GEM_CREATE, DRM_IOCTL_VLR_GEM_CREATE, &a, sizeof(a), fl_gem_create);
	if (!ret) {
		*handle = a.handle;
		charge(t, a.size);
	}
	return ret;
}

static int gem_close(struct fz_thread *t, struct fz_file *f, uint32_t handle)
{
	struct drm_gem_close a = {.handle = handle};

	note(t, "handle=%u", handle);
	return fz_ioctl(t, f, OP_GEM_CLOSE, DRM_IOCTL_GEM_CLOSE, &a, sizeof(a), fl_gem_close);
}

static int op_gem_close(struct fz_thread *t, struct fz_file *f)
{
	struct fz_bo bo;
	unsigned int i;
	int ret;

	pthread_mutex_lock(&f->mu);
	if (!f->nbo) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	i = fz_below(t, f->nbo);
	bo = f->bo[i];
	DEL(f->bo, f->nbo, i);
	pthread_mutex_unlock(&f->mu);
	ret = gem_close(t, f, bo.handle);
	if (!ret && !bo.imported)
		charge(t, -(int64_t)bo.size);
	return 0;
}

static int op_gem_create(struct fz_thread *t, struct fz_file *f)
{
	uint32_t flags = fz_chance(t, 40) ? DRM_VLR_GEM_CREATE_SYSTEM : 0, vm = 0, handle;
	uint64_t size;

	pthread_mutex_lock(&f->mu);
	if (f->nbo >= FZ_MAX_BO) {
		pthread_mutex_unlock(&f->mu);
		return op_gem_close(t, f);
	}
	if (f->nvm && fz_chance(t, 50))
		vm = f->vm[fz_below(t, f->nvm)].id;
	pthread_mutex_unlock(&f->mu);

	size = pick_size(t, flags);
	if (gem_create(t, f, size, flags, vm, &handle))
		return 0;
	pthread_mutex_lock(&f->mu);
	if (f->nbo < FZ_MAX_BO)
		f->bo[f->nbo++] = (struct fz_bo){handle, flags, vm, size, false};
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static bool pick_bo(struct fz_thread *t, struct fz_file *f, struct fz_bo *out)
{
	bool ok;

	pthread_mutex_lock(&f->mu);
	ok = f->nbo > 0;
	if (ok)
		*out = f->bo[fz_below(t, f->nbo)];
	pthread_mutex_unlock(&f->mu);
	return ok;
}

static int mmap_offset(struct fz_thread *t, struct fz_file *f, uint32_t handle, uint64_t *off)
{
	struct drm_vlr_gem_mmap_offset a = {.handle = handle};
	int ret;

	note(t, "handle=%u", handle);
	ret = fz_ioctl(t, f, OP_MMAP_OFFSET, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &a, sizeof(a),
		       fl_mmap_offset);
	*off = a.offset;
	return ret;
}

static int op_mmap_offset(struct fz_thread *t, struct fz_file *f)
{
	struct fz_bo bo;
	uint64_t off;

	if (!pick_bo(t, f, &bo))
		return FZ_SKIP;
	mmap_offset(t, f, bo.handle, &off);
	return 0;
}

static void mmap_drop(struct fz_thread *t, unsigned int i)
{
	munmap(t->mmap[i].ptr, t->mmap[i].size);
	t->mmap[i] = t->mmap[--t->nmmap];
}

/* mmap() a BO (its whole size) for this thread; NULL on failure. */
static void *bo_mmap(struct fz_thread *t, struct fz_file *f, uint32_t handle, uint64_t size,
		     bool garbage)
{
	uint64_t off, len = size;
	int prot = PROT_READ | PROT_WRITE;
	void *p;

	if (mmap_offset(t, f, handle, &off))
		return NULL;
	if (garbage) {
		switch (fz_below(t, 3)) {
		case 0:
			len = size + PAGE; /* larger than the BO */
			break;
		case 1:
			off += PAGE * (1 + fz_below(t, 4)); /* past its start */
			break;
		default:
			prot |= PROT_EXEC;
			break;
		}
	}
	fz_begin(t, OP_MMAP);
	p = mmap(NULL, len, prot, MAP_SHARED, f->fd, off);
	fz_record(t, OP_MMAP, p == MAP_FAILED ? -errno : 0, "handle=%u len=%#llx off=%#llx%s",
		  handle, (unsigned long long)len, (unsigned long long)off, garbage ? " !" : "");
	if (p == MAP_FAILED)
		return NULL;
	if (len != size || garbage) { /* accepted garbage: don't touch it */
		munmap(p, len);
		return NULL;
	}
	return p;
}

static int op_mmap(struct fz_thread *t, struct fz_file *f)
{
	bool garbage = t->garbage;
	struct fz_bo bo;
	void *p;

	if (!pick_bo(t, f, &bo))
		return FZ_SKIP;
	t->garbage = false; /* the mmap_offset before it stays valid */
	p = bo_mmap(t, f, bo.handle, bo.size, garbage);
	if (!p)
		return 0;
	if (t->nmmap == FZ_MAX_MMAP)
		mmap_drop(t, fz_below(t, t->nmmap));
	t->mmap[t->nmmap++] = (struct fz_mmap){p, bo.size, 0};
	return 0;
}

static int op_munmap(struct fz_thread *t, struct fz_file *f)
{
	unsigned int i;

	(void)f; /* thread- or process-wide, not per file */

	if (!t->nmmap)
		return FZ_SKIP;
	i = fz_below(t, t->nmmap);
	fz_begin(t, OP_MUNMAP);
	fz_record(t, OP_MUNMAP, 0, "ptr=%p len=%#llx", t->mmap[i].ptr,
		  (unsigned long long)t->mmap[i].size);
	mmap_drop(t, i);
	return 0;
}

/* Read or write a random range of one of this thread's BO mappings. */
static int op_mem_rw(struct fz_thread *t, struct fz_file *f)
{
	static __thread uint32_t buf[16384];
	struct fz_mmap *m;
	uint64_t off, len;
	bool write = fz_chance(t, 50);
	int sig;

	(void)f; /* thread- or process-wide, not per file */

	if (!t->nmmap)
		return FZ_SKIP;
	m = &t->mmap[fz_below(t, t->nmmap)];
	off = fz_below(t, m->size / 4) * 4;
	len = 4 * (1 + fz_below(t, (m->size - off) / 4));
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (write)
		for (unsigned int i = 0; i < len / 4; i++)
			buf[i] = (uint32_t)fz_rand(t);
	fz_begin(t, OP_MEM_RW);
	sig = mem_copy((char *)m->ptr + off, buf, len, write);
	fz_record(t, OP_MEM_RW, sig ? -EFAULT : 0, "%s ptr=%p off=%#llx len=%#llx%s",
		  write ? "write" : "read", m->ptr, (unsigned long long)off,
		  (unsigned long long)len,
		  sig == SIGBUS ? " SIGBUS"
		  : sig		? " SIGSEGV"
				: "");
	if (sig == SIGBUS)
		__atomic_fetch_add(&fz_shm->mem_faults, 1, __ATOMIC_RELAXED);
	else if (sig)
		fz_fail(t, "SIGSEGV at offset %#llx of a live %#llx-byte BO mapping",
			(unsigned long long)off, (unsigned long long)m->size);
	return 0;
}

static int vm_destroy(struct fz_thread *t, struct fz_file *f, uint32_t id)
{
	struct drm_vlr_vm_destroy a = {.vm_id = id};

	note(t, "vm=%u", id);
	return fz_ioctl(t, f, OP_VM_DESTROY, DRM_IOCTL_VLR_VM_DESTROY, &a, sizeof(a),
			fl_vm_destroy);
}

static int op_vm_destroy(struct fz_thread *t, struct fz_file *f)
{
	uint32_t id;

	unsigned int cand[FZ_MAX_VM], n = 0;

	pthread_mutex_lock(&f->mu);
	for (unsigned int i = 0; i < f->nvm; i++)
		if (!f->vm[i].pins)
			cand[n++] = i;
	if (!n) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	id = f->vm[cand[fz_below(t, n)]].id;
	vm_forget(f, id);
	pthread_mutex_unlock(&f->mu);
	vm_destroy(t, f, id);
	return 0;
}

static int op_vm_create(struct fz_thread *t, struct fz_file *f)
{
	struct drm_vlr_vm_create a = {.flags = fz_chance(t, 30) ? DRM_VLR_VM_CREATE_DMA_FENCE : 0};
	bool dma = a.flags;

	if (f->nvm >= FZ_MAX_VM)
		return op_vm_destroy(t, f);
	note(t, "flags=%#x", a.flags);
	if (fz_ioctl(t, f, OP_VM_CREATE, DRM_IOCTL_VLR_VM_CREATE, &a, sizeof(a), fl_vm_create))
		return 0;
	pthread_mutex_lock(&f->mu);
	if (f->nvm < FZ_MAX_VM && !vm_find(f, a.vm_id))
		f->vm[f->nvm++] = (struct fz_vm){.id = a.vm_id, .dma = dma, .next_addr = VA_START};
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static int bind(struct fz_thread *t, struct fz_file *f, uint32_t vm, uint32_t op, uint32_t handle,
		uint64_t bo_off, uint64_t addr, uint64_t range)
{
	struct drm_vlr_vm_bind a = {.vm_id = vm,
				    .op = op,
				    .handle = handle,
				    .bo_offset = bo_off,
				    .addr = addr,
				    .range = range};

	note(t, "%s vm=%u h=%u off=%#llx addr=%#llx range=%#llx", op ? "unmap" : "map", vm, handle,
	     (unsigned long long)bo_off, (unsigned long long)addr, (unsigned long long)range);
	return fz_ioctl(t, f, op ? OP_UNBIND : OP_BIND, DRM_IOCTL_VLR_VM_BIND, &a, sizeof(a),
			fl_bind);
}

/* Reserve VA in VM @vm for @range bytes; 0 when the VM is gone. */
static uint64_t va_reserve(struct fz_file *f, uint32_t vm, uint64_t range)
{
	struct fz_vm *v;
	uint64_t addr = 0;

	pthread_mutex_lock(&f->mu);
	v = vm_find(f, vm);
	if (v)
		addr = va_alloc(v, range);
	pthread_mutex_unlock(&f->mu);
	return addr;
}

static int op_bind(struct fz_thread *t, struct fz_file *f)
{
	struct fz_bo cand[FZ_MAX_BO], bo;
	unsigned int n = 0;
	uint64_t off, range, addr;
	struct fz_vm *v;
	uint32_t vm;

	pthread_mutex_lock(&f->mu);
	if (!f->nvm || !f->nbo || f->nmap >= FZ_MAX_MAP) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	v = &f->vm[fz_below(t, f->nvm)];
	vm = v->id;
	for (unsigned int i = 0; i < f->nbo; i++)
		if (!f->bo[i].vm || f->bo[i].vm == vm || fz_chance(t, 2))
			cand[n++] = f->bo[i]; /* rarely a BO private to another VM: -EINVAL */
	if (!n) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	bo = cand[fz_below(t, n)];
	off = fz_chance(t, 60) ? 0 : fz_below(t, bo.size / PAGE) * PAGE;
	range = fz_chance(t, 60) ? bo.size - off : (1 + fz_below(t, (bo.size - off) / PAGE)) * PAGE;
	addr = va_alloc(v, range);
	pthread_mutex_unlock(&f->mu);

	if (bind(t, f, vm, DRM_VLR_VM_BIND_OP_MAP, bo.handle, off, addr, range))
		return 0;
	pthread_mutex_lock(&f->mu);
	if (vm_find(f, vm) && f->nmap < FZ_MAX_MAP)
		f->map[f->nmap++] = (struct fz_map){vm, bo.handle, addr, range};
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static int op_unbind(struct fz_thread *t, struct fz_file *f)
{
	struct fz_map m;
	unsigned int i;

	pthread_mutex_lock(&f->mu);
	if (!f->nmap) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	i = fz_below(t, f->nmap);
	m = f->map[i];
	DEL(f->map, f->nmap, i);
	pthread_mutex_unlock(&f->mu);
	bind(t, f, m.vm, DRM_VLR_VM_BIND_OP_UNMAP, 0, 0, m.addr, m.range);
	return 0;
}

static int queue_create(struct fz_thread *t, struct fz_file *f, uint32_t vm, uint32_t flags,
			uint32_t *id)
{
	struct drm_vlr_queue_create a = {.vm_id = vm, .flags = flags};
	int ret;

	note(t, "vm=%u flags=%#x", vm, flags);
	ret = fz_ioctl(t, f, OP_QUEUE_CREATE, DRM_IOCTL_VLR_QUEUE_CREATE, &a, sizeof(a),
		       fl_queue_create);
	*id = a.queue_id;
	return ret;
}

static void queue_add(struct fz_file *f, uint32_t id, uint32_t vm, uint32_t flags)
{
	struct fz_vm *v;

	pthread_mutex_lock(&f->mu);
	v = vm_find(f, vm);
	if (v && f->nq < FZ_MAX_QUEUE && !queue_find(f, id))
		f->q[f->nq++] =
		    (struct fz_queue){.id = id, .vm = vm, .flags = flags, .dma = v->dma};
	pthread_mutex_unlock(&f->mu);
}

static int queue_destroy(struct fz_thread *t, struct fz_file *f, uint32_t id)
{
	struct drm_vlr_queue_destroy a = {.queue_id = id};

	note(t, "queue=%u", id);
	return fz_ioctl(t, f, OP_QUEUE_DESTROY, DRM_IOCTL_VLR_QUEUE_DESTROY, &a, sizeof(a),
			fl_queue_destroy);
}

static int op_queue_destroy(struct fz_thread *t, struct fz_file *f)
{
	unsigned int cand[FZ_MAX_QUEUE], n = 0, i;
	uint32_t id;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < f->nq; i++)
		if (!f->q[i].pins)
			cand[n++] = i;
	if (!n) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	i = cand[fz_below(t, n)];
	id = f->q[i].id;
	DEL(f->q, f->nq, i);
	pthread_mutex_unlock(&f->mu);
	queue_destroy(t, f, id);
	return 0;
}

static int op_queue_create(struct fz_thread *t, struct fz_file *f)
{
	uint32_t vm, id, flags = fz_chance(t, 30) ? DRM_VLR_QUEUE_CREATE_SHARED_SCHED : 0;

	pthread_mutex_lock(&f->mu);
	if (!f->nvm || f->nq >= FZ_MAX_QUEUE) {
		pthread_mutex_unlock(&f->mu);
		return f->nq ? op_queue_destroy(t, f) : FZ_SKIP;
	}
	vm = f->vm[fz_below(t, f->nvm)].id;
	pthread_mutex_unlock(&f->mu);
	if (!queue_create(t, f, vm, flags, &id))
		queue_add(f, id, vm, flags);
	return 0;
}

/* A control page in @vm: a system BO mapped by the CPU and bound in the VM. */
static int op_ctl_create(struct fz_thread *t, struct fz_file *f)
{
	uint32_t vm, handle;
	uint64_t addr;
	bool ok = false;
	void *p;

	t->garbage = false;
	pthread_mutex_lock(&f->mu);
	if (!f->nvm || f->nctl >= FZ_MAX_CTL) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	vm = f->vm[fz_below(t, f->nvm)].id;
	pthread_mutex_unlock(&f->mu);

	if (gem_create(t, f, PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &handle))
		return 0;
	p = bo_mmap(t, f, handle, PAGE, false);
	addr = va_reserve(f, vm, PAGE);
	static const uint8_t zero[PAGE];

	if (p && addr && !bind(t, f, vm, DRM_VLR_VM_BIND_OP_MAP, handle, 0, addr, PAGE) &&
	    !mem_copy(p, (void *)zero, PAGE, true)) {
		pthread_mutex_lock(&f->mu);
		if (vm_find(f, vm) && f->nctl < FZ_MAX_CTL) {
			f->ctl[f->nctl++] = (struct fz_ctl){
			    .vm = vm, .handle = handle, .addr = addr, .cpu = p, .next = 2};
			p = NULL;
			ok = true;
		}
		pthread_mutex_unlock(&f->mu);
	}
	fz_begin(t, OP_CTL_CREATE);
	fz_record(t, OP_CTL_CREATE, ok ? 0 : -ENOENT, "vm=%u h=%u addr=%#llx", vm, handle,
		  (unsigned long long)addr);
	if (p)
		munmap(p, PAGE);
	/* The BO lives on through its mapping in the VM. */
	gem_close(t, f, handle);
	charge(t, -(int64_t)PAGE);
	return 0;
}

static struct fz_ctl *ctl_of(struct fz_thread *t, struct fz_file *f, uint32_t vm)
{
	struct fz_ctl *c[FZ_MAX_CTL];
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->nctl; i++)
		if (f->ctl[i].vm == vm)
			c[n++] = &f->ctl[i];
	return n ? c[fz_below(t, n)] : NULL;
}

/* Hand out a fresh u64 slot of a control page (zeroed); its GPU address. */
static uint64_t ctl_slot(struct fz_ctl *c, volatile uint64_t **cpu)
{
	uint32_t s = c->next;

	c->next = c->next + 1 >= PAGE / 8 ? 2 : c->next + 1;
	c->cpu[s] = 0;
	*cpu = &c->cpu[s];
	return c->addr + s * 8;
}

static bool pick_range(struct fz_thread *t, struct fz_file *f, uint32_t vm, uint64_t max,
		       uint64_t *addr, uint64_t *len)
{
	struct fz_map *c[FZ_MAX_MAP];
	unsigned int n = 0;
	struct fz_map *m;
	uint64_t off;

	for (unsigned int i = 0; i < f->nmap; i++)
		if (f->map[i].vm == vm)
			c[n++] = &f->map[i];
	if (!n)
		return false;
	m = c[fz_below(t, n)];
	off = fz_chance(t, 50) ? 0 : fz_below(t, m->range / 4) * 4;
	*len = 4 * (1 + fz_below(t, (m->range - off) / 4));
	if (*len > max)
		*len = max;
	*addr = m->addr + off;
	return true;
}

static int op_exec(struct fz_thread *t, struct fz_file *f)
{
	struct drm_vlr_exec e = {0};
	volatile uint64_t *fence_cpu = NULL, *dummy;
	volatile uint32_t *stop = NULL;
	struct fz_queue *q;
	struct fz_ctl *c;
	uint64_t len2, a2, dst, len;
	int ret;

	pthread_mutex_lock(&f->mu);
	if (!f->nq) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	q = &f->q[fz_below(t, f->nq)];
	e.queue_id = q->id;
	c = ctl_of(t, f, q->vm);
	if (!q->dma && !q->stop && c && fz_chance(t, 20))
		e.program = DRM_VLR_PROG_STREAM;
	else
		e.program = fz_chance(t, 50) ? DRM_VLR_PROG_FILL : DRM_VLR_PROG_COPY;
	if (!pick_range(t, f, q->vm, 1ull << 20, &dst, &len)) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	e.dst = dst;
	e.len = len;
	switch (e.program) {
	case DRM_VLR_PROG_STREAM:
		e.len = e.len > (256u << 10) ? 256u << 10 : e.len;
		e.progress_addr = ctl_slot(c, &dummy);
		e.stop_addr = ctl_slot(c, &dummy);
		stop = (volatile uint32_t *)dummy;
		break;
	case DRM_VLR_PROG_FILL:
		e.value = (uint32_t)fz_rand(t);
		break;
	default:
		/* Another range of the VM; halves of one when they overlap. */
		pick_range(t, f, q->vm, e.len, &a2, &len2);
		e.len = len2 < e.len ? len2 : e.len;
		e.src = a2;
		if (e.src < e.dst + e.len && e.dst < e.src + e.len) {
			e.len = e.len / 8 * 4;
			if (!e.len) {
				pthread_mutex_unlock(&f->mu);
				return FZ_SKIP;
			}
			e.src = e.dst + e.len;
		}
		break;
	}
	if (c && fz_chance(t, 70)) {
		e.ufence_addr = ctl_slot(c, &fence_cpu);
		e.ufence_value = (fz_rand(t) & 0xffffffffffffull) | 1; /* 48 bits: see expect[] */
		c->expect[fz_below(t, 8)] =
		    (e.ufence_addr - c->addr) / 8 << 48 | (e.ufence_value & 0xffffffffffffull);
	}
	if (f->nsync && fz_chance(t, 15))
		e.in_syncobj = f->sync[fz_below(t, f->nsync)];
	if (q->dma && f->nsync && fz_chance(t, 50))
		e.out_syncobj = f->sync[fz_below(t, f->nsync)];
	pthread_mutex_unlock(&f->mu);

	note(t, "q=%u prog=%u src=%#llx dst=%#llx len=%#llx uf=%#llx in=%u out=%u", e.queue_id,
	     e.program, (unsigned long long)e.src, (unsigned long long)e.dst,
	     (unsigned long long)e.len, (unsigned long long)e.ufence_addr, e.in_syncobj,
	     e.out_syncobj);
	ret = fz_ioctl(t, f, OP_EXEC, DRM_IOCTL_VLR_EXEC, &e, sizeof(e), fl_exec);
	if (!ret && e.program == DRM_VLR_PROG_STREAM && stop) {
		pthread_mutex_lock(&f->mu);
		q = queue_find(f, e.queue_id);
		if (q && !q->stop)
			q->stop = stop;
		pthread_mutex_unlock(&f->mu);
	}
	return 0;
}

static int op_stream_stop(struct fz_thread *t, struct fz_file *f)
{
	struct fz_queue *c[FZ_MAX_QUEUE];
	unsigned int n = 0;
	struct fz_queue *q;

	pthread_mutex_lock(&f->mu);
	for (unsigned int i = 0; i < f->nq; i++)
		if (f->q[i].stop)
			c[n++] = &f->q[i];
	if (!n) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	q = c[fz_below(t, n)];
	fz_begin(t, OP_STREAM_STOP);
	*q->stop = 1;
	q->stop = NULL;
	fz_record(t, OP_STREAM_STOP, 0, "q=%u", q->id);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static int wait_ufence(struct fz_thread *t, struct fz_file *f, struct drm_vlr_wait_ufence *w,
		       const struct fz_field *fields)
{
	note(t, "vm=%u q=%u addr=%#llx op=%u val=%#llx fl=%#x t=%lld", w->vm_id, w->queue_id,
	     (unsigned long long)w->addr, w->op, (unsigned long long)w->value, w->flags,
	     (long long)w->timeout_ns);
	return fz_ioctl(t, f, OP_WAIT_UFENCE, DRM_IOCTL_VLR_WAIT_UFENCE, w, sizeof(*w), fields);
}

static int op_wait_ufence(struct fz_thread *t, struct fz_file *f)
{
	struct drm_vlr_wait_ufence w = {.mask = ~0ull};
	uint64_t expect = 0, slot, t0, el, limit;
	bool done = false;
	struct fz_ctl *c;
	int ret;

	pthread_mutex_lock(&f->mu);
	if (!f->nctl) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	c = &f->ctl[fz_below(t, f->nctl)];
	w.vm_id = c->vm;
	expect = c->expect[fz_below(t, 8)];
	slot = expect >> 48;
	if (!slot)
		slot = 2 + fz_below(t, PAGE / 8 - 2);
	w.addr = c->addr + slot * 8;
	w.value = expect & 0xffffffffffffull;
	w.op = fz_chance(t, 70) ? DRM_VLR_UFENCE_OP_EQ : fz_below(t, 6);
	if (fz_chance(t, 10))
		w.mask = fz_rand(t);
	/* The job already wrote its fence: the wait must say so at once. */
	done = w.value && w.op == DRM_VLR_UFENCE_OP_EQ && w.mask == ~0ull &&
	       c->cpu[slot] == w.value && !t->garbage;
	if (f->nq && fz_chance(t, 50)) {
		struct fz_queue *q = &f->q[fz_below(t, f->nq)];

		if (q->vm == c->vm || fz_chance(t, 10))
			w.queue_id = q->id;
	}
	pthread_mutex_unlock(&f->mu);

	limit = fz_below(t, 20000000);
	if (fz_chance(t, 20)) {
		w.flags = DRM_VLR_UFENCE_WAIT_ABSOLUTE;
		w.timeout_ns = fz_now_ns() + limit;
	} else {
		w.timeout_ns = limit;
	}
	t0 = fz_now_ns();
	ret = wait_ufence(t, f, &w, fl_wait);
	el = fz_now_ns() - t0;
	if (!t->garbage && el > limit) {
		uint64_t over = el - limit, max = fz_shm->max_wait_overrun_ns;

		while (over > max &&
		       !__atomic_compare_exchange_n(&fz_shm->max_wait_overrun_ns, &max, over, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		if (over > fz_opts.wait_slack_s * 1e9)
			fz_fail(t, "WAIT_UFENCE with a %.3f s timeout returned %s after %.3f s",
				limit / 1e9, strerror(-ret), el / 1e9);
	}
	if (done) {
		__atomic_fetch_add(&fz_shm->ufence_rechecks, 1, __ATOMIC_RELAXED);
		/*
		 * A short wait may time out before the kernel could read the
		 * fence (an open-coded eviction holds the BO's lock for up to
		 * vlr.preempt_timeout_ms): then a wait with time to spare must
		 * see it, and fail only if the fence memory still holds it.
		 */
		if (ret == -ETIME) {
			w.flags = 0;
			w.timeout_ns = 10000000000ll;
			ret = wait_ufence(t, f, &w, fl_wait);
		}
		if (ret == -ETIME) {
			pthread_mutex_lock(&f->mu);
			for (unsigned int i = 0; i < f->nctl; i++)
				if (f->ctl[i].vm == w.vm_id &&
				    f->ctl[i].addr == w.addr - slot * 8 &&
				    f->ctl[i].cpu[slot] == w.value)
					fz_fail(
					    t,
					    "WAIT_UFENCE EQ %#llx returned -ETIME (also with a "
					    "10 s timeout) while the fence memory holds that value",
					    (unsigned long long)w.value);
			pthread_mutex_unlock(&f->mu);
		}
	}
	return 0;
}

static int op_set_mode(struct fz_thread *t, struct fz_file *f)
{
	struct drm_vlr_set_mode a = {.mode = t->p->mode};
	bool other = f->nq && fz_chance(t, 30);
	int ret;

	if (other) /* while a queue of ours exists: -EBUSY */
		a.mode = !t->p->mode;
	note(t, "mode=%u", a.mode);
	ret = fz_ioctl(t, f, OP_SET_MODE, DRM_IOCTL_VLR_SET_MODE, &a, sizeof(a), fl_set_mode);
	/* -EBUSY even for the phase's mode: another thread may have flipped it. */
	if (!t->garbage && !other && ret && ret != -EBUSY)
		fz_fail(t, "SET_MODE to the current mode: %s", strerror(-ret));
	if (!ret && (other || t->garbage) && a.mode != (uint32_t)t->p->mode) {
		/* Our queue went away meanwhile; put the phase's mode back. */
		struct drm_vlr_set_mode back = {.mode = t->p->mode};

		note(t, "mode=%u (back)", back.mode);
		t->garbage = false;
		fz_ioctl(t, f, OP_SET_MODE, DRM_IOCTL_VLR_SET_MODE, &back, sizeof(back),
			 fl_set_mode);
	}
	return 0;
}

static int get_stats(struct fz_thread *t, struct fz_file *f, uint32_t queue, uint32_t flags,
		     uint32_t *state)
{
	static __thread struct drm_vlr_get_stats a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.queue_id = queue;
	a.flags = flags;
	note(t, "q=%u flags=%#x", queue, flags);
	ret = fz_ioctl(t, f, OP_GET_STATS, DRM_IOCTL_VLR_GET_STATS, &a, sizeof(a), fl_get_stats);
	if (!ret && !t->garbage &&
	    (a.stats.queue_state > DRM_VLR_QUEUE_STATE_BANNED || a.stats.pad ||
	     a.stats.preempt_samples > DRM_VLR_STATS_SAMPLES ||
	     a.stats.restore_samples > DRM_VLR_STATS_SAMPLES))
		fz_fail(t, "GET_STATS q=%u: queue_state %u pad %u samples %u/%u", queue,
			a.stats.queue_state, a.stats.pad, a.stats.preempt_samples,
			a.stats.restore_samples);
	if (state)
		*state = ret ? FZ_STATE_GONE : a.stats.queue_state;
	return ret;
}

static int op_get_stats(struct fz_thread *t, struct fz_file *f)
{
	uint32_t q = 0;

	pthread_mutex_lock(&f->mu);
	if (f->nq && fz_chance(t, 60))
		q = f->q[fz_below(t, f->nq)].id;
	pthread_mutex_unlock(&f->mu);
	get_stats(t, f, q, fz_chance(t, 30) ? DRM_VLR_STATS_RESET : 0, NULL);
	return 0;
}

/* The state of every queue of @f (GET_STATS each); no lock but f->rw. */
static void census(struct fz_thread *t, struct fz_file *f, uint32_t out[FZ_NSTATE])
{
	uint32_t ids[FZ_MAX_QUEUE], st;
	unsigned int n;

	pthread_mutex_lock(&f->mu);
	n = f->nq;
	for (unsigned int i = 0; i < n; i++)
		ids[i] = f->q[i].id;
	pthread_mutex_unlock(&f->mu);
	memset(out, 0, sizeof(uint32_t) * FZ_NSTATE);
	t->garbage = false;
	for (unsigned int i = 0; i < n; i++) {
		get_stats(t, f, ids[i], 0, &st);
		out[st < FZ_NSTATE ? st : FZ_STATE_GONE]++;
	}
}

static __thread uint32_t file_census[FZ_MAX_FILES][FZ_NSTATE];

/* Publish what the queues of this process looked like, for the supervisor's kills. */
static int op_census(struct fz_thread *t, struct fz_file *f)
{
	struct fz_proc_shm *ps = &fz_shm->proc[t->p->slot];

	census(t, f, file_census[f->idx]);
	for (unsigned int s = 0; s < FZ_NSTATE; s++) {
		uint32_t sum = 0;

		for (unsigned int i = 0; i < t->p->nfiles; i++)
			sum += file_census[i][s];
		ps->census[s] = sum;
	}
	fz_begin(t, OP_CENSUS);
	fz_record(t, OP_CENSUS, 0, "idle %u running %u preempted %u banned %u gone %u",
		  file_census[f->idx][0], file_census[f->idx][1], file_census[f->idx][2],
		  file_census[f->idx][3], file_census[f->idx][4]);
	return 0;
}

void fz_file_census(struct fz_file *f, uint32_t out[FZ_NSTATE])
{
	/* For the worker's last look before exit: no rings, plain ioctls. */
	uint32_t ids[FZ_MAX_QUEUE];
	unsigned int n = f->nq;

	memset(out, 0, sizeof(uint32_t) * FZ_NSTATE);
	for (unsigned int i = 0; i < n; i++)
		ids[i] = f->q[i].id;
	for (unsigned int i = 0; i < n; i++) {
		struct drm_vlr_stats s;
		int ret = __vlr_get_stats(f->fd, ids[i], 0, &s);

		out[ret || s.queue_state > 3 ? FZ_STATE_GONE : s.queue_state]++;
	}
}

static int op_syncobj_destroy(struct fz_thread *t, struct fz_file *f)
{
	struct drm_syncobj_destroy a = {0};
	unsigned int i;

	pthread_mutex_lock(&f->mu);
	if (!f->nsync) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	i = fz_below(t, f->nsync);
	a.handle = f->sync[i];
	DEL(f->sync, f->nsync, i);
	pthread_mutex_unlock(&f->mu);
	note(t, "handle=%u", a.handle);
	fz_ioctl(t, f, OP_SYNCOBJ_DESTROY, DRM_IOCTL_SYNCOBJ_DESTROY, &a, sizeof(a),
		 fl_syncobj_destroy);
	return 0;
}

static int op_syncobj_create(struct fz_thread *t, struct fz_file *f)
{
	struct drm_syncobj_create a = {.flags = fz_chance(t, 50) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0};

	if (f->nsync >= FZ_MAX_SYNC)
		return op_syncobj_destroy(t, f);
	note(t, "flags=%#x", a.flags);
	if (fz_ioctl(t, f, OP_SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_CREATE, &a, sizeof(a),
		     fl_syncobj_create))
		return 0;
	pthread_mutex_lock(&f->mu);
	if (f->nsync < FZ_MAX_SYNC)
		f->sync[f->nsync++] = a.handle;
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static int op_syncobj_wait(struct fz_thread *t, struct fz_file *f)
{
	static const uint32_t flags[] = {
	    0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT};
	uint32_t h[3];
	struct drm_syncobj_wait a = {0};
	unsigned int n;

	pthread_mutex_lock(&f->mu);
	if (!f->nsync) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	n = 1 + fz_below(t, 3);
	for (unsigned int i = 0; i < n; i++)
		h[i] = f->sync[fz_below(t, f->nsync)];
	pthread_mutex_unlock(&f->mu);
	a.handles = (uintptr_t)h;
	a.count_handles = n;
	a.flags = flags[fz_below(t, 4)];
	a.timeout_nsec = fz_now_ns() + fz_below(t, 10000000);
	note(t, "n=%u h0=%u flags=%#x", n, h[0], a.flags);
	if (t->garbage && fz_chance(t, 30))
		a.count_handles = 1000; /* past the array: -EFAULT or -ENOENT */
	fz_ioctl(t, f, OP_SYNCOBJ_WAIT, DRM_IOCTL_SYNCOBJ_WAIT, &a, sizeof(a), fl_syncobj_wait);
	return 0;
}

static int op_prime_export(struct fz_thread *t, struct fz_file *f)
{
	struct fz_bo c[FZ_MAX_BO], bo;
	struct drm_prime_handle a = {.flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1};
	struct fz_proc *p = t->p;
	unsigned int n = 0;
	int ret;

	pthread_mutex_lock(&f->mu);
	for (unsigned int i = 0; i < f->nbo; i++)
		if (!f->bo[i].vm || fz_chance(t, 10)) /* VM-private: -EPERM */
			c[n++] = f->bo[i];
	pthread_mutex_unlock(&f->mu);
	if (!n)
		return FZ_SKIP;
	bo = c[fz_below(t, n)];
	a.handle = bo.handle;
	note(t, "handle=%u vm=%u", bo.handle, bo.vm);
	ret = fz_ioctl(t, f, OP_PRIME_EXPORT, DRM_IOCTL_PRIME_HANDLE_TO_FD, &a, sizeof(a),
		       fl_prime_export);
	if (ret)
		return 0;
	pthread_mutex_lock(&p->dmu);
	if (p->ndmabuf == FZ_MAX_DMABUF) {
		unsigned int i = fz_below(t, p->ndmabuf);

		close(p->dmabuf[i].fd);
		p->dmabuf[i] = p->dmabuf[--p->ndmabuf];
	}
	p->dmabuf[p->ndmabuf].fd = a.fd;
	p->dmabuf[p->ndmabuf++].size = bo.size;
	pthread_mutex_unlock(&p->dmu);
	return 0;
}

static int op_prime_import(struct fz_thread *t, struct fz_file *f)
{
	struct drm_prime_handle a = {0};
	struct fz_proc *p = t->p;
	uint64_t size;
	int ret;

	/* The lock keeps the fd from being closed and reused under the call. */
	pthread_mutex_lock(&p->dmu);
	if (!p->ndmabuf) {
		pthread_mutex_unlock(&p->dmu);
		return FZ_SKIP;
	}
	unsigned int i = fz_below(t, p->ndmabuf);

	a.fd = p->dmabuf[i].fd;
	size = p->dmabuf[i].size;
	note(t, "fd=%d", a.fd);
	if (t->garbage) {
		a.fd = fz_chance(t, 50) ? -1 : f->fd; /* not a dma-buf */
		strcat(t->note, " !fd");
	}
	ret = fz_ioctl(t, f, OP_PRIME_IMPORT, DRM_IOCTL_PRIME_FD_TO_HANDLE, &a, sizeof(a), NULL);
	pthread_mutex_unlock(&p->dmu);
	if (ret)
		return 0;
	/* Importing into the exporter's file gives back the existing handle. */
	pthread_mutex_lock(&f->mu);
	bool known = false;

	for (unsigned int k = 0; k < f->nbo; k++)
		known |= f->bo[k].handle == a.handle;
	if (!known && f->nbo < FZ_MAX_BO)
		f->bo[f->nbo++] = (struct fz_bo){a.handle, 0, 0, size, true};
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static int op_dmabuf_close(struct fz_thread *t, struct fz_file *f)
{
	struct fz_proc *p = t->p;
	unsigned int i;
	int fd;

	(void)f; /* thread- or process-wide, not per file */

	pthread_mutex_lock(&p->dmu);
	if (!p->ndmabuf) {
		pthread_mutex_unlock(&p->dmu);
		return FZ_SKIP;
	}
	i = fz_below(t, p->ndmabuf);
	fd = p->dmabuf[i].fd;
	p->dmabuf[i] = p->dmabuf[--p->ndmabuf];
	fz_begin(t, OP_DMABUF_CLOSE);
	fz_record(t, OP_DMABUF_CLOSE, close(fd) ? -errno : 0, "fd=%d", fd);
	pthread_mutex_unlock(&p->dmu);
	return 0;
}

/*
 * The data invariant: FILL a fresh BO in a VM through a queue, wait for the
 * job's user fence (in the same BO, past the filled range), then read the
 * whole BO back through mmap: the range holds the value, the rest the
 * pattern the CPU wrote before. A second WAIT_UFENCE on the completed fence
 * must return 0 at once (or -EIO/-ENOENT when the VM went away meanwhile).
 */
static int op_fill_verify(struct fz_thread *t, struct fz_file *f)
{
	uint32_t vm, queue = 0, handle, qflags = 0, bo_flags, bo_vm, value, *buf = NULL;
	uint64_t size, addr, off, len, fence_off, seq;
	bool own_queue, dma;
	void *map = NULL;
	int ret, sig;

	t->garbage = false;
	pthread_mutex_lock(&f->mu);
	if (!f->nvm) {
		pthread_mutex_unlock(&f->mu);
		return FZ_SKIP;
	}
	struct fz_vm *v = &f->vm[fz_below(t, f->nvm)];
	vm = v->id;
	dma = v->dma;
	/*
	 * Keep the VM and a borrowed queue alive until the check is done:
	 * ids are reused, so after another thread destroyed them a new VM or
	 * queue of another thread could answer to the same id, and the FILL
	 * would land there (seen as "FILL missing, yet WAIT_UFENCE saw the
	 * fence" before the pins).
	 */
	v->pins++;
	own_queue = fz_chance(t, 50);
	if (!own_queue) {
		struct fz_queue *c[FZ_MAX_QUEUE];
		unsigned int n = 0;

		for (unsigned int i = 0; i < f->nq; i++)
			if (f->q[i].vm == vm && !f->q[i].stop)
				c[n++] = &f->q[i];
		if (n) {
			struct fz_queue *q = c[fz_below(t, n)];

			queue = q->id;
			q->pins++;
		} else {
			own_queue = true;
		}
	}
	pthread_mutex_unlock(&f->mu);

	if (own_queue) {
		qflags = fz_chance(t, 30) ? DRM_VLR_QUEUE_CREATE_SHARED_SCHED : 0;
		if (queue_create(t, f, vm, qflags, &queue)) {
			queue = 0;
			goto out_queue;
		}
	}
	bo_flags = fz_chance(t, 50) ? DRM_VLR_GEM_CREATE_SYSTEM : 0;
	size = (2 + fz_below(t, 15)) * PAGE;
	if (fz_chance(t, 10) && fz_opts.max_bo_size >= (2ull << 20))
		size = (1ull << 20) + fz_below(t, 256) * PAGE;
	bo_vm = fz_chance(t, 50) ? vm : 0;
	if (gem_create(t, f, size, bo_flags, bo_vm, &handle))
		goto out_queue;
	addr = va_reserve(f, vm, size);
	if (!addr || bind(t, f, vm, DRM_VLR_VM_BIND_OP_MAP, handle, 0, addr, size))
		goto out_bo;
	map = bo_mmap(t, f, handle, size, false);
	buf = malloc(size);
	if (!map || !buf)
		goto out_unbind;

	/* Pattern everywhere, fence zero, then FILL a range before the fence page. */
	for (uint64_t i = 0; i < size / 4; i++)
		buf[i] = 0xa5a50000u ^ (uint32_t)i;
	fence_off = size - 8;
	buf[fence_off / 4] = buf[fence_off / 4 + 1] = 0;
	fz_begin(t, OP_MEM_RW);
	sig = mem_copy(map, buf, size, true);
	fz_record(t, OP_MEM_RW, sig ? -EFAULT : 0, "write pattern h=%u len=%#llx", handle,
		  (unsigned long long)size);
	if (sig)
		goto out_unbind;
	off = fz_below(t, (size - PAGE) / 4) * 4;
	len = 4 * (1 + fz_below(t, (size - PAGE - off) / 4));
	value = (uint32_t)fz_rand(t);
	seq = fz_rand(t) | 1;

	struct drm_vlr_exec e = {.queue_id = queue,
				 .program = DRM_VLR_PROG_FILL,
				 .dst = addr + off,
				 .len = len,
				 .value = value,
				 .ufence_addr = addr + fence_off,
				 .ufence_value = seq};
	note(t, "verify q=%u FILL dst=%#llx len=%#llx val=%#x uf=%#llx", queue,
	     (unsigned long long)e.dst, (unsigned long long)len, value,
	     (unsigned long long)e.ufence_addr);
	if (fz_ioctl(t, f, OP_EXEC, DRM_IOCTL_VLR_EXEC, &e, sizeof(e), fl_exec))
		goto out_unbind;

	struct drm_vlr_wait_ufence w = {.vm_id = vm,
					.op = DRM_VLR_UFENCE_OP_EQ,
					.queue_id = queue,
					.addr = addr + fence_off,
					.value = seq,
					.mask = ~0ull,
					.timeout_ns = 10000000000ll};
	ret = wait_ufence(t, f, &w, fl_wait);
	fz_begin(t, OP_FILL_VERIFY);
	if (ret == -ETIME) {
		__atomic_fetch_add(&fz_shm->verify_timeout, 1, __ATOMIC_RELAXED);
		fz_record(t, OP_FILL_VERIFY, ret, "q=%u %s vm=%u: no fence in 10 s", queue,
			  dma ? "dma" : "lr", vm);
		goto out_unbind;
	}
	if (ret) { /* banned, VM or queue destroyed by another thread */
		__atomic_fetch_add(&fz_shm->verify_lost, 1, __ATOMIC_RELAXED);
		fz_record(t, OP_FILL_VERIFY, ret, "q=%u vm=%u: job lost", queue, vm);
		goto out_unbind;
	}
	sig = mem_copy(map, buf, size, false);
	if (sig) {
		fz_record(t, OP_FILL_VERIFY, -EFAULT, "read back h=%u: signal %d", handle, sig);
		if (sig == SIGBUS)
			__atomic_fetch_add(&fz_shm->mem_faults, 1, __ATOMIC_RELAXED);
		else
			fz_fail(t, "SIGSEGV reading back a live BO mapping");
		goto out_unbind;
	}
	uint64_t fence = (uint64_t)buf[fence_off / 4] | (uint64_t)buf[fence_off / 4 + 1] << 32;
	uint64_t bad = 0, first = 0;

	for (uint64_t i = 0; i < fence_off / 4; i++) {
		uint32_t want =
		    i >= off / 4 && i < (off + len) / 4 ? value : 0xa5a50000u ^ (uint32_t)i;

		if (buf[i] != want && !bad++)
			first = i;
	}
	fz_record(t, OP_FILL_VERIFY, (int)bad, "q=%u %s vm=%u h=%u %s: %llu bad", queue,
		  dma ? "dma" : "lr", vm, handle, bo_flags ? "sys" : "vram",
		  (unsigned long long)bad);
	if (bad || fence != seq) {
		/*
		 * Tell a stale CPU mapping from data the engine wrote elsewhere:
		 * read the BO again through a mapping made now.
		 */
		void *fresh = bo_mmap(t, f, handle, size, false);
		uint32_t *buf2 = malloc(size);
		uint64_t bad2 = 0;

		if (fresh && buf2 && !mem_copy(fresh, buf2, size, false)) {
			for (uint64_t i = 0; i < fence_off / 4; i++)
				if (buf2[i] != (i >= off / 4 && i < (off + len) / 4
						    ? value
						    : 0xa5a50000u ^ (uint32_t)i))
					bad2++;
			fz_fail(t,
				"a mapping made after the mismatch sees %llu bad words and fence "
				"%#llx (the first mapping: %llu bad, fence %#llx)",
				(unsigned long long)bad2,
				(unsigned long long)((uint64_t)buf2[fence_off / 4] |
						     (uint64_t)buf2[fence_off / 4 + 1] << 32),
				(unsigned long long)bad, (unsigned long long)fence);
		}
		if (fresh)
			munmap(fresh, size);
		free(buf2);
	}
	if (fence != seq)
		fz_fail(t, "WAIT_UFENCE returned 0 but the fence holds %#llx, not %#llx",
			(unsigned long long)fence, (unsigned long long)seq);
	if (bad)
		fz_fail(t,
			"FILL %#x of [%#llx, +%#llx) in a %s BO: %llu of %llu words wrong, first "
			"at word %llu: %#x",
			value, (unsigned long long)off, (unsigned long long)len,
			bo_flags ? "system" : "VRAM", (unsigned long long)bad,
			(unsigned long long)(fence_off / 4), (unsigned long long)first, buf[first]);
	__atomic_fetch_add(&fz_shm->verify_ok, 1, __ATOMIC_RELAXED);

	/* Without queue_id: the queue may be gone and its id reused elsewhere. */
	w.timeout_ns = 0;
	w.queue_id = 0;
	ret = wait_ufence(t, f, &w, fl_wait);
	/*
	 * A poll may time out while the fence's BO is being moved (the
	 * kernel bounds its wait for the move by the timeout): then a wait
	 * with time to spare must see the value.
	 */
	if (ret == -ETIME) {
		w.timeout_ns = 5000000000ll;
		ret = wait_ufence(t, f, &w, fl_wait);
	}
	__atomic_fetch_add(&fz_shm->ufence_rechecks, 1, __ATOMIC_RELAXED);
	if (ret && ret != -EIO && ret != -ENOENT)
		fz_fail(t, "WAIT_UFENCE on a completed job's fence returned %s", strerror(-ret));

	/* The BO, mapping and queue join the tables as fuzz objects. */
	pthread_mutex_lock(&f->mu);
	if (vm_find(f, vm) && f->nmap < FZ_MAX_MAP && f->nbo < FZ_MAX_BO) {
		f->map[f->nmap++] = (struct fz_map){vm, handle, addr, size};
		f->bo[f->nbo++] = (struct fz_bo){handle, bo_flags, bo_vm, size, false};
		handle = 0;
		addr = 0;
	}
	pthread_mutex_unlock(&f->mu);
out_unbind:
	if (addr)
		bind(t, f, vm, DRM_VLR_VM_BIND_OP_UNMAP, 0, 0, addr, size);
out_bo:
	if (map)
		munmap(map, size);
	free(buf);
	if (handle && !gem_close(t, f, handle))
		charge(t, -(int64_t)size);
out_queue:
	if (own_queue && queue) {
		if (fz_chance(t, 50))
			queue_add(f, queue, vm, qflags);
		else
			queue_destroy(t, f, queue);
	}
	pthread_mutex_lock(&f->mu);
	if ((v = vm_find(f, vm)))
		v->pins--;
	if (!own_queue) {
		struct fz_queue *q = queue_find(f, queue);

		if (q)
			q->pins--;
	}
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/*
 * Close a file with whatever it has in flight, then open a fresh one in its
 * place. Takes the file's lock for writing: no other thread is inside a
 * call on it (their GPU work, not their ioctls, is what stays in flight).
 */
static int op_file_close(struct fz_thread *t, struct fz_file *f)
{
	uint32_t st[FZ_NSTATE];
	int fd, ret;

	pthread_rwlock_wrlock(&f->rw);
	if (f->fd < 0) {
		pthread_rwlock_unlock(&f->rw);
		return FZ_SKIP;
	}
	census(t, f, st);
	for (unsigned int s = 0; s < FZ_NSTATE; s++)
		__atomic_fetch_add(&fz_shm->closes_by_state[s], st[s], __ATOMIC_RELAXED);
	pthread_mutex_lock(&f->mu);
	fz_file_reset(f);
	pthread_mutex_unlock(&f->mu);
	fz_begin(t, OP_FILE_CLOSE);
	ret = close(f->fd) ? -errno : 0;
	fd = vlr_open_render();
	fz_record(t, OP_FILE_CLOSE, ret,
		  "file %u fd %d (queues idle %u run %u preempted %u banned %u) -> fd %d", f->idx,
		  f->fd, st[0], st[1], st[2], st[3], fd);
	f->fd = fd;
	pthread_rwlock_unlock(&f->rw);
	if (ret)
		fz_fail(t, "close of a render node fd: %s", strerror(-ret));
	return 0;
}

/* Names are the CLI/JSON keys (--list). Weights are relative. */
const struct fz_op fz_ops[] = {
    [OP_GET_INFO] = {"get-info", 2, op_get_info, false},
    [OP_GEM_CREATE] = {"gem-create", 10, op_gem_create, false},
    [OP_GEM_CLOSE] = {"gem-close", 4, op_gem_close, false},
    [OP_MMAP_OFFSET] = {"gem-mmap-offset", 2, op_mmap_offset, false},
    [OP_MMAP] = {"mmap", 4, op_mmap, false},
    [OP_MUNMAP] = {"munmap", 2, op_munmap, false},
    [OP_MEM_RW] = {"mem-rw", 5, op_mem_rw, false},
    [OP_VM_CREATE] = {"vm-create", 4, op_vm_create, false},
    [OP_VM_DESTROY] = {"vm-destroy", 1, op_vm_destroy, false},
    [OP_BIND] = {"vm-bind-map", 10, op_bind, false},
    [OP_UNBIND] = {"vm-bind-unmap", 4, op_unbind, false},
    [OP_QUEUE_CREATE] = {"queue-create", 5, op_queue_create, false},
    [OP_QUEUE_DESTROY] = {"queue-destroy", 2, op_queue_destroy, false},
    [OP_EXEC] = {"exec", 14, op_exec, false},
    [OP_STREAM_STOP] = {"stream-stop", 2, op_stream_stop, false},
    [OP_WAIT_UFENCE] = {"wait-ufence", 6, op_wait_ufence, false},
    [OP_SET_MODE] = {"set-mode", 1, op_set_mode, false},
    [OP_GET_STATS] = {"get-stats", 3, op_get_stats, false},
    [OP_CENSUS] = {"census", 1, op_census, false},
    [OP_SYNCOBJ_CREATE] = {"syncobj-create", 2, op_syncobj_create, false},
    [OP_SYNCOBJ_DESTROY] = {"syncobj-destroy", 1, op_syncobj_destroy, false},
    [OP_SYNCOBJ_WAIT] = {"syncobj-wait", 2, op_syncobj_wait, false},
    [OP_PRIME_EXPORT] = {"prime-export", 2, op_prime_export, false},
    [OP_PRIME_IMPORT] = {"prime-import", 2, op_prime_import, false},
    [OP_DMABUF_CLOSE] = {"dmabuf-close", 1, op_dmabuf_close, false},
    [OP_CTL_CREATE] = {"ctl-create", 3, op_ctl_create, false},
    [OP_FILL_VERIFY] = {"fill-verify", 3, op_fill_verify, false},
    /* weight 0: drawn by fz_opts.close_permille instead */
    [OP_FILE_CLOSE] = {"file-close", 0, op_file_close, true},
};
const unsigned int fz_nops = OP_COUNT;
