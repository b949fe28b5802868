/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-gpio [EAL options --] -s PATH [-c N] -l LIST [--sim-control PATH]
 * Options match rust-vmm's vhost-device-gpio: one chip of LIST per socket,
 * sockets PATH0..PATH<N-1>. Simulated chips ("s8") are always built in here;
 * --sim-control gives them control sockets so that tests and demos can drive
 * their input lines.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_dev.h"
#include "vhd_vhost.h"

enum {
	OPT_SIM_CONTROL = 0x2000,
};

struct gpio_args {
	const char *list;
	const char *ctl;
	struct gpio_chip_spec specs[VHD_APP_MAX_SOCKETS];
};

static int
gpio_opt(void *ctx, int c, const char *arg)
{
	struct gpio_args *a = ctx;

	switch (c) {
	case 'l':
		a->list = arg;
		return 0;
	case OPT_SIM_CONTROL:
		a->ctl = arg;
		return 0;
	default:
		return -1;
	}
}

/* One chip of the list per socket. */
static int
gpio_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct gpio_args *a = ctx;
	char msg[160];
	int n;

	if (a->list == NULL) {
		fprintf(stderr, "error: --device-list is required (see --help)\n");
		return -1;
	}
	n = gpio_parse_device_list(a->list, a->specs, VHD_APP_MAX_SOCKETS, msg, sizeof(msg));
	if (n < 0) {
		fprintf(stderr, "error: --device-list: %s\n", msg);
		return -1;
	}
	if ((unsigned int)n != o->socket_count) {
		fprintf(stderr, "error: --socket-count is %u but --device-list has %d device%s\n",
			o->socket_count, n, n == 1 ? "" : "s");
		return -1;
	}
	return n;
}

static int
gpio_create(void *ctx, unsigned int i, const struct vhd_app_opts *o, char *path,
	    size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct gpio_args *a = ctx;
	struct gpio_chip *chip = NULL;
	struct gpio_dev *d;
	char ctl_name[4096];
	int rc;

	(void)o;
	(void)path;
	(void)path_len;
	if (a->ctl != NULL && vhd_socket_name(ctl_name, sizeof(ctl_name), a->ctl, i) != 0) {
		fprintf(stderr, "error: --sim-control path too long\n");
		return -1;
	}
	rc = gpio_chip_open_spec(&a->specs[i], a->ctl != NULL ? ctl_name : NULL, &chip);
	if (rc != 0) {
		if (a->specs[i].sim)
			fprintf(stderr, "error: simulated chip %u: %s%s%s\n", i, strerror(-rc),
				a->ctl != NULL ? " at " : "", a->ctl != NULL ? ctl_name : "");
		else
			fprintf(stderr, "error: cannot open /dev/gpiochip%u: %s\n", a->specs[i].num,
				rc == -ENOTSUP ? "built without libgpiod" : strerror(-rc));
		return -1;
	}
	d = gpio_dev_create(chip);
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	*ops = &gpio_dev_ops;
	*priv = d;
	return 0;
}

/* After the workers stopped: the chip goes, a sim control socket is removed. */
static void
gpio_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	gpio_dev_destroy(priv);
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1"},
		{'c', "socket-count", "N", "number of guests/sockets (1)"},
		{'l', "device-list", "LIST", "one GPIO chip per socket, ':' separated: a host\n"
		 "/dev/gpiochip number or s<lines> for a simulated\n"
		 "chip, e.g. \"0:4:s8\""},
		{OPT_SIM_CONTROL, "sim-control", "PATH", "control sockets of simulated chips, suffixed\n"
		 "with the socket index; text commands\n"
		 "\"set <line> <0|1>\" and \"get <line>\""},
		{0, NULL, NULL, NULL},
	};
	static struct vhd_help help = {
		.synopsis = "-s PATH -l LIST [options]",
		.summary = "virtio-gpio vhost-user backend",
		.opts = opts,
		.examples = "-s /tmp/gpio.sock -l 0\n"
			    "-s /tmp/gpio.sock -c 2 -l s8:s16 --sim-control /tmp/gpio.ctl",
		.qemu = "-chardev socket,id=gpio0,path=/tmp/gpio.sock0\n"
			"-device vhost-user-gpio-pci,chardev=gpio0",
		.counters = "requests, errors, dropped, irq_valid, irq_invalid, chip_events "
			    "(under gpio)",
	};
	static struct gpio_args a;
	/* GPIO is low-rate and waits on the guest: sleep on kicks by default. */
	static const struct vhd_app app = {
		.name = "gpio",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = gpio_opt, .ctx = &a, .help = &help},
		.prepare = gpio_prepare,
		.create = gpio_create,
		.destroy = gpio_destroy,
	};

	help.notes = gpio_gpiod_available() ? "host chips need libgpiod: built in" :
					      "host chips need libgpiod: not in this build";
	return vhd_app_main(argc, argv, &app);
}
