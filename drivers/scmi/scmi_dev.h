/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The virtio-scmi device: SCMI Base and Sensor management protocols over
 * the sensors given at creation (scmi_sensor.h). Implements struct
 * vhd_device_ops.
 *
 * cmdq: any descriptor layout; the request is gathered from every readable
 * descriptor and the reply scattered over every writable one. Parameters
 * of the wrong length get PROTOCOL_ERROR, a reply that cannot fit the
 * writable part COMMS_ERROR, and paged replies (DESCRIPTION_GET,
 * AXIS_DESCRIPTION_GET, AXIS_NAME_GET, LIST_UPDATE_INTERVALS) hold as many
 * entries as the writable part takes. A chain without room for a header
 * and a status is returned with used length 0 and counted.
 * Readings of sensors that may block (IIO sysfs) run through the host's
 * offload; the request is held meanwhile.
 *
 * eventq (VIRTIO_SCMI_F_P2A_CHANNELS): trip point events and SENSOR_UPDATE
 * notifications (at each sensor's update interval, on the host's timers)
 * go into a bounded queue of pending notifications and from there into the
 * guest's eventq buffers, which are held while nothing is pending; when
 * the queue is full the new notification is dropped and counted. With
 * BASE_NOTIFY_ERRORS on, malformed (PROTOCOL_ERROR, COMMS_ERROR) and
 * unanswerable cmdq messages are reported there in BASE_ERROR_EVENTs.
 *
 * Control socket (optional): "set SENSOR AXIS VALUE", "get SENSOR",
 * "list", "ping"; SENSOR is an index or a name, AXIS an index or x/y/z,
 * VALUE the reading in the sensor's SCMI unit times 10^-scale.
 */

#ifndef SCMI_DEV_H
#define SCMI_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_device.h"

#include "scmi_proto.h"
#include "scmi_sensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest ring accepted. */
#define SCMI_MAX_QUEUE_SIZE 1024
/** Most sensors a device carries. */
#define SCMI_MAX_SENSORS 64
/** Trip points per sensor. */
#define SCMI_TRIPS 4
/** Default bound of the pending notification queue. */
#define SCMI_EVT_PENDING 64
/** Longest notification: header, agent, sensor, SCMI_MAX_AXES readings. */
#define SCMI_EVT_MAX (12 + 16 * SCMI_MAX_AXES)
/** Readings (offloaded) in flight at once. */
#define SCMI_MAX_JOBS 16
/** Longest parameters accepted, and longest reply built. */
#define SCMI_MAX_PARAMS 64
#define SCMI_MAX_REPLY 2048
/** Update interval a sensor starts with, in ms. */
#define SCMI_DEFAULT_INTERVAL_MS 1000

/** The ops every scmi device instance uses (priv is a struct scmi_dev *). */
extern const struct vhd_device_ops scmi_ops;

/** Counters of one device; monotonic. */
struct scmi_dev_stats {
	uint64_t requests;       /**< cmdq messages answered */
	uint64_t errors;         /**< answered with a status other than SUCCESS */
	uint64_t bad_msgs;       /**< malformed: PROTOCOL_ERROR / COMMS_ERROR */
	uint64_t dropped;        /**< chains with no room for a reply: used length 0 */
	uint64_t readings;       /**< sensor reads */
	uint64_t read_errors;    /**< sensor reads that failed */
	uint64_t notifications;  /**< notifications written to eventq buffers */
	uint64_t notify_dropped; /**< notifications dropped: pending queue full */
	uint64_t trip_events;    /**< trip point crossings notified */
	uint64_t updates;        /**< SENSOR_UPDATE notifications queued */
	uint64_t bad_event_bufs; /**< eventq buffers too small or device-readable */
	uint64_t ctl_sets;       /**< values set through the control socket */
	uint64_t stream_scans;   /**< IIO buffer scans read from the character device */
	uint64_t restored;       /**< guest settings taken back after a backend restart */
	uint64_t error_reports;  /**< malformed messages reported in BASE_ERROR_EVENTs */
};

struct scmi_dev;

/**
 * Create a device over @p n sensors (it owns them from now on, also on
 * failure), with an optional control socket at @p ctl_path and a pending
 * notification bound @p pending (0: SCMI_EVT_PENDING).
 * @return 0 with @p out set, or a negative errno (-EADDRINUSE... from the
 * control socket, -EINVAL for too many sensors).
 */
int scmi_dev_create(struct scmi_sensor **sensors, unsigned int n, const char *ctl_path,
		    unsigned int pending, struct scmi_dev **out);

/** Free everything (sensors, control socket). NULL is fine. */
void scmi_dev_destroy(struct scmi_dev *dev);

/**
 * Set axis @p axis of sensor @p idx (fake sensors) and check its trip
 * points, as the control socket's "set" does.
 * @return 0, -ENOENT (no such sensor), -EINVAL (no such axis), -ENOTSUP
 * (not a fake sensor).
 */
int scmi_dev_set(struct scmi_dev *dev, unsigned int idx, unsigned int axis, int64_t v);

/** Counters of @p dev. */
const struct scmi_dev_stats *scmi_dev_stats(const struct scmi_dev *dev);

/** Eventq buffers held, notifications pending. */
unsigned int scmi_dev_held(const struct scmi_dev *dev);
unsigned int scmi_dev_pending(const struct scmi_dev *dev);

/** The update interval encoded as CONFIG_GET reports it, in nanoseconds. */
uint64_t scmi_interval_ns(uint32_t config);

#ifdef __cplusplus
}
#endif

#endif /* SCMI_DEV_H */
