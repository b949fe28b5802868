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

#include "i2c_config.h"
#include "i2c_dev.h"
#include "i2c_linux.h"
#include "vhd_vhost.h"

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
	       prog, VHD_APP_MAX_SOCKETS, prog);
}

struct i2c_args {
	const char *list;
	struct i2c_cfg *cfg;
};

static int
i2c_opt(void *ctx, int c, const char *arg)
{
	struct i2c_args *a = ctx;

	switch (c) {
	case 'l':
		a->list = arg;
		return 0;
	case OPT_SIM_CLIENT:
		return i2c_cfg_parse_sim_client(a->cfg, arg) == 0 ? 0 : -1;
	default:
		return -1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"device-list", required_argument, NULL, 'l'},
		{"sim-client", required_argument, NULL, OPT_SIM_CLIENT},
		{NULL, 0, NULL, 0},
	};
	struct i2c_args a = {NULL, NULL};
	/* I2C is slow and bursty: sleeping on kicks costs nothing noticeable */
	const struct vhd_app_desc desc = {VHD_MODE_INTERRUPT, "l:", longopts, i2c_opt, usage, &a};
	const char *path, *list;
	struct vhd_app_opts o;
	struct vhd_common_opts copts;
	static struct i2c_map map;
	struct i2c_cfg *cfg;
	static struct i2c_dev *devs; /* static: devices keep pointers into it until exit */
	uint64_t count;
	unsigned int i;
	int c;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	i2c_cfg_init(cfg);
	a.cfg = cfg;
	c = vhd_app_parse(argc, argv, &desc, &o);
	if (c != 0) {
		i2c_cfg_fini(cfg);
		free(cfg);
		return c > 0 ? 0 : 1;
	}
	path = o.socket_path;
	count = o.socket_count;
	copts = o.common;
	list = a.list;
	if (list == NULL) {
		fprintf(stderr, "error: --device-list is required (see --help)\n");
		goto fail;
	}
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
