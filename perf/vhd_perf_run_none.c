/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Stand-in until lib/frontend offers the vhost-user frontend (vhd_fe.h):
 * the floor and source measurements work, device runs report why they can't.
 */

#include <stdio.h>

#include "vhd_perf_run.h"

int
vhd_perf_run(const struct vhd_perf_run_cfg *cfg, struct vhd_perf_result *out)
{
	(void)cfg;
	(void)out;
	fprintf(stderr, "vhd-perf: built without the vhost-user frontend (lib/frontend/vhd_fe.h)\n");
	return -1;
}
