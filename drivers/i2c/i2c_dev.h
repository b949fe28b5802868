/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-i2c device: the vhd_device_ops of one guest (one vhost-user socket).
 *
 * Requests chained with VIRTIO_I2C_FLAGS_FAIL_NEXT form one transaction (the
 * guest's i2c_transfer()); the last request of a group has the flag clear.
 * The engine hands us one request at a time, so the requests of a group are
 * held (VHD_REQ_HELD) until its last one arrives; the group then runs as one
 * adapter transfer (one I2C_RDWR on Linux: repeated STARTs, one STOP), and
 * all its requests complete together, in order.
 *
 * When a request of a group is refused (unknown address, malformed,
 * zero-length without the feature, too long), the requests before it run as
 * a transaction of their own, it answers VIRTIO_I2C_MSG_ERR, and the rest of
 * its group answers VIRTIO_I2C_MSG_ERR without touching the bus. When a
 * transfer fails, the messages the backend reports done answer OK and the
 * others ERR, which is what Linux's driver counts.
 *
 * A request whose out header cannot be read ends its group (its flags are
 * unknown). A request without a writable status byte is completed with used
 * length 0. Unknown flag bits and the padding field are ignored.
 *
 * A group on an adapter that may block (a real Linux bus) runs on the host's
 * helper thread (vhd_host.offload): its requests stay held, and later
 * requests wait on the ring (VHD_REQ_RETRY) until it is done, so transfers
 * keep their order and the worker never waits for the wire. The host drains
 * an offloaded transfer before a queue stops.
 *
 * When the queue stops (GET_VRING_BASE, new memory table, disconnect) with a
 * group still incomplete, its held requests answer ERR: the guest's driver
 * would otherwise wait for them forever.
 */

#ifndef I2C_DEV_H
#define I2C_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "i2c_adapter.h"
#include "vhd_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest queue the device accepts (upstream's value). */
#define I2C_QUEUE_SIZE 1024

/** Per-device counters, all monotonic. */
struct i2c_dev_stats {
	uint64_t requests;     /**< requests handled */
	uint64_t xfers;        /**< adapter transfers run */
	uint64_t xfer_errors;  /**< adapter transfers that failed */
	uint64_t msg_ok;       /**< requests answered OK */
	uint64_t msg_err;      /**< requests answered ERR (any reason) */
	uint64_t bad_addr;     /**< address not exposed or not 7-bit */
	uint64_t malformed;    /**< bad layout, length or zero length without the feature */
	uint64_t no_status;    /**< requests without a status byte (used length 0) */
	uint64_t skipped;      /**< failed because an earlier request of their group failed */
	uint64_t offloaded;    /**< transfers run on the host's helper thread */
};

/** A request held until its group ends. */
struct i2c_held {
	uint16_t id;            /**< descriptor head to push */
	struct i2c_xfer_msg msg;
	struct iovec *wr_iov;   /**< copy of the request's writable iovecs */
	uint16_t n_wr;
	uint32_t wr_len;        /**< status byte at wr_len - 1 */
	bool refused;           /**< failed before the bus: it and what follows answer ERR */
};

/** Outcome of running a group (on the worker or a helper thread). */
struct i2c_job {
	unsigned int n_ok;        /**< leading messages that succeeded */
	uint64_t xfers, xfer_errors;
};

/** One device instance. */
struct i2c_dev {
	struct vhd_host *host;  /**< from attach(); NULL: transfers run in handle() */
	bool busy;              /**< a group is running on the helper thread */
	bool orphaned;          /**< its queue stopped meanwhile: drop it when done */
	/** the next request is answered ERR (1), and fails its group's rest (2) */
	uint8_t refuse_next;
	struct i2c_job job;     /**< its outcome */
	struct i2c_map *map;    /**< shared with other instances */
	bool zero_len;          /**< VIRTIO_I2C_F_ZERO_LENGTH_REQUEST negotiated */
	bool failing;           /**< current group already failed */
	struct vhd_vq *vq;      /**< queue of the held requests */
	unsigned int n_held;
	struct i2c_held held[I2C_XFER_MAX_MSGS];
	struct i2c_dev_stats stats;
};

/** Device description and callbacks; priv is a struct i2c_dev. */
extern const struct vhd_device_ops i2c_dev_ops;

/** Set up @p d over @p map (which must outlive it). */
void i2c_dev_init(struct i2c_dev *d, struct i2c_map *map);

/** Drop held requests (without completing them) and release memory. */
void i2c_dev_fini(struct i2c_dev *d);

#ifdef __cplusplus
}
#endif

#endif /* I2C_DEV_H */
