/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-rtc wire format (VIRTIO 1.4 draft, "RTC Device", device id 17).
 * All multi-byte fields are little-endian on the wire; every struct is
 * padded to a multiple of 8 bytes by the spec itself.
 */

#ifndef RTC_PROTO_H
#define RTC_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** virtio device id of RTC. */
#define RTC_VIRTIO_ID 17

/** Feature bit: alarms (and the alarmq). */
#define RTC_F_ALARM 0

/** Queue indexes. */
#define RTC_REQUESTQ 0
#define RTC_ALARMQ 1
#define RTC_NUM_QUEUES 2

/** requestq message types. */
#define RTC_REQ_READ 0x0001
#define RTC_REQ_READ_CROSS 0x0002
#define RTC_REQ_CFG 0x1000
#define RTC_REQ_CLOCK_CAP 0x1001
#define RTC_REQ_CROSS_CAP 0x1002
#define RTC_REQ_READ_ALARM 0x1003
#define RTC_REQ_SET_ALARM 0x1004
#define RTC_REQ_SET_ALARM_ENABLED 0x1005
/** alarmq notification type. */
#define RTC_NOTIF_ALARM 0x2000

/** Response status. */
#define RTC_S_OK 0
#define RTC_S_EOPNOTSUPP 2
#define RTC_S_ENODEV 3
#define RTC_S_EINVAL 4
#define RTC_S_EIO 5

/** Clock types. */
#define RTC_CLOCK_UTC 0
#define RTC_CLOCK_TAI 1
#define RTC_CLOCK_MONOTONIC 2
#define RTC_CLOCK_UTC_SMEARED 3
#define RTC_CLOCK_UTC_MAYBE_SMEARED 4

/** Leap second smearing variants. */
#define RTC_SMEAR_UNSPECIFIED 0
#define RTC_SMEAR_NOON_LINEAR 1
#define RTC_SMEAR_UTC_SLS 2

/** Hardware counters (READ_CROSS, CROSS_CAP). */
#define RTC_COUNTER_ARM_VCT 0
#define RTC_COUNTER_X86_TSC 1
#define RTC_COUNTER_INVALID 0xff

/** Flags. */
#define RTC_FLAG_ALARM_CAP (1u << 0)     /**< resp_clock_cap.flags */
#define RTC_FLAG_CROSS_CAP (1u << 0)     /**< resp_cross_cap.flags */
#define RTC_FLAG_ALARM_ENABLED (1u << 0) /**< read_alarm / set_alarm(_enabled) */

struct rtc_req_head {
	uint16_t msg_type;
	uint8_t reserved[6];
} __attribute__((packed));

struct rtc_resp_head {
	uint8_t status;
	uint8_t reserved[7];
} __attribute__((packed));

/** READ, CLOCK_CAP, READ_ALARM: a clock id only. */
struct rtc_req_clock {
	struct rtc_req_head head;
	uint16_t clock_id;
	uint8_t reserved[6];
} __attribute__((packed));

/** READ_CROSS, CROSS_CAP. */
struct rtc_req_cross {
	struct rtc_req_head head;
	uint16_t clock_id;
	uint8_t hw_counter;
	uint8_t reserved[5];
} __attribute__((packed));

struct rtc_req_set_alarm {
	struct rtc_req_head head;
	uint64_t alarm_time;
	uint16_t clock_id;
	uint8_t flags;
	uint8_t reserved[5];
} __attribute__((packed));

struct rtc_req_set_alarm_enabled {
	struct rtc_req_head head;
	uint16_t clock_id;
	uint8_t flags;
	uint8_t reserved[5];
} __attribute__((packed));

struct rtc_resp_read {
	struct rtc_resp_head head;
	uint64_t clock_reading;
} __attribute__((packed));

struct rtc_resp_read_cross {
	struct rtc_resp_head head;
	uint64_t clock_reading;
	uint64_t counter_cycles;
} __attribute__((packed));

struct rtc_resp_cfg {
	struct rtc_resp_head head;
	uint16_t num_clocks;
	uint8_t reserved[6];
} __attribute__((packed));

struct rtc_resp_clock_cap {
	struct rtc_resp_head head;
	uint8_t type;
	uint8_t leap_second_smearing;
	uint8_t flags;
	uint8_t reserved[5];
} __attribute__((packed));

struct rtc_resp_cross_cap {
	struct rtc_resp_head head;
	uint8_t flags;
	uint8_t reserved[7];
} __attribute__((packed));

struct rtc_resp_read_alarm {
	struct rtc_resp_head head;
	uint64_t alarm_time;
	uint8_t flags;
	uint8_t reserved[7];
} __attribute__((packed));

/** alarmq buffer contents. */
struct rtc_notif_alarm {
	uint16_t msg_type;
	uint8_t reserved[6];
	uint16_t clock_id;
	uint8_t reserved2[6];
} __attribute__((packed));

#ifdef __cplusplus
}
#endif

#endif /* RTC_PROTO_H */
