/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-console wire format (VIRTIO 1.3, "Console Device"): feature bits,
 * config space, control messages and the queue layout. All fields are
 * little-endian on the wire.
 */

#ifndef CONSOLE_PROTO_H
#define CONSOLE_PROTO_H

#include <stdint.h>

/** virtio device id of a console. */
#define CONSOLE_VIRTIO_ID 3

/** Feature bits. */
#define CONSOLE_F_SIZE 0        /**< cols/rows in config are valid */
#define CONSOLE_F_MULTIPORT 1   /**< control queues, max_nr_ports ports */
#define CONSOLE_F_EMERG_WRITE 2 /**< emerg_wr in config writes a byte to port 0 */

/** Config space. */
struct console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

/** Byte offsets inside struct console_config. */
#define CONSOLE_CFG_EMERG_OFF 8
#define CONSOLE_CFG_SIZE 12

/** Control message header, followed by event-specific data. */
struct console_control {
	uint32_t id;    /**< port number */
	uint16_t event; /**< CONSOLE_* event */
	uint16_t value;
} __attribute__((packed));

/** Control events. */
enum {
	CONSOLE_DEVICE_READY = 0, /**< driver -> device: value 1 ok, 0 failed */
	CONSOLE_DEVICE_ADD = 1,   /**< device -> driver: port id exists */
	CONSOLE_DEVICE_REMOVE = 2,/**< device -> driver: port id is gone */
	CONSOLE_PORT_READY = 3,   /**< driver -> device: port set up (1) or failed (0) */
	CONSOLE_CONSOLE_PORT = 4, /**< device -> driver: port is a console */
	CONSOLE_RESIZE = 5,       /**< device -> driver: struct console_resize follows */
	CONSOLE_PORT_OPEN = 6,    /**< both ways: value 1 open, 0 closed */
	CONSOLE_PORT_NAME = 7,    /**< device -> driver: the name follows */
};

/** Payload of CONSOLE_RESIZE (the spec's order: columns first). */
struct console_resize {
	uint16_t cols;
	uint16_t rows;
} __attribute__((packed));

/** Queue layout: port 0 rx/tx, then the control pair, then rx/tx of ports 1.. */
#define CONSOLE_Q_CTRL_RX 2 /**< device -> driver control messages */
#define CONSOLE_Q_CTRL_TX 3 /**< driver -> device control messages */

/** Queue index of port @p p's receive (host -> guest) queue. */
static inline uint16_t
console_rxq(unsigned int p)
{
	return (uint16_t)(p == 0 ? 0 : 2 + 2 * p);
}

/** Number of queues of a device with @p nports ports (MULTIPORT layout). */
static inline uint16_t
console_num_queues(unsigned int nports)
{
	return (uint16_t)(2 + 2 * nports);
}

#endif /* CONSOLE_PROTO_H */
