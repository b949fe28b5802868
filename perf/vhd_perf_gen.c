/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>

#include "vhd_perf_gen.h"

/* A new device: one vhd_perf_gen_<device>.c and one line here. */
static const struct vhd_perf_gen *const gens[] = {
	&vhd_perf_gen_rng,
	&vhd_perf_gen_gpio,
	&vhd_perf_gen_i2c,
	&vhd_perf_gen_can,
	&vhd_perf_gen_spi,
	&vhd_perf_gen_rtc,
	&vhd_perf_gen_console,
	&vhd_perf_gen_vsock,
	&vhd_perf_gen_input,
	&vhd_perf_gen_template,
	&vhd_perf_gen_gpu,
	&vhd_perf_gen_scsi,
	&vhd_perf_gen_scmi,
	&vhd_perf_gen_sound,
};

const struct vhd_perf_gen *
vhd_perf_gen_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (strcmp(gens[i]->name, name) == 0)
			return gens[i];
	return NULL;
}

void
vhd_perf_gen_list(FILE *fp)
{
	unsigned int i;

	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		fprintf(fp, "      %-7s (id %2u) %s\n", gens[i]->name, gens[i]->virtio_id,
			gens[i]->help);
}
