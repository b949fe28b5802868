/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd_perf_cpu.h"
#include "vhd_perf_source.h"
#include "vhd_perf_time.h"

int
vhd_perf_source_measure(const char *path, uint32_t size, double seconds,
			struct vhd_perf_source *out)
{
	struct vhd_perf_hist *h;
	uint64_t start, end, t0, t1, cpu0;
	uint8_t *buf;
	ssize_t n;
	int fd, rc = 0;

	memset(out, 0, sizeof(*out));
	out->path = path;
	out->size = size;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vhd-perf: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(size);
	h = malloc(sizeof(*h));
	if (buf == NULL || h == NULL) {
		fprintf(stderr, "vhd-perf: out of memory\n");
		rc = -1;
		goto out;
	}
	vhd_perf_hist_init(h);
	cpu0 = vhd_perf_thread_cpu_ns();
	start = vhd_perf_now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	t0 = start;
	do {
		n = read(fd, buf, size);
		t1 = vhd_perf_now_ns();
		if (n <= 0) {
			fprintf(stderr, "vhd-perf: read %s: %s\n", path,
				n < 0 ? strerror(errno) : "end of file");
			rc = -1;
			break;
		}
		vhd_perf_hist_add(h, t1 - t0);
		out->reads++;
		out->bytes += (uint64_t)n;
		t0 = t1;
	} while (t1 < end);
	out->elapsed_ns = t0 - start;
	out->cpu_ns = vhd_perf_thread_cpu_ns() - cpu0;
	vhd_perf_hist_summary(h, &out->lat);
out:
	free(buf);
	free(h);
	close(fd);
	return rc;
}
