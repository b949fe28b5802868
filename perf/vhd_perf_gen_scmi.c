/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The SCMI device (virtio id 32): one Sensor READING_GET round trip of
 * sensor --target (default 0) per request, as Linux's scmi-hwmon sends it:
 * a 12-byte message (header, sensor id, flags) readable and a 136-byte
 * writable buffer (Linux's 128-byte message size plus header and status).
 * Start the app with a scalar sensor first, e.g. -d fake,kind=temperature:
 * the reply must be SUCCESS with one reading (24 bytes used). The SCMI
 * wire format is restated here as a guest driver would.
 */

#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"
#include "vhd_virtio.h"

#define SCMI_REQ 12
#define SCMI_WR 136
#define SCMI_READING_GET 0x6
#define SCMI_SENSOR 0x15

static int
scmi_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->size != SCMI_REQ) {
		fprintf(stderr, "vhd-perf: scmi --size is the message size, %d only\n", SCMI_REQ);
		return -1;
	}
	return 0;
}

static uint32_t
scmi_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return SCMI_REQ + SCMI_WR;
}



static void
scmi_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq,
	     struct vhd_fe_buf *bufs, unsigned int *n_rd, unsigned int *n_wr)
{
	uint8_t *s = slot;

	/* the token (bits 27:18) carries the sequence: the reply must echo it */
	vhd_put_le32(s, SCMI_READING_GET | SCMI_SENSOR << 10 | (uint32_t)(seq & 0x3ff) << 18);
	vhd_put_le32(s + 4, cfg->target);
	vhd_put_le32(s + 8, 0);
	memset(s + SCMI_REQ, 0xff, 8);
	bufs[0].ptr = s;
	bufs[0].len = SCMI_REQ;
	bufs[1].ptr = s + SCMI_REQ;
	bufs[1].len = SCMI_WR;
	*n_rd = 1;
	*n_wr = 1;
}

static int64_t
scmi_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	const uint8_t *s = slot, *w = s + SCMI_REQ;

	(void)cfg;
	if (used_len != 8 + 16 || vhd_get_le32(w) != vhd_get_le32(s) || vhd_get_le32(w + 4) != 0)
		return -1;
	return used_len;
}

const struct vhd_perf_gen vhd_perf_gen_scmi = {
	.name = "scmi",
	.help = "scmi: Sensor READING_GET of sensor --target (0), a scalar sensor "
		"(-d fake,kind=temperature)",
	.virtio_id = 32,
	.features = 1ULL << 0,
	.num_queues = 2,
	.queue = 0,
	.default_size = SCMI_REQ,
	.descs = 2,
	.check = scmi_check,
	.slot_bytes = scmi_slot_bytes,
	.prepare = scmi_prepare,
	.complete = scmi_complete,
};
