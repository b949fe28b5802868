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
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_dev.h"
#include "vhd_vhost.h"

enum {
	OPT_SIM_CONTROL = 0x2000,
};

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options --] -s PATH -l LIST [options]\n"
	       "virtio-gpio vhost-user backend.\n"
	       "  -s, --socket-path PATH     vhost-user socket, suffixed 0..N-1\n"
	       "  -c, --socket-count N       number of guests/sockets (1)\n"
	       "  -l, --device-list LIST     one GPIO chip per socket, ':' separated: a host\n"
	       "                             /dev/gpiochip number or s<lines> for a simulated\n"
	       "                             chip, e.g. \"0:4:s8\"\n"
	       "      --sim-control PATH     control sockets of simulated chips, suffixed\n"
	       "                             with the socket index; text commands\n"
	       "                             \"set <line> <0|1>\" and \"get <line>\"\n"
	       VHD_COMMON_USAGE
	       "  -h, --help                 this text\n"
	       "host chips need libgpiod: %s\n",
	       prog, gpio_gpiod_available() ? "built in" : "not in this build");
}

struct gpio_args {
	const char *list;
	const char *ctl;
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"device-list", required_argument, NULL, 'l'},
		{"sim-control", required_argument, NULL, OPT_SIM_CONTROL},
		{NULL, 0, NULL, 0},
	};
	struct gpio_args a = {NULL, NULL};
	/* GPIO is low-rate and waits on the guest: sleep on kicks by default. */
	const struct vhd_app_desc desc = {VHD_MODE_INTERRUPT, "l:", longopts, gpio_opt, usage, &a};
	struct gpio_chip_spec specs[VHD_APP_MAX_SOCKETS];
	struct gpio_dev *devs[VHD_APP_MAX_SOCKETS];
	const char *path, *list, *ctl;
	struct vhd_app_opts o;
	uint64_t count;
	char msg[160];
	int n, rc;
	unsigned int i, ndevs;

	rc = vhd_app_parse(argc, argv, &desc, &o);
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	path = o.socket_path;
	count = o.socket_count;
	list = a.list;
	ctl = a.ctl;
	if (list == NULL) {
		fprintf(stderr, "error: --device-list is required (see --help)\n");
		return 1;
	}
	n = gpio_parse_device_list(list, specs, VHD_APP_MAX_SOCKETS, msg, sizeof(msg));
	if (n < 0) {
		fprintf(stderr, "error: --device-list: %s\n", msg);
		return 1;
	}
	if ((uint64_t)n != count) {
		fprintf(stderr, "error: --socket-count is %llu but --device-list has %d device%s\n",
			(unsigned long long)count, n, n == 1 ? "" : "s");
		return 1;
	}
	for (ndevs = 0; ndevs < count; ndevs++) {
		struct gpio_chip *chip = NULL;
		char ctl_name[4096];

		i = ndevs;
		if (ctl != NULL && vhd_socket_name(ctl_name, sizeof(ctl_name), ctl, i) != 0) {
			fprintf(stderr, "error: --sim-control path too long\n");
			goto fail;
		}
		rc = gpio_chip_open_spec(&specs[i], ctl != NULL ? ctl_name : NULL, &chip);
		if (rc != 0) {
			if (specs[i].sim)
				fprintf(stderr, "error: simulated chip %u: %s%s%s\n", i,
					strerror(-rc), ctl != NULL ? " at " : "",
					ctl != NULL ? ctl_name : "");
			else
				fprintf(stderr, "error: cannot open /dev/gpiochip%u: %s\n",
					specs[i].num,
					rc == -ENOTSUP ? "built without libgpiod" : strerror(-rc));
			goto fail;
		}
		devs[i] = gpio_dev_create(chip);
		if (devs[i] == NULL) {
			fprintf(stderr, "error: out of memory\n");
			goto fail;
		}
		if (vhd_dev_create_nth(path, i, &gpio_dev_ops, devs[i], &o.common) == NULL) {
			gpio_dev_destroy(devs[i]);
			goto fail;
		}
	}
	rc = vhd_run();
	/* Workers are joined: the chips can go, sim control sockets are removed. */
	for (i = 0; i < ndevs; i++)
		gpio_dev_destroy(devs[i]);
	return rc;
fail:
	/* Sockets of the devices created so far go first, then their chips. */
	vhd_abort();
	for (i = 0; i < ndevs; i++)
		gpio_dev_destroy(devs[i]);
	return 1;
}
