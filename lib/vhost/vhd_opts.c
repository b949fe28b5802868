/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "vhd_internal.h"

/* Started without "--": one lcore shared with everything else. */
static bool eal_compat;

void
vhd_common_opts_init(struct vhd_common_opts *o, enum vhd_mode mode)
{
	memset(o, 0, sizeof(*o));
	/* Without EAL options nobody pinned a core for us: don't spin. */
	o->mode = eal_compat ? VHD_MODE_INTERRUPT : mode;
	o->hybrid_us = 200;
	o->listen_fd = -1;
}

int
vhd_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
vhd_common_opt(int c, const char *arg, struct vhd_common_opts *o)
{
	uint64_t v;

	switch (c) {
	case VHD_OPT_CLIENT:
		o->client = true;
		return 1;
	case VHD_OPT_NO_PACKED:
		o->no_packed = true;
		return 1;
	case VHD_OPT_MODE:
		if (strcmp(arg, "poll") == 0)
			o->mode = VHD_MODE_POLL;
		else if (strcmp(arg, "interrupt") == 0)
			o->mode = VHD_MODE_INTERRUPT;
		else if (strcmp(arg, "hybrid") == 0)
			o->mode = VHD_MODE_HYBRID;
		else {
			fprintf(stderr, "error: --mode must be poll, interrupt or hybrid, not '%s'\n",
				arg);
			return -1;
		}
		o->mode_set = true;
		return 1;
	case VHD_OPT_HYBRID_US:
		if (vhd_parse_u64(arg, 0, 10000000, &v) != 0) {
			fprintf(stderr, "error: --hybrid-poll-us takes 0..10000000, not '%s'\n", arg);
			return -1;
		}
		o->hybrid_us = (uint32_t)v;
		return 1;
	case VHD_OPT_LCORE: {
		char buf[512], *tok, *save = NULL;

		snprintf(buf, sizeof(buf), "%s", arg);
		o->n_lcores = 0;
		for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			if (o->n_lcores == sizeof(o->lcores) / sizeof(o->lcores[0]) ||
			    vhd_parse_u64(tok, 0, RTE_MAX_LCORE - 1, &v) != 0) {
				fprintf(stderr, "error: --worker-lcore takes lcore ids (e.g. 2,3), not '%s'\n",
					arg);
				return -1;
			}
			o->lcores[o->n_lcores++] = (int)v;
		}
		if (o->n_lcores == 0) {
			fprintf(stderr, "error: --worker-lcore takes lcore ids (e.g. 2,3)\n");
			return -1;
		}
		return 1;
	}
	default:
		return 0;
	}
}

int
vhd_socket_name(char *out, size_t len, const char *base, unsigned int idx)
{
	int n = snprintf(out, len, "%s%u", base, idx);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
vhd_eal_init(int argc, char **argv)
{
	/* Upstream's users start a backend with device options only: give
	 * them a working EAL (no hugepages, one lcore) instead of an error.
	 */
	static char *dflt[] = {NULL, "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			       "-l", "0", "--log-level", "lib.eal:error",
			       "--log-level", "lib.telemetry:error", NULL};
	bool has_sep = false;
	int i, rc;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			has_sep = true;
	if (!has_sep) {
		eal_compat = true;
		dflt[0] = argv[0];
		rc = rte_eal_init((int)(sizeof(dflt) / sizeof(dflt[0])) - 1, dflt);
		if (rc < 0) {
			fprintf(stderr, "error: cannot initialise DPDK EAL: %s\n",
				rte_strerror(rte_errno));
			exit(1);
		}
		return 0;
	}
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "error: cannot initialise DPDK EAL (options before --): %s\n",
			rte_strerror(rte_errno));
		exit(1);
	}
	return rc;
}
