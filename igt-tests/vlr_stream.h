/* SPDX-License-Identifier: MIT */
/*
 * Exact model of vlr's STREAM program (DRM_VLR_PROG_STREAM in vlr_drm.h):
 * each pass maps every u32 element x to A*x + C (mod 2^32). The state after
 * k passes is computed in O(log k) by composing the affine map, so a test
 * can check every element of a buffer after millions of passes. No device
 * or IGT dependency: igt-tests/selftest/stream_math.c checks it against
 * brute force.
 */
#ifndef LRBENCH_VLR_STREAM_H
#define LRBENCH_VLR_STREAM_H

#include <stdint.h>

#define VLR_LCG_A 1664525u
#define VLR_LCG_C 1013904223u

/* x after k passes of the STREAM program: the LCG's k-fold composition. */
static inline uint32_t vlr_lcg_jump(uint32_t x, uint64_t k)
{
	uint32_t a = VLR_LCG_A, c = VLR_LCG_C; /* the map applied 2^i times */
	uint32_t acc_a = 1, acc_c = 0;	       /* the map applied so far */

	for (; k; k >>= 1) {
		if (k & 1) {
			acc_a = a * acc_a;
			acc_c = a * acc_c + c;
		}
		c = a * c + c;
		a = a * a;
	}
	return acc_a * x + acc_c;
}

/* First index where buf differs from f^passes(seed + i), or -1 when exact. */
static inline int64_t vlr_stream_mismatch(const uint32_t *buf, uint64_t n, uint32_t seed,
					  uint64_t passes)
{
	uint32_t a = vlr_lcg_jump(1, passes) - vlr_lcg_jump(0, passes);
	uint32_t c = vlr_lcg_jump(0, passes);

	for (uint64_t i = 0; i < n; i++)
		if (buf[i] != a * (seed + (uint32_t)i) + c)
			return (int64_t)i;
	return -1;
}

#endif /* LRBENCH_VLR_STREAM_H */
