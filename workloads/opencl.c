/* SPDX-License-Identifier: MIT */
/*
 * opencl backend: never-ending compute job and memory pressure through the
 * OpenCL ICD loader. See workloads/README.md for the contract, the device
 * selection rules, the kernels and their verification math.
 */
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <CL/cl_ext.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend.h"
#include "opencl-kernels.h"

#define NAME		     "opencl"
#define DEFAULT_WG_SIZE	     256
#define ELEMS_PER_ITEM	     64 /* elements one work-item transforms per chunk */
#define DEFAULT_TIMEOUT_S    60
#define PROBE_BYTES	     (256u << 10)
#define VERIFY_BLOCK_ELEMS   (4u << 20)
#define MIN_JOB_BYTES	     4096u
#define PRESSURE_MAX_BUFFERS 4096

enum ctrl_mode {
	MODE_SVM,	 /* fine-grain buffer SVM with SVM atomics */
	MODE_HOSTPTR,	 /* zero-copy host buffer, mapped once */
	MODE_SVM_COARSE, /* coarse-grain SVM read by the host while the kernel runs */
};

static const char *const mode_names[] = {
    [MODE_SVM] = "svm",
    [MODE_HOSTPTR] = "hostptr",
    [MODE_SVM_COARSE] = "svm-coarse",
};

static const char *const mode_help[] = {
    [MODE_SVM] = "fine-grain SVM + atomics",
    [MODE_HOSTPTR] = "zero-copy host buffer, volatile",
    [MODE_SVM_COARSE] = "coarse-grain SVM read while running, volatile",
};

struct lr_dev {
	cl_platform_id platform;
	cl_device_id device;
	cl_context ctx;
	cl_command_queue pq; /* pressure queue, separate from every job's queue */
	cl_program prog;     /* built lazily, under lock */
	cl_kernel touch;     /* pressure kernel; args set under lock */
	pthread_mutex_t lock;
	unsigned pidx, didx;
	enum ctrl_mode mode;
	bool mode_forced;
	bool contiguous; /* work-item element layout, see opencl-kernels.h */
	int probe;	 /* 0 not yet, 1 passed, LR_ERR/LR_SKIP failed (message in probe_err) */
	char probe_err[LR_ERRLEN];
	cl_device_svm_capabilities svm_caps;
	cl_device_type type;
	uint32_t cus;
	uint64_t gmem, max_alloc;
	size_t max_wg;
	double timeout_s;
	/* Compute units held by running persistent jobs. A CPU device runs one
	 * work-group per CU to completion, so a kernel queued behind CUs that
	 * are all held never starts. */
	atomic_uint busy_cus;
	char pname[128], dname[128], vendor[128], dversion[128], drvversion[64];
};

struct lr_job {
	struct lr_dev *dev;
	enum ctrl_mode mode;
	cl_command_queue q;
	cl_kernel k;
	cl_mem buf;
	cl_mem ctrl_mem;	 /* MODE_HOSTPTR: the buffer behind ctrl */
	volatile uint32_t *ctrl; /* SVM pointer or mapped host pointer */
	size_t ctrl_bytes;
	cl_event run;
	uint64_t n, chunk;
	uint32_t groups, wgs, seed;
	_Atomic uint64_t *seen; /* per group: chunk count extended to 64 bits */
	cl_mem final;		/* per group: final chunk count (ordinary buffer) */
	atomic_bool stopped;	/* final counters are in seen[] */
	bool wedged, counted;
};

struct lr_pbuf {
	struct lr_dev *dev;
	unsigned nbufs;
	cl_mem bufs[PRESSURE_MAX_BUFFERS];
	uint64_t elems[PRESSURE_MAX_BUFFERS];
	uint64_t bytes;
};

/* ---- helpers ---------------------------------------------------------- */

static const char *clerr(cl_int e)
{
	switch (e) {
#define E(x)                                                                                       \
	case x:                                                                                    \
		return #x
		E(CL_SUCCESS);
		E(CL_DEVICE_NOT_FOUND);
		E(CL_DEVICE_NOT_AVAILABLE);
		E(CL_COMPILER_NOT_AVAILABLE);
		E(CL_MEM_OBJECT_ALLOCATION_FAILURE);
		E(CL_OUT_OF_RESOURCES);
		E(CL_OUT_OF_HOST_MEMORY);
		E(CL_PROFILING_INFO_NOT_AVAILABLE);
		E(CL_MEM_COPY_OVERLAP);
		E(CL_BUILD_PROGRAM_FAILURE);
		E(CL_MAP_FAILURE);
		E(CL_MISALIGNED_SUB_BUFFER_OFFSET);
		E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
		E(CL_INVALID_VALUE);
		E(CL_INVALID_DEVICE_TYPE);
		E(CL_INVALID_PLATFORM);
		E(CL_INVALID_DEVICE);
		E(CL_INVALID_CONTEXT);
		E(CL_INVALID_QUEUE_PROPERTIES);
		E(CL_INVALID_COMMAND_QUEUE);
		E(CL_INVALID_HOST_PTR);
		E(CL_INVALID_MEM_OBJECT);
		E(CL_INVALID_BUFFER_SIZE);
		E(CL_INVALID_BINARY);
		E(CL_INVALID_BUILD_OPTIONS);
		E(CL_INVALID_PROGRAM);
		E(CL_INVALID_PROGRAM_EXECUTABLE);
		E(CL_INVALID_KERNEL_NAME);
		E(CL_INVALID_KERNEL);
		E(CL_INVALID_ARG_INDEX);
		E(CL_INVALID_ARG_VALUE);
		E(CL_INVALID_ARG_SIZE);
		E(CL_INVALID_KERNEL_ARGS);
		E(CL_INVALID_WORK_DIMENSION);
		E(CL_INVALID_WORK_GROUP_SIZE);
		E(CL_INVALID_WORK_ITEM_SIZE);
		E(CL_INVALID_GLOBAL_OFFSET);
		E(CL_INVALID_EVENT_WAIT_LIST);
		E(CL_INVALID_EVENT);
		E(CL_INVALID_OPERATION);
		E(CL_INVALID_GLOBAL_WORK_SIZE);
		E(CL_INVALID_PROPERTY);
		E(CL_PLATFORM_NOT_FOUND_KHR);
#undef E
	default:
		return "unknown OpenCL error";
	}
}

#define CLFAIL(err, call, rc) lr_fail(err, LR_ERR, NAME ": %s: %s (%d)", call, clerr(rc), (int)(rc))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* snprintf that truncates silently (names and details are best effort). */
static void __attribute__((format(printf, 3, 4))) strfmt(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

static const char *type_name(cl_device_type t)
{
	if (t & CL_DEVICE_TYPE_GPU)
		return "GPU";
	if (t & CL_DEVICE_TYPE_CPU)
		return "CPU";
	if (t & CL_DEVICE_TYPE_ACCELERATOR)
		return "accelerator";
	return "other";
}

static void svm_caps_str(cl_device_svm_capabilities c, char *s, size_t n)
{
	if (!c) {
		snprintf(s, n, "none");
		return;
	}
	snprintf(s, n, "%s%s%s%s", c & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER ? "coarse-buffer" : "",
		 c & CL_DEVICE_SVM_FINE_GRAIN_BUFFER ? "+fine-buffer" : "",
		 c & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM ? "+fine-system" : "",
		 c & CL_DEVICE_SVM_ATOMICS ? "+atomics" : "");
}

static bool svm_usable(cl_device_svm_capabilities c)
{
	return (c & CL_DEVICE_SVM_FINE_GRAIN_BUFFER) && (c & CL_DEVICE_SVM_ATOMICS);
}

/* Waiting for an event with a timeout: an event callback signals a condition
 * variable. The waiter is reference counted because the callback may run
 * after a timed-out caller has returned. */
struct waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
	atomic_int refs;
	bool done;
	cl_int status;
};

static void waiter_put(struct waiter *w)
{
	if (atomic_fetch_sub(&w->refs, 1) == 1) {
		pthread_cond_destroy(&w->c);
		pthread_mutex_destroy(&w->m);
		free(w);
	}
}

static void CL_CALLBACK waiter_cb(cl_event ev, cl_int status, void *data)
{
	struct waiter *w = data;

	pthread_mutex_lock(&w->m);
	w->done = true;
	w->status = status;
	pthread_cond_signal(&w->c);
	pthread_mutex_unlock(&w->m);
	waiter_put(w);
}

/* LR_OK when @ev completed, LR_ERR on error status or after @timeout_s. */
static int wait_event(cl_event ev, double timeout_s, const char *what, struct lr_err *err)
{
	struct waiter *w = calloc(1, sizeof(*w));
	struct timespec dl;
	cl_int rc, status;
	int ret = LR_OK;

	if (!w)
		return lr_fail(err, LR_ERR, NAME ": %s: out of memory", what);
	pthread_mutex_init(&w->m, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w->c, &ca);
		pthread_condattr_destroy(&ca);
	}
	atomic_init(&w->refs, 2);
	rc = clSetEventCallback(ev, CL_COMPLETE, waiter_cb, w);
	if (rc != CL_SUCCESS) {
		atomic_store(&w->refs, 1);
		waiter_put(w);
		return CLFAIL(err, "clSetEventCallback", rc);
	}
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)timeout_s;
	dl.tv_nsec += (long)((timeout_s - (time_t)timeout_s) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->m);
	while (!w->done)
		if (pthread_cond_timedwait(&w->c, &w->m, &dl) == ETIMEDOUT)
			break;
	status = w->status;
	if (!w->done)
		ret = lr_fail(err, LR_ERR, NAME ": %s did not complete within %.0f s", what,
			      timeout_s);
	else if (status < 0)
		ret = lr_fail(err, LR_ERR, NAME ": %s failed on the device: %s (%d)", what,
			      clerr(status), (int)status);
	pthread_mutex_unlock(&w->m);
	waiter_put(w);
	return ret;
}

/* Affine map x -> a*x + c (mod 2^32) and its K-th power. */
struct affine {
	uint32_t a, c;
};

static struct affine affine_pow(uint64_t k)
{
	struct affine r = {1, 0}, b = {LR_LCG_A, LR_LCG_C};

	/* Powers of one map commute, so the order of composition is free. */
	while (k) {
		if (k & 1)
			r = (struct affine){r.a * b.a, r.a * b.c + r.c};
		b = (struct affine){b.a * b.a, b.a * b.c + b.c};
		k >>= 1;
	}
	return r;
}

/* Host copy of the kernel's lr_seed(). */
static uint32_t lr_ocl_seed(uint32_t seed, uint64_t i)
{
	uint32_t x = (uint32_t)i ^ ((uint32_t)(i >> 32) * 0x85ebca6bu);

	x = x * 0x9e3779b9u ^ seed;
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* ---- platforms and devices ------------------------------------------- */

struct devref {
	cl_platform_id p;
	cl_device_id d;
	unsigned pi, di;
};

static int get_info_str(cl_device_id d, cl_device_info what, char *buf, size_t n)
{
	buf[0] = 0;
	if (clGetDeviceInfo(d, what, n, buf, NULL) != CL_SUCCESS)
		snprintf(buf, n, "?");
	buf[n - 1] = 0;
	trim(buf);
	return 0;
}

static void plat_name(cl_platform_id p, char *buf, size_t n)
{
	buf[0] = 0;
	if (clGetPlatformInfo(p, CL_PLATFORM_NAME, n, buf, NULL) != CL_SUCCESS)
		snprintf(buf, n, "?");
	buf[n - 1] = 0;
	trim(buf);
}

static void plat_vendor(cl_platform_id p, char *buf, size_t n)
{
	buf[0] = 0;
	if (clGetPlatformInfo(p, CL_PLATFORM_VENDOR, n, buf, NULL) != CL_SUCCESS)
		snprintf(buf, n, "?");
	buf[n - 1] = 0;
	trim(buf);
}

/* Every device of every platform; LR_SKIP when there is none. */
static int enum_devices(struct devref **out, unsigned *count, struct lr_err *err)
{
	cl_platform_id *plats = NULL;
	struct devref *refs = NULL;
	cl_uint np = 0, total = 0;
	cl_int rc;

	*out = NULL;
	*count = 0;
	rc = clGetPlatformIDs(0, NULL, &np);
	if (rc == CL_PLATFORM_NOT_FOUND_KHR || (rc == CL_SUCCESS && np == 0)) {
		const char *v = getenv("OCL_ICD_VENDORS");

		return lr_fail(err, LR_SKIP,
			       NAME ": no OpenCL platform found (the ICD loader found no vendor "
				    "driver in %s%s; install pocl-opencl-icd or a GPU vendor ICD)",
			       v ? "OCL_ICD_VENDORS=" : "/etc/OpenCL/vendors", v ? v : "");
	}
	if (rc != CL_SUCCESS)
		return CLFAIL(err, "clGetPlatformIDs", rc);
	plats = calloc(np, sizeof(*plats));
	if (!plats)
		return lr_fail(err, LR_ERR, NAME ": out of memory");
	rc = clGetPlatformIDs(np, plats, NULL);
	if (rc != CL_SUCCESS) {
		free(plats);
		return CLFAIL(err, "clGetPlatformIDs", rc);
	}
	for (cl_uint i = 0; i < np; i++) {
		cl_uint nd = 0;
		cl_device_id *devs;
		struct devref *grown;

		if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || !nd)
			continue;
		devs = calloc(nd, sizeof(*devs));
		grown = realloc(refs, (total + nd) * sizeof(*refs));
		if (!devs || !grown) {
			free(devs);
			free(grown ? grown : refs);
			free(plats);
			return lr_fail(err, LR_ERR, NAME ": out of memory");
		}
		refs = grown;
		if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, nd, devs, NULL) == CL_SUCCESS)
			for (cl_uint j = 0; j < nd; j++)
				refs[total++] = (struct devref){plats[i], devs[j], i, j};
		free(devs);
	}
	free(plats);
	if (!total) {
		free(refs);
		return lr_fail(err, LR_SKIP, NAME ": %u OpenCL platform(s) but no device", np);
	}
	*out = refs;
	*count = total;
	return LR_OK;
}

static int opencl_list_devices(FILE *out, struct lr_err *err)
{
	struct devref *refs;
	unsigned n;
	int rc = enum_devices(&refs, &n, err);

	if (rc)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		char dn[128], pn[128], svm[64], dv[128];
		cl_device_type t = 0;
		cl_uint cus = 0;
		cl_ulong gm = 0, ma = 0;
		cl_device_svm_capabilities caps = 0;

		get_info_str(refs[i].d, CL_DEVICE_NAME, dn, sizeof(dn));
		get_info_str(refs[i].d, CL_DEVICE_VERSION, dv, sizeof(dv));
		plat_name(refs[i].p, pn, sizeof(pn));
		clGetDeviceInfo(refs[i].d, CL_DEVICE_TYPE, sizeof(t), &t, NULL);
		clGetDeviceInfo(refs[i].d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(cus), &cus, NULL);
		clGetDeviceInfo(refs[i].d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(gm), &gm, NULL);
		clGetDeviceInfo(refs[i].d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(ma), &ma, NULL);
		if (clGetDeviceInfo(refs[i].d, CL_DEVICE_SVM_CAPABILITIES, sizeof(caps), &caps,
				    NULL) != CL_SUCCESS)
			caps = 0;
		svm_caps_str(caps, svm, sizeof(svm));
		fprintf(out,
			"%u:%u  %s  [%s]  type=%s cus=%u global_mem=%.2fGiB max_alloc=%.2fGiB "
			"svm=%s (%s) version=\"%s\"\n",
			refs[i].pi, refs[i].di, dn, pn, type_name(t), cus, gm / 1073741824.0,
			ma / 1073741824.0, svm, svm_usable(caps) ? "ctrl=svm" : "ctrl=hostptr", dv);
	}
	free(refs);
	return LR_OK;
}

/* Case-insensitive match of @sel against device name/vendor, platform
 * name/vendor. */
static bool name_matches(const struct devref *r, const char *sel)
{
	char s[4][128];

	get_info_str(r->d, CL_DEVICE_NAME, s[0], sizeof(s[0]));
	get_info_str(r->d, CL_DEVICE_VENDOR, s[1], sizeof(s[1]));
	plat_name(r->p, s[2], sizeof(s[2]));
	plat_vendor(r->p, s[3], sizeof(s[3]));
	for (int i = 0; i < 4; i++)
		if (strcasestr(s[i], sel))
			return true;
	return false;
}

/* "P:D" -> true and indices; anything else is a name substring. */
static bool parse_index_sel(const char *sel, unsigned *p, unsigned *d)
{
	char *end;
	unsigned long a, b;

	if (!isdigit((unsigned char)sel[0]))
		return false;
	errno = 0;
	a = strtoul(sel, &end, 10);
	if (*end != ':' || !isdigit((unsigned char)end[1]))
		return false;
	b = strtoul(end + 1, &end, 10);
	if (*end || errno || a > 65535 || b > 65535)
		return false;
	*p = a;
	*d = b;
	return true;
}

static void describe_devices(const struct devref *refs, unsigned n, char *s, size_t len)
{
	size_t off = 0;

	s[0] = 0;
	for (unsigned i = 0; i < n && off + 1 < len; i++) {
		char dn[96];

		get_info_str(refs[i].d, CL_DEVICE_NAME, dn, sizeof(dn));
		off += snprintf(s + off, len - off, "%s%u:%u \"%s\"", i ? ", " : "", refs[i].pi,
				refs[i].di, dn);
	}
}

static int pick_device(const struct devref *refs, unsigned n, const char *sel, const char *from,
		       unsigned *idx, struct lr_err *err)
{
	char have[LR_ERRLEN / 2];
	unsigned p, d;

	if (!sel) {
		/* Default: the first GPU with fine-grain SVM + atomics, else the
		 * first device with them (the job's sure mechanism), else the
		 * first GPU, else 0:0. */
		int best = -1, best_rank = 0;

		for (unsigned i = 0; i < n; i++) {
			cl_device_type t = 0;
			cl_device_svm_capabilities caps = 0;
			int rank;

			clGetDeviceInfo(refs[i].d, CL_DEVICE_TYPE, sizeof(t), &t, NULL);
			if (clGetDeviceInfo(refs[i].d, CL_DEVICE_SVM_CAPABILITIES, sizeof(caps),
					    &caps, NULL) != CL_SUCCESS)
				caps = 0;
			rank = (svm_usable(caps) ? 2 : 0) + (t & CL_DEVICE_TYPE_GPU ? 1 : 0);
			if (best < 0 || rank > best_rank) {
				best = i;
				best_rank = rank;
			}
		}
		*idx = best;
		return LR_OK;
	}
	describe_devices(refs, n, have, sizeof(have));
	if (!*sel)
		return lr_fail(err, LR_ERR,
			       NAME ": empty device selector%s; use P:D or a name substring; "
				    "devices: %s",
			       from, have);
	if (parse_index_sel(sel, &p, &d)) {
		for (unsigned i = 0; i < n; i++)
			if (refs[i].pi == p && refs[i].di == d) {
				*idx = i;
				return LR_OK;
			}
		return lr_fail(err, LR_ERR, NAME ": no device %u:%u%s; devices: %s", p, d, from,
			       have);
	}
	for (unsigned i = 0; i < n; i++)
		if (name_matches(&refs[i], sel)) {
			*idx = i;
			return LR_OK;
		}
	return lr_fail(err, LR_ERR,
		       NAME
		       ": no device matches \"%s\"%s (use P:D or a name substring); devices: %s",
		       sel, from, have);
}

static void opencl_close(struct lr_dev *dev)
{
	if (!dev)
		return;
	if (dev->touch)
		clReleaseKernel(dev->touch);
	if (dev->prog)
		clReleaseProgram(dev->prog);
	if (dev->pq)
		clReleaseCommandQueue(dev->pq);
	if (dev->ctx) {
		cl_uint refs = 0;

		/* Test aid: every buffer, queue, program and kernel holds the
		 * context, so after releasing ours only our own reference may be
		 * left. The count is implementation-defined, hence opt-in. */
		refs = 0;
		for (int i = 0; getenv("LRBENCH_OPENCL_LEAK_CHECK") && i < 200; i++) {
			if (clGetContextInfo(dev->ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof(refs),
					     &refs, NULL) != CL_SUCCESS ||
			    refs == 1)
				break;
			/* Runtimes drop a finished command's references from
			 * their own threads a little later: give them time. */
			sleep_us(10000);
		}
		if (refs > 1) {
			fprintf(stderr,
				NAME ": close: %u reference(s) to the OpenCL context remain: an "
				     "OpenCL object was not released\n",
				refs - 1);
			abort();
		}
		clReleaseContext(dev->ctx);
	}
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static int opencl_open(const char *sel, struct lr_dev **out, struct lr_err *err)
{
	const char *from = "", *mode_env = getenv("LRBENCH_OPENCL_MODE");
	const char *tmo = getenv("LRBENCH_OPENCL_TIMEOUT");
	struct lr_dev *dev;
	struct devref *refs;
	unsigned n, idx = 0;
	cl_int rc;
	int ret;

	*out = NULL;
	if (!sel) {
		sel = getenv("LRBENCH_OPENCL_DEVICE");
		if (sel && !*sel)
			sel = NULL; /* set but empty: as if unset */
		if (sel)
			from = " (from LRBENCH_OPENCL_DEVICE)";
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return lr_fail(err, LR_ERR, NAME ": out of memory");
	pthread_mutex_init(&dev->lock, NULL);
	dev->timeout_s = DEFAULT_TIMEOUT_S;
	if (tmo) {
		char *end;
		double t = strtod(tmo, &end);

		if (end == tmo || *end || !(t >= 1 && t <= 86400)) {
			opencl_close(dev);
			return lr_fail(err, LR_ERR,
				       NAME ": LRBENCH_OPENCL_TIMEOUT=\"%s\": want seconds in "
					    "[1, 86400]",
				       tmo);
		}
		dev->timeout_s = t;
	}
	ret = enum_devices(&refs, &n, err);
	if (ret) {
		opencl_close(dev);
		return ret;
	}
	ret = pick_device(refs, n, sel, from, &idx, err);
	if (ret) {
		free(refs);
		opencl_close(dev);
		return ret;
	}
	dev->platform = refs[idx].p;
	dev->device = refs[idx].d;
	dev->pidx = refs[idx].pi;
	dev->didx = refs[idx].di;
	free(refs);

	get_info_str(dev->device, CL_DEVICE_NAME, dev->dname, sizeof(dev->dname));
	get_info_str(dev->device, CL_DEVICE_VENDOR, dev->vendor, sizeof(dev->vendor));
	get_info_str(dev->device, CL_DEVICE_VERSION, dev->dversion, sizeof(dev->dversion));
	get_info_str(dev->device, CL_DRIVER_VERSION, dev->drvversion, sizeof(dev->drvversion));
	plat_name(dev->platform, dev->pname, sizeof(dev->pname));
	{
		cl_uint cus = 0;
		cl_ulong gm = 0, ma = 0;

		clGetDeviceInfo(dev->device, CL_DEVICE_TYPE, sizeof(dev->type), &dev->type, NULL);
		clGetDeviceInfo(dev->device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(cus), &cus, NULL);
		clGetDeviceInfo(dev->device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(gm), &gm, NULL);
		clGetDeviceInfo(dev->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(ma), &ma, NULL);
		clGetDeviceInfo(dev->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof(dev->max_wg),
				&dev->max_wg, NULL);
		if (clGetDeviceInfo(dev->device, CL_DEVICE_SVM_CAPABILITIES, sizeof(dev->svm_caps),
				    &dev->svm_caps, NULL) != CL_SUCCESS)
			dev->svm_caps = 0; /* OpenCL 1.x device */
		dev->cus = cus ? cus : 1;
		dev->gmem = gm;
		dev->max_alloc = ma;
	}
	{
		/* Test knob: pretend a smaller CL_DEVICE_MAX_MEM_ALLOC_SIZE so the
		 * splitting of pressure buffers is exercised with small sizes. */
		const char *ma = getenv("LRBENCH_OPENCL_MAX_ALLOC");
		char *end;
		unsigned long long v;

		if (ma && *ma) {
			errno = 0;
			v = strtoull(ma, &end, 0);
			if (errno || *end || v < 4096 || v % 4096) {
				opencl_close(dev);
				return lr_fail(err, LR_ERR,
					       NAME ": LRBENCH_OPENCL_MAX_ALLOC=\"%s\": want a "
						    "multiple of 4096 bytes",
					       ma);
			}
			if (!dev->max_alloc || v < dev->max_alloc)
				dev->max_alloc = v;
		}
	}

	dev->mode = svm_usable(dev->svm_caps) ? MODE_SVM : MODE_HOSTPTR;
	if (mode_env && *mode_env) {
		if (!strcmp(mode_env, "svm")) {
			if (!svm_usable(dev->svm_caps)) {
				char caps[64];

				svm_caps_str(dev->svm_caps, caps, sizeof(caps));
				opencl_close(dev);
				return lr_fail(err, LR_SKIP,
					       NAME ": LRBENCH_OPENCL_MODE=svm but %u:%u \"%s\" "
						    "has no fine-grain buffer SVM with atomics "
						    "(svm=%s)",
					       dev->pidx, dev->didx, dev->dname, caps);
			}
			dev->mode = MODE_SVM;
		} else if (!strcmp(mode_env, "hostptr")) {
			dev->mode = MODE_HOSTPTR;
		} else if (!strcmp(mode_env, "svm-coarse")) {
			dev->mode = MODE_SVM_COARSE;
		} else {
			opencl_close(dev);
			return lr_fail(
			    err, LR_ERR,
			    NAME ": LRBENCH_OPENCL_MODE=\"%s\": want svm, svm-coarse or hostptr",
			    mode_env);
		}
		dev->mode_forced = true;
	}

	/* CPUs vectorise a work-item's contiguous run; GPUs coalesce
	 * neighbouring work-items. LRBENCH_OPENCL_LAYOUT overrides (tests). */
	dev->contiguous = dev->type & CL_DEVICE_TYPE_CPU;
	{
		const char *lay = getenv("LRBENCH_OPENCL_LAYOUT");

		if (lay && *lay) {
			if (!strcmp(lay, "contiguous") || !strcmp(lay, "interleaved")) {
				dev->contiguous = lay[0] == 'c';
			} else {
				opencl_close(dev);
				return lr_fail(err, LR_ERR,
					       NAME
					       ": LRBENCH_OPENCL_LAYOUT=\"%s\": want contiguous "
					       "or interleaved",
					       lay);
			}
		}
	}
	{
		cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
						 (cl_context_properties)dev->platform, 0};

		dev->ctx = clCreateContext(props, 1, &dev->device, NULL, NULL, &rc);
		if (!dev->ctx) {
			opencl_close(dev);
			return CLFAIL(err, "clCreateContext", rc);
		}
	}
	dev->pq = clCreateCommandQueueWithProperties(dev->ctx, dev->device, NULL, &rc);
	if (!dev->pq) {
		opencl_close(dev);
		return CLFAIL(err, "clCreateCommandQueueWithProperties (pressure queue)", rc);
	}
	*out = dev;
	return LR_OK;
}

static int opencl_device_info(struct lr_dev *dev, struct lr_device_info *info, struct lr_err *err)
{
	char caps[64];

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", dev->dname);
	snprintf(info->vendor, sizeof(info->vendor), "%s", dev->vendor);
	strfmt(info->version, sizeof(info->version), "%s, driver %s", dev->dversion,
	       dev->drvversion);
	svm_caps_str(dev->svm_caps, caps, sizeof(caps));
	strfmt(info->backend_detail, sizeof(info->backend_detail),
	       "selector=%u:%u platform=\"%s\" type=%s ctrl=%s(%s)%s svm=%s layout=%s", dev->pidx,
	       dev->didx, dev->pname, type_name(dev->type), mode_names[dev->mode],
	       mode_help[dev->mode], dev->mode_forced ? ",forced" : "", caps,
	       dev->contiguous ? "contiguous" : "interleaved");
	info->global_mem_bytes = dev->gmem;
	info->max_alloc_bytes = dev->max_alloc;
	info->compute_units = dev->cus;
	return LR_OK;
}

/* Build the program once per device; @dev->lock must be held. */
static int build_locked(struct lr_dev *dev, struct lr_err *err)
{
	const char *src = lr_ocl_source;
	cl_int rc;

	if (dev->prog)
		return LR_OK;
	dev->prog = clCreateProgramWithSource(dev->ctx, 1, &src, NULL, &rc);
	if (!dev->prog)
		return CLFAIL(err, "clCreateProgramWithSource", rc);
	rc = clBuildProgram(dev->prog, 1, &dev->device,
			    dev->contiguous ? "-cl-std=CL1.2 -DLR_ITEM_CONTIGUOUS=1"
					    : "-cl-std=CL1.2 -DLR_ITEM_CONTIGUOUS=0",
			    NULL, NULL);
	if (rc != CL_SUCCESS) {
		char log[LR_ERRLEN / 2] = "";

		clGetProgramBuildInfo(dev->prog, dev->device, CL_PROGRAM_BUILD_LOG, sizeof(log) - 1,
				      log, NULL);
		trim(log);
		clReleaseProgram(dev->prog);
		dev->prog = NULL;
		return lr_fail(err, LR_ERR, NAME ": clBuildProgram: %s: %s", clerr(rc), log);
	}
	dev->touch = clCreateKernel(dev->prog, "lr_touch", &rc);
	if (!dev->touch) {
		clReleaseProgram(dev->prog);
		dev->prog = NULL;
		return CLFAIL(err, "clCreateKernel(lr_touch)", rc);
	}
	return LR_OK;
}

static int ensure_built(struct lr_dev *dev, struct lr_err *err)
{
	int ret;

	pthread_mutex_lock(&dev->lock);
	ret = build_locked(dev, err);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

/* ---- the never-ending job --------------------------------------------- */

static uint32_t ctrl_read(const struct lr_job *job, size_t word)
{
	return __atomic_load_n(&job->ctrl[word], __ATOMIC_ACQUIRE);
}

/* Extend the group's 32-bit chunk counter to 64 bits. Lock-free and safe
 * against concurrent callers: a stale raw value (behind what another caller
 * already folded in) shows up as a "negative" delta and is ignored. Holds as
 * long as someone reads within 2^31 chunks of a group, which the sampler does
 * many times per second. */
static uint64_t seen_update(_Atomic uint64_t *seen, uint32_t raw)
{
	uint64_t old = atomic_load(seen);

	for (;;) {
		uint32_t delta = raw - (uint32_t)old;

		if (!delta || delta > 0x80000000u)
			return old;
		if (atomic_compare_exchange_weak(seen, &old, old + delta))
			return old + delta;
	}
}

static uint64_t group_lo(const struct lr_job *job, uint32_t g)
{
	return job->n * g / job->groups;
}

static uint64_t group_chunks_per_pass(const struct lr_job *job, uint32_t g)
{
	uint64_t len = group_lo(job, g + 1) - group_lo(job, g);

	return (len + job->chunk - 1) / job->chunk;
}

/* Elements group @g transformed after @chunks chunks. */
static uint64_t group_elements(const struct lr_job *job, uint32_t g, uint64_t chunks)
{
	uint64_t cpp = group_chunks_per_pass(job, g);
	uint64_t len = group_lo(job, g + 1) - group_lo(job, g);

	return chunks / cpp * len + chunks % cpp * job->chunk;
}

static uint64_t opencl_job_progress(struct lr_job *job)
{
	uint64_t sum = 0;

	for (uint32_t g = 0; g < job->groups; g++) {
		uint64_t c = atomic_load(&job->stopped)
				 ? atomic_load(&job->seen[g])
				 : seen_update(&job->seen[g],
					       ctrl_read(job, LR_CTRL_HDR + g * LR_CTRL_STRIDE));

		sum += group_elements(job, g, c);
	}
	return sum;
}

static cl_int event_status(cl_event ev)
{
	cl_int st = CL_COMPLETE;

	if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(st), &st, NULL) !=
	    CL_SUCCESS)
		return CL_INVALID_EVENT;
	return st;
}

static void opencl_job_destroy(struct lr_job *job)
{
	if (!job)
		return;
	if (job->wedged) {
		/* The kernel never saw the stop flag and may still run: its
		 * memory cannot be released under it. Leak it on purpose; the
		 * error returned earlier told the caller. */
		return;
	}
	if (job->run && !atomic_load(&job->stopped) && event_status(job->run) > CL_COMPLETE) {
		/* Destroyed while running: stop it first. */
		__atomic_store_n(&job->ctrl[LR_CTRL_STOP], 1, __ATOMIC_SEQ_CST);
		if (wait_event(job->run, job->dev->timeout_s, "job kernel", NULL) != LR_OK)
			return; /* still running: leak rather than free under it */
	}
	if (job->counted)
		atomic_fetch_sub(&job->dev->busy_cus, job->groups);
	if (job->run)
		clReleaseEvent(job->run);
	if (job->ctrl) {
		if (job->mode != MODE_HOSTPTR)
			clSVMFree(job->dev->ctx, (void *)job->ctrl);
		else
			clEnqueueUnmapMemObject(job->q, job->ctrl_mem, (void *)job->ctrl, 0, NULL,
						NULL);
	}
	if (job->q)
		clFinish(job->q);
	if (job->ctrl_mem)
		clReleaseMemObject(job->ctrl_mem);
	if (job->buf)
		clReleaseMemObject(job->buf);
	if (job->final)
		clReleaseMemObject(job->final);
	if (job->k)
		clReleaseKernel(job->k);
	if (job->q)
		clReleaseCommandQueue(job->q);
	free(job->seen);
	free(job);
}

static int alloc_ctrl(struct lr_job *job, struct lr_err *err)
{
	struct lr_dev *dev = job->dev;
	cl_int rc;

	job->ctrl_bytes = (LR_CTRL_HDR + (size_t)job->groups * LR_CTRL_STRIDE) * sizeof(uint32_t);
	if (job->mode == MODE_SVM) {
		job->ctrl = clSVMAlloc(
		    dev->ctx, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS,
		    job->ctrl_bytes, 64);
		if (!job->ctrl)
			return lr_fail(err, LR_ERR,
				       NAME ": clSVMAlloc(fine-grain, atomics, %zu bytes) failed",
				       job->ctrl_bytes);
		for (size_t i = 0; i < job->ctrl_bytes / 4; i++)
			__atomic_store_n(&job->ctrl[i], 0, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rc = clSetKernelArgSVMPointer(job->k, 3, (void *)job->ctrl);
		if (rc != CL_SUCCESS)
			return CLFAIL(err, "clSetKernelArgSVMPointer(ctrl)", rc);
		return LR_OK;
	}
	if (job->mode == MODE_SVM_COARSE) {
		cl_uint zero = 0;

		job->ctrl = clSVMAlloc(dev->ctx, CL_MEM_READ_WRITE, job->ctrl_bytes, 64);
		if (!job->ctrl)
			return lr_fail(err, LR_ERR,
				       NAME ": clSVMAlloc(coarse-grain, %zu bytes) failed",
				       job->ctrl_bytes);
		rc = clEnqueueSVMMemFill(job->q, (void *)job->ctrl, &zero, sizeof(zero),
					 job->ctrl_bytes, 0, NULL, NULL);
		if (rc == CL_SUCCESS)
			rc = clFinish(job->q);
		if (rc != CL_SUCCESS)
			return CLFAIL(err, "clEnqueueSVMMemFill(control block)", rc);
		rc = clSetKernelArgSVMPointer(job->k, 3, (void *)job->ctrl);
		if (rc != CL_SUCCESS)
			return CLFAIL(err, "clSetKernelArgSVMPointer(ctrl)", rc);
		return LR_OK;
	}
	job->ctrl_mem = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
				       job->ctrl_bytes, NULL, &rc);
	if (!job->ctrl_mem)
		return CLFAIL(err, "clCreateBuffer(ALLOC_HOST_PTR control block)", rc);
	{
		cl_uint zero = 0;

		rc = clEnqueueFillBuffer(job->q, job->ctrl_mem, &zero, sizeof(zero), 0,
					 job->ctrl_bytes, 0, NULL, NULL);
		if (rc != CL_SUCCESS)
			return CLFAIL(err, "clEnqueueFillBuffer(control block)", rc);
	}
	job->ctrl = clEnqueueMapBuffer(job->q, job->ctrl_mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE,
				       0, job->ctrl_bytes, 0, NULL, NULL, &rc);
	if (!job->ctrl)
		return CLFAIL(err, "clEnqueueMapBuffer(control block)", rc);
	rc = clSetKernelArg(job->k, 3, sizeof(cl_mem), &job->ctrl_mem);
	if (rc != CL_SUCCESS)
		return CLFAIL(err, "clSetKernelArg(ctrl)", rc);
	return LR_OK;
}

/* CPU devices (PoCL's pthread device, vendor CPU runtimes) run one
 * work-group per compute unit to completion: persistent work-groups on
 * every CU would starve the pressure kernels forever. */
static bool cpu_exclusive(const struct lr_dev *dev)
{
	return dev->type & CL_DEVICE_TYPE_CPU;
}

/* One persistent work-group per CU; on a CPU device leave one CU free for
 * the pressure kernels (when there are two or more). */
static uint32_t default_groups(const struct lr_dev *dev)
{
	return cpu_exclusive(dev) && dev->cus > 1 ? dev->cus - 1 : dev->cus;
}

/*
 * Only fine-grain SVM with SVM atomics is guaranteed by the OpenCL spec to
 * make a running kernel's stores visible to the host (and the host's stop
 * flag to the kernel). When a job under that mechanism stays invisible the
 * device is broken: a failure. Under the other mechanisms visibility is the
 * device's choice, so its absence is a missing feature: a skip.
 */
static int invisible_code(enum ctrl_mode mode)
{
	return mode == MODE_SVM ? LR_ERR : LR_SKIP;
}

/* Launch without the mechanism probe. */
static int job_launch(struct lr_dev *dev, const struct lr_job_params *p, struct lr_job **out,
		      struct lr_job_info *info, struct lr_err *err)
{
	struct lr_job *job;
	cl_kernel fill = NULL;
	size_t kwg = 0, gsz, lsz;
	cl_uint atomics;
	cl_int rc;
	int ret;
	double t0;

	*out = NULL;
	if (p->buffer_bytes < MIN_JOB_BYTES || p->buffer_bytes % 4)
		return lr_fail(err, LR_ERR,
			       NAME ": job buffer of %" PRIu64 " bytes: want a multiple of 4, at "
				    "least %u",
			       p->buffer_bytes, MIN_JOB_BYTES);
	if (dev->max_alloc && p->buffer_bytes > dev->max_alloc)
		return lr_fail(err, LR_ERR,
			       NAME ": job buffer of %" PRIu64 " bytes exceeds the device's "
				    "CL_DEVICE_MAX_MEM_ALLOC_SIZE (%" PRIu64 ")",
			       p->buffer_bytes, dev->max_alloc);
	if (p->work_groups > dev->cus)
		return lr_fail(err, LR_ERR,
			       NAME ": %u work-groups requested but the device has %u compute "
				    "units (a persistent job never launches more)",
			       p->work_groups, dev->cus);
	ret = ensure_built(dev, err);
	if (ret)
		return ret;

	job = calloc(1, sizeof(*job));
	if (!job)
		return lr_fail(err, LR_ERR, NAME ": out of memory");
	job->dev = dev;
	job->mode = dev->mode;
	job->n = p->buffer_bytes / 4;
	job->seed = p->seed;
	job->groups = p->work_groups ? p->work_groups : default_groups(dev);
	if (cpu_exclusive(dev) && atomic_load(&dev->busy_cus) + job->groups > dev->cus) {
		ret = lr_fail(err, LR_ERR,
			      NAME ": %u work-groups do not fit beside running jobs holding %u of "
				   "the %u compute units of CPU device \"%s\" (its work-groups run "
				   "to completion, so the job could never start)",
			      job->groups, atomic_load(&dev->busy_cus), dev->cus, dev->dname);
		free(job);
		return ret;
	}
	job->q = clCreateCommandQueueWithProperties(dev->ctx, dev->device, NULL, &rc);
	if (!job->q) {
		ret = CLFAIL(err, "clCreateCommandQueueWithProperties (job queue)", rc);
		goto fail;
	}
	job->k = clCreateKernel(dev->prog, "lr_job", &rc);
	if (!job->k) {
		ret = CLFAIL(err, "clCreateKernel(lr_job)", rc);
		goto fail;
	}
	clGetKernelWorkGroupInfo(job->k, dev->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof(kwg), &kwg,
				 NULL);
	if (!kwg)
		kwg = dev->max_wg ? dev->max_wg : 1;
	if (p->work_group_size) {
		if (p->work_group_size > kwg) {
			ret = lr_fail(err, LR_ERR,
				      NAME ": work-group size %u exceeds the job kernel's maximum "
					   "%zu on this device",
				      p->work_group_size, kwg);
			goto fail;
		}
		job->wgs = p->work_group_size;
	} else {
		job->wgs = kwg < DEFAULT_WG_SIZE ? kwg : DEFAULT_WG_SIZE;
	}
	job->chunk = (uint64_t)job->wgs * LR_ELEMS_PER_ITEM;
	job->seen = calloc(job->groups, sizeof(*job->seen));
	if (!job->seen) {
		ret = lr_fail(err, LR_ERR, NAME ": out of memory");
		goto fail;
	}
	for (uint32_t g = 0; g < job->groups; g++)
		atomic_init(&job->seen[g], 0);
	atomic_init(&job->stopped, false);

	job->buf = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, p->buffer_bytes, NULL, &rc);
	if (!job->buf) {
		ret = CLFAIL(err, "clCreateBuffer(job buffer)", rc);
		goto fail;
	}
	job->final =
	    clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, job->groups * sizeof(cl_uint), NULL, &rc);
	if (!job->final) {
		ret = CLFAIL(err, "clCreateBuffer(final counters)", rc);
		goto fail;
	}
	/* Initial contents: a separate kernel on the same in-order queue. */
	fill = clCreateKernel(dev->prog, "lr_fill", &rc);
	if (!fill) {
		ret = CLFAIL(err, "clCreateKernel(lr_fill)", rc);
		goto fail;
	}
	{
		cl_ulong n = job->n;
		cl_uint seed = job->seed;

		rc = clSetKernelArg(fill, 0, sizeof(cl_mem), &job->buf);
		rc |= clSetKernelArg(fill, 1, sizeof(n), &n);
		rc |= clSetKernelArg(fill, 2, sizeof(seed), &seed);
		if (rc != CL_SUCCESS) {
			ret = CLFAIL(err, "clSetKernelArg(lr_fill)", rc);
			goto fail;
		}
		lsz = job->wgs;
		gsz = lsz * (size_t)dev->cus * 64;
		rc = clEnqueueNDRangeKernel(job->q, fill, 1, NULL, &gsz, &lsz, 0, NULL, NULL);
		if (rc != CL_SUCCESS) {
			ret = CLFAIL(err, "clEnqueueNDRangeKernel(lr_fill)", rc);
			goto fail;
		}
	}
	ret = alloc_ctrl(job, err);
	if (ret)
		goto fail;
	{
		cl_ulong n = job->n, chunk = job->chunk;

		atomics = job->mode == MODE_SVM;
		rc = clSetKernelArg(job->k, 0, sizeof(cl_mem), &job->buf);
		rc |= clSetKernelArg(job->k, 1, sizeof(n), &n);
		rc |= clSetKernelArg(job->k, 2, sizeof(chunk), &chunk);
		rc |= clSetKernelArg(job->k, 4, sizeof(atomics), &atomics);
		rc |= clSetKernelArg(job->k, 5, sizeof(cl_mem), &job->final);
		if (rc != CL_SUCCESS) {
			ret = CLFAIL(err, "clSetKernelArg(lr_job)", rc);
			goto fail;
		}
	}
	lsz = job->wgs;
	gsz = lsz * job->groups;
	rc = clEnqueueNDRangeKernel(job->q, job->k, 1, NULL, &gsz, &lsz, 0, NULL, &job->run);
	if (rc != CL_SUCCESS) {
		ret = CLFAIL(err, "clEnqueueNDRangeKernel(lr_job)", rc);
		goto fail;
	}
	clFlush(job->q);
	atomic_fetch_add(&dev->busy_cus, job->groups);
	job->counted = true;
	clReleaseKernel(fill);
	fill = NULL;

	/* Return only once progress is seen moving. */
	t0 = now_s();
	while (!opencl_job_progress(job)) {
		cl_int st = event_status(job->run);

		if (st < 0) {
			ret = lr_fail(err, LR_ERR,
				      NAME ": job kernel failed on the device before making "
					   "progress: %s (%d)",
				      clerr(st), (int)st);
			goto fail;
		}
		if (st == CL_COMPLETE) {
			ret = lr_fail(err, LR_ERR,
				      NAME ": job kernel ended on its own without publishing "
					   "progress (ctrl=%s)",
				      mode_names[job->mode]);
			goto fail;
		}
		if (now_s() - t0 > dev->timeout_s) {
			/* The kernel may be running but invisible to us; try to
			 * stop it so its resources can go. */
			__atomic_store_n(&job->ctrl[LR_CTRL_STOP], 1, __ATOMIC_SEQ_CST);
			if (wait_event(job->run, 5, "job kernel", NULL) != LR_OK)
				job->wedged = true;
			ret = lr_fail(err, invisible_code(job->mode),
				      NAME ": no job progress visible to the host within %.0f s "
					   "(ctrl=%s): device offers no host-visible memory the "
					   "running kernel can publish progress to",
				      dev->timeout_s, mode_names[job->mode]);
			goto fail;
		}
		sleep_us(200);
	}
	if (info) {
		info->unit = "elements";
		info->unit_bytes = 8; /* each element: 4 bytes read + 4 written */
		info->work_groups = job->groups;
		info->work_group_size = job->wgs;
		/* a group publishes once per chunk */
		info->progress_step = job->chunk * job->groups;
	}
	*out = job;
	return LR_OK;
fail:
	if (fill)
		clReleaseKernel(fill);
	if (job->run && !job->wedged && event_status(job->run) > CL_COMPLETE) {
		__atomic_store_n(&job->ctrl[LR_CTRL_STOP], 1, __ATOMIC_SEQ_CST);
		if (wait_event(job->run, dev->timeout_s, "job kernel", NULL) != LR_OK)
			job->wedged = true;
	}
	opencl_job_destroy(job);
	return ret;
}

static int opencl_job_stop(struct lr_job *job, struct lr_err *err)
{
	cl_int rc;
	int ret;

	if (atomic_load(&job->stopped))
		return LR_OK;
	__atomic_store_n(&job->ctrl[LR_CTRL_STOP], 1, __ATOMIC_SEQ_CST);
	ret = wait_event(job->run, job->dev->timeout_s, "job kernel (after the stop flag)", err);
	if (ret) {
		if (event_status(job->run) > CL_COMPLETE) {
			job->wedged = true;
			return lr_fail(err, invisible_code(job->mode),
				       NAME
				       ": the running job kernel did not see the stop flag "
				       "within %.0f s (ctrl=%s): device offers no host-visible "
				       "memory the running kernel can read a stop flag from",
				       job->dev->timeout_s, mode_names[job->mode]);
		}
		return ret;
	}
	rc = clFinish(job->q);
	if (rc != CL_SUCCESS)
		return CLFAIL(err, "clFinish(job queue)", rc);
	/* Final counters through the API from ordinary device memory, so they
	 * are exact whatever the control block's host view is. The control
	 * block stays mapped until destroy: the sampler may still read it. */
	{
		uint32_t *words = calloc(job->groups, sizeof(*words));

		if (!words)
			return lr_fail(err, LR_ERR, NAME ": out of memory");
		rc = clEnqueueReadBuffer(job->q, job->final, CL_TRUE, 0,
					 job->groups * sizeof(*words), words, 0, NULL, NULL);
		if (rc != CL_SUCCESS) {
			free(words);
			return CLFAIL(err, "clEnqueueReadBuffer(final counters)", rc);
		}
		for (uint32_t g = 0; g < job->groups; g++)
			seen_update(&job->seen[g], words[g]);
		free(words);
	}
	atomic_store(&job->stopped, true);
	return LR_OK;
}

static int opencl_job_verify(struct lr_job *job, struct lr_verify_result *res, struct lr_err *err)
{
	uint32_t *blk;
	uint64_t done = 0;
	uint32_t g = 0;
	struct affine full = {1, 0}, more = {1, 0};
	uint64_t boundary = 0, ghi = 0;

	memset(res, 0, sizeof(*res));
	if (!atomic_load(&job->stopped))
		return lr_fail(err, LR_ERR, NAME ": job_verify before job_stop");
	for (uint32_t i = 0; i < job->groups; i++)
		res->passes += atomic_load(&job->seen[i]) / group_chunks_per_pass(job, i);
	blk = malloc((size_t)VERIFY_BLOCK_ELEMS * 4);
	if (!blk)
		return lr_fail(err, LR_ERR, NAME ": out of memory for verification");
	g = UINT32_MAX; /* no group yet */
	while (done < job->n) {
		uint64_t cnt =
		    job->n - done < VERIFY_BLOCK_ELEMS ? job->n - done : VERIFY_BLOCK_ELEMS;
		cl_int rc = clEnqueueReadBuffer(job->q, job->buf, CL_TRUE, done * 4, cnt * 4, blk,
						0, NULL, NULL);

		if (rc != CL_SUCCESS) {
			free(blk);
			return CLFAIL(err, "clEnqueueReadBuffer(job buffer)", rc);
		}
		for (uint64_t j = 0; j < cnt; j++) {
			uint64_t i = done + j;
			uint32_t x0, want;

			while (g == UINT32_MAX || i >= ghi) {
				uint64_t chunks, cpp;

				g = g == UINT32_MAX ? 0 : g + 1;
				chunks = atomic_load(&job->seen[g]);
				cpp = group_chunks_per_pass(job, g);
				full = affine_pow(chunks / cpp);
				more = affine_pow(chunks / cpp + 1);
				boundary = group_lo(job, g) + chunks % cpp * job->chunk;
				ghi = group_lo(job, g + 1);
			}
			x0 = lr_ocl_seed(job->seed, i);
			want = i < boundary ? more.a * x0 + more.c : full.a * x0 + full.c;
			if (want != blk[j]) {
				if (!res->mismatches++) {
					uint32_t diff = want ^ blk[j];

					/* First differing byte, little-endian order. */
					res->first_bad_offset = i * 4 + __builtin_ctz(diff) / 8;
					res->expected = want;
					res->got = blk[j];
				}
			}
		}
		done += cnt;
	}
	res->elements_checked = job->n;
	free(blk);
	if (res->mismatches)
		return lr_fail(err, LR_ERR,
			       NAME ": verification failed: %" PRIu64 " of %" PRIu64
				    " elements differ; first bad byte offset %" PRIu64
				    " (element expected 0x%08" PRIx64 ", got 0x%08" PRIx64 ")",
			       res->mismatches, job->n, res->first_bad_offset, res->expected,
			       res->got);
	return LR_OK;
}

static int opencl_job_corrupt(struct lr_job *job, uint64_t byte_offset, struct lr_err *err)
{
	uint8_t b;
	cl_int rc;

	if (!atomic_load(&job->stopped))
		return lr_fail(err, LR_ERR, NAME ": job_corrupt before job_stop");
	if (byte_offset >= job->n * 4)
		return lr_fail(err, LR_ERR,
			       NAME ": corruption offset %" PRIu64 " is outside the %" PRIu64
				    "-byte job buffer",
			       byte_offset, job->n * 4);
	rc = clEnqueueReadBuffer(job->q, job->buf, CL_TRUE, byte_offset, 1, &b, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return CLFAIL(err, "clEnqueueReadBuffer(corrupt)", rc);
	b = ~b;
	rc = clEnqueueWriteBuffer(job->q, job->buf, CL_TRUE, byte_offset, 1, &b, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return CLFAIL(err, "clEnqueueWriteBuffer(corrupt)", rc);
	return LR_OK;
}

/* Once per device: run a small job with the chosen control-block mechanism
 * and check that progress reaches the host, the stop flag reaches the
 * kernel, and the data verify. */
static int probe_mechanism(struct lr_dev *dev, struct lr_err *err)
{
	struct lr_job_params pp = {.buffer_bytes = PROBE_BYTES, .seed = 0x1ead};
	struct lr_verify_result vr;
	struct lr_job *job = NULL;
	struct lr_err perr;
	int ret;

	pthread_mutex_lock(&dev->lock);
	ret = dev->probe;
	pthread_mutex_unlock(&dev->lock);
	if (ret == LR_ERR || ret == LR_SKIP)
		return lr_fail(err, ret, "%s", dev->probe_err);
	if (ret == 1)
		return LR_OK;

	ret = job_launch(dev, &pp, &job, NULL, &perr);
	if (!ret) {
		ret = opencl_job_stop(job, &perr);
		if (!ret)
			ret = opencl_job_verify(job, &vr, &perr);
		opencl_job_destroy(job);
	}
	pthread_mutex_lock(&dev->lock);
	if (ret) {
		dev->probe = ret == LR_SKIP ? LR_SKIP : LR_ERR;
		strfmt(dev->probe_err, sizeof(dev->probe_err), "%s (mechanism probe)", perr.msg);
	} else {
		dev->probe = 1;
	}
	pthread_mutex_unlock(&dev->lock);
	return ret ? lr_fail(err, dev->probe, "%s", dev->probe_err) : LR_OK;
}

static int opencl_job_start(struct lr_dev *dev, const struct lr_job_params *p, struct lr_job **out,
			    struct lr_job_info *info, struct lr_err *err)
{
	int ret;

	*out = NULL;
	ret = ensure_built(dev, err);
	if (ret)
		return ret;
	ret = probe_mechanism(dev, err);
	if (ret)
		return ret;
	return job_launch(dev, p, out, info, err);
}

/* ---- memory pressure ------------------------------------------------- */

static void opencl_pressure_free(struct lr_pbuf *pb)
{
	if (!pb)
		return;
	for (unsigned i = 0; i < pb->nbufs; i++)
		clReleaseMemObject(pb->bufs[i]);
	free(pb);
}

static int opencl_pressure_alloc(struct lr_dev *dev, uint64_t bytes, struct lr_pbuf **out,
				 struct lr_err *err)
{
	struct lr_pbuf *pb;
	uint64_t piece, left;
	int ret;

	*out = NULL;
	if (!bytes)
		return lr_fail(err, LR_ERR, NAME ": pressure allocation of 0 bytes");
	ret = ensure_built(dev, err);
	if (ret)
		return ret;
	piece = dev->max_alloc ? dev->max_alloc & ~(uint64_t)4095 : bytes;
	if (!piece)
		piece = 4096;
	if ((bytes + piece - 1) / piece > PRESSURE_MAX_BUFFERS)
		return lr_fail(err, LR_ERR,
			       NAME ": pressure allocation of %" PRIu64 " bytes needs more than "
				    "%u buffers of CL_DEVICE_MAX_MEM_ALLOC_SIZE",
			       bytes, PRESSURE_MAX_BUFFERS);
	pb = calloc(1, sizeof(*pb));
	if (!pb)
		return lr_fail(err, LR_ERR, NAME ": out of memory");
	pb->dev = dev;
	pb->bytes = bytes;
	for (left = (bytes + 3) & ~(uint64_t)3; left;) {
		uint64_t sz = left < piece ? left : piece;
		cl_int rc;

		pb->bufs[pb->nbufs] = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, sz, NULL, &rc);
		if (!pb->bufs[pb->nbufs]) {
			ret = lr_fail(err, LR_ERR,
				      NAME ": clCreateBuffer(pressure, %" PRIu64 " of %" PRIu64
					   " bytes): %s (%d)",
				      sz, bytes, clerr(rc), (int)rc);
			opencl_pressure_free(pb);
			return ret;
		}
		pb->elems[pb->nbufs++] = sz / 4;
		left -= sz;
	}
	*out = pb;
	return LR_OK;
}

static int opencl_pressure_touch(struct lr_pbuf *pb, uint32_t pattern, struct lr_err *err)
{
	struct lr_dev *dev = pb->dev;
	cl_event last = NULL;
	cl_int rc = CL_SUCCESS;
	int ret;

	if (cpu_exclusive(dev) && atomic_load(&dev->busy_cus) >= dev->cus)
		return lr_fail(err, LR_SKIP,
			       NAME ": pressure kernels cannot run on CPU device \"%s\" while "
				    "persistent jobs hold all %u compute units (start the job "
				    "with fewer work-groups; the default leaves one CU free)",
			       dev->dname, dev->cus);
	pthread_mutex_lock(&dev->lock);
	for (unsigned i = 0; i < pb->nbufs; i++) {
		cl_ulong n = pb->elems[i];
		size_t lsz = 64, gsz;
		uint64_t groups = (n + lsz * LR_ELEMS_PER_ITEM - 1) / (lsz * LR_ELEMS_PER_ITEM);

		/* Plenty of groups to fill any device; each loops over the rest. */
		if (groups > 65536)
			groups = 65536;
		gsz = groups * lsz;
		rc = clSetKernelArg(dev->touch, 0, sizeof(cl_mem), &pb->bufs[i]);
		rc |= clSetKernelArg(dev->touch, 1, sizeof(n), &n);
		rc |= clSetKernelArg(dev->touch, 2, sizeof(pattern), &pattern);
		if (rc != CL_SUCCESS)
			break;
		if (last)
			clReleaseEvent(last);
		last = NULL;
		rc = clEnqueueNDRangeKernel(dev->pq, dev->touch, 1, NULL, &gsz, &lsz, 0, NULL,
					    &last);
		if (rc != CL_SUCCESS)
			break;
	}
	pthread_mutex_unlock(&dev->lock);
	if (rc != CL_SUCCESS) {
		if (last)
			clReleaseEvent(last);
		return CLFAIL(err, "pressure touch: clEnqueueNDRangeKernel(lr_touch)", rc);
	}
	clFlush(dev->pq);
	/* In-order queue: the last kernel completing means all did. */
	ret = wait_event(last, dev->timeout_s, "pressure touch", err);
	clReleaseEvent(last);
	if (ret)
		return ret;
	/* Cheap check: first, middle and last element of every buffer. */
	for (unsigned i = 0; i < pb->nbufs; i++) {
		uint64_t at[3] = {0, pb->elems[i] / 2, pb->elems[i] - 1};

		for (int k = 0; k < 3; k++) {
			cl_uint got, want = pattern ^ (uint32_t)at[k];

			rc = clEnqueueReadBuffer(dev->pq, pb->bufs[i], CL_TRUE, at[k] * 4, 4, &got,
						 0, NULL, NULL);
			if (rc != CL_SUCCESS)
				return CLFAIL(err, "pressure touch: clEnqueueReadBuffer", rc);
			if (got != want)
				return lr_fail(err, LR_ERR,
					       NAME ": pressure touch: buffer %u element %" PRIu64
						    " holds 0x%08x, want 0x%08x",
					       i, at[k], got, want);
		}
	}
	return LR_OK;
}

const struct lr_backend_ops lr_backend_opencl = {
    .name = NAME,
    .help = "OpenCL through the ICD loader (PoCL CPU device by default; any vendor ICD). "
	    "Device: P:D or a name substring (--device or LRBENCH_OPENCL_DEVICE).",
    .list_devices = opencl_list_devices,
    .open = opencl_open,
    .close = opencl_close,
    .device_info = opencl_device_info,
    .job_start = opencl_job_start,
    .job_progress = opencl_job_progress,
    .job_stop = opencl_job_stop,
    .job_verify = opencl_job_verify,
    .job_corrupt = opencl_job_corrupt,
    .job_destroy = opencl_job_destroy,
    .pressure_alloc = opencl_pressure_alloc,
    .pressure_touch = opencl_pressure_touch,
    .pressure_free = opencl_pressure_free,
};
