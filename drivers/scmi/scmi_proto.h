/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-scmi and the SCMI messages this device speaks: the VIRTIO spec's
 * SCMI device (device-types/scmi) and Arm's SCMI Base (0x10) and Sensor
 * management (0x15) protocols. Every field is little endian.
 *
 * cmdq: a request is a 32-bit header and its parameters (device-readable),
 * the reply the same header, a 32-bit status and the return values
 * (device-writable); on a status other than SUCCESS only the status follows
 * the header. eventq (with VIRTIO_SCMI_F_P2A_CHANNELS): device-writable
 * buffers that receive notifications (header, payload).
 */

#ifndef SCMI_PROTO_H
#define SCMI_PROTO_H

#include <stdint.h>

/** virtio device id of SCMI. */
#define SCMI_VIRTIO_ID 32
/** Queues: commands from the guest, notifications to it. */
#define SCMI_CMDQ 0
#define SCMI_EVENTQ 1
#define SCMI_NUM_QUEUES 2

/** Feature bits. */
#define SCMI_F_P2A_CHANNELS 0
#define SCMI_F_SHARED_MEMORY 1

/** Message header fields. */
#define SCMI_HDR_MSG_ID(h) ((h) & 0xffu)
#define SCMI_HDR_TYPE(h) (((h) >> 8) & 0x3u)
#define SCMI_HDR_PROTO(h) (((h) >> 10) & 0xffu)
#define SCMI_HDR_TOKEN(h) (((h) >> 18) & 0x3ffu)
#define SCMI_HDR_RESERVED(h) ((h) >> 28)
#define SCMI_HDR(msg, type, proto, token) \
	((uint32_t)(msg) | (uint32_t)(type) << 8 | (uint32_t)(proto) << 10 | \
	 (uint32_t)(token) << 18)

/** Message types. */
#define SCMI_TYPE_COMMAND 0
#define SCMI_TYPE_DELAYED 2
#define SCMI_TYPE_NOTIFICATION 3

/** Status codes (signed 32-bit). */
#define SCMI_SUCCESS 0
#define SCMI_NOT_SUPPORTED (-1)
#define SCMI_INVALID_PARAMETERS (-2)
#define SCMI_DENIED (-3)
#define SCMI_NOT_FOUND (-4)
#define SCMI_OUT_OF_RANGE (-5)
#define SCMI_BUSY (-6)
#define SCMI_COMMS_ERROR (-7)
#define SCMI_GENERIC_ERROR (-8)
#define SCMI_HARDWARE_ERROR (-9)
#define SCMI_PROTOCOL_ERROR (-10)

/** Protocols. */
#define SCMI_PROTO_BASE 0x10
#define SCMI_PROTO_SENSOR 0x15

/** Messages every protocol has. */
#define SCMI_MSG_VERSION 0x0
#define SCMI_MSG_ATTRIBUTES 0x1
#define SCMI_MSG_MESSAGE_ATTRIBUTES 0x2

/** Base protocol (version 2.0). */
#define SCMI_BASE_VERSION 0x20000u
#define SCMI_BASE_DISCOVER_VENDOR 0x3
#define SCMI_BASE_DISCOVER_SUB_VENDOR 0x4
#define SCMI_BASE_DISCOVER_IMPL_VERSION 0x5
#define SCMI_BASE_DISCOVER_LIST_PROTOCOLS 0x6
#define SCMI_BASE_DISCOVER_AGENT 0x7
#define SCMI_BASE_NOTIFY_ERRORS 0x8
/** Base notification BASE_ERROR_EVENT (message id of SCMI_TYPE_NOTIFICATION). */
#define SCMI_BASE_EVT_ERROR 0x0
/** BASE_ERROR_EVENT error_status: fatal (bit 31), reports in msg_reports (bits 9:0). */
#define SCMI_ERR_FATAL (1u << 31)
#define SCMI_ERR_COUNT_MASK 0x3ffu
/** DISCOVER_AGENT's id for "the agent asking". */
#define SCMI_AGENT_SELF 0xffffffffu

/** Sensor management protocol (version 3.1: NAME_GET, AXIS_NAME_GET). */
#define SCMI_SENSOR_VERSION 0x30001u
#define SCMI_SENSOR_DESCRIPTION_GET 0x3
#define SCMI_SENSOR_TRIP_POINT_NOTIFY 0x4
#define SCMI_SENSOR_TRIP_POINT_CONFIG 0x5
#define SCMI_SENSOR_READING_GET 0x6
#define SCMI_SENSOR_AXIS_DESCRIPTION_GET 0x7
#define SCMI_SENSOR_LIST_UPDATE_INTERVALS 0x8
#define SCMI_SENSOR_CONFIG_GET 0x9
#define SCMI_SENSOR_CONFIG_SET 0xa
#define SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY 0xb
#define SCMI_SENSOR_NAME_GET 0xc
#define SCMI_SENSOR_AXIS_NAME_GET 0xd
/** Sensor notifications (message ids of SCMI_TYPE_NOTIFICATION). */
#define SCMI_SENSOR_EVT_TRIP_POINT 0x0
#define SCMI_SENSOR_EVT_UPDATE 0x1

/** Sensor descriptor attributes_low. */
#define SCMI_SENS_ASYNC (1u << 31)
#define SCMI_SENS_UPDATE_NOTIFY (1u << 30)
#define SCMI_SENS_EXT_NAME (1u << 29)
#define SCMI_SENS_EXT_ATTRS (1u << 8)
/** attributes_high: type bits 7:0, scale (signed, 5 bits) 15:11, axes 21:16. */
#define SCMI_SENS_HAS_AXES (1u << 8)
#define SCMI_SENS_ATTR_HIGH(type, scale, naxes) \
	((uint32_t)(type) | ((uint32_t)(scale) & 0x1fu) << 11 | (uint32_t)(naxes) << 16)
/** Axis descriptor attributes_low: extended attributes, extended name. */
#define SCMI_AXIS_EXT_ATTRS (1u << 8)
#define SCMI_AXIS_EXT_NAME (1u << 9)

/** sensor_config (CONFIG_GET/SET). */
#define SCMI_CFG_ENABLED (1u << 0)
#define SCMI_CFG_TSTAMP (1u << 1)
#define SCMI_CFG_ROUND(c) (((c) >> 9) & 0x3u)
#define SCMI_CFG_EXP(c) (((c) >> 11) & 0x1fu)
#define SCMI_CFG_SECS(c) ((c) >> 16)
/** Update interval (LIST_UPDATE_INTERVALS): seconds 20:5, exponent (signed) 4:0. */
#define SCMI_INTERVAL(secs, exp) ((uint32_t)(secs) << 5 | ((uint32_t)(exp) & 0x1fu))

/** Sensor types (units) this device's sensors use. */
#define SCMI_UNIT_NONE 0
#define SCMI_UNIT_DEGREES_C 2
#define SCMI_UNIT_VOLTS 5
#define SCMI_UNIT_AMPS 6
#define SCMI_UNIT_RADIANS_SEC 87
#define SCMI_UNIT_METERS_SEC_SQUARED 89

/** TRIP_POINT_CONFIG event_control: direction bits 1:0, trip id 11:4. */
#define SCMI_TP_DIR(c) ((c) & 0x3u)
#define SCMI_TP_ID(c) (((c) >> 4) & 0xffu)
#define SCMI_TP_RESERVED(c) ((c) & ~0xff3u)
#define SCMI_TP_POSITIVE 1u
#define SCMI_TP_NEGATIVE 2u

/** Short names, NUL included; extended names. */
#define SCMI_SHORT_NAME 16
#define SCMI_LONG_NAME 64

/** Sizes of the descriptors DESCRIPTION_GET / AXIS_DESCRIPTION_GET return. */
#define SCMI_SENSOR_DESC_SIZE 28
#define SCMI_SENSOR_DESC_EXT_SIZE 52
#define SCMI_AXIS_DESC_SIZE 28
#define SCMI_AXIS_DESC_EXT_SIZE 48
#define SCMI_AXIS_NAME_DESC_SIZE 68

/**
 * Largest message Linux's virtio-scmi transport exchanges, payload after
 * the header and status (VIRTIO_SCMI_MAX_MSG_SIZE); the device sizes paged
 * replies by the writable length itself, this is only the default the
 * frontend tests use.
 */
#define SCMI_LINUX_MSG_SIZE 128

#endif /* SCMI_PROTO_H */
