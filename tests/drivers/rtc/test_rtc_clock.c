/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Clock sources: the TYPE=SOURCE table (what is refused and why), opening
 * each host source, and alarm timers on the real host clocks expiring at
 * the absolute time asked for.
 */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rtc_clock.h"
#include "rtc_proto.h"

static void
parse_table(void **state)
{
	static const struct {
		const char *arg;
		int ok;
		uint8_t type;
		enum rtc_source src;
	} cases[] = {
		{"utc=realtime", 1, RTC_CLOCK_UTC, RTC_SRC_REALTIME},
		{"utc-smeared=realtime", 1, RTC_CLOCK_UTC_SMEARED, RTC_SRC_REALTIME},
		{"utc-maybe-smeared=realtime", 1, RTC_CLOCK_UTC_MAYBE_SMEARED, RTC_SRC_REALTIME},
		{"tai=tai", 1, RTC_CLOCK_TAI, RTC_SRC_TAI},
		{"tai=/dev/ptp0", 1, RTC_CLOCK_TAI, RTC_SRC_PTP},
		{"utc=/dev/ptp3", 1, RTC_CLOCK_UTC, RTC_SRC_PTP},
		{"monotonic=monotonic", 1, RTC_CLOCK_MONOTONIC, RTC_SRC_MONOTONIC},
		{"monotonic=boottime", 1, RTC_CLOCK_MONOTONIC, RTC_SRC_BOOTTIME},
		{"monotonic=sim", 1, RTC_CLOCK_MONOTONIC, RTC_SRC_SIM},
		{"utc=sim", 1, RTC_CLOCK_UTC, RTC_SRC_SIM},
		/* wrong epoch or a clock that steps behind a MONOTONIC one */
		{"utc=monotonic", 0, 0, 0},
		{"utc=tai", 0, 0, 0},
		{"tai=realtime", 0, 0, 0},
		{"monotonic=realtime", 0, 0, 0},
		{"monotonic=/dev/ptp0", 0, 0, 0},
		{"utc-smeared=boottime", 0, 0, 0},
		/* syntax */
		{"utc", 0, 0, 0},
		{"=realtime", 0, 0, 0},
		{"utcx=realtime", 0, 0, 0},
		{"ut=realtime", 0, 0, 0},
		{"utc=", 0, 0, 0},
		{"utc=ptp", 0, 0, 0},
		{"utc=realtimex", 0, 0, 0},
	};
	struct rtc_clock_spec s;
	char err[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		int rc = rtc_clock_parse(cases[i].arg, &s, err, sizeof(err));

		if (cases[i].ok) {
			if (rc != 0)
				fail_msg("%s refused: %s", cases[i].arg, err);
			assert_int_equal(s.type, cases[i].type);
			assert_int_equal(s.src, cases[i].src);
		} else {
			if (rc == 0)
				fail_msg("%s accepted", cases[i].arg);
			assert_true(strlen(err) > 0);
		}
	}
	assert_int_equal(rtc_clock_parse("tai=/dev/ptp7", &s, err, sizeof(err)), 0);
	assert_string_equal(s.ptp_path, "/dev/ptp7");
}

static void
defaults_like_upstream(void **state)
{
	(void)state;
	/* CLOCK_REALTIME as UTC_SMEARED is what makes Linux create /dev/rtc. */
	assert_int_equal(rtc_clock_defaults[0].type, RTC_CLOCK_UTC_SMEARED);
	assert_int_equal(rtc_clock_defaults[0].src, RTC_SRC_REALTIME);
	assert_int_equal(rtc_clock_defaults[1].type, RTC_CLOCK_TAI);
	assert_int_equal(rtc_clock_defaults[1].src, RTC_SRC_TAI);
	assert_int_equal(rtc_clock_defaults[2].type, RTC_CLOCK_MONOTONIC);
	assert_int_equal(rtc_clock_defaults[2].src, RTC_SRC_MONOTONIC);
}

static uint64_t
host_ns(clockid_t id)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(id, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
open_read_sources(void **state)
{
	static const struct {
		const char *arg;
		clockid_t id;
	} cases[] = {
		{"utc=realtime", CLOCK_REALTIME},
		{"tai=tai", CLOCK_TAI},
		{"monotonic=monotonic", CLOCK_MONOTONIC},
		{"monotonic=boottime", CLOCK_BOOTTIME},
	};
	struct rtc_clock_spec s;
	struct rtc_clock c;
	uint64_t before, v, after;
	char err[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(rtc_clock_parse(cases[i].arg, &s, err, sizeof(err)), 0);
		assert_int_equal(rtc_clock_open(&c, &s), 0);
		before = host_ns(cases[i].id);
		assert_int_equal(rtc_clock_read(&c, &v), 0);
		after = host_ns(cases[i].id);
		assert_true(v >= before && v <= after);
		assert_true(rtc_clock_can_alarm(&c));
		rtc_clock_close(&c);
	}
	/* A missing PTP device and a node that is no clock. */
	assert_int_equal(rtc_clock_parse("tai=/dev/ptp-none", &s, err, sizeof(err)), 0);
	assert_int_equal(rtc_clock_open(&c, &s), -ENOENT);
	assert_int_equal(rtc_clock_parse("tai=/dev/null", &s, err, sizeof(err)), 0);
	assert_true(rtc_clock_open(&c, &s) < 0);
	/* Simulated: stands still, starts at the host time for UTC, 0 for monotonic. */
	assert_int_equal(rtc_clock_parse("utc=sim", &s, err, sizeof(err)), 0);
	before = host_ns(CLOCK_REALTIME);
	assert_int_equal(rtc_clock_open(&c, &s), 0);
	assert_int_equal(rtc_clock_read(&c, &v), 0);
	assert_true(v >= before && v <= host_ns(CLOCK_REALTIME));
	usleep(2000);
	assert_int_equal(rtc_clock_read(&c, &after), 0);
	assert_int_equal(after, v);
	assert_int_equal(rtc_clock_timer_open(&c), -ENOTSUP);
	assert_int_equal(rtc_clock_parse("monotonic=sim", &s, err, sizeof(err)), 0);
	assert_int_equal(rtc_clock_open(&c, &s), 0);
	assert_int_equal(rtc_clock_read(&c, &v), 0);
	assert_int_equal(v, 0);
}

/* A timer armed 3 ms ahead on each timerfd source expires, not before. */
static void
timers_expire_at_time(void **state)
{
	static const char *const args[] = {"utc=realtime", "tai=tai", "monotonic=monotonic",
					   "monotonic=boottime"};
	struct rtc_clock_spec s;
	struct rtc_clock c;
	char err[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		uint64_t t, now, ticks;
		struct pollfd p;
		int fd;

		assert_int_equal(rtc_clock_parse(args[i], &s, err, sizeof(err)), 0);
		assert_int_equal(rtc_clock_open(&c, &s), 0);
		fd = rtc_clock_timer_open(&c);
		assert_true(fd >= 0);
		assert_int_equal(rtc_clock_read(&c, &t), 0);
		t += 3000000;
		assert_int_equal(rtc_clock_timer_arm(&c, fd, t), 0);
		p = (struct pollfd){.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(fd, &ticks, sizeof(ticks)), (ssize_t)sizeof(ticks));
		assert_int_equal(rtc_clock_read(&c, &now), 0);
		if (now < t)
			fail_msg("%s: timer expired %llu ns early", args[i],
				 (unsigned long long)(t - now));
		/* A time in the past expires at once; the watch-only arm never does. */
		assert_int_equal(rtc_clock_timer_arm(&c, fd, 1), 0);
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(fd, &ticks, sizeof(ticks)), (ssize_t)sizeof(ticks));
		assert_int_equal(rtc_clock_timer_arm(&c, fd, RTC_TIMER_WATCH), 0);
		assert_int_equal(poll(&p, 1, 20), 0);
		/* Far beyond what the kernel's clock can hold: armed, never expires. */
		assert_int_equal(rtc_clock_timer_arm(&c, fd, UINT64_MAX - 1), 0);
		assert_int_equal(poll(&p, 1, 20), 0);
		close(fd);
		rtc_clock_close(&c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_table),
		cmocka_unit_test(defaults_like_upstream),
		cmocka_unit_test(open_read_sources),
		cmocka_unit_test(timers_expire_at_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
