/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "rtc_clock.h"
#include "rtc_proto.h"

/*
 * Dynamic POSIX clock of an open character device: the kernel's
 * FD_TO_CLOCKID, ((~fd) << 3) | 3, done on unsigned bits (shifting a
 * negative int is undefined).
 */
#define RTC_FD_TO_CLOCKID(fd) ((clockid_t)((~(uint32_t)(fd) << 3) | 3u))

#define NS_PER_S 1000000000ULL
/* Far enough in the future to never expire, well below the kernel's KTIME_SEC_MAX. */
#define RTC_FAR_SEC 9000000000LL

const struct rtc_clock_spec rtc_clock_defaults[3] = {
	/* Reported as smeared so that Linux makes it /dev/rtc (see the README). */
	{RTC_CLOCK_UTC_SMEARED, RTC_SRC_REALTIME, ""},
	{RTC_CLOCK_TAI, RTC_SRC_TAI, ""},
	{RTC_CLOCK_MONOTONIC, RTC_SRC_MONOTONIC, ""},
};

static const struct {
	const char *name;
	uint8_t type;
} type_names[] = {
	{"utc", RTC_CLOCK_UTC},
	{"tai", RTC_CLOCK_TAI},
	{"monotonic", RTC_CLOCK_MONOTONIC},
	{"utc-smeared", RTC_CLOCK_UTC_SMEARED},
	{"utc-maybe-smeared", RTC_CLOCK_UTC_MAYBE_SMEARED},
};

static const char *const source_names[] = {
	[RTC_SRC_REALTIME] = "realtime",
	[RTC_SRC_TAI] = "tai",
	[RTC_SRC_MONOTONIC] = "monotonic",
	[RTC_SRC_BOOTTIME] = "boottime",
	[RTC_SRC_PTP] = "ptp",
	[RTC_SRC_SIM] = "sim",
};

const char *
rtc_type_name(uint8_t type)
{
	static char buf[16];
	unsigned int i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	snprintf(buf, sizeof(buf), "type-%u", type);
	return buf;
}

const char *
rtc_source_name(enum rtc_source src)
{
	return (unsigned int)src < sizeof(source_names) / sizeof(source_names[0]) ?
		source_names[src] : "?";
}

static bool
rtc_type_utc_like(uint8_t type)
{
	return type == RTC_CLOCK_UTC || type == RTC_CLOCK_UTC_SMEARED ||
	       type == RTC_CLOCK_UTC_MAYBE_SMEARED;
}

/* Sources that keep each type's promise (epoch, steps). */
static bool
rtc_source_fits(uint8_t type, enum rtc_source src)
{
	if (src == RTC_SRC_SIM)
		return true;
	if (rtc_type_utc_like(type))
		return src == RTC_SRC_REALTIME || src == RTC_SRC_PTP;
	if (type == RTC_CLOCK_TAI)
		return src == RTC_SRC_TAI || src == RTC_SRC_PTP;
	/* MONOTONIC must never go back: no clock that can be set. */
	return src == RTC_SRC_MONOTONIC || src == RTC_SRC_BOOTTIME;
}

int
rtc_clock_parse(const char *arg, struct rtc_clock_spec *out, char *err, size_t err_len)
{
	const char *eq = strchr(arg, '=');
	const char *src;
	size_t tlen;
	unsigned int i;
	bool found = false;

	memset(out, 0, sizeof(*out));
	if (eq == NULL) {
		snprintf(err, err_len, "'%s' is not TYPE=SOURCE", arg);
		return -1;
	}
	tlen = (size_t)(eq - arg);
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strlen(type_names[i].name) == tlen &&
		    strncmp(arg, type_names[i].name, tlen) == 0) {
			out->type = type_names[i].type;
			found = true;
		}
	if (!found) {
		snprintf(err, err_len, "unknown clock type '%.*s' (utc, utc-smeared, "
			 "utc-maybe-smeared, tai, monotonic)", (int)tlen, arg);
		return -1;
	}
	src = eq + 1;
	if (src[0] == '/') {
		if (strlen(src) >= sizeof(out->ptp_path)) {
			snprintf(err, err_len, "PTP device path too long: %s", src);
			return -1;
		}
		out->src = RTC_SRC_PTP;
		memcpy(out->ptp_path, src, strlen(src) + 1);
	} else {
		found = false;
		for (i = 0; i < sizeof(source_names) / sizeof(source_names[0]); i++)
			if (i != RTC_SRC_PTP && strcmp(src, source_names[i]) == 0) {
				out->src = (enum rtc_source)i;
				found = true;
			}
		if (!found) {
			snprintf(err, err_len, "unknown clock source '%s' (realtime, tai, "
				 "monotonic, boottime, sim, or a /dev/ptpN path)", src);
			return -1;
		}
	}
	if (!rtc_source_fits(out->type, out->src)) {
		snprintf(err, err_len, "a %s clock cannot come from %s (%s)",
			 rtc_type_name(out->type),
			 out->src == RTC_SRC_PTP ? out->ptp_path : rtc_source_name(out->src),
			 out->type == RTC_CLOCK_MONOTONIC ? "that clock can be set backwards" :
			 "wrong epoch");
		return -1;
	}
	return 0;
}

static uint64_t
rtc_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS_PER_S + (uint64_t)ts->tv_nsec;
}

static clockid_t
rtc_source_clockid(enum rtc_source src)
{
	switch (src) {
	case RTC_SRC_TAI:
		return CLOCK_TAI;
	case RTC_SRC_MONOTONIC:
		return CLOCK_MONOTONIC;
	case RTC_SRC_BOOTTIME:
		return CLOCK_BOOTTIME;
	default:
		return CLOCK_REALTIME;
	}
}

int
rtc_clock_open(struct rtc_clock *c, const struct rtc_clock_spec *spec)
{
	struct timespec ts;

	memset(c, 0, sizeof(*c));
	c->type = spec->type;
	c->smearing = RTC_SMEAR_UNSPECIFIED;
	c->src = spec->src;
	c->ptp_fd = -1;
	snprintf(c->name, sizeof(c->name), "%s",
		 spec->src == RTC_SRC_PTP ? spec->ptp_path : rtc_source_name(spec->src));
	switch (spec->src) {
	case RTC_SRC_PTP:
		c->ptp_fd = open(spec->ptp_path, O_RDONLY | O_CLOEXEC);
		if (c->ptp_fd < 0)
			return -errno;
		c->id = RTC_FD_TO_CLOCKID(c->ptp_fd);
		/* Not a clock device at all (e.g. /dev/null): say so now. */
		if (clock_gettime(c->id, &ts) != 0) {
			int rc = -errno;

			rtc_clock_close(c);
			return rc;
		}
		return 0;
	case RTC_SRC_SIM:
		c->id = c->type == RTC_CLOCK_TAI ? CLOCK_TAI : CLOCK_REALTIME;
		if (c->type != RTC_CLOCK_MONOTONIC && clock_gettime(c->id, &ts) == 0)
			c->sim_ns = rtc_ts_ns(&ts);
		return 0;
	default:
		c->id = rtc_source_clockid(spec->src);
		return clock_gettime(c->id, &ts) == 0 ? 0 : -errno;
	}
}

void
rtc_clock_close(struct rtc_clock *c)
{
	if (c->ptp_fd >= 0)
		close(c->ptp_fd);
	c->ptp_fd = -1;
}

int
rtc_clock_read(const struct rtc_clock *c, uint64_t *ns)
{
	struct timespec ts;

	if (c->src == RTC_SRC_SIM) {
		*ns = c->sim_ns;
		return 0;
	}
	if (clock_gettime(c->id, &ts) != 0)
		return -errno;
	if (ts.tv_sec < 0)
		return -ERANGE; /* before the epoch: not representable */
	*ns = rtc_ts_ns(&ts);
	return 0;
}

bool
rtc_clock_can_alarm(const struct rtc_clock *c)
{
	return c->src != RTC_SRC_PTP;
}

int
rtc_clock_timer_open(const struct rtc_clock *c)
{
	clockid_t id;
	int fd;

	switch (c->src) {
	case RTC_SRC_SIM:
		return -ENOTSUP;
	case RTC_SRC_PTP:
		return -EOPNOTSUPP;
	case RTC_SRC_MONOTONIC:
	case RTC_SRC_BOOTTIME:
		id = c->id;
		break;
	default:
		id = CLOCK_REALTIME; /* TAI too: no timerfd for CLOCK_TAI */
	}
	fd = timerfd_create(id, TFD_NONBLOCK | TFD_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

/* Whole seconds CLOCK_TAI is ahead of CLOCK_REALTIME (the kernel's TAI offset). */
static int64_t
rtc_tai_offset_ns(void)
{
	struct timespec r, t;
	int64_t d;

	if (clock_gettime(CLOCK_REALTIME, &r) != 0 || clock_gettime(CLOCK_TAI, &t) != 0)
		return 0;
	d = ((int64_t)t.tv_sec - r.tv_sec) * (int64_t)NS_PER_S + (t.tv_nsec - r.tv_nsec);
	/* The offset is whole seconds; the two reads are nanoseconds apart. */
	return (d + (int64_t)NS_PER_S / 2) / (int64_t)NS_PER_S * (int64_t)NS_PER_S;
}

int
rtc_clock_timer_arm(const struct rtc_clock *c, int tfd, uint64_t t)
{
	bool realtime = c->src == RTC_SRC_REALTIME || c->src == RTC_SRC_TAI;
	struct itimerspec its;
	int flags = TFD_TIMER_ABSTIME;

	memset(&its, 0, sizeof(its));
	if (t == RTC_TIMER_WATCH) {
		if (!realtime) {
			rtc_clock_timer_disarm(tfd);
			return 0;
		}
		its.it_value.tv_sec = RTC_FAR_SEC;
	} else {
		if (c->src == RTC_SRC_TAI) {
			int64_t off = rtc_tai_offset_ns();

			t = off > 0 && t < (uint64_t)off ? 0 : t - (uint64_t)off;
		}
		if (t / NS_PER_S >= (uint64_t)RTC_FAR_SEC) {
			its.it_value.tv_sec = RTC_FAR_SEC;
		} else {
			its.it_value.tv_sec = (time_t)(t / NS_PER_S);
			its.it_value.tv_nsec = (long)(t % NS_PER_S);
		}
		/* 0 would disarm: the earliest absolute time still expires at once. */
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (realtime)
		flags |= TFD_TIMER_CANCEL_ON_SET;
	return timerfd_settime(tfd, flags, &its, NULL) == 0 ? 0 : -errno;
}

void
rtc_clock_timer_disarm(int tfd)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	timerfd_settime(tfd, 0, &its, NULL);
}
