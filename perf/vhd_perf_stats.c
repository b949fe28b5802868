/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <math.h>
#include <string.h>

#include "vhd_perf_stats.h"

void
vhd_perf_hist_init(struct vhd_perf_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t
vhd_perf_hist_bucket_low(unsigned int idx)
{
	unsigned int shift;

	if (idx < VHD_PERF_HIST_SUB)
		return idx;
	shift = (idx - VHD_PERF_HIST_SUB) / VHD_PERF_HIST_SUB;
	return (uint64_t)(VHD_PERF_HIST_SUB + (idx - VHD_PERF_HIST_SUB) % VHD_PERF_HIST_SUB)
	       << shift;
}

uint64_t
vhd_perf_hist_quantile(const struct vhd_perf_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, v;
	unsigned int i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < VHD_PERF_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	if (i == VHD_PERF_HIST_BUCKETS)
		return h->max;
	lo = vhd_perf_hist_bucket_low(i);
	hi = i + 1 < VHD_PERF_HIST_BUCKETS ? vhd_perf_hist_bucket_low(i + 1) - 1 : UINT64_MAX;
	v = lo + (hi - lo) / 2;
	/* The exact extremes are known: never report outside them. */
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

void
vhd_perf_hist_summary(const struct vhd_perf_hist *h, struct vhd_perf_lat *out)
{
	memset(out, 0, sizeof(*out));
	out->count = h->count;
	if (h->count == 0)
		return;
	out->mean = (double)h->sum / (double)h->count;
	out->min = h->min;
	out->p50 = vhd_perf_hist_quantile(h, 0.50);
	out->p90 = vhd_perf_hist_quantile(h, 0.90);
	out->p99 = vhd_perf_hist_quantile(h, 0.99);
	out->p999 = vhd_perf_hist_quantile(h, 0.999);
	out->max = h->max;
}
