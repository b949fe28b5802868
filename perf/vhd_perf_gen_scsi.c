/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-scsi (id 8): READ(10) or WRITE(10) of --size bytes (a multiple of
 * 512) to LUN 0 on the first request queue, at random size-aligned LBAs
 * (--op read|write) or in order (--op seqread|seqwrite) within the first
 * --target MiB of the LUN (64 by default). The wire format is the
 * guest's side of drivers/scsi/scsi_proto.h, restated as a guest driver
 * would: a 51-byte command header, a 108-byte response header.
 */

#include <endian.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

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
};
