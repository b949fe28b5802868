/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include "vhd_perf_cpu.h"
#include "vhd_perf_time.h"
#include "vhd_perf_window.h"

uint64_t
vhd_perf_window_total(const struct vhd_perf_run_cfg *cfg)
{
	return cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count;
}

void
vhd_perf_window_open(struct vhd_perf_window *w, const struct vhd_perf_run_cfg *cfg,
		     struct vhd_perf_result *out)
{
	w->start = vhd_perf_now_ns();
	w->cpu0 = vhd_perf_thread_cpu_ns();
	w->be_ok = cfg->backend_pid > 0 && vhd_perf_proc_cpu_ns(cfg->backend_pid, &w->be0) == 0;
	w->stop_at = cfg->duration_s > 0 ? w->start + (uint64_t)(cfg->duration_s * 1e9) :
		     UINT64_MAX;
	out->kicks = 0;
	out->waits = 0;
	out->errors = 0;
}

void
vhd_perf_window_close(const struct vhd_perf_window *w, const struct vhd_perf_run_cfg *cfg,
		      struct vhd_perf_result *out)
{
	uint64_t be1;

	out->elapsed_ns = vhd_perf_now_ns() - w->start;
	out->tool_cpu_pct = 100.0 * (double)(vhd_perf_thread_cpu_ns() - w->cpu0) /
			    (double)out->elapsed_ns;
	if (w->be_ok && vhd_perf_proc_cpu_ns(cfg->backend_pid, &be1) == 0) {
		out->backend_cpu_ns = be1 - w->be0;
		out->backend_cpu_pct = 100.0 * (double)out->backend_cpu_ns /
				       (double)out->elapsed_ns;
	}
}
