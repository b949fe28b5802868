/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Reports: a human table, a JSON document and a tab-separated row (one line
 * per run, appended, so scripts compare modes and plot without a JSON parser).
 */

#ifndef VHD_PERF_REPORT_H
#define VHD_PERF_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "vhd_perf_floor.h"
#include "vhd_perf_stats.h"

/** One closed-loop run against a backend. */
struct vhd_perf_result {
	const char *label;   /**< free text from --label, e.g. the backend's mode */
	const char *device;  /**< generator name */
	const char *style;   /**< "poll" (spin on used ring) or "notify" (sleep on call fd) */
	uint32_t qd;         /**< requests kept in flight */
	uint32_t size;       /**< request size in bytes (generator-defined) */
	uint64_t reqs;       /**< completed requests, warm-up excluded */
	uint64_t bytes;      /**< payload bytes the device returned */
	uint64_t errors;     /**< completions with a bad length or error status */
	uint64_t elapsed_ns; /**< wall time of the measured part */
	uint64_t kicks;      /**< kicks sent (the backend asked for them) */
	uint64_t waits;      /**< times the tool slept on the call eventfd (notify style) */
	double tool_cpu_pct; /**< CPU time of the tool over the run, % of one CPU */
	double backend_cpu_pct;      /**< backend CPU over the run, % of one CPU; < 0: n/a */
	uint64_t backend_cpu_ns;     /**< backend CPU time over the run; 0: n/a */
	double backend_idle_cpu_pct; /**< backend CPU while connected, idle; < 0: n/a */
	double idle_s;               /**< length of that idle window */
	struct vhd_perf_lat lat;
	/**
	 * Floor of this run's own path, measured in the same run (gpio IRQ: a
	 * control-socket "get" round trip); path.count 0: none.
	 */
	const char *path_name;
	struct vhd_perf_lat path;
};

/** Raw read() throughput of a file such as /dev/urandom, the source's own ceiling. */
struct vhd_perf_source {
	const char *path;
	uint32_t size;       /**< bytes per read() */
	uint64_t reads;
	uint64_t bytes;
	uint64_t elapsed_ns;
	uint64_t cpu_ns;     /**< CPU time the reading thread got */
	struct vhd_perf_lat lat;
};

/** What one invocation measured; NULL members were not measured. */
struct vhd_perf_report {
	const char *label; /**< --label: names the TSV row */
	const struct vhd_perf_floor *floor;
	const struct vhd_perf_result *run;
	const struct vhd_perf_source *source;
};

/** Print the human-readable table. */
void vhd_perf_report_table(FILE *fp, const struct vhd_perf_report *r);

/** Print the JSON document (one object; keys documented in perf/README.md). */
void vhd_perf_report_json(FILE *fp, const struct vhd_perf_report *r);

/**
 * Append one tab-separated row describing @p r to @p path, with a header
 * line first when the file is empty.
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_report_tsv(const char *path, const struct vhd_perf_report *r);

#endif /* VHD_PERF_REPORT_H */
