/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-gpio wire format (VIRTIO 1.2+, "GPIO Device", device id 41).
 * All multi-byte fields are little-endian on the wire.
 */

#ifndef GPIO_PROTO_H
#define GPIO_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** virtio device id of GPIO. */
#define GPIO_VIRTIO_ID 41

/** Feature bit: the device supports interrupts (eventq exists). */
#define GPIO_F_IRQ 0

/** Queue indexes. */
#define GPIO_REQUESTQ 0
#define GPIO_EVENTQ 1
#define GPIO_NUM_QUEUES 2

/** Device configuration space. */
struct gpio_config {
	uint16_t ngpio;           /**< number of lines */
	uint8_t padding[2];       /**< zero */
	uint32_t gpio_names_size; /**< bytes of the GET_LINE_NAMES block, 0 without names */
} __attribute__((packed));

/** requestq message types. */
#define GPIO_MSG_GET_LINE_NAMES 0x0001
#define GPIO_MSG_GET_DIRECTION 0x0002
#define GPIO_MSG_SET_DIRECTION 0x0003
#define GPIO_MSG_GET_VALUE 0x0004
#define GPIO_MSG_SET_VALUE 0x0005
#define GPIO_MSG_SET_IRQ_TYPE 0x0006

/** Line directions. */
#define GPIO_DIRECTION_NONE 0x00
#define GPIO_DIRECTION_OUT 0x01
#define GPIO_DIRECTION_IN 0x02

/** Interrupt trigger types. */
#define GPIO_IRQ_TYPE_NONE 0x00
#define GPIO_IRQ_TYPE_EDGE_RISING 0x01
#define GPIO_IRQ_TYPE_EDGE_FALLING 0x02
#define GPIO_IRQ_TYPE_EDGE_BOTH 0x03
#define GPIO_IRQ_TYPE_LEVEL_HIGH 0x04
#define GPIO_IRQ_TYPE_LEVEL_LOW 0x08

/** requestq response status. */
#define GPIO_STATUS_OK 0x00
#define GPIO_STATUS_ERR 0x01

/** eventq response status. Note: INVALID is 0, unlike the requestq status. */
#define GPIO_IRQ_STATUS_INVALID 0x00
#define GPIO_IRQ_STATUS_VALID 0x01

/** requestq request (device-readable). */
struct gpio_request {
	uint16_t type;  /**< GPIO_MSG_* */
	uint16_t gpio;  /**< line number, < ngpio */
	uint32_t value; /**< message specific */
} __attribute__((packed));

/** requestq response (device-writable); GET_LINE_NAMES uses status + names block instead. */
struct gpio_response {
	uint8_t status; /**< GPIO_STATUS_* */
	uint8_t value;  /**< message specific */
} __attribute__((packed));

/** eventq request (device-readable): unmasks the interrupt of one line. */
struct gpio_irq_request {
	uint16_t gpio; /**< line number, < ngpio */
} __attribute__((packed));

/** eventq response (device-writable). */
struct gpio_irq_response {
	uint8_t status; /**< GPIO_IRQ_STATUS_* */
} __attribute__((packed));

#ifdef __cplusplus
}
#endif

#endif /* GPIO_PROTO_H */
