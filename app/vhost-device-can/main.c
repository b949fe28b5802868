/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-can [EAL options --] -s PATH [-c N] -d "IF..." [--sim-control PATH]
 * Options match rust-vmm's vhost-device-can: one CAN interface of the list
 * per socket, sockets PATH0..PATH<N-1>. "sim:NAME" entries are nodes of an
 * in-process simulated bus NAME; --sim-control gives those buses one control
 * socket (inject frames, bus-off, watch the traffic).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_dev.h"
#include "can_linux.h"
#include "can_sim.h"
#include "vhd_vhost.h"

enum {
	OPT_SIM_CONTROL = 0x2000,
};

#define CAN_APP_MAX_NAME 64

struct can_args {
	const char *list;
	const char *ctl;
	unsigned int n;
	char names[VHD_APP_MAX_SOCKETS][CAN_APP_MAX_NAME];
	struct can_sim *sim;
};

static int
can_opt(void *ctx, int c, const char *arg)
{
	struct can_args *a = ctx;

	switch (c) {
	case 'd':
		a->list = arg;
		return 0;
	case OPT_SIM_CONTROL:
		a->ctl = arg;
		return 0;
	default:
		return -1;
	}
}

static int
can_split(struct can_args *a)
{
	const char *s = a->list;
	size_t len;

	a->n = 0;
	while (*s != '\0') {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (a->n == VHD_APP_MAX_SOCKETS || len >= CAN_APP_MAX_NAME) {
			fprintf(stderr, "error: --can-devices: %s\n",
				a->n == VHD_APP_MAX_SOCKETS ? "too many devices" :
							      "interface name too long");
			return -1;
		}
		memcpy(a->names[a->n], s, len);
		a->names[a->n][len] = '\0';
		a->n++;
		s += len;
	}
	return 0;
}

static int
can_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct can_args *a = ctx;
	unsigned int i;
	bool sim = false;
	int rc;

	if (a->list == NULL) {
		fprintf(stderr, "error: --can-devices is required (see --help)\n");
		return -1;
	}
	if (can_split(a) != 0)
		return -1;
	if (a->n == 0) {
		fprintf(stderr, "error: --can-devices lists no interface\n");
		return -1;
	}
	if (a->n != o->socket_count) {
		fprintf(stderr, "error: --socket-count is %u but --can-devices has %u device%s\n",
			o->socket_count, a->n, a->n == 1 ? "" : "s");
		return -1;
	}
	for (i = 0; i < a->n; i++)
		sim |= strncmp(a->names[i], "sim:", 4) == 0;
	if (a->ctl != NULL && !sim) {
		fprintf(stderr, "error: --sim-control needs a sim:NAME device\n");
		return -1;
	}
	if (sim) {
		rc = can_sim_create(a->ctl, &a->sim);
		if (rc != 0) {
			fprintf(stderr, "error: simulated bus control socket %s: %s\n",
				a->ctl, strerror(-rc));
			return -1;
		}
	}
	return (int)a->n;
}

static int
can_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	   size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct can_args *a = ctx;
	const char *name = a->names[idx];
	struct can_port *port = NULL;
	struct can_dev *dev;
	int rc;

	(void)o;
	(void)path;
	(void)path_len;
	if (strncmp(name, "sim:", 4) == 0) {
		rc = can_sim_port_open(a->sim, name + 4, &port);
		if (rc != 0) {
			fprintf(stderr, "error: simulated bus '%s': %s\n", name + 4,
				rc == -EINVAL ? "bad name" : strerror(-rc));
			return -1;
		}
	} else {
		rc = can_linux_open(&can_linux_sys_default, name, &port);
		if (rc != 0) {
			fprintf(stderr, "error: cannot open CAN interface %s: %s\n", name,
				rc == -EAFNOSUPPORT ? "no SocketCAN (PF_CAN) in this kernel" :
				rc == -ENODEV ? "no such interface" : strerror(-rc));
			return -1;
		}
	}
	dev = can_dev_create(port);
	if (dev == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	*ops = &can_dev_ops;
	*priv = dev;
	return 0;
}

static void
can_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	can_dev_destroy(priv);
}

static void
can_cleanup(void *ctx)
{
	struct can_args *a = ctx;

	can_sim_destroy(a->sim);
	a->sim = NULL;
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1"},
		{'c', "socket-count", "N", "number of guests/sockets (1); must match LIST"},
		{'d', "can-devices", "LIST", "one CAN interface per socket, space separated:\n"
		 "a SocketCAN interface (\"can0\") or sim:NAME, a\n"
		 "node of the simulated bus NAME in this process,\n"
		 "e.g. \"can0 sim:bus0 sim:bus0\""},
		{OPT_SIM_CONTROL, "sim-control", "PATH", "control socket of the simulated buses; text\n"
		 "commands \"send [BUS] 123#DEADBEEF\" (cansend\n"
		 "syntax: 1F334455#R, FD 123##1AABB), \"error busoff\n"
		 "[BUS]\", \"error restart [BUS]\", \"pause [BUS]\",\n"
		 "\"resume [BUS]\", \"monitor\" (bus traffic in\n"
		 "candump log format)"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH -d LIST [options]",
		.summary = "virtio-can vhost-user backend",
		.opts = opts,
		.examples = "-s /tmp/can.sock -d can0\n"
			    "-s /tmp/can.sock -c 2 -d \"sim:bus0 sim:bus0\" --sim-control /tmp/can.ctl",
		.qemu = "-chardev socket,id=can0,path=/tmp/can.sock0\n"
			"-device vhost-user-test-device-pci,chardev=can0,virtio-id=36,num_vqs=3,"
			"config_size=2",
		.counters = "tx_frames, tx_rejected, tx_stopped, tx_failed, tx_cancelled, "
			    "tx_late_acks, tx_ack_timeouts, tx_dropped, rx_frames, rx_filtered, "
			    "rx_stopped, rx_overrun (under can)",
	};
	static struct can_args a;
	/* CAN traffic is bursty and waits on the bus: sleep on kicks and fds by default. */
	const struct vhd_app app = {
		.name = "can",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = can_opt, .ctx = &a, .help = &help},
		.prepare = can_prepare,
		.create = can_create,
		.destroy = can_destroy,
		.cleanup = can_cleanup,
	};

	return vhd_app_main(argc, argv, &app);
}
