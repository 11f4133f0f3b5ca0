/* SPDX-License-Identifier: MIT */
/*
 * vlr-fuzz: a structure-aware fuzzer of the vlr uAPI (vlr_drm.h). This
 * header holds what the supervisor (vlr-fuzz.c) and the ops (fuzz-ops.c)
 * share: the per-file object tables, the thread context, the table of ops
 * and the shared-memory record every process writes its calls into, so the
 * supervisor can print the last calls of every thread of every process even
 * when one of them hangs in the kernel.
 */
#ifndef VLR_FUZZ_H
#define VLR_FUZZ_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlr_drm.h"

#define FZ_MAX_PROCS   16
#define FZ_MAX_THREADS 16
#define FZ_MAX_FILES   4
#define FZ_RING	       32  /* calls remembered per thread */
#define FZ_NERR	       134 /* errno values counted (Linux has < 134) */
#define FZ_NSTATE      5   /* DRM_VLR_QUEUE_STATE_* + "gone" */
#define FZ_STATE_GONE  4

#define FZ_MAX_BO     128
#define FZ_MAX_VM     12
#define FZ_MAX_MAP    192
#define FZ_MAX_QUEUE  24
#define FZ_MAX_CTL    24
#define FZ_MAX_SYNC   24
#define FZ_MAX_DMABUF 16
#define FZ_MAX_MMAP   16

/* Return of an op that found nothing to work on: the thread picks another. */
#define FZ_SKIP 1

/* ---- options (vlr-fuzz.c parses them from a table) ---- */
struct fz_opts {
	uint64_t seed;
	uint64_t calls;	      /* per thread slot, 0: unlimited */
	double time_s;	      /* 0: unlimited */
	unsigned int threads; /* per process */
	unsigned int procs;
	unsigned int files;	     /* open files per process */
	uint64_t max_bo_size;	     /* bytes */
	uint64_t max_total;	     /* bytes of BOs a process holds at most */
	unsigned int garbage_pct;    /* share of calls with one mutated argument */
	unsigned int kill_pct;	     /* share of process lives ended by SIGKILL */
	unsigned int close_permille; /* file closes per 1000 calls */
	double hang_s;		     /* an ioctl not back after this: failure */
	double reap_s;		     /* a child exiting longer than this: failure */
	double wait_slack_s;	     /* WAIT_UFENCE may overrun its timeout by this */
	uint64_t leak_limit;	     /* bytes of MemAvailable that may stay gone after the run */
	int mode;		     /* -1 both, else DRM_VLR_MODE_* */
	const char *json;
	bool verbose;
};
extern struct fz_opts fz_opts;

/* ---- one call as remembered in a thread's ring ---- */
struct fz_call {
	uint64_t t_ns;
	uint16_t op;
	uint8_t garbage; /* 1 when one argument was mutated */
	uint8_t file;
	int32_t ret; /* 0, -errno, or a count for non-ioctl calls */
	char args[84];
};

struct fz_thread_shm {
	volatile int tid;
	volatile uint32_t gen;
	volatile uint64_t cur_start_ns; /* the call in progress, 0 when none */
	volatile uint16_t cur_op;
	volatile uint64_t ncalls; /* every generation of this slot */
	volatile uint32_t ring_pos;
	uint64_t sub_seed;
	struct fz_call ring[FZ_RING];
};

struct fz_proc_shm {
	volatile int pid;
	volatile uint32_t gen;
	volatile uint32_t census[FZ_NSTATE]; /* queue states last observed */
	volatile int64_t bo_bytes;	     /* BO bytes this process created */
};

/* Counters of the whole run (all processes); updated with atomics. */
struct fz_shm {
	volatile int stop;
	volatile int failed;
	uint64_t calls[64];
	uint64_t errs[64][FZ_NERR];
	uint64_t garbage[64];
	uint64_t garbage_ok[64];     /* mutated calls the kernel accepted */
	uint64_t garbage_efault[64]; /* bad-pointer calls answered otherwise than -EFAULT */
	uint64_t kills_by_state[FZ_NSTATE];
	uint64_t exits_by_state[FZ_NSTATE];
	uint64_t closes_by_state[FZ_NSTATE];
	uint64_t verify_ok, verify_timeout, verify_lost, ufence_rechecks;
	uint64_t mem_faults; /* SIGBUS on a BO mapping */
	uint64_t oom_skips;  /* BO creations refused by the per-process cap */
	uint64_t max_wait_overrun_ns;
	char fail_msg[1024];
	struct fz_proc_shm proc[FZ_MAX_PROCS];
	struct fz_thread_shm thr[FZ_MAX_PROCS][FZ_MAX_THREADS];
};
extern struct fz_shm *fz_shm;

/* ---- per-file object tables (shared by the threads of a process) ---- */
struct fz_bo {
	uint32_t handle, flags, vm; /* vm: 0 external, else the VM it is private to */
	uint64_t size;
	bool imported;
};
struct fz_vm {
	uint32_t id;
	bool dma; /* DRM_VLR_VM_CREATE_DMA_FENCE */
	uint64_t next_addr;
	unsigned int pins; /* ops that need it alive: VM_DESTROY leaves it alone */
};
struct fz_map {
	uint32_t vm, handle;
	uint64_t addr, range;
};
struct fz_queue {
	uint32_t id, vm, flags;
	bool dma;
	volatile uint32_t *stop; /* a running STREAM's stop flag (in a ctl page), or NULL */
	unsigned int pins;	 /* ops that need it alive: QUEUE_DESTROY leaves it alone */
};
/* A control page: a 4 KiB system BO bound in a VM and mapped by the CPU, for
 * user fences, STREAM progress counters and stop flags. */
struct fz_ctl {
	uint32_t vm, handle;
	uint64_t addr;
	volatile uint64_t *cpu;
	uint32_t next;	    /* next u64 slot handed out */
	uint64_t expect[8]; /* recent (slot << 48 | value) user fences */
};

struct fz_file {
	int fd;
	unsigned int idx;
	pthread_rwlock_t rw; /* read: a call on fd; write: close and reopen */
	pthread_mutex_t mu;  /* the tables below */
	unsigned int nbo, nvm, nmap, nq, nctl, nsync;
	struct fz_bo bo[FZ_MAX_BO];
	struct fz_vm vm[FZ_MAX_VM];
	struct fz_map map[FZ_MAX_MAP];
	struct fz_queue q[FZ_MAX_QUEUE];
	struct fz_ctl ctl[FZ_MAX_CTL];
	uint32_t sync[FZ_MAX_SYNC];
};

struct fz_proc {
	unsigned int slot, gen;
	unsigned int nfiles;
	struct fz_file file[FZ_MAX_FILES];
	pthread_mutex_t dmu; /* dmabufs */
	unsigned int ndmabuf;
	struct {
		int fd;
		uint64_t size;
	} dmabuf[FZ_MAX_DMABUF];
	int mode; /* the mode valid SET_MODE calls ask for */
};

struct fz_mmap {
	void *ptr;
	uint64_t size;
	uint32_t pattern; /* 0: unknown contents */
};

struct fz_thread {
	struct fz_proc *p;
	unsigned int idx;
	uint64_t rng;
	struct fz_thread_shm *shm;
	bool garbage;	 /* this call mutates one argument */
	bool mutated;	 /* the ioctl being recorded was mutated */
	uint64_t budget; /* ops left in this process's life */
	uint64_t limit;	 /* stop when the slot's recorded calls reach this (--calls) */
	unsigned int nmmap;
	struct fz_mmap mmap[FZ_MAX_MMAP];
	char note[84]; /* arguments of the call being made */
	uint32_t fidx;
};

/* ---- ops ---- */
struct fz_op {
	const char *name;
	unsigned int weight;
	int (*fn)(struct fz_thread *t, struct fz_file *f);
	bool own_lock; /* the op takes the file lock itself (file close) */
};
extern const struct fz_op fz_ops[];
extern const unsigned int fz_nops;

/* ---- helpers (vlr-fuzz.c) ---- */
uint64_t fz_rand(struct fz_thread *t);
uint64_t fz_below(struct fz_thread *t, uint64_t n); /* [0, n) */
bool fz_chance(struct fz_thread *t, unsigned int pct);
uint64_t fz_now_ns(void);
void fz_fail(struct fz_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The ioctl every op goes through: records the call in the ring, times it
 * for the watchdog, applies the garbage mutation when t->garbage (fields
 * described in fuzz-ops.c), counts the result. Returns 0 or -errno.
 */
struct fz_field;
int fz_ioctl(struct fz_thread *t, struct fz_file *f, unsigned int op, unsigned long req, void *arg,
	     size_t size, const struct fz_field *fields);
/* Record a call that is not an ioctl (mmap, memory access, stop flag). */
void fz_record(struct fz_thread *t, unsigned int op, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void fz_begin(struct fz_thread *t, unsigned int op);
void fz_end(struct fz_thread *t, unsigned int op, int ret);

/* fuzz-ops.c */
void fz_file_reset(struct fz_file *f);
void fz_file_census(struct fz_file *f, uint32_t census[FZ_NSTATE]);
int fz_op_index(const char *name);

#endif
