/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-rng [EAL options --] -s PATH [-c N] [-f FILE] [-p MS] [-m BYTES]
 * Options match rust-vmm's vhost-device-rng; sockets are PATH0..PATH<N-1>.
 */

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "vhd_vhost.h"

#define MAX_PERIOD_MS 65536 /* as upstream and QEMU */
#define MAX_SOCKETS 64

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options --] -s PATH [options]\n"
	       "virtio-rng vhost-user backend.\n"
	       "  -s, --socket-path PATH     vhost-user socket, suffixed 0..N-1\n"
	       "  -c, --socket-count N       number of guests/sockets (1)\n"
	       "  -f, --filename FILE        random source (/dev/urandom); alias --rng-source\n"
	       "  -p, --period MS            rate-limit period in ms, 1..%d (%d)\n"
	       "  -m, --max-bytes N          bytes per period, shared evenly by the sockets\n"
	       "                             (unlimited)\n"
	       VHD_COMMON_USAGE
	       "  -h, --help                 this text\n",
	       prog, MAX_PERIOD_MS, MAX_PERIOD_MS);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket-path", required_argument, NULL, 's'},
		{"socket-count", required_argument, NULL, 'c'},
		{"filename", required_argument, NULL, 'f'},
		{"rng-source", required_argument, NULL, 'f'},
		{"period", required_argument, NULL, 'p'},
		{"max-bytes", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		VHD_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *source = "/dev/urandom";
	uint64_t count = 1, period = MAX_PERIOD_MS, max_bytes = UINT64_MAX;
	struct vhd_common_opts copts;
	struct rng_dev *devs;
	int c, shift, rc;
	unsigned int i;

	shift = vhd_eal_init(argc, argv);
	argc -= shift;
	argv += shift;
	vhd_common_opts_init(&copts, VHD_MODE_POLL);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:c:f:p:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'c':
			if (vhd_parse_u64(optarg, 1, MAX_SOCKETS, &count) != 0) {
				fprintf(stderr, "error: --socket-count takes 1..%d, not '%s'\n",
					MAX_SOCKETS, optarg);
				return 1;
			}
			break;
		case 'f':
			source = optarg;
			break;
		case 'p':
			if (vhd_parse_u64(optarg, 1, MAX_PERIOD_MS, &period) != 0) {
				fprintf(stderr, "error: --period takes 1..%d ms, not '%s'\n",
					MAX_PERIOD_MS, optarg);
				return 1;
			}
			break;
		case 'm':
			if (vhd_parse_u64(optarg, 1, UINT64_MAX, &max_bytes) != 0) {
				fprintf(stderr, "error: --max-bytes takes a positive number, not '%s'\n",
					optarg);
				return 1;
			}
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		case ':':
			fprintf(stderr, "error: option %s needs a value\n", argv[optind - 1]);
			return 1;
		case '?':
			fprintf(stderr, "error: unknown option %s (see --help)\n", argv[optind - 1]);
			return 1;
		default:
			if (vhd_common_opt(c, optarg, &copts) != 1)
				return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "error: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 1;
	}
	if (path == NULL) {
		fprintf(stderr, "error: --socket-path is required (see --help)\n");
		return 1;
	}
	if (max_bytes != UINT64_MAX && max_bytes / count == 0) {
		fprintf(stderr, "error: --max-bytes %llu is less than one byte per socket\n",
			(unsigned long long)max_bytes);
		return 1;
	}
	devs = calloc(count, sizeof(*devs));
	if (devs == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	for (i = 0; i < count; i++) {
		struct rng_source src;
		int rc = rng_source_open_file(&src, source);

		if (rc != 0) {
			fprintf(stderr, "error: cannot read random source %s: %s\n", source,
				strerror(-rc));
			goto fail;
		}
		rng_dev_init(&devs[i], &src, period,
			     max_bytes == UINT64_MAX ? UINT64_MAX : max_bytes / count);
	}
	if (vhd_dev_create_all(path, count, &rng_ops, devs, sizeof(*devs), &copts) != 0)
		goto fail;
	rc = vhd_run();
	for (i = 0; i < count; i++)
		rng_source_close(&devs[i].src);
	free(devs);
	return rc;
fail:
	vhd_abort();
	for (i = 0; i < count; i++)
		rng_source_close(&devs[i].src);
	free(devs);
	return 1;
}
