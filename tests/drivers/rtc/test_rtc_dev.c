/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-rtc device over simulated clocks (exact time, steps on demand) and
 * the host's clocks: every request and its status codes as the spec gives
 * them, short buffers, the alarm rules (past, future, disabled, re-armed,
 * steps back and forth, owed notifications waiting for an alarmq buffer),
 * real timerfd alarms, the control FIFO and random requests.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#include "rtc_dev.h"

#define QSZ 64
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC))
#define F_ALARM (1ULL << RTC_F_ALARM)
#define GUARD 0xee

/* Clock ids of the default fixture. */
#define C_UTC 0   /* utc-smeared=sim */
#define C_MONO 1  /* monotonic=sim */
#define C_REAL 2  /* utc=realtime */
#define C_HMONO 3 /* monotonic=monotonic */
#define NCLK 4

struct fx {
	struct vhd_test_pair rq;
	struct vhd_test_pair aq;
	struct rtc_dev *dev;
	const struct vhd_device_ops *ops;
};

static struct fx *
fx_new(const struct rtc_clock_spec *specs, unsigned int n, bool offer, uint64_t feat)
{
	struct rtc_dev_config cfg = {specs, n, offer, NULL};
	struct fx *f = calloc(1, sizeof(*f));
	char err[200];

	assert_non_null(f);
	assert_int_equal(vhd_test_pair_init(&f->rq, QSZ, FEAT), 0);
	assert_int_equal(vhd_test_pair_init(&f->aq, QSZ, FEAT), 0);
	f->dev = rtc_dev_create(&cfg, err, sizeof(err));
	if (f->dev == NULL)
		fail_msg("create: %s", err);
	f->ops = rtc_dev_ops(f->dev);
	f->ops->set_features(f->dev, FEAT | feat);
	assert_int_equal(f->ops->queue_start(f->dev, RTC_REQUESTQ, &f->rq.vq), 0);
	assert_int_equal(f->ops->queue_start(f->dev, RTC_ALARMQ, &f->aq.vq), 0);
	return f;
}

static const struct rtc_clock_spec std_specs[NCLK] = {
	{RTC_CLOCK_UTC_SMEARED, RTC_SRC_SIM, ""},
	{RTC_CLOCK_MONOTONIC, RTC_SRC_SIM, ""},
	{RTC_CLOCK_UTC, RTC_SRC_REALTIME, ""},
	{RTC_CLOCK_MONOTONIC, RTC_SRC_MONOTONIC, ""},
};

static int
setup(void **state)
{
	*state = fx_new(std_specs, NCLK, true, F_ALARM);
	return 0;
}

static int
setup_noalarm(void **state)
{
	*state = fx_new(std_specs, NCLK, true, 0);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	rtc_dev_destroy(f->dev);
	vhd_test_pair_fini(&f->rq);
	vhd_test_pair_fini(&f->aq);
	free(f);
	return 0;
}

/* ---- requests ---- */

/*
 * Post @p rd (rd_len bytes) with a writable buffer of @p wr_len bytes
 * followed by guard bytes, serve it, check the guard, copy the answer.
 * @return the used length.
 */
static int
raw(struct fx *f, const void *rd, uint32_t rd_len, uint8_t *wr, uint32_t wr_len)
{
	struct vhd_fe_buf b[2];
	unsigned int n = 0, n_wr = 0, i;
	uint8_t *wp = NULL;
	uint16_t id;
	uint32_t len;

	if (rd_len > 0) {
		void *rp = vhd_test_alloc(&f->rq, rd_len);

		memcpy(rp, rd, rd_len);
		b[n++] = (struct vhd_fe_buf){rp, rd_len};
	}
	wp = vhd_test_alloc(&f->rq, wr_len + 16);
	memset(wp, GUARD, wr_len + 16);
	if (wr_len > 0) {
		b[n++] = (struct vhd_fe_buf){wp, wr_len};
		n_wr = 1;
	}
	assert_true(vhd_test_post(&f->rq, b, n - n_wr, n_wr, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->rq, f->ops, f->dev, RTC_REQUESTQ), 1);
	assert_int_equal(vhd_test_used(&f->rq, &id, &len), 1);
	for (i = wr_len; i < wr_len + 16; i++)
		if (wp[i] != GUARD)
			fail_msg("byte %u written past a %u-byte response buffer", i, wr_len);
	assert_true(len <= wr_len);
	if (wr_len > 0 && wr != NULL)
		memcpy(wr, wp, wr_len);
	return (int)len;
}

struct req {
	uint16_t type;
	uint16_t clock;
	uint8_t counter;
	uint8_t flags;
	uint64_t time;
};

/* Wire bytes of @p r; @return their count. */
static uint32_t
encode(const struct req *r, uint8_t *buf)
{
	struct rtc_req_head h = {htole16(r->type), {0}};

	memset(buf, 0, 32);
	memcpy(buf, &h, sizeof(h));
	switch (r->type) {
	case RTC_REQ_CFG:
		return 8;
	case RTC_REQ_READ_CROSS:
	case RTC_REQ_CROSS_CAP: {
		struct rtc_req_cross c = {h, htole16(r->clock), r->counter, {0}};

		memcpy(buf, &c, sizeof(c));
		return sizeof(c);
	}
	case RTC_REQ_SET_ALARM: {
		struct rtc_req_set_alarm s = {h, htole64(r->time), htole16(r->clock), r->flags,
					      {0}};

		memcpy(buf, &s, sizeof(s));
		return sizeof(s);
	}
	case RTC_REQ_SET_ALARM_ENABLED: {
		struct rtc_req_set_alarm_enabled s = {h, htole16(r->clock), r->flags, {0}};

		memcpy(buf, &s, sizeof(s));
		return sizeof(s);
	}
	default: {
		struct rtc_req_clock c = {h, htole16(r->clock), {0}};

		memcpy(buf, &c, sizeof(c));
		return 16;
	}
	}
}

/* Send @p r with a @p wr_len response buffer; @return the status, answer in @p out. */
static int
call(struct fx *f, const struct req *r, uint8_t *out, uint32_t wr_len)
{
	uint8_t buf[32], tmp[64];
	uint32_t n = encode(r, buf);
	int len = raw(f, buf, n, out != NULL ? out : tmp, wr_len);

	assert_true(len >= 1);
	return (out != NULL ? out : tmp)[0];
}

static uint64_t
read_clock(struct fx *f, uint16_t id)
{
	struct req r = {.type = RTC_REQ_READ, .clock = id};
	struct rtc_resp_read resp;

	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_true(resp.head.reserved[0] == 0 && resp.head.reserved[6] == 0);
	return le64toh(resp.clock_reading);
}

static int
set_alarm(struct fx *f, uint16_t id, uint64_t t, bool on)
{
	struct req r = {.type = RTC_REQ_SET_ALARM, .clock = id, .time = t,
			.flags = on ? RTC_FLAG_ALARM_ENABLED : 0};
	uint8_t out[8];

	return call(f, &r, out, sizeof(out));
}

static int
set_enabled(struct fx *f, uint16_t id, bool on)
{
	struct req r = {.type = RTC_REQ_SET_ALARM_ENABLED, .clock = id,
			.flags = on ? RTC_FLAG_ALARM_ENABLED : 0};
	uint8_t out[8];

	return call(f, &r, out, sizeof(out));
}

/* ---- alarmq ---- */

static uint8_t *
post_alarmq(struct fx *f, uint32_t len)
{
	uint8_t *p = vhd_test_alloc(&f->aq, len);
	struct vhd_fe_buf b = {p, len};

	memset(p, GUARD, len);
	assert_true(vhd_test_post(&f->aq, &b, 0, 1, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->aq, f->ops, f->dev, RTC_ALARMQ), 1);
	return p;
}

/*
 * Next used alarmq buffer: @return the clock id it notifies, -1 when none
 * was used, -2 for an empty one.
 */
static int
next_notif(struct fx *f, const uint8_t *const *bufs, unsigned int nbufs)
{
	uint16_t id;
	uint32_t len;
	struct rtc_notif_alarm n;
	const uint8_t *p = NULL;
	unsigned int i;

	vhd_vq_flush(&f->aq.vq);
	if (vhd_test_used(&f->aq, &id, &len) != 1)
		return -1;
	if (len == 0)
		return -2;
	assert_int_equal(len, sizeof(n));
	/* Which buffer it was: the ring keeps the order the guest posted in. */
	for (i = 0; i < nbufs && p == NULL; i++)
		if (bufs[i] != NULL && bufs[i][0] != GUARD)
			p = bufs[i];
	assert_non_null(p);
	memcpy(&n, p, sizeof(n));
	assert_int_equal(le16toh(n.msg_type), RTC_NOTIF_ALARM);
	assert_true(n.reserved[0] == 0 && n.reserved[5] == 0 && n.reserved2[5] == 0);
	for (i = 0; i < nbufs; i++)
		if (bufs[i] == p)
			memset((uint8_t *)bufs[i], GUARD, sizeof(n));
	return le16toh(n.clock_id);
}

/* One alarmq buffer posted; @return what it was used for (see next_notif()). */
static int
one_notif(struct fx *f)
{
	const uint8_t *b[1];

	b[0] = post_alarmq(f, 16);
	return next_notif(f, b, 1);
}

/* ---- control requests ---- */

static void
cfg_counts_clocks(void **state)
{
	struct fx *f = *state;
	struct req r = {.type = RTC_REQ_CFG};
	struct rtc_resp_cfg resp;

	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(le16toh(resp.num_clocks), NCLK);
	assert_true(resp.reserved[0] == 0 && resp.reserved[5] == 0 && resp.head.reserved[6] == 0);
}

static void
zero_clocks_refused(void **state)
{
	struct rtc_dev_config cfg = {std_specs, 0, true, NULL};
	char err[200] = "";

	(void)state;
	assert_null(rtc_dev_create(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "no clocks"));
	cfg.nclocks = RTC_MAX_CLOCKS + 1;
	assert_null(rtc_dev_create(&cfg, err, sizeof(err)));
}

static void
clock_cap_types(void **state)
{
	struct fx *f = *state;
	static const uint8_t types[NCLK] = {RTC_CLOCK_UTC_SMEARED, RTC_CLOCK_MONOTONIC,
					    RTC_CLOCK_UTC, RTC_CLOCK_MONOTONIC};
	struct rtc_resp_clock_cap resp;
	struct req r = {.type = RTC_REQ_CLOCK_CAP};
	uint16_t i;

	for (i = 0; i < NCLK; i++) {
		r.clock = i;
		assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
		assert_int_equal(resp.type, types[i]);
		assert_int_equal(resp.leap_second_smearing, RTC_SMEAR_UNSPECIFIED);
		assert_int_equal(resp.flags, RTC_FLAG_ALARM_CAP);
		assert_true(resp.reserved[0] == 0 && resp.reserved[4] == 0);
	}
	r.clock = NCLK;
	assert_int_equal(call(f, &r, NULL, sizeof(resp)), RTC_S_ENODEV);
	r.clock = 0xffff;
	assert_int_equal(call(f, &r, NULL, sizeof(resp)), RTC_S_ENODEV);
}

/* Without the feature negotiated: no ALARM_CAP bit, alarm messages ENODEV (spec). */
static void
no_alarm_feature(void **state)
{
	struct fx *f = *state;
	struct rtc_resp_clock_cap resp;
	struct req r = {.type = RTC_REQ_CLOCK_CAP, .clock = C_UTC};
	struct req ra = {.type = RTC_REQ_READ_ALARM, .clock = C_UTC};
	uint8_t out[24];

	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(resp.flags, 0);
	assert_int_equal(call(f, &ra, out, sizeof(out)), RTC_S_ENODEV);
	assert_int_equal(set_alarm(f, C_UTC, 5, true), RTC_S_ENODEV);
	assert_int_equal(set_enabled(f, C_UTC, true), RTC_S_ENODEV);
	/* The alarmq does not exist: anything posted there goes back empty. */
	assert_int_equal(one_notif(f), -2);
	assert_int_equal(rtc_dev_held(f->dev), 0);
}

static void
not_offered_means_not_negotiated(void **state)
{
	struct fx *f = fx_new(std_specs, NCLK, false, F_ALARM);

	(void)state;
	assert_int_equal(f->ops->features & F_ALARM, 0);
	assert_int_equal(set_alarm(f, C_UTC, 5, true), RTC_S_ENODEV);
	teardown((void **)&f);
}

static void
cross_cap_and_read_cross(void **state)
{
	struct fx *f = *state;
	struct rtc_resp_cross_cap cc;
	uint8_t out[24];
	struct req r = {.type = RTC_REQ_CROSS_CAP, .clock = C_UTC,
			.counter = RTC_COUNTER_X86_TSC};

	/* Known counters: answered, no cross-timestamping (x86 guests have none). */
	assert_int_equal(call(f, &r, (uint8_t *)&cc, sizeof(cc)), RTC_S_OK);
	assert_int_equal(cc.flags, 0);
	r.counter = RTC_COUNTER_ARM_VCT;
	assert_int_equal(call(f, &r, (uint8_t *)&cc, sizeof(cc)), RTC_S_OK);
	assert_int_equal(cc.flags, 0);
	/* Unknown and implementation-specific counters: EOPNOTSUPP; INVALID is EINVAL. */
	r.counter = 2;
	assert_int_equal(call(f, &r, NULL, sizeof(cc)), RTC_S_EOPNOTSUPP);
	r.counter = 0xf0;
	assert_int_equal(call(f, &r, NULL, sizeof(cc)), RTC_S_EOPNOTSUPP);
	r.counter = RTC_COUNTER_INVALID;
	assert_int_equal(call(f, &r, NULL, sizeof(cc)), RTC_S_EINVAL);
	/* The clock id is checked (upstream does not). */
	r.counter = RTC_COUNTER_X86_TSC;
	r.clock = NCLK;
	assert_int_equal(call(f, &r, NULL, sizeof(cc)), RTC_S_ENODEV);
	/* READ_CROSS: consistent with CROSS_CAP. */
	r.type = RTC_REQ_READ_CROSS;
	assert_int_equal(call(f, &r, out, sizeof(out)), RTC_S_ENODEV);
	r.clock = C_UTC;
	assert_int_equal(call(f, &r, out, sizeof(out)), RTC_S_EOPNOTSUPP);
	r.counter = 7;
	assert_int_equal(call(f, &r, out, sizeof(out)), RTC_S_EOPNOTSUPP);
}

/* ---- READ ---- */

static void
read_exact_and_host(void **state)
{
	struct fx *f = *state;
	struct req r = {.type = RTC_REQ_READ, .clock = NCLK};
	struct timespec ts;
	uint64_t a, b, host;
	int i;

	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1234567890123456789ULL), 0);
	assert_int_equal(read_clock(f, C_UTC), 1234567890123456789ULL);
	assert_int_equal(read_clock(f, C_MONO), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	host = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	a = read_clock(f, C_REAL);
	assert_true(a >= host && a - host < 1000000000ULL);
	a = read_clock(f, C_HMONO);
	for (i = 0; i < 100; i++) {
		b = read_clock(f, C_HMONO);
		assert_true(b >= a);
		a = b;
	}
	assert_int_equal(call(f, &r, NULL, 16), RTC_S_ENODEV);
	assert_int_equal(rtc_dev_stats(f->dev)->reads, 104);
}

static void
sim_monotonic_never_back(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rtc_dev_sim_set(f->dev, C_MONO, 500), 0);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_MONO, 499), -EINVAL);
	assert_int_equal(read_clock(f, C_MONO), 500);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_REAL, 1), -ENODEV);
	assert_int_equal(rtc_dev_sim_set(f->dev, NCLK, 1), -ENODEV);
}

/* ---- malformed requests, for every type ---- */

static const uint16_t all_types[] = {RTC_REQ_READ, RTC_REQ_READ_CROSS, RTC_REQ_CFG,
				     RTC_REQ_CLOCK_CAP, RTC_REQ_CROSS_CAP, RTC_REQ_READ_ALARM,
				     RTC_REQ_SET_ALARM, RTC_REQ_SET_ALARM_ENABLED};

static uint32_t
resp_size(uint16_t type)
{
	switch (type) {
	case RTC_REQ_READ:
		return 16;
	case RTC_REQ_READ_CROSS:
		return 24;
	case RTC_REQ_READ_ALARM:
		return 24;
	case RTC_REQ_SET_ALARM:
	case RTC_REQ_SET_ALARM_ENABLED:
		return 8;
	default:
		return 16;
	}
}

static void
short_buffers(void **state)
{
	struct fx *f = *state;
	uint8_t buf[32], out[32];
	unsigned int i;
	uint32_t n, w;
	int len;

	for (i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
		struct req r = {.type = all_types[i], .clock = C_UTC,
				.counter = RTC_COUNTER_X86_TSC};
		uint32_t want = resp_size(all_types[i]);

		n = encode(&r, buf);
		/* Request cut short, at every length below its size. */
		for (w = 0; w < n; w++) {
			assert_int_equal(raw(f, buf, w, out, want),
					 (int)sizeof(struct rtc_resp_head));
			assert_int_equal(out[0], RTC_S_EINVAL);
		}
		/* Response buffer too short: EINVAL in what fits, nothing past it. */
		for (w = 1; w < want; w++) {
			len = raw(f, buf, n, out, w);

			assert_int_equal(len, w < 8 ? (int)w : 8);
			assert_int_equal(out[0], RTC_S_EINVAL);
		}
		/* No room for the status: nothing written, used length 0 (raw checks). */
		assert_int_equal(raw(f, buf, n, NULL, 0), 0);
		/* Longer buffers both ways: extra space ignored. */
		memset(buf + n, 0x5a, sizeof(buf) - n);
		len = raw(f, buf, sizeof(buf), out, want + 8);
		/* READ_CROSS fits too, but is not supported (see cross_cap_and_read_cross). */
		if (all_types[i] == RTC_REQ_READ_CROSS ?
		    len != 8 || out[0] != RTC_S_EOPNOTSUPP : len != (int)want || out[0] != RTC_S_OK)
			fail_msg("type %#x long buffers: len %d status %u", all_types[i], len,
				 out[0]);
	}
	assert_int_equal(rtc_dev_stats(f->dev)->dropped, sizeof(all_types) / sizeof(all_types[0]));
}

static void
unknown_types_and_reserved(void **state)
{
	struct fx *f = *state;
	static const uint16_t bad[] = {0, 3, 0x0fff, 0x1006, 0x2000, 0xffff};
	uint8_t buf[32], out[32];
	unsigned int i, j;
	uint32_t n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct req r = {.type = bad[i]};

		n = encode(&r, buf);
		assert_int_equal(raw(f, buf, n, out, 16), 8);
		assert_int_equal(out[0], RTC_S_EOPNOTSUPP);
		assert_true(out[1] == 0 && out[7] == 0);
		/* A 1-byte response buffer still gets the status, and only it. */
		assert_int_equal(raw(f, buf, n, out, 1), 1);
		assert_int_equal(out[0], RTC_S_EOPNOTSUPP);
	}
	/* A reserved byte set, in the header or the body: EINVAL. */
	for (i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
		struct req r = {.type = all_types[i], .clock = C_UTC,
				.counter = RTC_COUNTER_X86_TSC};
		uint32_t want = resp_size(all_types[i]);

		n = encode(&r, buf);
		for (j = 2; j < n; j++) {
			/* skip the fields that are not reserved */
			if (j >= 8 && (all_types[i] == RTC_REQ_SET_ALARM ? j < 19 :
				       all_types[i] == RTC_REQ_READ_CROSS ||
				       all_types[i] == RTC_REQ_CROSS_CAP ||
				       all_types[i] == RTC_REQ_SET_ALARM_ENABLED ? j < 11 : j < 10))
				continue;
			n = encode(&r, buf);
			buf[j] = 1;
			assert_int_equal(raw(f, buf, n, out, want), 8);
			if (out[0] != RTC_S_EINVAL)
				fail_msg("type %#x reserved byte %u: status %u", all_types[i], j,
					 out[0]);
		}
	}
	/* Flags other than ALARM_ENABLED are not allowed. */
	{
		struct req r = {.type = RTC_REQ_SET_ALARM, .clock = C_UTC, .flags = 2};

		assert_int_equal(call(f, &r, out, 8), RTC_S_EINVAL);
		r.type = RTC_REQ_SET_ALARM_ENABLED;
		assert_int_equal(call(f, &r, out, 8), RTC_S_EINVAL);
	}
}

/* Random requests: never a byte past the response buffer, always a status. */
static void
random_requests(void **state)
{
	struct fx *f = *state;
	uint8_t buf[40], out[40];
	unsigned int i, j;
	uint32_t seed = 0x12345u;

	for (i = 0; i < 1500; i++) {
		uint32_t rd, wr;
		int len;

		for (j = 0; j < sizeof(buf); j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (uint8_t)(seed >> 16);
		}
		/* Mostly known types with small clock ids, so deep paths are reached. */
		if ((seed >> 8) % 4 != 0) {
			uint16_t t = all_types[(seed >> 12) % 8];

			buf[0] = (uint8_t)t;
			buf[1] = (uint8_t)(t >> 8);
			memset(buf + 2, 0, 6);
			buf[9] = 0;
			buf[8] %= NCLK + 1;
		}
		rd = (seed >> 3) % 33;
		wr = (seed >> 20) % 33;
		if (rd == 0 && wr == 0)
			wr = 1; /* an empty chain is the ring engine's business */
		len = raw(f, buf, rd, out, wr);
		assert_true(len >= 0 && (uint32_t)len <= wr);
		if (wr > 0) {
			assert_true(len > 0);
			assert_true(out[0] == RTC_S_OK || out[0] == RTC_S_EOPNOTSUPP ||
				    out[0] == RTC_S_ENODEV || out[0] == RTC_S_EINVAL);
		}
		/* Expirations may have happened: drain, the device stays consistent. */
		if (i % 50 == 0)
			while (one_notif(f) >= 0)
				;
	}
}

/* ---- alarms, on a simulated clock: exact ---- */

static void
alarm_read_back(void **state)
{
	struct fx *f = *state;
	struct req r = {.type = RTC_REQ_READ_ALARM, .clock = C_UTC};
	struct rtc_resp_read_alarm resp;

	/* Initially 0 and disabled (spec). */
	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(le64toh(resp.alarm_time), 0);
	assert_int_equal(resp.flags, 0);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1000), 0);
	assert_int_equal(set_alarm(f, C_UTC, 5000, true), RTC_S_OK);
	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(le64toh(resp.alarm_time), 5000);
	assert_int_equal(resp.flags, RTC_FLAG_ALARM_ENABLED);
	assert_true(resp.reserved[0] == 0 && resp.reserved[6] == 0);
	/* SET_ALARM_ENABLED keeps the time. */
	assert_int_equal(set_enabled(f, C_UTC, false), RTC_S_OK);
	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(le64toh(resp.alarm_time), 5000);
	assert_int_equal(resp.flags, 0);
	r.clock = NCLK;
	assert_int_equal(call(f, &r, NULL, sizeof(resp)), RTC_S_ENODEV);
	assert_int_equal(set_alarm(f, NCLK, 1, true), RTC_S_ENODEV);
	assert_int_equal(set_enabled(f, 0xffff, true), RTC_S_ENODEV);
}

static void
alarm_in_past_fires_at_once(void **state)
{
	struct fx *f = *state;
	const uint8_t *b[1];

	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 10000), 0);
	b[0] = post_alarmq(f, 16);
	assert_int_equal(rtc_dev_held(f->dev), 1);
	assert_int_equal(set_alarm(f, C_UTC, 9999, true), RTC_S_OK);
	assert_int_equal(next_notif(f, b, 1), C_UTC);
	/* Equal to now counts as reached. */
	assert_int_equal(set_alarm(f, C_UTC, 10000, true), RTC_S_OK);
	assert_int_equal(one_notif(f), C_UTC);
	/* Enabling an alarm whose time has passed expires again. */
	assert_int_equal(set_enabled(f, C_UTC, false), RTC_S_OK);
	assert_int_equal(set_enabled(f, C_UTC, true), RTC_S_OK);
	assert_int_equal(one_notif(f), C_UTC);
	/* Set but disabled: nothing. */
	assert_int_equal(set_alarm(f, C_UTC, 1, false), RTC_S_OK);
	assert_int_equal(one_notif(f), -1);
	assert_int_equal(rtc_dev_stats(f->dev)->expirations, 3);
	assert_int_equal(rtc_dev_stats(f->dev)->notifications, 3);
}

static void
alarm_future_fires_on_reach(void **state)
{
	struct fx *f = *state;
	const uint8_t *b[1];

	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1000), 0);
	b[0] = post_alarmq(f, 16);
	assert_int_equal(set_alarm(f, C_UTC, 2000, true), RTC_S_OK);
	assert_int_equal(next_notif(f, b, 1), -1);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1999), 0);
	assert_int_equal(next_notif(f, b, 1), -1);
	/* The clock reaches it: one notification. */
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 2000), 0);
	assert_int_equal(next_notif(f, b, 1), C_UTC);
	/* Moving on past it is no new expiry. */
	b[0] = post_alarmq(f, 16);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 5000), 0);
	assert_int_equal(next_notif(f, b, 1), -1);
	/* Stepping back before it, then past it again: expires again (spec). */
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 100), 0);
	assert_int_equal(next_notif(f, b, 1), -1);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1u << 20), 0);
	assert_int_equal(next_notif(f, b, 1), C_UTC);
	/* Monotonic simulated clock: same rules. */
	b[0] = post_alarmq(f, 16);
	assert_int_equal(set_alarm(f, C_MONO, 300, true), RTC_S_OK);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_MONO, 299), 0);
	assert_int_equal(next_notif(f, b, 1), -1);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_MONO, 301), 0);
	assert_int_equal(next_notif(f, b, 1), C_MONO);
}

static void
alarm_disabled_and_rearmed(void **state)
{
	struct fx *f = *state;
	const uint8_t *b[1];

	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 0), 0);
	b[0] = post_alarmq(f, 16);
	assert_int_equal(set_alarm(f, C_UTC, 100, true), RTC_S_OK);
	assert_int_equal(set_enabled(f, C_UTC, false), RTC_S_OK);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 200), 0);
	assert_int_equal(next_notif(f, b, 1), -1);
	/* Re-armed later: moved, then reached. */
	assert_int_equal(set_alarm(f, C_UTC, 400, true), RTC_S_OK);
	assert_int_equal(next_notif(f, b, 1), -1);
	assert_int_equal(set_alarm(f, C_UTC, 500, true), RTC_S_OK);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 450), 0);
	assert_int_equal(next_notif(f, b, 1), -1);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 500), 0);
	assert_int_equal(next_notif(f, b, 1), C_UTC);
	assert_int_equal(rtc_dev_held(f->dev), 0);
}

/* An expiry with no alarmq buffer waits for one; it is never lost. */
static void
owed_waits_for_buffer(void **state)
{
	struct fx *f = *state;
	const uint8_t *b[2];

	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1000), 0);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_MONO, 1000), 0);
	assert_int_equal(set_alarm(f, C_UTC, 10, true), RTC_S_OK);
	assert_int_equal(set_alarm(f, C_MONO, 10, true), RTC_S_OK);
	/* Both owed; a second expiry of the same alarm is served by the same one. */
	assert_int_equal(set_enabled(f, C_UTC, true), RTC_S_OK);
	assert_int_equal(rtc_dev_stats(f->dev)->expirations, 3);
	/* A short buffer cannot carry it: back empty, the debt stays. */
	b[0] = post_alarmq(f, 15);
	assert_int_equal(next_notif(f, b, 1), -2);
	assert_int_equal(rtc_dev_stats(f->dev)->alarmq_short, 1);
	assert_int_equal(one_notif(f), C_UTC);
	assert_int_equal(one_notif(f), C_MONO);
	assert_int_equal(one_notif(f), -1);
	assert_int_equal(rtc_dev_held(f->dev), 1);
}

/* alarmq buffers that cannot carry a notification go back empty, nothing lost. */
static void
alarmq_malformed(void **state)
{
	struct fx *f = *state;
	uint8_t *p = vhd_test_alloc(&f->aq, 32);
	struct vhd_fe_buf b[2] = {{p, 8}, {p + 8, 16}};
	uint16_t id;
	uint32_t len;

	/* A device-readable part: not an alarmq buffer. */
	assert_true(vhd_test_post(&f->aq, b, 1, 1, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->aq, f->ops, f->dev, RTC_ALARMQ), 1);
	vhd_vq_flush(&f->aq.vq);
	assert_int_equal(vhd_test_used(&f->aq, &id, &len), 1);
	assert_int_equal(len, 0);
	/* Short, split in two: 15 bytes. */
	b[0].len = 7;
	b[1].len = 8;
	assert_true(vhd_test_post(&f->aq, b, 0, 2, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->aq, f->ops, f->dev, RTC_ALARMQ), 1);
	vhd_vq_flush(&f->aq.vq);
	assert_int_equal(vhd_test_used(&f->aq, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(rtc_dev_stats(f->dev)->alarmq_short, 2);
	assert_int_equal(rtc_dev_held(f->dev), 0);
	/* An expiry owed meanwhile still reaches the next good buffer. */
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 10), 0);
	assert_int_equal(set_alarm(f, C_UTC, 5, true), RTC_S_OK);
	assert_int_equal(one_notif(f), C_UTC);
}

/* Disabling (or setting) drops an owed notification before the response. */
static void
disable_drops_owed(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 1000), 0);
	assert_int_equal(set_alarm(f, C_UTC, 10, true), RTC_S_OK);
	assert_int_equal(set_enabled(f, C_UTC, false), RTC_S_OK);
	assert_int_equal(set_alarm(f, C_UTC, 10, true), RTC_S_OK);
	assert_int_equal(set_alarm(f, C_UTC, 0, false), RTC_S_OK);
	assert_int_equal(rtc_dev_stats(f->dev)->expirations, 2);
	assert_int_equal(rtc_dev_stats(f->dev)->obsoleted, 2);
	assert_int_equal(one_notif(f), -1);
	assert_int_equal(rtc_dev_held(f->dev), 1);
}

/* A notification split over segments; several held buffers used in order. */
static void
held_buffers_in_order(void **state)
{
	struct fx *f = *state;
	uint8_t *p = vhd_test_alloc(&f->aq, 32);
	struct vhd_fe_buf segs[3] = {{p, 3}, {p + 8, 5}, {p + 16, 16}};
	struct rtc_notif_alarm n;
	uint16_t id;
	uint32_t len;
	int head;

	memset(p, GUARD, 32);
	head = vhd_test_post(&f->aq, segs, 0, 3, false);
	assert_true(head >= 0);
	assert_int_equal(vhd_test_serve(&f->aq, f->ops, f->dev, RTC_ALARMQ), 1);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_MONO, 50), 0);
	assert_int_equal(set_alarm(f, C_MONO, 40, true), RTC_S_OK);
	vhd_vq_flush(&f->aq.vq);
	assert_int_equal(vhd_test_used(&f->aq, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 16);
	memcpy(&n, p, 3);
	memcpy((uint8_t *)&n + 3, p + 8, 5);
	memcpy((uint8_t *)&n + 8, p + 16, 8);
	assert_int_equal(le16toh(n.msg_type), RTC_NOTIF_ALARM);
	assert_int_equal(le16toh(n.clock_id), C_MONO);
	assert_int_equal(p[3], GUARD);
	assert_int_equal(p[24], GUARD);
}

/* queue_stop forgets held buffers, keeps what is owed; reset clears alarms. */
static void
stop_and_reset(void **state)
{
	struct fx *f = *state;
	const uint8_t *b[1];
	struct req r = {.type = RTC_REQ_READ_ALARM, .clock = C_UTC};
	struct rtc_resp_read_alarm resp;

	post_alarmq(f, 16);
	assert_int_equal(rtc_dev_held(f->dev), 1);
	f->ops->queue_stop(f->dev, RTC_ALARMQ, &f->aq.vq);
	assert_int_equal(rtc_dev_held(f->dev), 0);
	assert_int_equal(rtc_dev_sim_set(f->dev, C_UTC, 100), 0);
	assert_int_equal(set_alarm(f, C_UTC, 50, true), RTC_S_OK);
	/* The new ring (same memory here) gets the owed one at once. */
	vhd_vq_flush(&f->aq.vq);
	assert_int_equal(f->ops->queue_start(f->dev, RTC_ALARMQ, &f->aq.vq), 0);
	b[0] = post_alarmq(f, 16);
	assert_int_equal(next_notif(f, b, 1), C_UTC);
	/* Device reset (both queues stopped, new features): time 0, disabled. */
	f->ops->queue_stop(f->dev, RTC_REQUESTQ, &f->rq.vq);
	f->ops->queue_stop(f->dev, RTC_ALARMQ, &f->aq.vq);
	f->ops->set_features(f->dev, FEAT | F_ALARM);
	assert_int_equal(f->ops->queue_start(f->dev, RTC_REQUESTQ, &f->rq.vq), 0);
	assert_int_equal(f->ops->queue_start(f->dev, RTC_ALARMQ, &f->aq.vq), 0);
	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(le64toh(resp.alarm_time), 0);
	assert_int_equal(resp.flags, 0);
	/* Features set again while running (e.g. dirty logging): alarms kept. */
	assert_int_equal(set_alarm(f, C_UTC, 7777, false), RTC_S_OK);
	f->ops->set_features(f->dev, FEAT | F_ALARM);
	assert_int_equal(call(f, &r, (uint8_t *)&resp, sizeof(resp)), RTC_S_OK);
	assert_int_equal(le64toh(resp.alarm_time), 7777);
}

/* ---- alarms on host clocks: real timerfds ---- */

static void
wait_timer(struct fx *f, uint16_t id, int ms)
{
	struct pollfd p = {.fd = rtc_dev_timer_fd(f->dev, id), .events = POLLIN};

	assert_true(p.fd >= 0);
	if (poll(&p, 1, ms) != 1)
		fail_msg("alarm timer of clock %u did not expire in %d ms", id, ms);
	rtc_dev_timer_event(f->dev, id);
}

static void
host_clock_alarms(void **state)
{
	struct fx *f = *state;
	static const uint16_t ids[] = {C_REAL, C_HMONO};
	const uint8_t *b[1];
	unsigned int i;

	b[0] = post_alarmq(f, 16);
	for (i = 0; i < 2; i++) {
		uint64_t now = read_clock(f, ids[i]);

		assert_int_equal(set_alarm(f, ids[i], now + 5000000, true), RTC_S_OK);
		assert_int_equal(next_notif(f, b, 1), -1);
		wait_timer(f, ids[i], 2000);
		assert_int_equal(next_notif(f, b, 1), ids[i]);
		/* The reading after the notification does not precede the alarm time. */
		assert_true(read_clock(f, ids[i]) >= now + 5000000);
		/* Spurious wake-ups (nothing to read) change nothing. */
		b[0] = post_alarmq(f, 16);
		rtc_dev_timer_event(f->dev, ids[i]);
		assert_int_equal(next_notif(f, b, 1), -1);
		/* Disabled before expiry: the timer is disarmed. */
		now = read_clock(f, ids[i]);
		assert_int_equal(set_alarm(f, ids[i], now + 2000000, true), RTC_S_OK);
		assert_int_equal(set_enabled(f, ids[i], false), RTC_S_OK);
		{
			struct pollfd p = {.fd = rtc_dev_timer_fd(f->dev, ids[i]),
					   .events = POLLIN};

			assert_int_equal(poll(&p, 1, 20), 0);
		}
		assert_int_equal(next_notif(f, b, 1), -1);
	}
	/* Simulated clocks have no timer. */
	assert_int_equal(rtc_dev_timer_fd(f->dev, C_UTC), -1);
}

/* A TAI alarm is a realtime timer shifted by the TAI offset. */
static void
tai_alarm(void **state)
{
	static const struct rtc_clock_spec s[1] = {{RTC_CLOCK_TAI, RTC_SRC_TAI, ""}};
	struct fx *f = fx_new(s, 1, true, F_ALARM);
	const uint8_t *b[1];
	uint64_t now;

	(void)state;
	now = read_clock(f, 0);
	b[0] = post_alarmq(f, 16);
	assert_int_equal(set_alarm(f, 0, now + 3000000, true), RTC_S_OK);
	wait_timer(f, 0, 2000);
	assert_int_equal(next_notif(f, b, 1), 0);
	assert_true(read_clock(f, 0) >= now + 3000000);
	teardown((void **)&f);
}

/* ---- the control FIFO ---- */

static void
control_fifo(void **state)
{
	static const struct rtc_clock_spec s[2] = {{RTC_CLOCK_UTC, RTC_SRC_SIM, ""},
						   {RTC_CLOCK_MONOTONIC, RTC_SRC_SIM, ""}};
	char dir[] = "/tmp/vhd-rtc-unit-XXXXXX", path[64], err[200];
	struct rtc_dev_config cfg = {s, 2, true, path};
	struct rtc_dev *dev;
	const char *cmds = "set 0 5000\nstep 0 +250\nstep 1 77\nstep 0 -50\n"
			   "set 1 3\nbogus\nset 9 1\nstep 0 -999999999\nset 0 12x\nset 0";
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl", dir);
	dev = rtc_dev_create(&cfg, err, sizeof(err));
	if (dev == NULL)
		fail_msg("%s", err);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	fd = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, cmds, strlen(cmds)), (ssize_t)strlen(cmds));
	rtc_dev_sim_control(dev);
	assert_int_equal(rtc_dev_clock(dev, 0)->sim_ns, 5200);
	assert_int_equal(rtc_dev_clock(dev, 1)->sim_ns, 77);
	assert_int_equal(rtc_dev_stats(dev)->sim_commands, 4);
	/*
	 * Refused: set 1 3 (monotonic back), bogus, set 9, step below 0, 12x;
	 * "set 0" waits for its newline.
	 */
	assert_int_equal(rtc_dev_stats(dev)->sim_bad, 5);
	assert_int_equal(write(fd, " 1\n", 3), 3);
	rtc_dev_sim_control(dev);
	assert_int_equal(rtc_dev_clock(dev, 0)->sim_ns, 1);
	close(fd);
	rtc_dev_destroy(dev);
	assert_int_not_equal(stat(path, &st), 0);
	/* Not a FIFO: refused. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_null(rtc_dev_create(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not a FIFO"));
	unlink(path);
	rmdir(dir);
}

/* ---- the host hand-over ---- */

/*
 * Through the unit-test host: the alarm timers and the control FIFO are
 * watched, a timer expiring is served by the host's turn (no direct call),
 * and destroy unwatches everything.
 */
static void
timers_watched_and_released(void **state)
{
	struct fx *f = *state;
	struct vhd_test_host h;
	const uint8_t *b[1];
	uint64_t now;
	unsigned int i;
	int got = -1;

	vhd_test_host_init(&h);
	f->ops->attach(f->dev, &h.host);
	/* The two host clocks have timers, the simulated ones none. */
	assert_int_equal(h.nwatch, 2);
	assert_true(h.watch[0].fd == rtc_dev_timer_fd(f->dev, C_REAL) ||
		    h.watch[1].fd == rtc_dev_timer_fd(f->dev, C_REAL));
	b[0] = post_alarmq(f, 16);
	now = read_clock(f, C_HMONO);
	assert_int_equal(set_alarm(f, C_HMONO, now + 2000000, true), RTC_S_OK);
	for (i = 0; i < 2000 && (got = next_notif(f, b, 1)) == -1; i++) {
		usleep(1000);
		vhd_test_host_run(&h);
	}
	assert_int_equal(got, C_HMONO);
	rtc_dev_destroy(f->dev);
	f->dev = NULL;
	assert_int_equal(h.nwatch, 0);
}

struct stat_seen {
	unsigned int n;
	uint64_t reads, requests, errors;
};

static void
stat_put(void *ctx, const char *name, uint64_t v)
{
	struct stat_seen *s = ctx;

	s->n++;
	if (strcmp(name, "reads") == 0)
		s->reads = v;
	if (strcmp(name, "requests") == 0)
		s->requests = v;
	if (strcmp(name, "errors") == 0)
		s->errors = v;
}

static void
stats_reported(void **state)
{
	struct fx *f = *state;
	struct req r = {.type = RTC_REQ_READ, .clock = NCLK};
	struct stat_seen s = {0};

	read_clock(f, C_UTC);
	read_clock(f, C_REAL);
	assert_int_equal(call(f, &r, NULL, 16), RTC_S_ENODEV);
	f->ops->get_stats(f->dev, stat_put, &s);
	assert_int_equal(s.n, 13);
	assert_int_equal(s.reads, 2);
	assert_int_equal(s.requests, 3);
	assert_int_equal(s.errors, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cfg_counts_clocks, setup, teardown),
		cmocka_unit_test(zero_clocks_refused),
		cmocka_unit_test_setup_teardown(clock_cap_types, setup, teardown),
		cmocka_unit_test_setup_teardown(no_alarm_feature, setup_noalarm, teardown),
		cmocka_unit_test(not_offered_means_not_negotiated),
		cmocka_unit_test_setup_teardown(cross_cap_and_read_cross, setup, teardown),
		cmocka_unit_test_setup_teardown(read_exact_and_host, setup, teardown),
		cmocka_unit_test_setup_teardown(sim_monotonic_never_back, setup, teardown),
		cmocka_unit_test_setup_teardown(short_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_types_and_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(random_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(alarm_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(alarm_in_past_fires_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(alarm_future_fires_on_reach, setup, teardown),
		cmocka_unit_test_setup_teardown(alarm_disabled_and_rearmed, setup, teardown),
		cmocka_unit_test_setup_teardown(owed_waits_for_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(alarmq_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(disable_drops_owed, setup, teardown),
		cmocka_unit_test_setup_teardown(held_buffers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(host_clock_alarms, setup, teardown),
		cmocka_unit_test(tai_alarm),
		cmocka_unit_test(control_fifo),
		cmocka_unit_test_setup_teardown(timers_watched_and_released, setup, teardown),
		cmocka_unit_test_setup_teardown(stats_reported, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
