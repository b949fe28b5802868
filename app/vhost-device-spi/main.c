/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-spi [EAL options --] -s PATH [-c N] -l LIST
 * Options match rust-vmm's vhost-device-spi; sockets are PATH0..PATH<N-1>
 * and every guest sees the same chip selects. Several chip selects and
 * simulated devices in the list are our addition.
 */

#include <stdio.h>
#include <stdlib.h>

#include "spi_config.h"
#include "spi_dev.h"
#include "vhd_vhost.h"

struct spi_app {
	const char *list;
	struct spi_cfg cfg;
};

static int
spi_opt(void *ctx, int c, const char *arg)
{
	struct spi_app *a = ctx;

	if (c != 'l')
		return -1;
	a->list = arg;
	return 0;
}

static int
spi_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct spi_app *a = ctx;

	if (a->list == NULL) {
		fprintf(stderr, "error: --device is required (see --help)\n");
		return -1;
	}
	if (spi_cfg_parse(&a->cfg, a->list) != 0 ||
	    spi_cfg_prepare(&a->cfg, &spi_linux_sys_default) != 0)
		return -1;
	return (int)o->socket_count;
}

static int
spi_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	   size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct spi_app *a = ctx;
	struct spi_target *t[SPI_MAX_CS];
	struct spi_dev *d;

	(void)idx;
	(void)o;
	(void)path;
	(void)path_len;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	if (spi_cfg_targets(&a->cfg, t) != 0) {
		free(d);
		return -1;
	}
	spi_dev_init(d, t, a->cfg.n);
	*ops = &spi_dev_ops;
	*priv = d;
	return 0;
}

static void
spi_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	spi_dev_fini(priv);
	free(priv);
}

static void
spi_cleanup(void *ctx)
{
	spi_cfg_fini(&((struct spi_app *)ctx)->cfg);
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1"},
		{'c', "socket-count", "N", "number of guests/sockets, 1.." VHD_STR(VHD_APP_MAX_SOCKETS)
		 " (1); all see the\nsame chip selects"},
		{'l', "device", "LIST", "chip selects 0, 1, ... separated by ',' (at most "
		 VHD_STR(SPI_MAX_CS) "):\n"
		 "  /dev/spidevB.C   a host spidev node\n"
		 "  sim:flash[:FILE] simulated 1 MiB JEDEC SPI NOR\n"
		 "                   flash (id ef 40 14); FILE keeps\n"
		 "                   it (created erased)\n"
		 "  sim:loopback     rx = tx\n"
		 "  sim:regs         128 registers; first byte: bit 7\n"
		 "                   read, bits 6..0 register"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH -l LIST [options]",
		.summary = "virtio-spi vhost-user backend",
		.opts = opts,
		.notes = "cs_change has virtio's meaning: 1 deasserts the chip select after the "
			 "transfer,\n0 keeps it asserted into the next transfer.",
		.examples = "-s /tmp/spi.sock -l /dev/spidev0.0,sim:flash:/var/tmp/flash.bin",
		.qemu = "-chardev socket,id=spi0,path=/tmp/spi.sock0\n"
			"-device vhost-user-test-device-pci,chardev=spi0,virtio-id=45,num_vqs=1,"
			"config_size=32",
		.counters = "requests, trans_ok, param_err, trans_err, busy, no_status, bytes, "
			    "cs_held, cs_forced, offloaded (under spi)",
	};
	static struct spi_app a;
	/* SPI is slow and bursty for guests: sleeping on kicks costs nothing noticeable */
	static const struct vhd_app app = {
		.name = "spi",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = spi_opt, .ctx = &a, .help = &help},
		.prepare = spi_prepare,
		.create = spi_create,
		.destroy = spi_destroy,
		.cleanup = spi_cleanup,
	};

	return vhd_app_main(argc, argv, &app);
}
