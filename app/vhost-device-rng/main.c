/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-rng [EAL options --] -s PATH [-c N] [-f FILE] [-p MS] [-m BYTES]
 * Options match rust-vmm's vhost-device-rng; sockets are PATH0..PATH<N-1>.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "vhd_vhost.h"

#define MAX_PERIOD_MS 65536 /* as upstream and QEMU */

enum {
	OPT_IO_URING = 0x2000,
};

struct rng_args {
	const char *source;
	uint64_t period;
	uint64_t max_bytes;
	bool io_uring;
};

static int
rng_opt(void *ctx, int c, const char *arg)
{
	struct rng_args *a = ctx;

	switch (c) {
	case 'f':
		a->source = arg;
		return 0;
	case 'p':
		if (vhd_parse_u64(arg, 1, MAX_PERIOD_MS, &a->period) == 0)
			return 0;
		fprintf(stderr, "error: --period takes 1..%d ms, not '%s'\n", MAX_PERIOD_MS, arg);
		return -1;
	case OPT_IO_URING:
		a->io_uring = true;
		return 0;
	case 'm':
		if (vhd_parse_u64(arg, 1, UINT64_MAX, &a->max_bytes) == 0)
			return 0;
		fprintf(stderr, "error: --max-bytes takes a positive number, not '%s'\n", arg);
		return -1;
	default:
		return -1;
	}
}

/* Checked once the whole command line is known. */
static int
rng_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct rng_args *a = ctx;

	if (a->max_bytes != UINT64_MAX && a->max_bytes / o->socket_count == 0) {
		fprintf(stderr, "error: --max-bytes %llu is less than one byte per socket\n",
			(unsigned long long)a->max_bytes);
		return -1;
	}
	return (int)o->socket_count;
}

static int
rng_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	   size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct rng_args *a = ctx;
	struct rng_source src;
	struct rng_dev *d;
	int rc;

	(void)idx;
	(void)path;
	(void)path_len;
	rc = rng_source_open_file(&src, a->source);
	if (rc != 0) {
		fprintf(stderr, "error: cannot read random source %s: %s\n", a->source,
			strerror(-rc));
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rng_source_close(&src);
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	/* the budget is shared evenly by the sockets, as upstream */
	rng_dev_init(d, &src, a->period,
		     a->max_bytes == UINT64_MAX ? UINT64_MAX : a->max_bytes / o->socket_count);
	if (a->io_uring && rng_dev_use_async(d, rng_source_fd(&src)) != 0) {
		rng_source_close(&src);
		free(d);
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	*ops = &rng_ops;
	*priv = d;
	return 0;
}

static void
rng_destroy(void *ctx, unsigned int idx, void *priv)
{
	struct rng_dev *d = priv;

	(void)ctx;
	(void)idx;
	rng_source_close(&d->src);
	rng_dev_fini(d);
	free(d);
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1"},
		{'c', "socket-count", "N", "number of guests/sockets (1)"},
		{'f', "filename", "FILE", "random source (/dev/urandom)"},
		{'f', "rng-source", "FILE", NULL},
		{'p', "period", "MS", "rate-limit period in ms, 1.." VHD_STR(MAX_PERIOD_MS) " ("
		 VHD_STR(MAX_PERIOD_MS) ")"},
		{'m', "max-bytes", "N", "bytes per period, shared evenly by the sockets\n"
		 "(unlimited)"},
		{OPT_IO_URING, "io-uring", NULL, "read requests over 256 B from the source through\n"
		 "the worker's io_uring instead of read() (for a\nfile on a disk)"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [options]",
		.summary = "virtio-rng vhost-user backend",
		.opts = opts,
		.examples = "-s /tmp/vrng.sock\n"
			    "-l 0,1 -- -s /tmp/vrng.sock -c 2 -m 4096 -p 1000",
		.qemu = "-chardev socket,id=vrng0,path=/tmp/vrng.sock0\n"
			"-device vhost-user-rng-pci,chardev=vrng0",
		.counters = "bytes, read_errors, throttled, async_reads (under rng)",
	};
	static struct rng_args a = {"/dev/urandom", MAX_PERIOD_MS, UINT64_MAX, false};
	static const struct vhd_app app = {
		.name = "rng",
		.desc = {.mode = VHD_MODE_POLL, .opt = rng_opt, .ctx = &a, .help = &help},
		.prepare = rng_prepare,
		.create = rng_create,
		.destroy = rng_destroy,
	};

	return vhd_app_main(argc, argv, &app);
}
