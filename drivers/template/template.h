/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The template device: the smallest complete device, to copy
 * (scripts/new-device.sh) and to learn from (docs/writing-a-device.md).
 *
 * One request queue. A request is a readable header (struct
 * template_req_hdr) and payload, then a writable part whose last byte is
 * the status (as virtio-blk and virtio-i2c do):
 *  - ECHO: the readable payload, reversed, into the writable part before
 *    the status byte (which must have room for all of it);
 *  - COUNT: the device's request count, le64, before the status byte;
 *  - FAIL: fails on purpose, status TEMPLATE_S_FAIL;
 *  - DELAY: held and completed by a timer after hdr.arg microseconds
 *    (at most TEMPLATE_MAX_DELAY_US), status OK.
 * A request with a short header, an unknown type, or a writable part too
 * small for its reply gets TEMPLATE_S_BADREQ; one with no writable byte
 * at all cannot be told anything: used length 0, counted as dropped.
 *
 * Config space (read-only): version and the request count, republished
 * every notify_every requests with a config-change notification.
 */

#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_device.h"

/** virtio device id: 37, which the spec leaves unassigned and QEMU can carry (README). */
#define TEMPLATE_VIRTIO_ID 37

/** Feature bit: the DELAY command is available. */
#define TEMPLATE_F_DELAY 0

/** Config space version this driver reports. */
#define TEMPLATE_CONFIG_VERSION 1

/** Request types (template_req_hdr.type). */
enum template_req_type {
	TEMPLATE_REQ_ECHO = 0,
	TEMPLATE_REQ_COUNT = 1,
	TEMPLATE_REQ_FAIL = 2,
	TEMPLATE_REQ_DELAY = 3,
};

/** Status byte, the last writable byte of every request. */
enum template_status {
	TEMPLATE_S_OK = 0,
	TEMPLATE_S_FAIL = 1,   /**< the request failed (FAIL does, on purpose) */
	TEMPLATE_S_BADREQ = 2, /**< malformed or unknown request */
};

/** Readable header of a request; little endian. */
struct template_req_hdr {
	uint16_t type;     /**< enum template_req_type */
	uint16_t reserved; /**< zero */
	uint32_t arg;      /**< DELAY: microseconds; else zero */
} __attribute__((packed));

/** Config space; little endian. */
struct template_config {
	uint32_t version;  /**< TEMPLATE_CONFIG_VERSION */
	uint32_t requests; /**< requests served, as of the last notification */
} __attribute__((packed));

/** Largest ECHO payload (bounds the time one request holds the lcore). */
#define TEMPLATE_MAX_ECHO 4096u

/** Longest DELAY, in microseconds. */
#define TEMPLATE_MAX_DELAY_US 1000000u

/** DELAY requests held at once; more wait on the ring (VHD_REQ_RETRY). */
#define TEMPLATE_MAX_HELD 16

/** Default of --notify-every. */
#define TEMPLATE_NOTIFY_EVERY 16u

/** Driver counters (telemetry, get_stats). */
struct template_stats {
	uint64_t requests;      /**< requests answered, any status */
	uint64_t echo_bytes;    /**< payload bytes echoed */
	uint64_t failed;        /**< TEMPLATE_S_FAIL answers */
	uint64_t bad;           /**< TEMPLATE_S_BADREQ answers */
	uint64_t dropped;       /**< chains with no status byte (used length 0) */
	uint64_t delayed;       /**< DELAY requests completed by the timer */
	uint64_t config_events; /**< config-change notifications sent */
};

/** A DELAY request the driver holds until its timer fires. */
struct template_held {
	struct vhd_timer timer;
	struct template_dev *dev;
	struct vhd_vq *vq;
	uint8_t *status; /**< its status byte in guest memory, valid until queue_stop() */
	uint16_t id;
	bool busy;
};

/** One template device instance. */
struct template_dev {
	struct vhd_host *host;
	uint32_t notify_every;     /**< config update + notification every N requests */
	uint64_t count;            /**< requests answered since the frontend connected */
	bool delay_ok;             /**< TEMPLATE_F_DELAY negotiated */
	uint32_t config_requests;  /**< config's count; read atomically by get_config() */
	struct template_stats stats;
	struct template_held held[TEMPLATE_MAX_HELD];
};

/** Device description to pass to a host with a struct template_dev. */
extern const struct vhd_device_ops template_ops;

/** Set up @p dev; @p notify_every >= 1. */
void template_dev_init(struct template_dev *dev, uint32_t notify_every);

#endif /* TEMPLATE_H */
