/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-scmi driven by our vhost-user frontend: the Base and Sensor
 * message set as Linux's driver walks it (128-byte messages), fake sensors
 * moved through --sim-control, continuous updates at an interval and trip
 * events on the eventq, descriptor layouts (1+1, split header, reply
 * scattered, indirect), malformed messages (and their BASE_ERROR_EVENT),
 * bad command lines. The SCMI
 * wire format is written out here: the test checks the app, not our header.
 */

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "vhd_it.h"
#include "vhd_it_ctl.h"

#define QSZ 64
#define WAIT_MS 3000
#define GUARD 32
#define F_ALL (~0ULL)
#define CMDQ 0
#define EVQ 1
#define WR 136 /* Linux: 128-byte messages plus header and status */

#define HDR(msg, proto, token) ((uint32_t)(msg) | (uint32_t)(proto) << 10 | (uint32_t)(token) << 18)
#define BASE 0x10
#define SENSOR 0x15
#define S_SUCCESS 0
#define S_NOT_SUPPORTED (-1)
#define S_INVALID (-2)
#define S_NOT_FOUND (-4)
#define S_PROTOCOL (-10)

/* the sensors every test starts with */
static const char *const sensors[] = {
	"-d", "fake", "-d", "fake,kind=temperature,name=cpu-temp", "-d", "fake,kind=voltage",
	"-d", "fake,kind=current", NULL,
};
static const char *const sensors_poll[] = {
	"-d", "fake", "-d", "fake,kind=temperature,name=cpu-temp", "-d", "fake,kind=voltage",
	"-d", "fake,kind=current", "--mode", "poll", NULL,
};
enum { S_ACCEL, S_TEMP, S_VOLT, S_CURR, NSENS };

static void
ctl_ok(int fd, const char *cmd)
{
	const char *r = vhd_it_ctl(fd, cmd);

	if (strcmp(r, "ok\n") != 0)
		fail_msg("'%s' answered '%s'", cmd, r);
}

static struct vhd_fe *
up(struct vhd_fe_app *a, const char *const *extra)
{
	const char *opts[] = {"--sim-control", NULL, NULL};
	char ctl[256], path[256];
	struct stat st;

	vhd_it_app_init(a, "scmi");
	a->plain_sock = true;
	opts[1] = vhd_it_ctl_path(a, -1, ctl, sizeof(ctl));
	vhd_it_app_start(a, opts, extra, 1);
	/* one socket: exactly -s PATH, as upstream */
	assert_int_equal(stat(a->sock, &st), 0);
	snprintf(path, sizeof(path), "%s0", a->sock);
	assert_int_not_equal(stat(path, &st), 0);
	return vhd_it_fe_up(a, 0, F_ALL, 2, QSZ);
}

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static int64_t
rd64(const uint8_t *p)
{
	return (int64_t)((uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32);
}

static void
wr32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static uint32_t
wait_used(struct vhd_fe *fe, uint16_t q, bool poll, int head)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, q);
	int n = poll ? vhd_fe_poll_used(fe, q, WAIT_MS) : vhd_fe_wait_used(fe, q, WAIT_MS);
	uint32_t len;
	uint16_t id;

	if (n <= 0)
		fail_msg("no used entry within %d ms: %s", WAIT_MS, vhd_fe_error(fe));
	assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
	if (head >= 0)
		assert_int_equal(id, head);
	return len;
}

struct reply {
	uint8_t *b;
	uint32_t used;
	int32_t st;
};

static uint8_t *
wbuf(struct vhd_fe *fe, uint32_t len)
{
	uint8_t *w = vhd_fe_mem_alloc(vhd_fe_mem(fe), len + GUARD, 8, NULL);

	assert_non_null(w);
	memset(w, 0xee, len + GUARD);
	return w;
}

static void
guard_ok(const uint8_t *w, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < GUARD; i++)
		assert_int_equal(w[len + i], 0xee);
}

/* One message, 1+1 descriptors. */
static struct reply
msg(struct vhd_fe *fe, bool poll, uint8_t proto, uint8_t id, const uint32_t *p, unsigned int np,
    uint32_t wlen)
{
	static uint16_t token;
	uint8_t *rd = vhd_fe_mem_alloc(vhd_fe_mem(fe), 4 + 4 * np, 8, NULL);
	uint8_t *w = wbuf(fe, wlen);
	struct vhd_fe_buf b[2] = {{rd, 4 + 4 * np}, {w, wlen}};
	uint32_t hdr = HDR(id, proto, ++token & 0x3ff);
	struct reply r;
	unsigned int i;

	assert_non_null(rd);
	wr32(rd, hdr);
	for (i = 0; i < np; i++)
		wr32(rd + 4 + 4 * i, p[i]);
	r.used = wait_used(fe, CMDQ, poll, vhd_fe_post(fe, CMDQ, b, 1, 1, false, NULL, true));
	guard_ok(w, wlen);
	assert_true(r.used >= 8 && r.used <= wlen);
	assert_int_equal(rd32(w), hdr);
	r.b = w;
	r.st = (int32_t)rd32(w + 4);
	return r;
}

#define P(...) ((const uint32_t[]){__VA_ARGS__}), (sizeof((uint32_t[]){__VA_ARGS__}) / 4)
#define NOP NULL, 0

/* The walk Linux's driver makes at probe time, checked. */
static void
message_set(struct vhd_fe *fe, bool poll, int ctl)
{
	struct reply r;
	uint32_t idx = 0, ret, rem, seen = 0;
	int i;

	r = msg(fe, poll, BASE, 0, NOP, WR);
	assert_int_equal(r.st, S_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 0x20000);
	r = msg(fe, poll, BASE, 1, NOP, WR);
	assert_int_equal(rd32(r.b + 8), 0x101);
	r = msg(fe, poll, BASE, 3, NOP, WR);
	assert_string_equal((char *)r.b + 8, "vhost-device");
	r = msg(fe, poll, BASE, 4, NOP, WR);
	assert_int_equal(r.st, S_SUCCESS);
	r = msg(fe, poll, BASE, 5, NOP, WR);
	assert_int_equal(r.st, S_SUCCESS);
	r = msg(fe, poll, BASE, 6, P(0), WR);
	assert_int_equal(rd32(r.b + 8), 1);
	assert_int_equal(r.b[12], SENSOR);
	r = msg(fe, poll, BASE, 6, P(1), WR);
	assert_int_equal(rd32(r.b + 8), 0);
	r = msg(fe, poll, BASE, 7, P(0), WR);
	assert_string_equal((char *)r.b + 12, "platform");
	assert_int_equal(msg(fe, poll, BASE, 8, P(1), WR).st, S_SUCCESS);
	assert_int_equal(msg(fe, poll, BASE, 9, P(0, 0), WR).st, S_NOT_SUPPORTED);
	assert_int_equal(msg(fe, poll, BASE, 2, P(0x20), WR).st, S_NOT_FOUND);
	r = msg(fe, poll, SENSOR, 0, NOP, WR);
	assert_int_equal(rd32(r.b + 8), 0x30001);
	r = msg(fe, poll, SENSOR, 1, NOP, WR);
	assert_int_equal(rd32(r.b + 8) & 0xffff, NSENS);
	/* DESCRIPTION_GET paged to 128 bytes: every reply fits, every sensor once */
	do {
		r = msg(fe, poll, SENSOR, 3, P(idx), WR);
		assert_int_equal(r.st, S_SUCCESS);
		ret = rd32(r.b + 8) & 0xfff;
		rem = rd32(r.b + 8) >> 16;
		assert_true(ret > 0);
		assert_int_equal(rd32(r.b + 12), idx);
		if (idx <= S_TEMP && idx + ret > S_TEMP)
			seen++;
		idx += ret;
	} while (rem != 0);
	assert_int_equal(idx, NSENS);
	assert_int_equal(seen, 1);
	r = msg(fe, poll, SENSOR, 7, P(S_ACCEL, 0), WR);
	assert_int_equal(r.st, S_SUCCESS);
	assert_int_equal(rd32(r.b + 8) & 0x3f, 2);
	r = msg(fe, poll, SENSOR, 8, P(S_TEMP, 0), WR);
	assert_int_equal(rd32(r.b + 8) & 0xfff, 7);
	r = msg(fe, poll, SENSOR, 9, P(S_TEMP), WR);
	assert_int_equal(rd32(r.b + 8) & 1, 1);
	r = msg(fe, poll, SENSOR, 0xd, P(S_ACCEL, 0), WR);
	assert_string_equal((char *)r.b + 16, "acc_X");
	/* readings follow the control socket */
	r = msg(fe, poll, SENSOR, 6, P(S_TEMP, 0), WR);
	assert_int_equal(r.used, 24);
	assert_int_equal(rd64(r.b + 8), 25000);
	ctl_ok(ctl, "set cpu-temp 0 42500\n");
	r = msg(fe, poll, SENSOR, 6, P(S_TEMP, 0), WR);
	assert_int_equal(rd64(r.b + 8), 42500);
	ctl_ok(ctl, "set 3 0 -750\n");
	r = msg(fe, poll, SENSOR, 6, P(S_CURR, 0), WR);
	assert_int_equal(rd64(r.b + 8), -750);
	for (i = 0; i < 2; i++) {
		r = msg(fe, poll, SENSOR, 6, P(S_ACCEL, 0), WR);
		assert_int_equal(r.used, 8 + 48);
		assert_int_equal(rd64(r.b + 24), 100 + i);
	}
	ctl_ok(ctl, "set fake z 7\n");
	r = msg(fe, poll, SENSOR, 6, P(S_ACCEL, 0), WR);
	assert_int_equal(rd64(r.b + 40), 7);
	assert_string_equal(vhd_it_ctl(ctl, "set nosuch 0 1\n"), "error: no such sensor\n");
	assert_string_equal(vhd_it_ctl(ctl, "set cpu-temp 1 1\n"), "error: bad axis\n");
	assert_string_equal(vhd_it_ctl(ctl, "set cpu-temp 0 hot\n"), "error: bad value\n");
	assert_int_equal(strncmp(vhd_it_ctl(ctl, "bogus\n"), "error: usage", 12), 0);
	assert_int_equal(msg(fe, poll, SENSOR, 6, P(NSENS, 0), WR).st, S_NOT_FOUND);
	assert_int_equal(msg(fe, poll, SENSOR, 6, P(S_TEMP, 4), WR).st, S_INVALID);
	assert_int_equal(msg(fe, poll, 0x14, 0, NOP, WR).st, S_NOT_SUPPORTED);
}

static void
test_message_set(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	int c;

	(void)state;
	fe = up(&a, sensors);
	c = vhd_it_ctl_open(&a, 0);
	message_set(fe, false, c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static void
test_message_set_poll(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	int c;

	(void)state;
	fe = up(&a, sensors_poll);
	c = vhd_it_ctl_open(&a, 0);
	message_set(fe, true, c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The next notification (posting a fresh buffer for it). */
static const uint8_t *
event(struct vhd_fe *fe, uint32_t *len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, EVQ);
	uint16_t id;
	void *ck = NULL;

	if (vhd_fe_ring_get_used(r, &id, len, &ck) != 1) {
		if (vhd_fe_wait_used(fe, EVQ, WAIT_MS) <= 0)
			fail_msg("no notification within %d ms", WAIT_MS);
		assert_int_equal(vhd_fe_ring_get_used(r, &id, len, &ck), 1);
	}
	{
		uint8_t *n = wbuf(fe, WR);
		struct vhd_fe_buf b = {n, WR};

		assert_true(vhd_fe_post(fe, EVQ, &b, 0, 1, false, n, true) >= 0);
	}
	guard_ok(ck, WR);
	return ck;
}

static void
test_notifications(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	const uint8_t *e;
	uint32_t len;
	double t0, t3;
	int c, i;

	(void)state;
	fe = up(&a, sensors);
	c = vhd_it_ctl_open(&a, 0);
	for (i = 0; i < 4; i++) {
		uint8_t *w = wbuf(fe, WR);
		struct vhd_fe_buf b = {w, WR};

		assert_true(vhd_fe_post(fe, EVQ, &b, 0, 1, false, w, true) >= 0);
	}
	/* 200 ms updates of the temperature: three of them take 600 ms */
	assert_int_equal(msg(fe, false, SENSOR, 0xa, P(S_TEMP, 2u << 16 | 31u << 11 | 1), WR).st,
			 S_SUCCESS);
	t0 = now_s();
	assert_int_equal(msg(fe, false, SENSOR, 0xb, P(S_TEMP, 1), WR).st, S_SUCCESS);
	for (i = 0; i < 3; i++) {
		e = event(fe, &len);
		assert_int_equal(len, 4 + 8 + 16);
		assert_int_equal(rd32(e), 1u | 3u << 8 | SENSOR << 10);
		assert_int_equal(rd32(e + 8), S_TEMP);
		assert_int_equal(rd64(e + 12), 25000);
	}
	t3 = now_s();
	/* generous: the worker may be late on a loaded machine, never early */
	if (t3 - t0 < 0.55 || t3 - t0 > 5.0)
		fail_msg("three 200 ms updates took %.3f s", t3 - t0);
	assert_int_equal(msg(fe, false, SENSOR, 0xb, P(S_TEMP, 0), WR).st, S_SUCCESS);
	/* drain what was in flight, then trip events from the control socket */
	while (vhd_fe_wait_used(fe, EVQ, 500) > 0)
		event(fe, &len);
	assert_int_equal(msg(fe, false, SENSOR, 5, P(S_TEMP, 3, 30000, 0), WR).st, S_SUCCESS);
	assert_int_equal(msg(fe, false, SENSOR, 4, P(S_TEMP, 1), WR).st, S_SUCCESS);
	ctl_ok(c, "set cpu-temp 0 29000\n");
	ctl_ok(c, "set cpu-temp 0 31000\n");
	e = event(fe, &len);
	assert_int_equal(len, 16);
	assert_int_equal(rd32(e), 0u | 3u << 8 | SENSOR << 10);
	assert_int_equal(rd32(e + 8), S_TEMP);
	assert_int_equal(rd32(e + 12), 1u << 16);
	ctl_ok(c, "set cpu-temp 0 20000\n");
	e = event(fe, &len);
	assert_int_equal(rd32(e + 12), 0);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static void
test_layouts(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_mem *m;
	int c, k;

	(void)state;
	fe = up(&a, sensors);
	c = vhd_it_ctl_open(&a, 0);
	m = vhd_fe_mem(fe);
	ctl_ok(c, "set voltage 0 1800\n");
	for (k = 0; k < 3; k++) {
		uint8_t *h1 = vhd_fe_mem_alloc(m, 1, 8, NULL);
		uint8_t *h2 = vhd_fe_mem_alloc(m, 3, 8, NULL);
		uint8_t *p = vhd_fe_mem_alloc(m, 8, 8, NULL), hdr[4], out[24];
		uint8_t *w[6];
		struct vhd_fe_buf b[9];
		unsigned int n = 0, nw, i, off;
		uint32_t used;

		wr32(hdr, HDR(6, SENSOR, 100 + k));
		memcpy(h1, hdr, 1);
		memcpy(h2, hdr + 1, 3);
		wr32(p, S_VOLT);
		wr32(p + 4, 0);
		if (k == 0) { /* 1+1: header and parameters in one */
			uint8_t *all = vhd_fe_mem_alloc(m, 12, 8, NULL);

			memcpy(all, hdr, 4);
			memcpy(all + 4, p, 8);
			b[n++] = (struct vhd_fe_buf){all, 12};
			nw = 1;
		} else { /* split header, reply over four (k 1) or six (k 2, indirect) pieces */
			b[n++] = (struct vhd_fe_buf){h1, 1};
			b[n++] = (struct vhd_fe_buf){h2, 3};
			b[n++] = (struct vhd_fe_buf){p, 8};
			nw = k == 1 ? 4 : 6;
		}
		for (i = 0; i < nw; i++) {
			uint32_t l = nw == 1 ? WR : 24 / nw;

			w[i] = wbuf(fe, l);
			b[n++] = (struct vhd_fe_buf){w[i], l};
		}
		used = wait_used(fe, CMDQ, false,
				 vhd_fe_post(fe, CMDQ, b, n - nw, nw, k == 2, NULL, true));
		assert_int_equal(used, 24);
		for (i = 0, off = 0; i < nw; i++) {
			uint32_t l = nw == 1 ? 24 : 24 / nw;

			memcpy(out + off, w[i], l);
			guard_ok(w[i], nw == 1 ? WR : l);
			off += l;
		}
		assert_int_equal(rd32(out), HDR(6, SENSOR, 100 + k));
		assert_int_equal(rd32(out + 4), S_SUCCESS);
		assert_int_equal(rd64(out + 8), 1800);
	}
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static void
test_malformed(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_mem *m;
	uint8_t *r, *w;
	struct vhd_fe_buf b[2];
	uint32_t used;
	uint8_t id;

	(void)state;
	fe = up(&a, sensors);
	m = vhd_fe_mem(fe);
	r = vhd_fe_mem_alloc(m, 256, 8, NULL);
	memset(r, 0, 256);
	/* short header */
	w = wbuf(fe, WR);
	b[0] = (struct vhd_fe_buf){r, 2};
	b[1] = (struct vhd_fe_buf){w, WR};
	used = wait_used(fe, CMDQ, false, vhd_fe_post(fe, CMDQ, b, 1, 1, false, NULL, true));
	assert_int_equal(used, 8);
	assert_int_equal((int32_t)rd32(w + 4), S_PROTOCOL);
	guard_ok(w, WR);
	/* oversized parameters */
	wr32(r, HDR(0, BASE, 1));
	w = wbuf(fe, WR);
	b[0] = (struct vhd_fe_buf){r, 256};
	b[1] = (struct vhd_fe_buf){w, WR};
	used = wait_used(fe, CMDQ, false, vhd_fe_post(fe, CMDQ, b, 1, 1, false, NULL, true));
	assert_int_equal(used, 8);
	assert_int_equal((int32_t)rd32(w + 4), S_PROTOCOL);
	/* every sensor message one parameter short, or one too many */
	for (id = 3; id <= 0xd; id++) {
		assert_int_equal(msg(fe, false, SENSOR, id, NOP, WR).st, S_PROTOCOL);
		assert_int_equal(msg(fe, false, SENSOR, id, P(0, 0, 0, 0, 0), WR).st,
				 S_PROTOCOL);
	}
	for (id = 0; id <= 8; id++)
		assert_int_equal(msg(fe, false, BASE, id, P(0, 0, 0), WR).st, S_PROTOCOL);
	/* no room for a reply: returned empty */
	w = wbuf(fe, 7);
	b[0] = (struct vhd_fe_buf){r, 4};
	b[1] = (struct vhd_fe_buf){w, 7};
	used = wait_used(fe, CMDQ, false, vhd_fe_post(fe, CMDQ, b, 1, 1, false, NULL, true));
	assert_int_equal(used, 0);
	guard_ok(w, 7);
	assert_int_equal(w[0], 0xee);
	/* an eventq buffer with a readable part, one too small: both returned empty */
	w = wbuf(fe, WR);
	b[0] = (struct vhd_fe_buf){r, 4};
	b[1] = (struct vhd_fe_buf){w, WR};
	used = wait_used(fe, EVQ, false, vhd_fe_post(fe, EVQ, b, 1, 1, false, NULL, true));
	assert_int_equal(used, 0);
	b[0] = (struct vhd_fe_buf){w, 8};
	used = wait_used(fe, EVQ, false, vhd_fe_post(fe, EVQ, b, 0, 1, false, NULL, true));
	assert_int_equal(used, 0);
	guard_ok(w, WR);
	/* with BASE_NOTIFY_ERRORS on, an unanswerable message comes back as a BASE_ERROR_EVENT */
	assert_int_equal(msg(fe, false, BASE, 8, P(1), WR).st, S_SUCCESS);
	{
		uint8_t *ev = wbuf(fe, WR);
		struct vhd_fe_buf eb = {ev, WR};
		const uint8_t *e;
		uint32_t len;

		assert_true(vhd_fe_post(fe, EVQ, &eb, 0, 1, false, ev, true) >= 0);
		wr32(r, HDR(0, BASE, 77));
		w = wbuf(fe, 7);
		b[0] = (struct vhd_fe_buf){r, 4};
		b[1] = (struct vhd_fe_buf){w, 7};
		used = wait_used(fe, CMDQ, false,
				 vhd_fe_post(fe, CMDQ, b, 1, 1, false, NULL, true));
		assert_int_equal(used, 0);
		e = event(fe, &len);
		assert_int_equal(len, 4 + 8 + 8);
		assert_int_equal(rd32(e), 0u | 3u << 8 | BASE << 10); /* notification 0 of Base */
		assert_int_equal(rd32(e + 4), 1);                     /* the guest */
		assert_int_equal(rd32(e + 8), 1);                     /* one report, not fatal */
		assert_int_equal(rd32(e + 12), HDR(0, BASE, 77));
		assert_int_equal(rd32(e + 16), 0);
	}
	/* still serving */
	assert_int_equal(msg(fe, false, BASE, 0, NOP, WR).st, S_SUCCESS);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static void
test_help_devices(void **state)
{
	char cmd[512];
	FILE *f;
	char line[256];
	bool fake = false, iio = false;

	(void)state;
	/* no socket needed, as upstream's */
	snprintf(cmd, sizeof(cmd), "%s --help-devices", getenv("VHD_APP_SCMI") != NULL ?
		 getenv("VHD_APP_SCMI") : "app/vhost-device-scmi/vhost-device-scmi");
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		fake |= strncmp(line, "- fake:", 7) == 0;
		iio |= strncmp(line, "- iio:", 6) == 0;
	}
	assert_int_equal(pclose(f), 0);
	assert_true(fake);
	assert_true(iio);
}

static void
test_bad_args(void **state)
{
	static const char *const kind[] = {"-d", "thermo", NULL};
	static const char *const prop[] = {"-d", "fake,colour=red", NULL};
	static const char *const fkind[] = {"-d", "fake,kind=humidity", NULL};
	static const char *const noeq[] = {"-d", "fake,name", NULL};
	static const char *const twice[] = {"-d", "fake,name=a,name=b", NULL};
	static const char *const lname[] = {"-d", "fake,name=0123456789012345678901234567890123456"
					    "789012345678901234567890123456789", NULL};
	static const char *const nopath[] = {"-d", "iio,channel=in_accel", NULL};
	static const char *const nodir[] = {"-d", "iio,path=/nonexistent/iio,channel=in_accel",
					    NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", "VHOST_CONFIG: ", NULL};
	static const struct vhd_it_bad_cmdline in = {.name = "scmi", .exit_code = 1,
						     .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&in, "unknown device kind", kind, true, "thermo");
	vhd_it_bad_cmdline(&in, "unknown property", prop, true, "colour");
	vhd_it_bad_cmdline(&in, "unknown fake kind", fkind, true, "kind");
	vhd_it_bad_cmdline(&in, "property without value", noeq, true, "NAME=VALUE");
	vhd_it_bad_cmdline(&in, "property twice", twice, true, "twice");
	vhd_it_bad_cmdline(&in, "name too long", lname, true, "name");
	vhd_it_bad_cmdline(&in, "iio without path", nopath, true, "path");
	vhd_it_bad_cmdline(&in, "iio device missing", nodir, true, "/nonexistent/iio");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_message_set),
		VHD_IT_TEST(test_message_set_poll),
		VHD_IT_TEST(test_notifications),
		VHD_IT_TEST(test_layouts),
		VHD_IT_TEST(test_malformed),
		VHD_IT_TEST(test_help_devices),
		VHD_IT_TEST(test_bad_args),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
