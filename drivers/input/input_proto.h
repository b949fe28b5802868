/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-input wire format (VIRTIO spec, "Input Device"): the 136-byte
 * config space with its select/subsel window, and the 8-byte event that
 * travels on both queues. Event types and codes are Linux's evdev ones.
 */

#ifndef INPUT_PROTO_H
#define INPUT_PROTO_H

#include <stdint.h>

/** Device id of virtio-input. */
#define INPUT_VIRTIO_ID 18
/** eventq: device -> driver events; statusq: driver -> device (LEDs, sound). */
#define INPUT_EVENTQ 0
#define INPUT_STATUSQ 1
#define INPUT_NUM_QUEUES 2

/** Config selects. */
enum input_cfg_select {
	INPUT_CFG_UNSET = 0x00,
	INPUT_CFG_ID_NAME = 0x01,
	INPUT_CFG_ID_SERIAL = 0x02,
	INPUT_CFG_ID_DEVIDS = 0x03,
	INPUT_CFG_PROP_BITS = 0x10,
	INPUT_CFG_EV_BITS = 0x11,
	INPUT_CFG_ABS_INFO = 0x12,
};

/** Payload bytes of the config window. */
#define INPUT_CFG_PAYLOAD 128

/** One absolute axis, little endian on the wire. */
struct input_cfg_absinfo {
	uint32_t min;
	uint32_t max;
	uint32_t fuzz;
	uint32_t flat;
	uint32_t res;
} __attribute__((packed));

/** ID_DEVIDS payload, little endian on the wire. */
struct input_cfg_devids {
	uint16_t bustype;
	uint16_t vendor;
	uint16_t product;
	uint16_t version;
} __attribute__((packed));

/** virtio_input_config. */
struct input_config {
	uint8_t select;
	uint8_t subsel;
	uint8_t size;
	uint8_t reserved[5];
	uint8_t u[INPUT_CFG_PAYLOAD];
} __attribute__((packed));

/** virtio_input_event: le16 type, le16 code, le32 value. */
struct input_wire_event {
	uint16_t type;
	uint16_t code;
	uint32_t value;
} __attribute__((packed));

#endif /* INPUT_PROTO_H */
