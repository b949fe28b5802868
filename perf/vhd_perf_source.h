/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Raw read() throughput of a byte source (/dev/urandom): the ceiling a
 * virtio-rng backend reading that source cannot exceed, measured in the same
 * run so "bounded by the source, not the queue" is shown, not assumed.
 */

#ifndef VHD_PERF_SOURCE_H
#define VHD_PERF_SOURCE_H

#include <stdint.h>

#include "vhd_perf_report.h"

/**
 * read() @p size bytes at a time from @p path for @p seconds on the calling
 * thread. Fills @p out (its path member points at @p path).
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_source_measure(const char *path, uint32_t size, double seconds,
			    struct vhd_perf_source *out);

#endif /* VHD_PERF_SOURCE_H */
