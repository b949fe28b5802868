/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-rtc (device id 17): READ of clock --target, what a guest pays per
 * clock read (a PTP gettime or an rtc read_time). Chain: 16-byte request
 * {le16 msg_type=READ; u8 reserved[6]; le16 clock_id; u8 reserved[6]}
 * readable, 16-byte response {u8 status; u8 reserved[7]; le64 reading}
 * writable. Beside it, a bare clock_gettime() of the matching host clock
 * (clock ids of the default set: 0 realtime, 1 tai, 2 monotonic).
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vhd_perf_gen.h"
#include "vhd_perf_time.h"

#define RTC_REQ_READ 0x0001
#define RTC_MAX_CLOCK 15
/* clock_gettime() calls per histogram sample: one call is near the timer's own cost. */
#define RTC_LOCAL_BATCH 64
#define RTC_LOCAL_SAMPLES 20000

struct rtc_slot {
	uint16_t msg_type;
	uint8_t reserved[6];
	uint16_t clock_id;
	uint8_t reserved2[6];
	uint8_t status;
	uint8_t reserved3[7];
	uint64_t reading;
} __attribute__((packed));

static int
rtc_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->target > RTC_MAX_CLOCK) {
		fprintf(stderr, "vhd-perf: rtc --target is a clock id (0-%d)\n", RTC_MAX_CLOCK);
		return -1;
	}
	return 0;
}

static uint32_t
rtc_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return sizeof(struct rtc_slot);
}

static void
rtc_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	struct rtc_slot *s = slot;

	(void)seq;
	memset(s, 0, sizeof(*s));
	s->msg_type = RTC_REQ_READ; /* little-endian host */
	s->clock_id = (uint16_t)cfg->target;
	s->status = 0xff;
	bufs[0].ptr = s;
	bufs[0].len = 16;
	bufs[1].ptr = &s->status;
	bufs[1].len = 16;
	*n_rd = 1;
	*n_wr = 1;
}

static int64_t
rtc_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	struct rtc_slot *s = slot;

	(void)cfg;
	if (used_len != 16 || s->status != 0 || s->reading == 0)
		return -1;
	return 8;
}

static const char *
rtc_local(const struct vhd_perf_gen_cfg *cfg, struct vhd_perf_lat *out)
{
	static const clockid_t ids[3] = {CLOCK_REALTIME, CLOCK_TAI, CLOCK_MONOTONIC};
	static const char *const names[3] = {"clock_gettime(REALTIME)", "clock_gettime(TAI)",
					     "clock_gettime(MONOTONIC)"};
	static struct vhd_perf_hist h;
	clockid_t id = cfg->target < 3 ? ids[cfg->target] : CLOCK_REALTIME;
	struct timespec ts;
	unsigned int i, j;

	vhd_perf_hist_init(&h);
	for (i = 0; i < RTC_LOCAL_SAMPLES; i++) {
		uint64_t t0 = vhd_perf_now_ns();

		for (j = 0; j < RTC_LOCAL_BATCH; j++)
			clock_gettime(id, &ts);
		vhd_perf_hist_add(&h, (vhd_perf_now_ns() - t0) / RTC_LOCAL_BATCH);
	}
	vhd_perf_hist_summary(&h, out);
	return names[cfg->target < 3 ? cfg->target : 0];
}

const struct vhd_perf_gen vhd_perf_gen_rtc = {
	.name = "rtc",
	.help = "virtio-rtc: READ of clock --target (0), beside a bare clock_gettime()",
	.virtio_id = 17,
	.features = 1ULL << 0, /* VIRTIO_RTC_F_ALARM: both queues, as Linux drives it */
	.num_queues = 2,
	.queue = 0,
	.default_size = 16,
	.descs = 2,
	.check = rtc_check,
	.slot_bytes = rtc_slot_bytes,
	.prepare = rtc_prepare,
	.complete = rtc_complete,
	.local = rtc_local,
};
