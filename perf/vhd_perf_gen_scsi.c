/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-scsi (id 8): READ(10) or WRITE(10) of --size bytes (a multiple of
 * 512) to LUN 0 on the first request queue, at random size-aligned LBAs
 * (--op read|write) or in order (--op seqread|seqwrite) within the first
 * --target MiB of the LUN (64 by default). With --file IMAGE (LUN 0's
 * image) the same I/O pattern is done on the file directly with io_uring at
 * the same queue depth, after the run: the host side's floor. The wire format is the
 * guest's side of drivers/scsi/scsi_proto.h, restated as a guest driver
 * would: a 51-byte command header, a 108-byte response header.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "vhd_perf_gen.h"
#include "vhd_perf_stats.h"

#define SCSI_REQ 51u
#define SCSI_RESP 108u
#define SCSI_BS 512u
#define SCSI_MAX (1u << 20)

enum { OP_READ, OP_WRITE, OP_SEQREAD, OP_SEQWRITE };

static int
op_of(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->op == NULL || strcmp(cfg->op, "read") == 0)
		return OP_READ;
	if (strcmp(cfg->op, "write") == 0)
		return OP_WRITE;
	if (strcmp(cfg->op, "seqread") == 0)
		return OP_SEQREAD;
	if (strcmp(cfg->op, "seqwrite") == 0)
		return OP_SEQWRITE;
	return -1;
}

static uint64_t
span_blocks(const struct vhd_perf_gen_cfg *cfg)
{
	return (uint64_t)(cfg->target != 0 ? cfg->target : 64) << 20 >> 9;
}

static int
scsi_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->size == 0 || cfg->size % SCSI_BS != 0 || cfg->size > SCSI_MAX) {
		fprintf(stderr, "vhd-perf: scsi --size must be a multiple of 512 up to %u\n",
			SCSI_MAX);
		return -1;
	}
	if (op_of(cfg) < 0) {
		fprintf(stderr, "vhd-perf: scsi --op is read, write, seqread or seqwrite\n");
		return -1;
	}
	if (span_blocks(cfg) < cfg->size / SCSI_BS) {
		fprintf(stderr, "vhd-perf: scsi --target MiB smaller than --size\n");
		return -1;
	}
	return 0;
}

/* command | response | data */
static uint32_t
scsi_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	return 64 + SCSI_RESP + 20 + cfg->size;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void
scsi_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq,
	     struct vhd_fe_buf *bufs, unsigned int *n_rd, unsigned int *n_wr)
{
	uint8_t *s = slot, *cmd = s, *resp = s + 64, *data = s + 64 + SCSI_RESP + 20;
	uint32_t nblk = cfg->size / SCSI_BS;
	uint64_t slots = span_blocks(cfg) / nblk, lba;
	int op = op_of(cfg);
	bool wr = op == OP_WRITE || op == OP_SEQWRITE;

	lba = (op == OP_SEQREAD || op == OP_SEQWRITE ? seq % slots : mix(seq) % slots) * nblk;
	memset(cmd, 0, SCSI_REQ);
	cmd[0] = 1;    /* LUN 0 of target 0, flat */
	cmd[2] = 0x40;
	cmd[19] = wr ? 0x2a : 0x28;
	cmd[21] = (uint8_t)(lba >> 24);
	cmd[22] = (uint8_t)(lba >> 16);
	cmd[23] = (uint8_t)(lba >> 8);
	cmd[24] = (uint8_t)lba;
	cmd[26] = (uint8_t)(nblk >> 8);
	cmd[27] = (uint8_t)nblk;
	resp[SCSI_RESP - 96 - 1] = 0xff; /* the response byte the device must overwrite */
	bufs[0] = (struct vhd_fe_buf){cmd, SCSI_REQ};
	if (wr) {
		data[0] = (uint8_t)seq;
		bufs[1] = (struct vhd_fe_buf){data, cfg->size};
		bufs[2] = (struct vhd_fe_buf){resp, SCSI_RESP};
		*n_rd = 2;
		*n_wr = 1;
	} else {
		bufs[1] = (struct vhd_fe_buf){resp, SCSI_RESP};
		bufs[2] = (struct vhd_fe_buf){data, cfg->size};
		*n_rd = 1;
		*n_wr = 2;
	}
}

static int64_t
scsi_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	const uint8_t *resp = (const uint8_t *)slot + 64;
	int op = op_of(cfg);
	bool wr = op == OP_WRITE || op == OP_SEQWRITE;

	/* response (byte 11) OK, status (byte 10) GOOD, all data moved */
	if (resp[11] != 0 || resp[10] != 0)
		return -1;
	if (used_len != SCSI_RESP + (wr ? 0 : cfg->size))
		return -1;
	return cfg->size;
}

#define FLOOR_REQS 20000u
#define FLOOR_WARMUP 500u
#define FLOOR_NS 2000000000ULL

static uint64_t
floor_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The same reads or writes on the image with io_uring, qd in flight: submit to completion. */
static const char *
scsi_local(const struct vhd_perf_gen_cfg *cfg, struct vhd_perf_lat *out)
{
	static struct vhd_perf_hist h;
	uint32_t qd = cfg->qd != 0 ? cfg->qd : 1, nblk = cfg->size / SCSI_BS, i;
	uint64_t slots = span_blocks(cfg) / nblk, seq = 0, done = 0, t_end;
	int op = op_of(cfg), fd;
	bool wr = op == OP_WRITE || op == OP_SEQWRITE;
	struct io_uring ring;
	uint64_t *t0;
	uint8_t *buf;

	if (cfg->file == NULL)
		return NULL;
	fd = open(cfg->file, wr ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "vhd-perf: scsi --file %s: %s\n", cfg->file, strerror(errno));
		return NULL;
	}
	t0 = calloc(qd, sizeof(*t0));
	if (t0 == NULL || posix_memalign((void **)&buf, 4096, (size_t)qd * cfg->size) != 0 ||
	    io_uring_queue_init(qd < 4096 ? qd : 4096, &ring, 0) != 0) {
		fprintf(stderr, "vhd-perf: scsi floor: cannot set up io_uring\n");
		free(t0);
		close(fd);
		return NULL;
	}
	memset(buf, 0, (size_t)qd * cfg->size);
	vhd_perf_hist_init(&h);
	for (i = 0; i < qd; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		uint64_t lba = (op == OP_SEQREAD || op == OP_SEQWRITE ? seq % slots :
				mix(seq) % slots) * nblk;

		if (wr)
			io_uring_prep_write(sqe, fd, buf + (size_t)i * cfg->size, cfg->size,
					    lba * SCSI_BS);
		else
			io_uring_prep_read(sqe, fd, buf + (size_t)i * cfg->size, cfg->size,
					   lba * SCSI_BS);
		io_uring_sqe_set_data64(sqe, i);
		t0[i] = floor_now_ns();
		seq++;
	}
	io_uring_submit(&ring);
	t_end = floor_now_ns() + FLOOR_NS;
	while (done < FLOOR_REQS + FLOOR_WARMUP && floor_now_ns() < t_end) {
		struct io_uring_cqe *cqe;
		struct io_uring_sqe *sqe;
		uint64_t s, now, lba;

		if (io_uring_wait_cqe(&ring, &cqe) != 0)
			break;
		s = io_uring_cqe_get_data64(cqe);
		now = floor_now_ns();
		if (cqe->res != (int)cfg->size) {
			io_uring_cqe_seen(&ring, cqe);
			fprintf(stderr, "vhd-perf: scsi floor: I/O returned %d\n", cqe->res);
			break;
		}
		io_uring_cqe_seen(&ring, cqe);
		if (++done > FLOOR_WARMUP)
			vhd_perf_hist_add(&h, now - t0[s]);
		lba = (op == OP_SEQREAD || op == OP_SEQWRITE ? seq % slots : mix(seq) % slots) *
		      nblk;
		seq++;
		sqe = io_uring_get_sqe(&ring);
		if (wr)
			io_uring_prep_write(sqe, fd, buf + s * cfg->size, cfg->size, lba * SCSI_BS);
		else
			io_uring_prep_read(sqe, fd, buf + s * cfg->size, cfg->size, lba * SCSI_BS);
		io_uring_sqe_set_data64(sqe, s);
		t0[s] = floor_now_ns();
		io_uring_submit(&ring);
	}
	/* drain what is still in flight */
	for (i = 0; i < qd; i++) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&ring, &cqe) != 0)
			break;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	free(buf);
	free(t0);
	close(fd);
	vhd_perf_hist_summary(&h, out);
	return wr ? "io_uring write on the image" : "io_uring read on the image";
}

const struct vhd_perf_gen vhd_perf_gen_scsi = {
	.name = "scsi",
	.help = "virtio-scsi: READ(10)/WRITE(10) of --size bytes (4096) to LUN 0, --op "
		"read|write|seqread|seqwrite, in the first --target MiB (64)",
	.virtio_id = 8,
	.features = (1ULL << 1) | (1ULL << 2), /* HOTPLUG, CHANGE as QEMU passes them */
	.num_queues = 3,
	.queue = 2,
	.default_size = 4096,
	.descs = 3,
	.check = scsi_check,
	.slot_bytes = scsi_slot_bytes,
	.prepare = scsi_prepare,
	.complete = scsi_complete,
	.local = scsi_local,
};
