/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-scsi [EAL options --] -s PATH [options] [IMAGE...]
 * Upstream's options: -s/--socket-path (used as given), -r/--read-only,
 * --solid-state, image paths as LUN 0..n-1 of target 0 (at most 256).
 * Ours: --num-queues, --queue-size, --block-size, --cache, per-image
 * options (PATH,block-size=4096,read-only), "ram:SIZE" images, and -c N
 * (devices on PATH0..PATH<N-1>, each with the same images: only useful
 * with read-only or RAM images).
 */

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi.h"
#include "scsi_lun.h"
#include "vhd_vhost.h"

enum {
	OPT_SOLID = 0x2000,
	OPT_NUM_QUEUES,
	OPT_QUEUE_SIZE,
	OPT_BLOCK_SIZE,
	OPT_CACHE,
	OPT_CONTROL,
};

struct scsi_args {
	bool read_only;
	bool solid;
	bool direct;
	uint64_t num_queues;
	uint64_t queue_size;
	uint32_t block_size;
	const char *control;
	unsigned int nimages;
	const char *images[SCSI_MAX_LUNS + 1];
};

static int
scsi_opt(void *ctx, int c, const char *arg)
{
	struct scsi_args *a = ctx;
	uint64_t v;

	switch (c) {
	case 'r':
		a->read_only = true;
		return 0;
	case OPT_SOLID:
		a->solid = true;
		return 0;
	case OPT_NUM_QUEUES:
		if (vhd_parse_u64(arg, 1, SCSI_MAX_REQ_QUEUES, &a->num_queues) == 0)
			return 0;
		fprintf(stderr, "error: --num-queues takes 1..%d, not '%s'\n",
			SCSI_MAX_REQ_QUEUES, arg);
		return -1;
	case OPT_QUEUE_SIZE:
		if (vhd_parse_u64(arg, 1, 32768, &a->queue_size) == 0)
			return 0;
		fprintf(stderr, "error: --queue-size takes 1..32768, not '%s'\n", arg);
		return -1;
	case OPT_BLOCK_SIZE:
		if (vhd_parse_u64(arg, 512, 4096, &v) == 0 && (v == 512 || v == 4096)) {
			a->block_size = (uint32_t)v;
			return 0;
		}
		fprintf(stderr, "error: --block-size takes 512 or 4096, not '%s'\n", arg);
		return -1;
	case OPT_CONTROL:
		a->control = arg;
		return 0;
	case OPT_CACHE:
		if (strcmp(arg, "none") == 0 || strcmp(arg, "writeback") == 0) {
			a->direct = strcmp(arg, "none") == 0;
			return 0;
		}
		fprintf(stderr, "error: --cache takes none or writeback, not '%s'\n", arg);
		return -1;
	default:
		return -1;
	}
}

static int
scsi_arg(void *ctx, const char *arg)
{
	struct scsi_args *a = ctx;

	if (a->nimages == SCSI_MAX_LUNS) {
		fprintf(stderr, "error: more than %d LUNs\n", SCSI_MAX_LUNS);
		return -1;
	}
	a->images[a->nimages++] = arg;
	return 0;
}

static void
scsi_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	if (priv == NULL)
		return;
	scsi_dev_fini(priv);
	free(priv);
}

static int
scsi_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	    size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct scsi_args *a = ctx;
	struct scsi_dev *d;
	unsigned int i;
	char err[512];

	(void)idx;
	/* one socket: the path as given, like upstream */
	if (o->socket_count == 1 && (size_t)snprintf(path, path_len, "%s", o->socket_path) >=
	    path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", o->socket_path);
		return -1;
	}
	d = malloc(sizeof(*d));
	if (d == NULL || scsi_dev_init(d, (uint16_t)a->num_queues, (uint16_t)a->queue_size) != 0) {
		fprintf(stderr, "error: out of memory\n");
		free(d);
		return -1;
	}
	for (i = 0; i < a->nimages; i++) {
		struct scsi_lun_spec s = {
			.block_size = a->block_size,
			.read_only = a->read_only,
			.direct = a->direct,
			.solid_state = a->solid,
		};
		struct scsi_lun *l;

		if (scsi_lun_parse(a->images[i], &s, err, sizeof(err)) != 0 ||
		    (l = scsi_lun_open(&s, err, sizeof(err))) == NULL) {
			fprintf(stderr, "error: %s\n", err);
			scsi_destroy(ctx, idx, d);
			return -1;
		}
		if (l->ram != NULL) { /* RAM images of one size: still one id each */
			char key[sizeof(s.path) + 32];

			snprintf(key, sizeof(key), "%s#%u#%u", s.path, idx, i);
			scsi_lun_set_identity(l, key);
		}
		scsi_dev_attach(d, i, l);
	}
	if (a->control != NULL) {
		struct scsi_lun_spec s = {
			.block_size = a->block_size,
			.read_only = a->read_only,
			.direct = a->direct,
			.solid_state = a->solid,
		};
		char ctl[4096];
		int rc;

		if (o->socket_count == 1)
			snprintf(ctl, sizeof(ctl), "%s", a->control);
		else if (vhd_socket_name(ctl, sizeof(ctl), a->control, idx) != 0)
			ctl[0] = '\0';
		rc = ctl[0] != '\0' ? scsi_dev_control(d, ctl, &s) : -ENAMETOOLONG;
		if (rc != 0) {
			fprintf(stderr, "error: control socket %s: %s\n", a->control,
				strerror(-rc));
			scsi_destroy(ctx, idx, d);
			return -1;
		}
	}
	*ops = &d->ops;
	*priv = d;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket"},
		{'r', "read-only", NULL, "every LUN write-protected (opened O_RDONLY)"},
		{OPT_SOLID, "solid-state", NULL, "report non-rotating media (VPD B1)"},
		{OPT_NUM_QUEUES, "num-queues", "N", "request queues, 1..16 (1); ours"},
		{OPT_QUEUE_SIZE, "queue-size", "N", "largest ring accepted, 1..32768 (1024); ours"},
		{OPT_BLOCK_SIZE, "block-size", "N", "512 or 4096, default of every image (512); ours"},
		{OPT_CACHE, "cache", "MODE", "writeback (page cache) or none (O_DIRECT)\n"
		 "(writeback); ours"},
		{OPT_CONTROL, "control", "PATH", "control socket: attach LUN IMAGE, detach LUN,\n"
		 "list (LUN hot-add/remove); PATH0.. with -c; ours"},
		{'c', "socket-count", "N", "N devices on PATH0..PATH<N-1> (1: PATH); ours"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [options] [IMAGE...]",
		.summary = "virtio-scsi (device id " VHD_STR(SCSI_VIRTIO_ID)
			   ") vhost-user backend: an emulated SCSI target",
		.opts = opts,
		.notes = "IMAGE i is LUN i of target 0 (at most 256): FILE, BLOCKDEV or\n"
			 "ram:SIZE[K|M|G] (a RAM image, the simulated backend), optionally\n"
			 "followed by ,block-size=512|4096 and ,read-only (ours).",
		.examples = "-s /tmp/vus.sock disk0.raw\n"
			    "-s /tmp/vus.sock -r disk0.raw disk1.raw\n"
			    "-s /tmp/vus.sock --num-queues 2 --control /tmp/vus.ctl disk0.raw",
		.qemu = "-chardev socket,id=vus,path=/tmp/vus.sock\n"
			"-device vhost-user-scsi-pci,chardev=vus,num_queues=1",
		.counters = "commands reads writes read_bytes write_bytes write_sames unmaps syncs "
			    "emulated check_conditions overruns io_errors bad_requests dropped "
			    "retries tmfs aborted an_queries events events_missed unit_attentions",
	};
	static struct scsi_args a = {
		.num_queues = 1,
		.queue_size = 1024,
		.block_size = 512,
	};
	static const struct vhd_app app = {
		.name = "scsi",
		.desc = {.mode = VHD_MODE_POLL, .opt = scsi_opt, .ctx = &a, .help = &help,
			 .arg = scsi_arg},
		.create = scsi_create,
		.destroy = scsi_destroy,
	};

	return vhd_app_main(argc, argv, &app);
}
