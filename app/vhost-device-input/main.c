/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-input [EAL options --] -s PATH -e LIST [--grab] [--sim-control PATH]
 * Options match rust-vmm's vhost-device-input: one device of the
 * comma-separated LIST per socket, sockets PATH0..PATH<N-1>. Besides host
 * /dev/input/eventN nodes the list takes simulated devices (sim-keyboard,
 * sim-mouse, sim-tablet, sim-touch), driven through --sim-control sockets.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_dev.h"
#include "vhd_vhost.h"

enum {
	OPT_SIM_CONTROL = 0x2000,
	OPT_GRAB,
};

struct input_args {
	const char *list;
	const char *ctl;
	bool grab;
	char *items[VHD_APP_MAX_SOCKETS];
	char *copy;
};

static int
input_opt(void *ctx, int c, const char *arg)
{
	struct input_args *a = ctx;

	switch (c) {
	case 'e':
		a->list = arg;
		return 0;
	case OPT_SIM_CONTROL:
		a->ctl = arg;
		return 0;
	case OPT_GRAB:
		a->grab = true;
		return 0;
	default:
		return -1;
	}
}

static int
input_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct input_args *a = ctx;
	enum input_sim_kind k;
	char *save = NULL, *t;
	int n = 0;

	if (a->list == NULL) {
		fprintf(stderr, "error: --event-list is required (see --help)\n");
		return -1;
	}
	a->copy = strdup(a->list);
	if (a->copy == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	for (t = strtok_r(a->copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == VHD_APP_MAX_SOCKETS) {
			fprintf(stderr, "error: --event-list: more than %d devices\n",
				VHD_APP_MAX_SOCKETS);
			return -1;
		}
		if (strncmp(t, "sim-", 4) == 0 && input_sim_kind_parse(t, &k) != 0) {
			fprintf(stderr, "error: --event-list: unknown simulated device '%s'\n", t);
			return -1;
		}
		if (strncmp(t, "sim-", 4) != 0 && t[0] != '/') {
			fprintf(stderr, "error: --event-list: '%s' is neither a path nor sim-*\n",
				t);
			return -1;
		}
		a->items[n++] = t;
	}
	if (n == 0) {
		fprintf(stderr, "error: --event-list is empty\n");
		return -1;
	}
	if (o->socket_count != 1 && o->socket_count != (unsigned int)n) {
		fprintf(stderr, "error: --socket-count is %u but --event-list has %d devices\n",
			o->socket_count, n);
		return -1;
	}
	return n;
}

static int
input_create(void *ctx, unsigned int i, const struct vhd_app_opts *o, char *path,
	     size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct input_args *a = ctx;
	struct input_src *src = NULL;
	enum input_sim_kind k;
	struct input_dev *d;
	char ctl_name[4096];
	int rc;

	(void)o;
	(void)path;
	(void)path_len;
	if (input_sim_kind_parse(a->items[i], &k) == 0) {
		if (a->ctl != NULL &&
		    vhd_socket_name(ctl_name, sizeof(ctl_name), a->ctl, i) != 0) {
			fprintf(stderr, "error: --sim-control path too long\n");
			return -1;
		}
		rc = input_sim_create(k, a->ctl != NULL ? ctl_name : NULL, &src);
		if (rc != 0) {
			fprintf(stderr, "error: %s: %s%s%s\n", a->items[i], strerror(-rc),
				a->ctl != NULL ? " at " : "", a->ctl != NULL ? ctl_name : "");
			return -1;
		}
	} else {
		rc = input_evdev_create(a->items[i], a->grab, NULL, &src);
		if (rc != 0) {
			fprintf(stderr, "error: cannot open %s: %s\n", a->items[i], strerror(-rc));
			return -1;
		}
	}
	d = input_dev_create(src, 0);
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	*ops = &input_dev_ops;
	*priv = d;
	return 0;
}

static void
input_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	input_dev_destroy(priv);
}

static void
input_cleanup(void *ctx)
{
	struct input_args *a = ctx;

	free(a->copy);
	a->copy = NULL;
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1 (one per device)"},
		{'e', "event-list", "LIST", "comma-separated devices, one per socket: host\n"
		 "/dev/input/eventN nodes or simulated sim-keyboard,\n"
		 "sim-mouse, sim-tablet, sim-touch"},
		{OPT_GRAB, "grab", NULL, "take host devices exclusively (EVIOCGRAB): the\n"
		 "host stops seeing their events"},
		{OPT_SIM_CONTROL, "sim-control", "PATH", "control sockets of simulated devices, suffixed\n"
		 "with the socket index; lines \"key C V\",\n"
		 "\"rel C V\", \"abs C V\", \"ev T C V\", \"syn\",\n"
		 "\"leds\""},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH -e LIST [options]",
		.summary = "virtio-input vhost-user backend",
		.opts = opts,
		.examples = "-s /tmp/input.sock -e /dev/input/event3 --grab\n"
			    "-s /tmp/input.sock -e sim-keyboard,sim-mouse --sim-control /tmp/input.ctl",
		.qemu = "-chardev socket,id=in0,path=/tmp/input.sock0\n"
			"-device vhost-user-input-pci,chardev=in0",
		.counters = "events_in, events_out, batches, batches_dropped, resyncs, "
			    "bad_event_bufs, status_events, bad_status_bufs (under input)",
	};
	static struct input_args a;
	/* Input waits on the user: sleep on kicks by default. */
	static const struct vhd_app app = {
		.name = "input",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = input_opt, .ctx = &a, .help = &help},
		.prepare = input_prepare,
		.create = input_create,
		.destroy = input_destroy,
		.cleanup = input_cleanup,
	};

	return vhd_app_main(argc, argv, &app);
}
