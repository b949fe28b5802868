/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-snd (device id 25): the control-queue round trip, a PCM_INFO query
 * of stream 0 (16 readable bytes, a 4-byte status and one 32-byte
 * virtio_snd_pcm_info writable), restated from the VIRTIO spec as a guest
 * driver would. PCM buffers are not a closed loop (the device completes
 * them at the sample clock): their timing is measured by the sound
 * jitter mode (perf/README.md).
 */

#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

#define SND_R_PCM_INFO 0x0100
#define SND_S_OK 0x8000
#define QUERY_BYTES 16
#define INFO_BYTES 32

static int
snd_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->op != NULL && strcmp(cfg->op, "jitter") != 0) {
		fprintf(stderr, "vhd-perf: sound --op takes jitter, not '%s'\n", cfg->op);
		return -1;
	}
	return 0;
}

/* query | status | info */
static uint32_t
snd_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return QUERY_BYTES + 4 + INFO_BYTES;
}

static void
snd_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	uint8_t *s = slot;
	uint32_t q[4] = {htole32(SND_R_PCM_INFO), 0, htole32(1), htole32(INFO_BYTES)};

	(void)cfg;
	(void)seq;
	memcpy(s, q, sizeof(q));
	memset(s + QUERY_BYTES, 0xff, 4 + INFO_BYTES); /* what the device must overwrite */
	bufs[0].ptr = s;
	bufs[0].len = QUERY_BYTES;
	bufs[1].ptr = s + QUERY_BYTES;
	bufs[1].len = 4 + INFO_BYTES;
	*n_rd = 1;
	*n_wr = 1;
}

static int64_t
snd_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	const uint8_t *w = (const uint8_t *)slot + QUERY_BYTES;
	uint32_t code;

	(void)cfg;
	memcpy(&code, w, 4);
	/* status OK, and the info's direction byte (offset 24) is a real direction */
	if (used_len != 4 + INFO_BYTES || le32toh(code) != SND_S_OK || w[4 + 24] > 1)
		return -1;
	return INFO_BYTES;
}

const struct vhd_perf_gen vhd_perf_gen_sound = {
	.name = "sound",
	.help = "sound: control round trip (PCM_INFO of stream 0); --op jitter: playback\n"
		"                           completions against the sample clock",
	.virtio_id = 25,
	.num_queues = 4,
	.queue = 0,
	.default_size = 32,
	.descs = 2,
	.check = snd_check,
	.slot_bytes = snd_slot_bytes,
	.prepare = snd_prepare,
	.complete = snd_complete,
};
