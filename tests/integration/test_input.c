/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-input driven by our vhost-user frontend over simulated
 * devices: config selects, events typed on the control socket with and
 * without EVENT_IDX and with few or many buffers, a burst far larger than
 * the guest's buffers (whole batches or a resync, never a stuck key), the
 * status queue's LED round trip, malformed buffers, bad command lines.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_it.h"
#include "vhd_it_ctl.h"

#define QSZ 64
#define WAIT_MS 3000
#define F_ALL (~0ULL)
#define F_EVENT_IDX (1ULL << 29)

/* virtio-input wire format, written out here: the test checks the app, not our header. */
#define EVQ 0
#define STQ 1
#define CFG_ID_NAME 1
#define CFG_ID_SERIAL 2
#define CFG_ID_DEVIDS 3
#define CFG_PROP_BITS 0x10
#define CFG_EV_BITS 0x11
#define CFG_ABS_INFO 0x12
#define EV_SYN 0
#define EV_KEY 1
#define EV_REL 2
#define EV_ABS 3
#define EV_LED 0x11
#define SYN_REPORT 0
#define KEY_A 30
#define LED_CAPSL 1

struct ev {
	uint16_t type, code;
	int32_t value;
};

static void
ctl_ok(int fd, const char *cmd)
{
	const char *r = vhd_it_ctl(fd, cmd);

	if (strcmp(r, "ok\n") != 0)
		fail_msg("'%s' answered '%s'", cmd, r);
}

/* ---- the guest side ---- */

struct in {
	struct vhd_fe *fe;
	struct ev got[8192];
	unsigned int ngot;
};

static void
cfg(struct in *g, uint8_t sel, uint8_t sub, uint8_t *size, uint8_t *u)
{
	uint8_t hdr[8];

	assert_int_equal(vhd_fe_set_config(g->fe, 0, &sel, 1), 0);
	assert_int_equal(vhd_fe_set_config(g->fe, 1, &sub, 1), 0);
	assert_int_equal(vhd_fe_get_config(g->fe, 0, hdr, 8), 0);
	assert_int_equal(hdr[0], sel);
	assert_int_equal(hdr[1], sub);
	*size = hdr[2];
	assert_int_equal(vhd_fe_get_config(g->fe, 8, u, 128), 0);
}

/* Post @p n eventq buffers of 8 bytes (the buffer is the cookie). */
static void
post(struct in *g, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *b = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 8, 8, NULL);
		struct vhd_fe_buf fb = {b, 8};

		assert_non_null(b);
		memset(b, 0xee, 8);
		assert_true(vhd_fe_post(g->fe, EVQ, &fb, 0, 1, false, b, true) >= 0);
	}
}

/* Take used eventq buffers; repost each when @p repost. @return how many. */
static unsigned int
take(struct in *g, int wait_ms, bool repost)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, EVQ);
	unsigned int n = 0;
	uint16_t id;
	uint32_t len;
	void *ck;

	if (vhd_fe_wait_used(g->fe, EVQ, wait_ms) <= 0)
		return 0;
	while (vhd_fe_ring_get_used(r, &id, &len, &ck) == 1) {
		uint8_t *b = ck;
		uint16_t t, c;
		uint32_t v;
		struct vhd_fe_buf fb = {b, 8};

		assert_int_equal(len, 8);
		memcpy(&t, b, 2);
		memcpy(&c, b + 2, 2);
		memcpy(&v, b + 4, 4);
		assert_true(g->ngot < 8192);
		g->got[g->ngot++] = (struct ev){le16toh(t), le16toh(c), (int32_t)le32toh(v)};
		n++;
		if (repost)
			assert_true(vhd_fe_post(g->fe, EVQ, &fb, 0, 1, false, b, true) >= 0);
	}
	return n;
}

/* Wait until @p want events arrived in total. */
static void
take_until(struct in *g, unsigned int want, bool repost)
{
	while (g->ngot < want)
		if (take(g, WAIT_MS, repost) == 0)
			fail_msg("%u events of %u within %d ms", g->ngot, want, WAIT_MS);
}

static void
expect(const struct in *g, unsigned int i, uint16_t type, uint16_t code, int32_t value)
{
	if (g->got[i].type != type || g->got[i].code != code || g->got[i].value != value)
		fail_msg("event %u is %u/%u/%d, wanted %u/%u/%d", i, g->got[i].type,
			 g->got[i].code, g->got[i].value, type, code, value);
}

/* ---- tests ---- */

static void
test_config(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-e", "sim-keyboard,sim-tablet", NULL};
	struct in *g = calloc(1, sizeof(*g)), *t = calloc(1, sizeof(*t));
	uint8_t size, u[128];
	uint32_t max;

	(void)state;
	vhd_it_ctl_app_up(&a, "input", extra, 2);
	g->fe = vhd_it_fe_up(&a, 0, F_ALL, 2, QSZ);
	t->fe = vhd_it_fe_up(&a, 1, F_ALL, 2, QSZ);
	cfg(g, CFG_ID_NAME, 0, &size, u);
	assert_int_equal(size, strlen("vhost-device-input sim-keyboard"));
	assert_memory_equal(u, "vhost-device-input sim-keyboard", size);
	cfg(g, CFG_ID_SERIAL, 0, &size, u);
	assert_true(size > 0);
	cfg(g, CFG_ID_DEVIDS, 0, &size, u);
	assert_int_equal(size, 8);
	cfg(g, CFG_EV_BITS, EV_KEY, &size, u);
	assert_true(u[KEY_A / 8] & (1u << (KEY_A % 8)));
	cfg(g, CFG_EV_BITS, EV_LED, &size, u);
	assert_int_equal(size, 1);
	cfg(g, CFG_ABS_INFO, 0, &size, u);
	assert_int_equal(size, 0);
	cfg(g, 0x77, 0, &size, u);
	assert_int_equal(size, 0);
	cfg(t, CFG_ID_NAME, 0, &size, u);
	assert_memory_equal(u, "vhost-device-input sim-tablet", size);
	cfg(t, CFG_ABS_INFO, 1, &size, u);
	assert_int_equal(size, 20);
	memcpy(&max, u + 4, 4);
	assert_int_equal(le32toh(max), 32767);
	cfg(t, CFG_EV_BITS, EV_ABS, &size, u);
	assert_int_equal(size, 1);
	assert_int_equal(u[0], 3);
	vhd_it_ctl_app_down(&a, 2);
	vhd_it_fe_done(g->fe);
	vhd_it_fe_done(t->fe);
	free(g);
	free(t);
}

/* Events typed on the control socket arrive in order, SYN_REPORT last. */
static void
run_events(uint64_t want, unsigned int nbufs, const char *mode)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-e", "sim-mouse", "--mode", mode, NULL};
	struct in *g = calloc(1, sizeof(*g));
	int c;

	vhd_it_ctl_app_up(&a, "input", extra, 1);
	g->fe = vhd_it_fe_up(&a, 0, want, 2, QSZ);
	assert_int_equal(!!(vhd_fe_features(g->fe) & F_EVENT_IDX), !!(want & F_EVENT_IDX));
	c = vhd_it_ctl_open(&a, 0);
	post(g, nbufs);
	ctl_ok(c, "rel 0 5\n");
	ctl_ok(c, "rel 1 -3\n");
	/* Nothing before the SYN_REPORT. */
	assert_int_equal(take(g, 100, true), 0);
	ctl_ok(c, "syn\n");
	take_until(g, 3, true);
	expect(g, 0, EV_REL, 0, 5);
	expect(g, 1, EV_REL, 1, -3);
	expect(g, 2, EV_SYN, SYN_REPORT, 0);
	ctl_ok(c, "key 272 1\n");
	ctl_ok(c, "syn\n");
	ctl_ok(c, "key 272 0\n");
	ctl_ok(c, "syn\n");
	take_until(g, 7, true);
	expect(g, 3, EV_KEY, 272, 1);
	expect(g, 5, EV_KEY, 272, 0);
	expect(g, 6, EV_SYN, SYN_REPORT, 0);
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g->fe);
	free(g);
}

static void
test_events_event_idx(void **state)
{
	(void)state;
	run_events(F_ALL, 4, "interrupt");
}

/* Upstream drops every event without EVENT_IDX. */
static void
test_events_no_event_idx(void **state)
{
	(void)state;
	run_events(F_ALL & ~F_EVENT_IDX, 4, "interrupt");
}

static void
test_events_one_buffer_poll(void **state)
{
	(void)state;
	run_events(F_ALL & ~F_EVENT_IDX, 1, "poll");
}

static void
test_events_many_buffers(void **state)
{
	(void)state;
	run_events(F_ALL, QSZ, "interrupt");
}

/*
 * 1000 key batches while the guest has 4 buffers and does not return them:
 * the queue overflows. Afterwards every batch the guest got is whole, and
 * the last state of KEY_A it saw is released.
 */
static void
test_burst_overflow(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-e", "sim-keyboard", NULL};
	struct in *g = calloc(1, sizeof(*g));
	unsigned int i, batch = 0, nbatches = 0;
	bool held = false;
	int c;

	(void)state;
	vhd_it_ctl_app_up(&a, "input", extra, 1);
	g->fe = vhd_it_fe_up(&a, 0, F_ALL, 2, QSZ);
	c = vhd_it_ctl_open(&a, 0);
	post(g, 4);
	for (i = 0; i < 1000; i++) {
		ctl_ok(c, i % 2 == 0 ? "key 30 1\n" : "key 30 0\n");
		ctl_ok(c, "key 48 1\n");
		ctl_ok(c, "key 48 0\n");
		ctl_ok(c, "syn\n");
	}
	/* Press and hold A in the last batch; release in a batch after it. */
	ctl_ok(c, "key 30 1\n");
	ctl_ok(c, "syn\n");
	ctl_ok(c, "key 30 0\n");
	ctl_ok(c, "syn\n");
	while (take(g, 300, true) > 0)
		;
	assert_true(g->ngot > 0);
	for (i = 0; i < g->ngot; i++) {
		const struct ev *e = &g->got[i];

		if (e->type == EV_SYN) {
			assert_int_equal(e->code, SYN_REPORT);
			assert_true(batch > 0);
			batch = 0;
			nbatches++;
			continue;
		}
		assert_int_equal(e->type, EV_KEY);
		assert_true(e->code == 30 || e->code == 48);
		if (e->code == 30)
			held = e->value != 0;
		batch++;
	}
	/* Whole batches only, and no stuck key. */
	assert_int_equal(batch, 0);
	assert_false(held);
	/* 4002 batches of 16008 events do not fit 1024: some were dropped. */
	assert_true(nbatches < 1002);
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g->fe);
	free(g);
}

/* The guest lights caps lock; the simulated keyboard records it. Bad status buffers. */
static void
test_status_led(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-e", "sim-keyboard", NULL};
	struct in *g = calloc(1, sizeof(*g));
	struct vhd_fe_ring *r;
	uint8_t *b, *small;
	struct vhd_fe_buf fb, sb;
	uint16_t t = htole16(EV_LED), cd = htole16(LED_CAPSL), id;
	uint32_t v = htole32(1), len;
	int c, head, i;

	(void)state;
	vhd_it_ctl_app_up(&a, "input", extra, 1);
	g->fe = vhd_it_fe_up(&a, 0, F_ALL, 2, QSZ);
	r = vhd_fe_queue_ring(g->fe, STQ);
	c = vhd_it_ctl_open(&a, 0);
	assert_string_equal(vhd_it_ctl(c, "leds\n"), "leds 0x0\n");
	b = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 8, 8, NULL);
	small = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 8, 8, NULL);
	memcpy(b, &t, 2);
	memcpy(b + 2, &cd, 2);
	memcpy(b + 4, &v, 4);
	fb = (struct vhd_fe_buf){b, 8};
	sb = (struct vhd_fe_buf){small, 3};
	/* A short one, a device-writable one, then the LED. */
	assert_true(vhd_fe_post(g->fe, STQ, &sb, 1, 0, false, NULL, true) >= 0);
	assert_true(vhd_fe_post(g->fe, STQ, &sb, 0, 1, false, NULL, true) >= 0);
	head = vhd_fe_post(g->fe, STQ, &fb, 1, 0, false, NULL, true);
	assert_true(head >= 0);
	for (i = 0; i < 3; i++) {
		if (vhd_fe_wait_used(g->fe, STQ, WAIT_MS) <= 0)
			fail_msg("statusq buffer %d not returned", i);
		assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
		assert_int_equal(len, 0);
	}
	assert_int_equal(id, head);
	assert_string_equal(vhd_it_ctl(c, "leds\n"), "leds 0x2\n");
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g->fe);
	free(g);
}

/* Too-short and device-readable eventq buffers come back empty; events still flow. */
static void
test_bad_event_buffers(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-e", "sim-tablet", NULL};
	struct in *g = calloc(1, sizeof(*g));
	struct vhd_fe_ring *r;
	uint8_t *b;
	struct vhd_fe_buf s, rd[2];
	uint16_t id;
	uint32_t len;
	int c, i;

	(void)state;
	vhd_it_ctl_app_up(&a, "input", extra, 1);
	g->fe = vhd_it_fe_up(&a, 0, F_ALL, 2, QSZ);
	r = vhd_fe_queue_ring(g->fe, EVQ);
	b = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 16, 8, NULL);
	s = (struct vhd_fe_buf){b, 7};
	rd[0] = (struct vhd_fe_buf){b, 8};
	rd[1] = (struct vhd_fe_buf){b + 8, 8};
	assert_true(vhd_fe_post(g->fe, EVQ, &s, 0, 1, false, NULL, true) >= 0);
	assert_true(vhd_fe_post(g->fe, EVQ, rd, 1, 1, false, NULL, true) >= 0);
	for (i = 0; i < 2; i++) {
		if (vhd_fe_wait_used(g->fe, EVQ, WAIT_MS) <= 0)
			fail_msg("bad eventq buffer %d not returned", i);
		assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
		assert_int_equal(len, 0);
	}
	c = vhd_it_ctl_open(&a, 0);
	post(g, 2);
	ctl_ok(c, "abs 0 1200\n");
	ctl_ok(c, "syn\n");
	take_until(g, 2, false);
	expect(g, 0, EV_ABS, 0, 1200);
	assert_non_null(strstr(vhd_it_ctl(c, "abs 5 1\n"), "error"));
	assert_non_null(strstr(vhd_it_ctl(c, "bogus\n"), "error"));
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g->fe);
	free(g);
}

static void
test_bad_args(void **state)
{
	static const char *const nolist[] = {NULL};
	static const char *const badsim[] = {"-e", "sim-joystick", NULL};
	static const char *const nodev[] = {"-e", "/dev/input/event99", NULL};
	static const char *const relpath[] = {"-e", "event0", NULL};
	static const char *const empty[] = {"-e", ",", NULL};
	static const char *const count[] = {"-e", "sim-mouse,sim-keyboard", "-c", "3", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", "VHOST_CONFIG: ", NULL};
	static const struct vhd_it_bad_cmdline in = {.name = "input", .exit_code = 1,
						     .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&in, "no event list", nolist, true, "--event-list");
	vhd_it_bad_cmdline(&in, "unknown simulated device", badsim, true, "sim-joystick");
	vhd_it_bad_cmdline(&in, "missing host device", nodev, true, "/dev/input/event99");
	vhd_it_bad_cmdline(&in, "not a path", relpath, true, "event0");
	vhd_it_bad_cmdline(&in, "empty list", empty, true, "empty");
	vhd_it_bad_cmdline(&in, "socket count mismatch", count, true, "3");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_config),
		VHD_IT_TEST(test_events_event_idx),
		VHD_IT_TEST(test_events_no_event_idx),
		VHD_IT_TEST(test_events_one_buffer_poll),
		VHD_IT_TEST(test_events_many_buffers),
		VHD_IT_TEST(test_burst_overflow),
		VHD_IT_TEST(test_status_led),
		VHD_IT_TEST(test_bad_event_buffers),
		VHD_IT_TEST(test_bad_args),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
