// SPDX-License-Identifier: MIT
/*
 * Checks igt-tests/vlr_stream.h, the model the vlr tests verify STREAM
 * buffers with, against brute force: the O(log k) jump equals k single
 * passes, and a single wrong element anywhere is found at its index.
 * Exit 0 when the model is right, 1 (with the first counterexample) if not.
 */
#include <stdio.h>

#include "../vlr_stream.h"

static uint32_t pass(uint32_t x)
{
	return x * VLR_LCG_A + VLR_LCG_C;
}

int main(void)
{
	static const uint32_t seeds[] = {0, 1, 7, 0x80000000u, 0xffffffffu};
	enum { N = 1024, PASSES = 3000 };
	static uint32_t buf[N];
	int bad = 0;

	for (unsigned int s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		uint32_t x = seeds[s];

		for (uint64_t k = 0; k <= PASSES; k++, x = pass(x)) {
			if (vlr_lcg_jump(seeds[s], k) != x) {
				printf("jump(%#x, %llu) = %#x, brute force %#x\n", seeds[s],
				       (unsigned long long)k, vlr_lcg_jump(seeds[s], k), x);
				return 1;
			}
		}
	}
	/* A buffer streamed 777 times by brute force is exact; one flipped bit is found. */
	for (uint32_t i = 0; i < N; i++) {
		buf[i] = 42 + i;
		for (int k = 0; k < 777; k++)
			buf[i] = pass(buf[i]);
	}
	if (vlr_stream_mismatch(buf, N, 42, 777) != -1) {
		printf("an exact buffer reported wrong at %lld\n",
		       (long long)vlr_stream_mismatch(buf, N, 42, 777));
		return 1;
	}
	if (vlr_stream_mismatch(buf, N, 42, 776) != 0 ||
	    vlr_stream_mismatch(buf, N, 43, 777) != 0) {
		printf("a wrong pass count or seed went unnoticed\n");
		return 1;
	}
	for (uint32_t i = 0; i < N; i += 97) {
		buf[i] ^= 1u << (i % 32);
		if (vlr_stream_mismatch(buf, N, 42, 777) != (int64_t)i)
			bad++;
		buf[i] ^= 1u << (i % 32);
	}
	if (bad) {
		printf("%d flipped elements not found at their index\n", bad);
		return 1;
	}
	printf("vlr_stream.h: jump matches %d brute-force passes for %zu seeds; corruption found\n",
	       PASSES, sizeof(seeds) / sizeof(seeds[0]));
	return 0;
}
