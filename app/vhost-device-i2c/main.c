/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-i2c [EAL options --] -s PATH [-c N] -l LIST [--sim-client ADDR=TYPE[:FILE]]...
 * Options match rust-vmm's vhost-device-i2c; sockets are PATH0..PATH<N-1>, and every
 * guest sees the same bus, as upstream. Simulated buses and clients are our addition.
 */

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i2c_config.h"
#include "i2c_dev.h"
#include "i2c_linux.h"
#include "vhd_vhost.h"

#define MAX_SOCKETS 64

enum {
	OPT_SIM_CLIENT = 0x2000,
};

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options --] -s PATH -l LIST [options]\n"
	       "virtio-i2c vhost-user backend.\n"
	       "  -s, --socket-path PATH     vhost-user socket, suffixed 0..N-1\n"
	       "  -c, --socket-count N       number of guests/sockets, 1..%d (1); all see the\n"
	       "                             same bus\n"
	       "  -l, --device-list LIST     BUS:ADDR[:ADDR...][,BUS:ADDR[:ADDR...]...]\n"
	       "                             BUS: host adapter number (2 is /dev/i2c-2), host\n"
	       "                             adapter name (/sys/bus/i2c/devices/i2c-N/name), or\n"
	       "                             simN for simulated bus N.\n"
	       "                             ADDR: 7-bit client address, decimal (32 is 0x20)\n"
	       "                             or 0x-prefixed hex; each address once in the list.\n"
	       "      --sim-client ADDR=TYPE[:FILE]\n"
	       "                             simulated client at ADDR, which must be listed on\n"
	       "                             a simN bus; repeat for each. TYPE:\n"
	       "                               24c02  256-byte EEPROM, 8-byte pages; FILE keeps\n"
	       "                                      its contents (created erased, 256 bytes)\n"
	       "                               regs   256 8-bit registers, auto-increment\n"
	       VHD_COMMON_USAGE
	       "  -h, --help                 this text\n"
	       "Example: %s -s /tmp/i2c.sock -l 1:32,sim0:0x50:0x20 \\\n"
	       "             --sim-client 0x50=24c02:/tmp/eeprom.bin --sim-client 0x20=regs\n",
	       prog, MAX_SOCKETS, prog);
}

/* As upstream: a socket in a missing directory is one clear error, not a bind failure. */
static int
check_socket_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t n;

	if (slash == NULL)
		return 0;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		fprintf(stderr, "error: --socket-path too long\n");
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "error: --socket-path %s: directory %s does not exist\n", path,
			dir);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket-path", required_argument, NULL, 's'},
		{"socket-count", required_argument, NULL, 'c'},
		{"device-list", required_argument, NULL, 'l'},
		{"sim-client", required_argument, NULL, OPT_SIM_CLIENT},
		{"help", no_argument, NULL, 'h'},
		VHD_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *list = NULL;
	struct vhd_common_opts copts;
	static struct i2c_map map;
	struct i2c_cfg *cfg;
	static struct i2c_dev *devs; /* static: devices keep pointers into it until exit */
	uint64_t count = 1;
	unsigned int i;
	int c, shift;

	shift = vhd_eal_init(argc, argv);
	argc -= shift;
	argv += shift;
	/* I2C is slow and bursty: sleeping on kicks costs nothing noticeable */
	vhd_common_opts_init(&copts, VHD_MODE_INTERRUPT);
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	i2c_cfg_init(cfg);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:c:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'c':
			if (vhd_parse_u64(optarg, 1, MAX_SOCKETS, &count) != 0) {
				fprintf(stderr, "error: --socket-count takes 1..%d, not '%s'\n",
					MAX_SOCKETS, optarg);
				goto fail;
			}
			break;
		case 'l':
			list = optarg;
			break;
		case OPT_SIM_CLIENT:
			if (i2c_cfg_parse_sim_client(cfg, optarg) != 0)
				goto fail;
			break;
		case 'h':
			usage(argv[0]);
			i2c_cfg_fini(cfg);
			free(cfg);
			return 0;
		case ':':
			fprintf(stderr, "error: option %s needs a value\n", argv[optind - 1]);
			goto fail;
		case '?':
			fprintf(stderr, "error: unknown option %s (see --help)\n",
				argv[optind - 1]);
			goto fail;
		default:
			if (vhd_common_opt(c, optarg, &copts) != 1)
				goto fail;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "error: unexpected argument '%s' (see --help)\n", argv[optind]);
		goto fail;
	}
	if (path == NULL) {
		fprintf(stderr, "error: --socket-path is required (see --help)\n");
		goto fail;
	}
	if (list == NULL) {
		fprintf(stderr, "error: --device-list is required (see --help)\n");
		goto fail;
	}
	if (check_socket_dir(path) != 0)
		goto fail;
	/* every check that needs no hardware runs before any adapter is opened */
	if (i2c_cfg_parse_list(cfg, list) != 0 ||
	    i2c_cfg_build(cfg, &i2c_linux_sys_default, &map) != 0)
		goto fail;
	i2c_cfg_fini(cfg);
	free(cfg);
	devs = calloc(count, sizeof(*devs));
	if (devs == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	for (i = 0; i < count; i++)
		i2c_dev_init(&devs[i], &map);
	if (vhd_dev_create_all(path, (unsigned int)count, &i2c_dev_ops, devs, sizeof(*devs),
			       &copts) != 0)
		return 1;
	c = vhd_run();
	for (i = 0; i < count; i++)
		i2c_dev_fini(&devs[i]);
	free(devs);
	i2c_map_fini(&map);
	return c;
fail:
	/* nothing was opened: i2c_cfg_build() closes what it opened when it fails */
	i2c_cfg_fini(cfg);
	free(cfg);
	return 1;
}
