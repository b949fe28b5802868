/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* State shared by rtc_dev.c (protocol, alarms) and rtc_sim.c (control FIFO). */

#ifndef RTC_INTERNAL_H
#define RTC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "rtc_dev.h"

/* A held alarmq buffer: head id and the guest ranges the notification goes to. */
struct rtc_held {
	uint16_t id;
	uint8_t nseg;
	struct {
		uint64_t gpa;
		uint32_t len;
	} seg[sizeof(struct rtc_notif_alarm)]; /* at worst one byte per segment */
};

struct rtc_alarm {
	uint64_t time;  /* alarm time, in the clock's nanoseconds */
	bool enabled;
	bool reached;   /* the clock was at or past time at the last look */
	bool owed;      /* an expiration waits for an alarmq buffer */
	bool watched;   /* tfd given to watch_fd() */
	int tfd;        /* absolute timerfd, -1 when none */
};

struct rtc_dev {
	struct vhd_device_ops ops;   /* features per offer_alarm; immutable after create */
	struct vhd_host *host;
	unsigned int nclocks;
	struct rtc_clock clocks[RTC_MAX_CLOCKS];
	struct rtc_alarm alarms[RTC_MAX_CLOCKS];
	uint64_t last_mono[RTC_MAX_CLOCKS]; /* last MONOTONIC reading per clock */
	bool alarm_negotiated;
	struct vhd_vq *requestq;     /* while started */
	struct vhd_vq *alarmq;       /* while started */
	bool alarmq_started;
	struct rtc_held *held;       /* RTC_MAX_QUEUE_SIZE, a FIFO */
	unsigned int held_head;
	unsigned int nheld;
	/* simulated clocks' control FIFO (rtc_sim.c) */
	int ctl_fd;
	bool ctl_watched;
	bool ctl_created;            /* we made the FIFO: remove it at the end */
	char ctl_path[108];
	char ctl_buf[256];
	unsigned int ctl_len;
	struct rtc_dev_stats stats;
};

/* The ops with VIRTIO_RTC_F_ALARM offered; a device copies and adjusts them. */
extern const struct vhd_device_ops rtc_dev_ops_alarm;

/* Evaluate clock @p id's alarm (see rtc_dev.c). */
void rtc_alarm_eval(struct rtc_dev *dev, uint16_t id, bool event);

/* Control FIFO: open (creating it when missing), watch, close. */
int rtc_sim_open(struct rtc_dev *dev, const char *path, char *err, size_t err_len);
void rtc_sim_attach(struct rtc_dev *dev);
void rtc_sim_close(struct rtc_dev *dev);

#endif /* RTC_INTERNAL_H */
