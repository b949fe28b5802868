/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The template device (virtio id 37): an ECHO of --size payload bytes per
 * request (8-byte header + payload readable, payload + status writable);
 * the device writes the payload back reversed. The wire format is the
 * guest's side of drivers/template/template.h, restated here as a guest
 * driver would.
 */

#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

#define TPL_REQ_ECHO 0
#define TPL_HDR 8
#define TPL_MAX_ECHO 4096u

struct tpl_hdr {
	uint16_t type;
	uint16_t reserved;
	uint32_t arg;
};

static int
tpl_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->size == 0 || cfg->size > TPL_MAX_ECHO) {
		fprintf(stderr, "vhd-perf: template --size must be in [1, %u]\n", TPL_MAX_ECHO);
		return -1;
	}
	return 0;
}

/* header | payload | reply | status */
static uint32_t
tpl_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	return TPL_HDR + 2 * cfg->size + 1;
}

static void
tpl_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	uint8_t *s = slot;
	struct tpl_hdr h = {htole16(TPL_REQ_ECHO), 0, 0};
	uint32_t reply = cfg->size;

	memcpy(s, &h, sizeof(h));
	s[TPL_HDR] = (uint8_t)seq; /* the first byte comes back last */
	bufs[0].ptr = s;
	bufs[0].len = TPL_HDR + cfg->size;
	bufs[1].ptr = s + TPL_HDR + cfg->size;
	bufs[1].len = reply + 1;
	s[TPL_HDR + cfg->size + reply] = 0xff; /* the status the device must overwrite */
	*n_rd = 1;
	*n_wr = 1;
}

static int64_t
tpl_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	const uint8_t *w = (const uint8_t *)slot + TPL_HDR + cfg->size;
	uint32_t reply = cfg->size;

	if (used_len != reply + 1 || w[reply] != 0)
		return -1;
	if (w[reply - 1] != ((const uint8_t *)slot)[TPL_HDR])
		return -1;
	return cfg->size;
}

const struct vhd_perf_gen vhd_perf_gen_template = {
	.name = "template",
	.help = "template: ECHO of --size bytes, 1..4096 (default 64)",
	.virtio_id = 37,
	.num_queues = 1,
	.queue = 0,
	.default_size = 64,
	.descs = 2,
	.check = tpl_check,
	.slot_bytes = tpl_slot_bytes,
	.prepare = tpl_prepare,
	.complete = tpl_complete,
};
