/* SPDX-License-Identifier: MIT */
/*
 * OpenCL C (1.2) source of the opencl backend's kernels, and the constants
 * the host shares with it. The host recomputes the job's expected buffer with
 * the same arithmetic (lr_ocl_seed(), LR_LCG_A/LR_LCG_C), so the two copies
 * of that arithmetic below must stay identical; tests/opencl checks them
 * against each other on every run (a fresh job is verified after 0 passes).
 *
 * Element i of the job buffer starts as seed(seed, i) and every pass maps it
 * through x -> LR_LCG_A * x + LR_LCG_C (mod 2^32). After K passes it holds
 * A_K * x0 + C_K with (A_K, C_K) the K-th power of the affine map, which the
 * host computes in O(log K).
 *
 * A chunk is LR_ELEMS_PER_ITEM elements per work-item of the group. The
 * build option -DLR_ITEM_CONTIGUOUS=1 (CPU devices) gives each work-item a
 * contiguous run, 0 (GPUs) interleaves work-items for coalesced access; the
 * result is the same either way.
 *
 * Control block (uint words, see LR_CTRL_*): word 0 is the stop flag the host
 * sets; group g publishes the number of chunks it has completed in word
 * LR_CTRL_HDR + g * LR_CTRL_STRIDE (one 64-byte line per group). When it
 * stops, group g also writes its final count to final[g], an ordinary
 * buffer the host reads once the kernel has ended.
 */
#ifndef LR_OPENCL_KERNELS_H
#define LR_OPENCL_KERNELS_H

#define LR_LCG_A	  1664525u
#define LR_LCG_C	  1013904223u
#define LR_CTRL_STOP	  0
#define LR_CTRL_HDR	  16 /* words before the first group's counter */
#define LR_CTRL_STRIDE	  16 /* words per group (64 bytes, own cache line) */
#define LR_ELEMS_PER_ITEM 64 /* elements a work-item transforms per chunk */

#define LR_STR_(x) #x
#define LR_STR(x)  LR_STR_(x)

// clang-format off
static const char lr_ocl_source[] =
	"#define LR_LCG_A " LR_STR(LR_LCG_A) "\n"
	"#define LR_LCG_C " LR_STR(LR_LCG_C) "\n"
	"#define LR_CTRL_STOP " LR_STR(LR_CTRL_STOP) "\n"
	"#define LR_CTRL_HDR " LR_STR(LR_CTRL_HDR) "\n"
	"#define LR_CTRL_STRIDE " LR_STR(LR_CTRL_STRIDE) "\n"
	"#define LR_ELEMS_PER_ITEM " LR_STR(LR_ELEMS_PER_ITEM) "\n"
	"\n"
	"/* Initial value of element i; host copy: lr_ocl_seed(). */\n"
	"uint lr_seed(uint seed, ulong i)\n"
	"{\n"
	"	uint x = (uint)i ^ ((uint)(i >> 32) * 0x85ebca6bu);\n"
	"	x = x * 0x9e3779b9u ^ seed;\n"
	"	x ^= x >> 16;\n"
	"	x *= 0x7feb352du;\n"
	"	x ^= x >> 15;\n"
	"	x *= 0x846ca68bu;\n"
	"	x ^= x >> 16;\n"
	"	return x;\n"
	"}\n"
	"\n"
	"__kernel void lr_fill(__global uint *buf, ulong n, uint seed)\n"
	"{\n"
	"	for (ulong i = get_global_id(0); i < n; i += get_global_size(0))\n"
	"		buf[i] = lr_seed(seed, i);\n"
	"}\n"
	"\n"
	"/*\n"
	" * The never-ending job. Group g owns elements [n*g/G, n*(g+1)/G) and walks\n"
	" * them chunk by chunk, pass after pass. After every chunk the group's\n"
	" * work-item 0 publishes its chunk count and reads the stop flag; the\n"
	" * decision is shared through local memory so the whole group stops after\n"
	" * the same chunk. No group ever waits for another one.\n"
	" * atomics != 0: ctrl is fine-grain SVM with SVM atomics (1.x atomics);\n"
	" * atomics == 0: ctrl is a zero-copy host buffer (volatile + mem_fence).\n"
	" */\n"
	"__kernel void lr_job(__global uint *buf, ulong n, ulong chunk,\n"
	"		     volatile __global uint *ctrl, uint atomics,\n"
	"		     __global uint *final)\n"
	"{\n"
	"	const uint g = get_group_id(0), ng = get_num_groups(0);\n"
	"	const uint lid = get_local_id(0), ls = get_local_size(0);\n"
	"	const ulong lo = n * g / ng, hi = n * (g + 1) / ng;\n"
	"	volatile __global uint *mine = ctrl + LR_CTRL_HDR + g * LR_CTRL_STRIDE;\n"
	"	__local uint stop;\n"
	"	uint done = 0;\n"
	"	ulong pos = lo;\n"
	"\n"
	"	for (;;) {\n"
	"		const ulong end = min(pos + chunk, hi);\n"
	"#if LR_ITEM_CONTIGUOUS /* CPU: a work-item's run vectorises */\n"
	"		for (ulong i = pos + lid * LR_ELEMS_PER_ITEM,\n"
	"			   e = min(i + LR_ELEMS_PER_ITEM, end); i < e; i++)\n"
	"#else /* GPU: neighbouring work-items, neighbouring elements */\n"
	"		for (ulong i = pos + lid; i < end; i += ls)\n"
	"#endif\n"
	"			buf[i] = buf[i] * LR_LCG_A + LR_LCG_C;\n"
	"		barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);\n"
	"		if (lid == 0) {\n"
	"			done++;\n"
	"			if (atomics) {\n"
	"				atomic_xchg(mine, done);\n"
	"				stop = atomic_or(ctrl + LR_CTRL_STOP, 0u);\n"
	"			} else {\n"
	"				*mine = done;\n"
	"				mem_fence(CLK_GLOBAL_MEM_FENCE);\n"
	"				stop = ctrl[LR_CTRL_STOP];\n"
	"			}\n"
	"		}\n"
	"		barrier(CLK_LOCAL_MEM_FENCE);\n"
	"		if (stop)\n"
	"			break;\n"
	"		pos = end >= hi ? lo : end;\n"
	"	}\n"
	"	/* The count again in ordinary device memory: the host reads it\n"
	"	 * after the kernel ended, with no mechanism involved. */\n"
	"	if (lid == 0)\n"
	"		final[g] = done;\n"
	"}\n"
	"\n"
	"/*\n"
	" * Memory pressure: write every element of a buffer with a pattern. A group\n"
	" * covers LR_ELEMS_PER_ITEM elements per work-item, laid out like the job's.\n"
	" */\n"
	"__kernel void lr_touch(__global uint *buf, ulong n, uint pattern)\n"
	"{\n"
	"	const ulong lid = get_local_id(0), ls = get_local_size(0);\n"
	"	const ulong span = ls * LR_ELEMS_PER_ITEM;\n"
	"\n"
	"	for (ulong base = get_group_id(0) * span; base < n;\n"
	"	     base += get_num_groups(0) * span) {\n"
	"#if LR_ITEM_CONTIGUOUS\n"
	"		for (ulong i = base + lid * LR_ELEMS_PER_ITEM,\n"
	"			   e = min(i + LR_ELEMS_PER_ITEM, n); i < e; i++)\n"
	"#else\n"
	"		for (ulong i = base + lid, e = min(base + span, n); i < e; i += ls)\n"
	"#endif\n"
	"			buf[i] = pattern ^ (uint)i;\n"
	"	}\n"
	"}\n";
// clang-format on

#endif /* LR_OPENCL_KERNELS_H */
