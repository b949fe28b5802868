/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-rtc device: requestq messages and alarmq notifications over a set
 * of host clocks (rtc_clock.h). Implements struct vhd_device_ops.
 *
 * Status codes follow the spec's device requirements case by case: unknown
 * message types and hardware counters EOPNOTSUPP; a clock id that names no
 * clock, alarm messages without VIRTIO_RTC_F_ALARM or on a clock without
 * alarm ENODEV; a request or response that does not fit its buffer, set
 * reserved fields or flags EINVAL; a host clock that fails EIO. A response
 * buffer too short for its response gets EINVAL in the bytes that fit, and
 * nothing at all when not even the status byte fits.
 *
 * Alarms: one absolute timerfd per alarm clock, watched on the device's
 * worker (vhd_host->watch_fd), armed at the alarm time, or, once reached,
 * only to hear about clock steps (TFD_TIMER_CANCEL_ON_SET). Every wake-up
 * re-reads the clock: the alarm expires when the clock goes from before the
 * alarm time to it or past it, by running or by stepping, again after a
 * step back. An expiry is owed until an alarmq buffer takes it: alarmq
 * buffers are held (by guest address, so they survive a memory remap) and
 * an expiry waits for the next one; disabling or setting the alarm drops
 * an owed one. Simulated clocks have no timer: setting them evaluates.
 *
 * Alarms are not kept across a device reset (spec: time 0, disabled).
 */

#ifndef RTC_DEV_H
#define RTC_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhd_device.h"

#include "rtc_clock.h"
#include "rtc_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most clocks one device offers. */
#define RTC_MAX_CLOCKS 16

/** Largest ring accepted (QEMU's vhost-user-test-device: 1024). */
#define RTC_MAX_QUEUE_SIZE 1024

/** Counters of one device; monotonic. */
struct rtc_dev_stats {
	uint64_t requests;       /**< requestq messages answered */
	uint64_t errors;         /**< of which answered with a status other than OK */
	uint64_t dropped;        /**< chains with no room for a status byte (used length 0) */
	uint64_t reads;          /**< READ answered OK */
	uint64_t read_errors;    /**< host clock reads that failed (EIO) */
	uint64_t alarm_sets;     /**< SET_ALARM / SET_ALARM_ENABLED answered OK */
	uint64_t expirations;    /**< alarm expiration events */
	uint64_t notifications;  /**< alarmq buffers used for an ALARM notification */
	uint64_t obsoleted;      /**< owed notifications dropped (alarm disabled or set) */
	uint64_t alarmq_short;   /**< alarmq buffers too short, returned empty */
	uint64_t clock_steps;    /**< timer wake-ups caused by a clock set */
	uint64_t sim_commands;   /**< simulated-clock commands applied */
	uint64_t sim_bad;        /**< simulated-clock commands refused */
};

struct rtc_dev;

/** Options of rtc_dev_create(). */
struct rtc_dev_config {
	const struct rtc_clock_spec *clocks; /**< clock i is clock id i */
	unsigned int nclocks;                /**< 1..RTC_MAX_CLOCKS */
	bool offer_alarm;                    /**< offer VIRTIO_RTC_F_ALARM */
	const char *sim_control;             /**< FIFO for simulated clocks, or NULL */
};

/**
 * Open the clocks and alarm timers of @p cfg.
 * @return the device, or NULL with one line in @p err (zero clocks, a
 * clock that cannot be opened, out of memory).
 */
struct rtc_dev *rtc_dev_create(const struct rtc_dev_config *cfg, char *err, size_t err_len);

/** Stop watching, close clocks and timers, remove the control FIFO. NULL is fine. */
void rtc_dev_destroy(struct rtc_dev *dev);

/** The ops of @p dev (its feature offer depends on offer_alarm). */
const struct vhd_device_ops *rtc_dev_ops(const struct rtc_dev *dev);

/** Counters of @p dev. */
const struct rtc_dev_stats *rtc_dev_stats(const struct rtc_dev *dev);

/** alarmq buffers currently held. */
unsigned int rtc_dev_held(const struct rtc_dev *dev);

/** Clocks of @p dev. */
unsigned int rtc_dev_nclocks(const struct rtc_dev *dev);

/** Clock @p id of @p dev, or NULL. */
const struct rtc_clock *rtc_dev_clock(const struct rtc_dev *dev, uint16_t id);

/**
 * Set simulated clock @p id to @p ns (a clock step) and evaluate its alarm.
 * @return 0, -ENODEV when @p id is not a simulated clock, -EINVAL when a
 * monotonic clock would go back.
 */
int rtc_dev_sim_set(struct rtc_dev *dev, uint16_t id, uint64_t ns);

/**
 * Service alarm timer of clock @p id: the timerfd callback; hosts without
 * watch_fd (unit tests) may call it when the fd is readable.
 */
void rtc_dev_timer_event(struct rtc_dev *dev, uint16_t id);

/** Alarm timerfd of clock @p id, or -1 (no alarm, or a simulated clock). */
int rtc_dev_timer_fd(const struct rtc_dev *dev, uint16_t id);

/**
 * Read and apply pending commands of the control FIFO: "set ID NS" and
 * "step ID [+|-]NS", one a line. The FIFO's fd callback; tests may call it.
 */
void rtc_dev_sim_control(struct rtc_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* RTC_DEV_H */
