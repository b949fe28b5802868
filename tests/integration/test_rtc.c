/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-rtc driven by our vhost-user frontend: the default clocks
 * against the host's, status codes and short buffers, alarms in the past,
 * in the future, disabled and re-armed, a step of a simulated clock (through
 * the control FIFO) making a pending alarm fire, a real timerfd alarm,
 * --no-offer-alarm, and bad command lines.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_it.h"

#define QSZ 64
#define WAIT_MS 3000
#define F_ALL (~0ULL)

/* virtio-rtc wire format, written out here: the test checks the app, not our header. */
#define REQ_READ 0x0001
#define REQ_READ_CROSS 0x0002
#define REQ_CFG 0x1000
#define REQ_CLOCK_CAP 0x1001
#define REQ_READ_ALARM 0x1003
#define REQ_SET_ALARM 0x1004
#define REQ_SET_ALARM_ENABLED 0x1005
#define NOTIF_ALARM 0x2000
#define S_OK 0
#define S_EOPNOTSUPP 2
#define S_ENODEV 3
#define S_EINVAL 4
#define T_UTC 0
#define T_TAI 1
#define T_MONO 2
#define T_UTC_SMEARED 3
#define F_ALARM_BIT 0
#define REQQ 0
#define ALARMQ 1

struct rtc {
	struct vhd_fe *fe;
	uint8_t *rq;   /* 32 bytes */
	uint8_t *resp; /* 64 bytes */
	uint8_t *notif[4];
	char ctl[256];
};

/* Start the app on socket <sock>0 (upstream uses the path as given) with @p extra. */
static void
app_up(struct vhd_fe_app *a, struct rtc *r, const char *const *extra)
{
	const char *args[32];
	char sock[256];
	unsigned int n = 0, i;
	int rc;

	vhd_it_app_init(a, "rtc");
	snprintf(r->ctl, sizeof(r->ctl), "%s/ctl", a->dir);
	args[n++] = "-s";
	args[n++] = vhd_fe_app_sock(a, 0, sock, sizeof(sock));
	args[n++] = "--sim-control";
	args[n++] = r->ctl;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	rc = vhd_fe_app_start(a, args);
	if (rc != 0)
		fail_msg("start: %s", strerror(-rc));
	vhd_it_track(a, true);
	rc = vhd_fe_app_wait_socket(a, 0, VHD_FE_APP_TIMEOUT_MS);
	if (rc != 0) {
		char err[2048];

		vhd_fe_app_output(a, false, err, sizeof(err));
		fail_msg("socket did not appear (%s); stderr:\n%s", strerror(-rc), err);
	}
}

static void
rtc_bufs(struct rtc *r)
{
	unsigned int i;

	r->rq = vhd_fe_mem_alloc(vhd_fe_mem(r->fe), 32, 8, NULL);
	r->resp = vhd_fe_mem_alloc(vhd_fe_mem(r->fe), 64, 8, NULL);
	assert_non_null(r->rq);
	assert_non_null(r->resp);
	for (i = 0; i < 4; i++) {
		r->notif[i] = vhd_fe_mem_alloc(vhd_fe_mem(r->fe), 16, 8, NULL);
		assert_non_null(r->notif[i]);
	}
}

static void
rtc_up(struct rtc *r, struct vhd_fe_app *a, uint64_t want)
{
	r->fe = vhd_it_fe_up(a, 0, want, 2, QSZ);
	rtc_bufs(r);
}

static int
wait_used(struct vhd_fe *fe, uint16_t q, int ms, uint16_t *id, uint32_t *len)
{
	struct vhd_fe_ring *ring = vhd_fe_queue_ring(fe, q);

	if (vhd_fe_ring_get_used(ring, id, len, NULL) == 1)
		return 1;
	if (vhd_fe_wait_used(fe, q, ms) <= 0)
		return 0;
	return vhd_fe_ring_get_used(ring, id, len, NULL);
}

/* @p rd_len request bytes, @p wr_len response bytes; @return the used length. */
static uint32_t
raw(struct rtc *r, uint32_t rd_len, uint32_t wr_len)
{
	struct vhd_fe_buf b[2] = {{r->rq, rd_len}, {r->resp, wr_len}};
	uint16_t id;
	uint32_t len, i;
	int head;

	memset(r->resp, 0xee, 64);
	head = vhd_fe_post(r->fe, REQQ, b, 1, 1, false, NULL, true);
	assert_true(head >= 0);
	if (wait_used(r->fe, REQQ, WAIT_MS, &id, &len) != 1)
		fail_msg("no answer on the requestq: %s", vhd_fe_error(r->fe));
	assert_int_equal(id, head);
	for (i = wr_len; i < 64; i++)
		if (r->resp[i] != 0xee)
			fail_msg("byte %u written past a %u-byte response", i, wr_len);
	return len;
}

/* Lay out a request: type, then clock id at 8 (16 for SET_ALARM, after the time). */
static uint32_t
put(struct rtc *r, uint16_t type, uint16_t clock, uint8_t flags, uint64_t time)
{
	uint16_t t = htole16(type), c = htole16(clock);
	uint64_t tm = htole64(time);

	memset(r->rq, 0, 32);
	memcpy(r->rq, &t, 2);
	if (type == REQ_CFG)
		return 8;
	if (type == REQ_SET_ALARM) {
		memcpy(r->rq + 8, &tm, 8);
		memcpy(r->rq + 16, &c, 2);
		r->rq[18] = flags;
		return 24;
	}
	memcpy(r->rq + 8, &c, 2);
	if (type == REQ_SET_ALARM_ENABLED)
		r->rq[10] = flags;
	return 16;
}

static uint8_t
msg(struct rtc *r, uint16_t type, uint16_t clock, uint8_t flags, uint64_t time, uint32_t wr)
{
	uint32_t rd = put(r, type, clock, flags, time);

	assert_true(raw(r, rd, wr) >= 1);
	return r->resp[0];
}

static uint64_t
read_clock(struct rtc *r, uint16_t clock)
{
	uint64_t v;

	assert_int_equal(msg(r, REQ_READ, clock, 0, 0, 16), S_OK);
	memcpy(&v, r->resp + 8, 8);
	return le64toh(v);
}

static uint64_t
host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- alarmq ---- */

static void
post_notif(struct rtc *r, unsigned int i)
{
	struct vhd_fe_buf b = {r->notif[i], 16};

	memset(r->notif[i], 0xee, 16);
	assert_true(vhd_fe_post(r->fe, ALARMQ, &b, 0, 1, false, (void *)(uintptr_t)i, true) >= 0);
}

/* Wait up to @p ms for a notification; @return its clock id, or -1. */
static int
wait_notif(struct rtc *r, int ms)
{
	struct vhd_fe_ring *ring = vhd_fe_queue_ring(r->fe, ALARMQ);
	void *cookie = NULL;
	uint16_t id, type, clock;
	uint32_t len;
	unsigned int i;

	if (vhd_fe_ring_get_used(ring, &id, &len, &cookie) != 1) {
		if (vhd_fe_wait_used(r->fe, ALARMQ, ms) <= 0)
			return -1;
		assert_int_equal(vhd_fe_ring_get_used(ring, &id, &len, &cookie), 1);
	}
	i = (unsigned int)(uintptr_t)cookie;
	assert_true(i < 4);
	assert_int_equal(len, 16);
	memcpy(&type, r->notif[i], 2);
	memcpy(&clock, r->notif[i] + 8, 2);
	assert_int_equal(le16toh(type), NOTIF_ALARM);
	post_notif(r, i); /* back to the device, like a driver does */
	return le16toh(clock);
}

static void
ctl(struct rtc *r, const char *cmd)
{
	int fd = open(r->ctl, O_WRONLY | O_NONBLOCK);

	if (fd < 0)
		fail_msg("open %s: %s", r->ctl, strerror(errno));
	assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	close(fd);
}

/* Step simulated clock @p id to @p ns and wait until READ shows it. */
static void
sim_set(struct rtc *r, uint16_t id, uint64_t ns)
{
	char cmd[64];
	int64_t end = vhd_fe_app_now_ms() + WAIT_MS;

	snprintf(cmd, sizeof(cmd), "set %u %" PRIu64 "\n", id, ns);
	ctl(r, cmd);
	while (read_clock(r, id) != ns)
		if (vhd_fe_app_now_ms() > end)
			fail_msg("simulated clock %u not at %" PRIu64 " after '%s'", id, ns, cmd);
}

/* ---- tests ---- */

static void
test_default_clocks(void **state)
{
	static const uint8_t types[3] = {T_UTC_SMEARED, T_TAI, T_MONO};
	struct vhd_fe_app a;
	struct rtc r;
	uint64_t before, v, after, prev;
	uint16_t n;
	unsigned int i;

	(void)state;
	app_up(&a, &r, NULL);
	rtc_up(&r, &a, F_ALL);
	assert_true(vhd_fe_features(r.fe) & (1ULL << F_ALARM_BIT));
	assert_int_equal(msg(&r, REQ_CFG, 0, 0, 0, 16), S_OK);
	memcpy(&n, r.resp + 8, 2);
	assert_int_equal(le16toh(n), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(msg(&r, REQ_CLOCK_CAP, (uint16_t)i, 0, 0, 16), S_OK);
		assert_int_equal(r.resp[8], types[i]);
		assert_int_equal(r.resp[10], 1); /* ALARM_CAP */
	}
	/* Clock 0 is CLOCK_REALTIME, clock 2 CLOCK_MONOTONIC. */
	before = host_ns(CLOCK_REALTIME);
	v = read_clock(&r, 0);
	after = host_ns(CLOCK_REALTIME);
	assert_true(v >= before && v <= after);
	before = host_ns(CLOCK_TAI);
	v = read_clock(&r, 1);
	assert_true(v >= before && v <= host_ns(CLOCK_TAI));
	prev = read_clock(&r, 2);
	for (i = 0; i < 200; i++) {
		v = read_clock(&r, 2);
		assert_true(v >= prev);
		prev = v;
	}
	/* Status codes as the spec says (upstream answers EINVAL to the first three). */
	assert_int_equal(msg(&r, REQ_READ, 3, 0, 0, 16), S_ENODEV);
	assert_int_equal(msg(&r, 0x0777, 0, 0, 0, 16), S_EOPNOTSUPP);
	assert_int_equal(msg(&r, REQ_READ_ALARM, 9, 0, 0, 24), S_ENODEV);
	assert_int_equal(msg(&r, REQ_READ_CROSS, 0, 0, 0, 24), S_EOPNOTSUPP);
	/* A short response buffer: EINVAL in what fits, no byte past it (raw checks). */
	put(&r, REQ_READ, 0, 0, 0);
	assert_int_equal(raw(&r, 16, 4), 4);
	assert_int_equal(r.resp[0], S_EINVAL);
	put(&r, REQ_READ, 0, 0, 0);
	assert_int_equal(raw(&r, 16, 15), 8);
	assert_int_equal(r.resp[0], S_EINVAL);
	/* A short request. */
	put(&r, REQ_READ, 0, 0, 0);
	assert_int_equal(raw(&r, 9, 16), 8);
	assert_int_equal(r.resp[0], S_EINVAL);
	vhd_it_fe_done(r.fe);
	vhd_it_app_down(&a, 1);
}

static void
test_alarms(void **state)
{
	static const char *const extra[] = {"--clock", "utc-smeared=sim", "--clock",
					    "monotonic=monotonic", NULL};
	struct vhd_fe_app a;
	struct rtc r;
	uint64_t t;

	(void)state;
	app_up(&a, &r, extra);
	rtc_up(&r, &a, F_ALL);
	post_notif(&r, 0);
	post_notif(&r, 1);
	sim_set(&r, 0, 1000000000000ULL);
	/* In the past: fires at once. */
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 1, 999999999999ULL, 8), S_OK);
	assert_int_equal(wait_notif(&r, WAIT_MS), 0);
	/* In the future: nothing until the clock gets there. */
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 1, 1000000005000ULL, 8), S_OK);
	assert_int_equal(wait_notif(&r, 200), -1);
	sim_set(&r, 0, 1000000004999ULL);
	assert_int_equal(wait_notif(&r, 200), -1);
	/* A step past it makes it fire. */
	sim_set(&r, 0, 1000000009000ULL);
	assert_int_equal(wait_notif(&r, WAIT_MS), 0);
	/* Back before it and forward again: fires again. */
	sim_set(&r, 0, 1000000000000ULL);
	assert_int_equal(wait_notif(&r, 200), -1);
	sim_set(&r, 0, 1000000006000ULL);
	assert_int_equal(wait_notif(&r, WAIT_MS), 0);
	/* Disabled: a step past it does nothing; READ_ALARM says so. */
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 1, 1000000007000ULL, 8), S_OK);
	assert_int_equal(msg(&r, REQ_SET_ALARM_ENABLED, 0, 0, 0, 8), S_OK);
	assert_int_equal(msg(&r, REQ_READ_ALARM, 0, 0, 0, 24), S_OK);
	memcpy(&t, r.resp + 8, 8);
	assert_int_equal(le64toh(t), 1000000007000ULL);
	assert_int_equal(r.resp[16], 0);
	sim_set(&r, 0, 1000000008000ULL);
	assert_int_equal(wait_notif(&r, 200), -1);
	/* Re-armed: enabling with the time passed fires. */
	assert_int_equal(msg(&r, REQ_SET_ALARM_ENABLED, 0, 1, 0, 8), S_OK);
	assert_int_equal(wait_notif(&r, WAIT_MS), 0);
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 0, 0, 8), S_OK);
	/* A real CLOCK_MONOTONIC alarm 50 ms ahead, on the app's timerfd. */
	t = read_clock(&r, 1);
	assert_int_equal(msg(&r, REQ_SET_ALARM, 1, 1, t + 50000000ULL, 8), S_OK);
	assert_int_equal(wait_notif(&r, 20), -1);
	assert_int_equal(wait_notif(&r, WAIT_MS), 1);
	assert_true(read_clock(&r, 1) >= t + 50000000ULL);
	vhd_it_fe_done(r.fe);
	vhd_it_app_down(&a, 1);
}

/* An expiry while no alarmq buffer is there is delivered when one comes. */
static void
test_owed_notification(void **state)
{
	static const char *const extra[] = {"--clock", "utc=sim", NULL};
	struct vhd_fe_app a;
	struct rtc r;

	(void)state;
	app_up(&a, &r, extra);
	rtc_up(&r, &a, F_ALL);
	sim_set(&r, 0, 5000);
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 1, 6000, 8), S_OK);
	sim_set(&r, 0, 7000);
	assert_int_equal(wait_notif(&r, 200), -1);
	post_notif(&r, 2);
	assert_int_equal(wait_notif(&r, WAIT_MS), 0);
	/*
	 * A held alarmq buffer survives a memory table change (the VMM's
	 * hot-plug): the next expiry still lands in it.
	 */
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 1, 9000, 8), S_OK);
	assert_int_equal(vhd_fe_set_mem_table(r.fe), 0);
	sim_set(&r, 0, 9000);
	assert_int_equal(wait_notif(&r, WAIT_MS), 0);
	vhd_it_fe_done(r.fe);
	vhd_it_app_stop(&a, 1);
	if (access(r.ctl, F_OK) == 0)
		fail_msg("control FIFO %s still there after exit", r.ctl);
	vhd_it_app_fini(&a);
}

static void
test_no_offer_alarm(void **state)
{
	static const char *const extra[] = {"--no-offer-alarm", "--no-tai", NULL};
	struct vhd_fe_app a;
	struct rtc r;
	uint16_t n;

	(void)state;
	app_up(&a, &r, extra);
	rtc_up(&r, &a, F_ALL);
	assert_int_equal(vhd_fe_offered_features(r.fe) & (1ULL << F_ALARM_BIT), 0);
	assert_int_equal(msg(&r, REQ_CFG, 0, 0, 0, 16), S_OK);
	memcpy(&n, r.resp + 8, 2);
	assert_int_equal(le16toh(n), 2);
	assert_int_equal(msg(&r, REQ_CLOCK_CAP, 0, 0, 0, 16), S_OK);
	assert_int_equal(r.resp[10], 0);
	/* The spec: ENODEV for alarm messages without the feature. */
	assert_int_equal(msg(&r, REQ_SET_ALARM, 0, 1, 5, 8), S_ENODEV);
	assert_int_equal(msg(&r, REQ_SET_ALARM_ENABLED, 0, 1, 0, 8), S_ENODEV);
	assert_int_equal(msg(&r, REQ_READ_ALARM, 0, 0, 0, 24), S_ENODEV);
	vhd_it_fe_done(r.fe);
	vhd_it_app_down(&a, 1);
}

/*
 * --socket-fd: the app serves a listening socket it inherits; a frontend
 * that connected before the app started is served, reconnects work, and the
 * socket file (not the app's) is left alone.
 */
static void
test_socket_fd(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vhd_fe_app a;
	struct rtc r;
	char sock[256], fdarg[16];
	const char *args[8];
	struct stat st;
	int lfd, rc;
	uint16_t q;

	(void)state;
	vhd_it_app_init(&a, "rtc");
	snprintf(r.ctl, sizeof(r.ctl), "%s/ctl", a.dir);
	vhd_fe_app_sock(&a, 0, sock, sizeof(sock));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0); /* inherited by the app: no CLOEXEC */
	assert_true(lfd >= 0);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	r.fe = vhd_it_fe_track(vhd_fe_create(NULL));
	assert_non_null(r.fe);
	assert_int_equal(vhd_fe_connect(r.fe, sock, 1000), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", lfd);
	args[0] = "--socket-fd";
	args[1] = fdarg;
	args[2] = "--clock";
	args[3] = "utc=sim";
	args[4] = "--sim-control";
	args[5] = r.ctl;
	args[6] = NULL;
	rc = vhd_fe_app_start(&a, args);
	assert_int_equal(rc, 0);
	vhd_it_track(&a, true);
	close(lfd);
	if (vhd_fe_negotiate(r.fe, F_ALL, VHD_FE_PROTO_DEFAULT) != 0)
		fail_msg("negotiate over the inherited socket: %s", vhd_fe_error(r.fe));
	for (q = 0; q < 2; q++) {
		assert_int_equal(vhd_fe_queue_setup(r.fe, q, QSZ), 0);
		assert_int_equal(vhd_fe_queue_start(r.fe, q), 0);
	}
	rtc_bufs(&r);
	sim_set(&r, 0, 424242);
	vhd_it_fe_done(r.fe);
	/* A second frontend, through the same socket. */
	rtc_up(&r, &a, F_ALL);
	assert_int_equal(read_clock(&r, 0), 424242);
	vhd_it_fe_done(r.fe);
	assert_int_equal(vhd_fe_app_stop(&a), 0);
	/* The socket file is the launcher's: still there. */
	assert_int_equal(stat(sock, &st), 0);
	unlink(sock);
	vhd_it_app_fini(&a);
}

static void
test_bad_args(void **state)
{
	static const char *const none[] = {"--no-utc", "--no-tai", "--no-monotonic", NULL};
	static const char *const mix[] = {"--clock", "utc=realtime", "--no-tai", NULL};
	static const char *const epoch[] = {"--clock", "utc=monotonic", NULL};
	static const char *const steps[] = {"--clock", "monotonic=realtime", NULL};
	static const char *const ptp[] = {"--clock", "tai=/dev/ptp-none", NULL};
	static const char *const type[] = {"--clock", "gps=realtime", NULL};
	static const char *const fd[] = {"--socket-fd", "0", NULL};
	static const char *const nofd[] = {"--socket-fd", "77", NULL};
	static const char *const fdx[] = {"--socket-fd", "3x", NULL};
	static const char *const count[] = {"-c", "2", NULL};
	static const char *const unknown[] = {"--bogus", NULL};
	static const char *const nodir[] = {"-s", "/nonexistent/dir/rtc.sock", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline rtc = {.name = "rtc", .exit_code = 1,
						      .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&rtc, "zero clocks", none, true, "no clock");
	vhd_it_bad_cmdline(&rtc, "--clock with --no-tai", mix, true, "--clock");
	vhd_it_bad_cmdline(&rtc, "utc from monotonic", epoch, true, "utc=monotonic");
	vhd_it_bad_cmdline(&rtc, "monotonic from realtime", steps, true, "monotonic=realtime");
	vhd_it_bad_cmdline(&rtc, "missing PTP device", ptp, true, "/dev/ptp-none");
	vhd_it_bad_cmdline(&rtc, "unknown clock type", type, true, "gps");
	vhd_it_bad_cmdline(&rtc, "--socket-fd on a non-socket", fd, false, "not a unix socket");
	vhd_it_bad_cmdline(&rtc, "--socket-fd not open", nofd, false, "not an open");
	vhd_it_bad_cmdline(&rtc, "--socket-fd garbage", fdx, false, "3x");
	vhd_it_bad_cmdline(&rtc, "two sockets", count, true, "one socket");
	vhd_it_bad_cmdline(&rtc, "unknown option", unknown, true, "bogus");
	vhd_it_bad_cmdline(&rtc, "no socket path", none, false, "--socket-path");
	vhd_it_bad_cmdline(&rtc, "socket directory missing", nodir, false, "/nonexistent/dir");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_default_clocks),
		VHD_IT_TEST(test_alarms),
		VHD_IT_TEST(test_owed_notification),
		VHD_IT_TEST(test_no_offer_alarm),
		VHD_IT_TEST(test_socket_fd),
		VHD_IT_TEST(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
