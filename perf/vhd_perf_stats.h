/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Latency statistics: a log-linear histogram (128 sub-buckets per power of
 * two, under 0.8 % relative error, exact below 256 ns) so a run of any length
 * uses a fixed 60 KB and recording costs a few instructions.
 */

#ifndef VHD_PERF_STATS_H
#define VHD_PERF_STATS_H

#include <stdint.h>

/** Sub-bucket bits: 2^7 buckets per power of two. */
#define VHD_PERF_HIST_SUB_BITS 7
#define VHD_PERF_HIST_SUB (1u << VHD_PERF_HIST_SUB_BITS)
/** Buckets: exact values below 128, then 57 octaves of 128. */
#define VHD_PERF_HIST_BUCKETS \
	(VHD_PERF_HIST_SUB + (64 - VHD_PERF_HIST_SUB_BITS) * VHD_PERF_HIST_SUB)

/** Latency histogram, nanoseconds. */
struct vhd_perf_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t bucket[VHD_PERF_HIST_BUCKETS];
};

/** Summary of a histogram, nanoseconds. */
struct vhd_perf_lat {
	uint64_t count;
	double mean;
	uint64_t min;
	uint64_t p50;
	uint64_t p90;
	uint64_t p99;
	uint64_t p999;
	uint64_t max;
};

/** Empty @p h. */
void vhd_perf_hist_init(struct vhd_perf_hist *h);

/** Bucket index of value @p v. */
static inline unsigned int
vhd_perf_hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < VHD_PERF_HIST_SUB)
		return (unsigned int)v;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	shift = msb - VHD_PERF_HIST_SUB_BITS;
	return VHD_PERF_HIST_SUB + shift * VHD_PERF_HIST_SUB +
	       (unsigned int)((v >> shift) - VHD_PERF_HIST_SUB);
}

/** Record one sample of @p ns nanoseconds. */
static inline void
vhd_perf_hist_add(struct vhd_perf_hist *h, uint64_t ns)
{
	h->bucket[vhd_perf_hist_index(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

/** Lowest value of bucket @p idx (inverse of vhd_perf_hist_index()). */
uint64_t vhd_perf_hist_bucket_low(unsigned int idx);

/**
 * Value at quantile @p q (0 < q <= 1): the middle of the bucket holding the
 * ceil(q * count)-th smallest sample, clamped to [min, max]. 0 when empty.
 */
uint64_t vhd_perf_hist_quantile(const struct vhd_perf_hist *h, double q);

/** Fill @p out from @p h. */
void vhd_perf_hist_summary(const struct vhd_perf_hist *h, struct vhd_perf_lat *out);

#endif /* VHD_PERF_STATS_H */
