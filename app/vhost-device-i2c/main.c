/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-i2c [EAL options --] -s PATH [-c N] -l LIST [--sim-client ADDR=TYPE[:FILE]]...
 * Options match rust-vmm's vhost-device-i2c; sockets are PATH0..PATH<N-1>, and every
 * guest sees the same bus, as upstream. Simulated buses and clients are our addition.
 */

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

struct i2c_args {
	const char *list;
	struct i2c_cfg cfg;
	struct i2c_map map; /* every guest sees the same bus */
	bool map_built;
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
		return i2c_cfg_parse_sim_client(&a->cfg, arg) == 0 ? 0 : -1;
	default:
		return -1;
	}
}

/* Every check that needs no hardware runs before any adapter is opened. */
static int
i2c_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct i2c_args *a = ctx;

	if (a->list == NULL) {
		fprintf(stderr, "error: --device-list is required (see --help)\n");
		return -1;
	}
	/* i2c_cfg_build() closes what it opened when it fails */
	if (i2c_cfg_parse_list(&a->cfg, a->list) != 0 ||
	    i2c_cfg_build(&a->cfg, &i2c_linux_sys_default, &a->map) != 0)
		return -1;
	a->map_built = true;
	return (int)o->socket_count;
}

static int
i2c_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	   size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct i2c_args *a = ctx;
	struct i2c_dev *d = calloc(1, sizeof(*d));

	(void)idx;
	(void)o;
	(void)path;
	(void)path_len;
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	i2c_dev_init(d, &a->map);
	*ops = &i2c_dev_ops;
	*priv = d;
	return 0;
}

static void
i2c_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	i2c_dev_fini(priv);
	free(priv);
}

static void
i2c_cleanup(void *ctx)
{
	struct i2c_args *a = ctx;

	i2c_cfg_fini(&a->cfg);
	if (a->map_built)
		i2c_map_fini(&a->map);
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1"},
		{'c', "socket-count", "N", "number of guests/sockets, 1.." VHD_STR(VHD_APP_MAX_SOCKETS)
		 " (1); all see the\nsame bus"},
		{'l', "device-list", "LIST", "BUS:ADDR[:ADDR...][,BUS:ADDR[:ADDR...]...]\n"
		 "BUS: host adapter number (2 is /dev/i2c-2), host\n"
		 "adapter name (/sys/bus/i2c/devices/i2c-N/name), or\n"
		 "simN for simulated bus N.\n"
		 "ADDR: 7-bit client address, decimal (32 is 0x20)\n"
		 "or 0x-prefixed hex; each address once in the list."},
		{OPT_SIM_CLIENT, "sim-client", "ADDR=TYPE[:FILE]",
		 "simulated client at ADDR, which must be listed on\n"
		 "a simN bus; repeat for each. TYPE:\n"
		 "  24c02  256-byte EEPROM, 8-byte pages; FILE keeps\n"
		 "         its contents (created erased, 256 bytes)\n"
		 "  regs   256 8-bit registers, auto-increment"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH -l LIST [options]",
		.summary = "virtio-i2c vhost-user backend",
		.opts = opts,
		.examples = "-s /tmp/i2c.sock -l 1:32,sim0:0x50:0x20 \\\n"
			    "  --sim-client 0x50=24c02:/tmp/eeprom.bin --sim-client 0x20=regs",
		.qemu = "-chardev socket,id=i2c0,path=/tmp/i2c.sock0\n"
			"-device vhost-user-i2c-pci,chardev=i2c0",
		.counters = "requests, xfers, xfer_errors, msg_ok, msg_err, bad_addr, malformed, "
			    "no_status, skipped, offloaded (under i2c)",
	};
	static struct i2c_args a;
	/* I2C is slow and bursty: sleeping on kicks costs nothing noticeable */
	static const struct vhd_app app = {
		.name = "i2c",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = i2c_opt, .ctx = &a, .help = &help},
		.prepare = i2c_prepare,
		.create = i2c_create,
		.destroy = i2c_destroy,
		.cleanup = i2c_cleanup,
	};
	int rc;

	i2c_cfg_init(&a.cfg);
	rc = vhd_app_main(argc, argv, &app);
	i2c_cfg_fini(&a.cfg); /* also after a bad command line (cleanup() did not run) */
	return rc;
}
