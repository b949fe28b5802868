/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-template [EAL options --] -s PATH [-c N] [--notify-every N]
 * Upstream's vhost-device-template takes -s/--socket-path only and uses the
 * path as given; so do we with one socket. -c N (ours) suffixes 0..N-1.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "vhd_vhost.h"

enum {
	OPT_NOTIFY_EVERY = 0x2000,
};

struct template_args {
	uint64_t notify_every;
};

static int
template_opt(void *ctx, int c, const char *arg)
{
	struct template_args *a = ctx;

	switch (c) {
	case OPT_NOTIFY_EVERY:
		if (vhd_parse_u64(arg, 1, UINT32_MAX, &a->notify_every) == 0)
			return 0;
		fprintf(stderr, "error: --notify-every takes 1..%u, not '%s'\n", UINT32_MAX, arg);
		return -1;
	default:
		return -1;
	}
}

static int
template_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
		size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct template_args *a = ctx;
	struct template_dev *d;

	(void)idx;
	/* one socket: the path as given, like upstream */
	if (o->socket_count == 1 && (size_t)snprintf(path, path_len, "%s", o->socket_path) >=
	    path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", o->socket_path);
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	template_dev_init(d, (uint32_t)a->notify_every);
	*ops = &template_ops;
	*priv = d;
	return 0;
}

static void
template_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	free(priv);
}

int
main(int argc, char **argv)
{
	/* the help text says the default */
	_Static_assert(TEMPLATE_NOTIFY_EVERY == 16, "--notify-every default in the help");
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket"},
		{'c', "socket-count", "N", "N devices on sockets PATH0..PATH<N-1> (1: PATH)"},
		{OPT_NOTIFY_EVERY, "notify-every", "N", "publish the request count in config space and\n"
		 "notify the frontend every N requests (16)"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [options]",
		.summary = "The template device (virtio id " VHD_STR(TEMPLATE_VIRTIO_ID)
			   "): echo, count, fail, delay",
		.opts = opts,
		.notes = "See docs/writing-a-device.md.",
		.examples = "-s /tmp/t.sock\n-s /tmp/t.sock -c 2 --notify-every 100",
		.qemu = "-chardev socket,id=t0,path=/tmp/t.sock\n"
			"-device vhost-user-test-device-pci,chardev=t0,virtio-id=37,num_vqs=1,"
			"config_size=8",
	};
	static struct template_args a = {TEMPLATE_NOTIFY_EVERY};
	static const struct vhd_app app = {
		.name = "template",
		.desc = {.mode = VHD_MODE_POLL, .opt = template_opt, .ctx = &a, .help = &help},
		.create = template_create,
		.destroy = template_destroy,
	};

	return vhd_app_main(argc, argv, &app);
}
