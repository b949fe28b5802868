/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Host clock sources behind virtio-rtc clocks: what each clock reads and how
 * an alarm on it is timed.
 *
 * A clock is a virtio clock type (UTC, TAI, ...) reported from a source:
 * CLOCK_REALTIME, CLOCK_TAI, CLOCK_MONOTONIC, CLOCK_BOOTTIME, a PTP hardware
 * clock (/dev/ptpN, read through FD_TO_CLOCKID), or a simulated clock that
 * stands still until it is set (tests, demos). Alarms use absolute timerfds
 * on the source's own clock so that they follow it: realtime-based ones
 * (realtime, tai) are armed with TFD_TIMER_CANCEL_ON_SET, so a clock step
 * wakes the owner, which re-evaluates the alarm. The kernel has no timerfd
 * for CLOCK_TAI or PTP clocks: a TAI alarm is a realtime timer shifted by the
 * current TAI offset (re-read on every arm, and a TAI offset change is a
 * clock set); PTP clocks offer no alarm.
 */

#ifndef RTC_CLOCK_H
#define RTC_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where a clock's time comes from. */
enum rtc_source {
	RTC_SRC_REALTIME,
	RTC_SRC_TAI,
	RTC_SRC_MONOTONIC,
	RTC_SRC_BOOTTIME,
	RTC_SRC_PTP,
	RTC_SRC_SIM,
};

/** One clock as the command line describes it (--clock TYPE=SOURCE). */
struct rtc_clock_spec {
	uint8_t type;          /**< RTC_CLOCK_* */
	enum rtc_source src;
	char ptp_path[64];     /**< RTC_SRC_PTP: the device node */
};

/** An open clock. */
struct rtc_clock {
	uint8_t type;          /**< RTC_CLOCK_* */
	uint8_t smearing;      /**< RTC_SMEAR_* */
	enum rtc_source src;
	clockid_t id;          /**< what clock_gettime() reads (not for SIM) */
	int ptp_fd;            /**< RTC_SRC_PTP: the open device, else -1 */
	uint64_t sim_ns;       /**< RTC_SRC_SIM: what the clock shows */
	char name[64];         /**< source name for messages: "realtime", "/dev/ptp0" */
};

/** Timer deadline meaning "no expiry, only tell me when the clock is set". */
#define RTC_TIMER_WATCH UINT64_MAX

/**
 * Parse "TYPE=SOURCE": TYPE utc, utc-smeared, utc-maybe-smeared, tai,
 * monotonic; SOURCE realtime, tai, monotonic, boottime, sim or a /dev/ptpN
 * path. Combinations that would break the type's promise are refused
 * (UTC from a monotonic source, MONOTONIC from a clock that steps).
 * @return 0, or -1 with a message in @p err.
 */
int rtc_clock_parse(const char *arg, struct rtc_clock_spec *out, char *err, size_t err_len);

/** The default clocks (upstream's): utc-smeared=realtime, tai=tai, monotonic=monotonic. */
extern const struct rtc_clock_spec rtc_clock_defaults[3];

/**
 * Open @p spec into @p c (a PTP device is opened read-only; a simulated
 * clock starts at the matching host clock's time, 0 for monotonic).
 * @return 0 or a negative errno.
 */
int rtc_clock_open(struct rtc_clock *c, const struct rtc_clock_spec *spec);

/** Release what rtc_clock_open() took. */
void rtc_clock_close(struct rtc_clock *c);

/** Read @p c in nanoseconds since its epoch. @return 0 or a negative errno. */
int rtc_clock_read(const struct rtc_clock *c, uint64_t *ns);

/** True when alarms on @p c can be timed (a timerfd, or a simulated clock). */
bool rtc_clock_can_alarm(const struct rtc_clock *c);

/**
 * A non-blocking timerfd for alarms on @p c.
 * @return the fd, -ENOTSUP for a simulated clock (its alarms are evaluated
 * when it is set), or another negative errno.
 */
int rtc_clock_timer_open(const struct rtc_clock *c);

/**
 * Arm @p tfd to expire when @p c reaches @p t (nanoseconds in @p c's time),
 * or only to be cancelled by a clock set when @p t is RTC_TIMER_WATCH
 * (disarmed on sources that cannot step). The owner re-evaluates on
 * every wake-up: an expiry, or ECANCELED from read() after a clock set.
 * @return 0 or a negative errno.
 */
int rtc_clock_timer_arm(const struct rtc_clock *c, int tfd, uint64_t t);

/** Disarm @p tfd. */
void rtc_clock_timer_disarm(int tfd);

/** "utc-smeared"... for a type, "type-N" for an unknown one (static for unknown). */
const char *rtc_type_name(uint8_t type);

/** "realtime"... for a source. */
const char *rtc_source_name(enum rtc_source src);

#ifdef __cplusplus
}
#endif

#endif /* RTC_CLOCK_H */
