/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-console device: port 0 and, with VIRTIO_CONSOLE_F_MULTIPORT, more
 * ports and the control queues. Receive buffers are held until host bytes
 * arrive (one used entry per buffer, with the bytes read into it); guest
 * output goes through a bounded per-port buffer to the port's host client,
 * and a client that stops reading stops only its port's transmit queue.
 */

#ifndef CONSOLE_DEV_H
#define CONSOLE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_device.h"

#include "console_port.h"
#include "console_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most ports per device (2 + 2 * ports queues within the host's limit of 16). */
#define CONSOLE_MAX_PORTS 7

/** Largest -q accepted. */
#define CONSOLE_MAX_QUEUE_SIZE 4096

/** How a device is made. */
struct console_dev_conf {
	unsigned int nports;        /**< 1..CONSOLE_MAX_PORTS */
	uint16_t max_queue_size;    /**< -q */
	unsigned int sock_idx;      /**< socket index: TCP ports and paths are suffixed by it */
	struct console_port_spec ports[CONSOLE_MAX_PORTS];
	int log_fd;                 /**< copy of port 0's output or -1 (the caller closes it) */
	bool log_timestamps;        /**< prefix each log line with the time */
	bool quiet;                 /**< do not print pty paths (tests) */
};

/** Device-wide counters; monotonic. */
struct console_dev_stats {
	uint64_t ctrl_in;        /**< control messages from the guest */
	uint64_t ctrl_out;       /**< control messages to the guest */
	uint64_t ctrl_bad;       /**< malformed or unexpected control messages */
	uint64_t ctrl_short_buf; /**< control buffers too small for the message (name cut) */
	uint64_t bad_bufs;       /**< chains returned unused: wrong direction, unmapped */
	uint64_t port_failed;    /**< PORT_READY 0 / DEVICE_READY 0 from the guest */
	uint64_t emerg_bytes;    /**< bytes written through emerg_wr */
	uint64_t config_changed_err; /**< config-change notifications the host could not send */
};

struct console_dev;

/**
 * Open every port's backend and build the device.
 * @return the device, or NULL with one reason in @p msg.
 */
struct console_dev *console_dev_create(const struct console_dev_conf *conf, char *msg,
				       size_t len);

/** Close every port (terminal restored) and free. NULL is fine. */
void console_dev_destroy(struct console_dev *dev);

/** The ops of @p dev (queue count and features depend on its ports). */
const struct vhd_device_ops *console_dev_ops(const struct console_dev *dev);

/** Port @p i of @p dev, NULL when out of range. */
struct console_port *console_dev_port(struct console_dev *dev, unsigned int i);

/** Receive buffers of port @p i held now. */
unsigned int console_dev_held_rx(const struct console_dev *dev, unsigned int i);

/** Control receive buffers held now. */
unsigned int console_dev_held_ctrl(const struct console_dev *dev);

/** Guest output bytes buffered for port @p i's client. */
uint32_t console_dev_buffered(const struct console_dev *dev, unsigned int i);

/** Device counters. */
const struct console_dev_stats *console_dev_stats(const struct console_dev *dev);

/** The guest opened port @p i (PORT_OPEN 1, or no MULTIPORT). */
bool console_dev_guest_open(const struct console_dev *dev, unsigned int i);

/**
 * Called when the nested backend asks to quit (Ctrl-]); the app sets it to
 * vhd_stop(). Default: nothing.
 */
extern void (*console_quit_hook)(void);

#ifdef __cplusplus
}
#endif

#endif /* CONSOLE_DEV_H */
