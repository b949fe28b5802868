/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Host I2C adapters as the virtio-i2c driver sees them, and the map from the
 * guest's 7-bit addresses to them.
 *
 * A transfer is one I2C transaction: messages separated by repeated STARTs,
 * one STOP at the end. Backends: Linux /dev/i2c-N (i2c_linux.c) and a
 * simulated bus with simulated clients (i2c_sim.c).
 *
 * Several device instances (one per vhost-user socket, possibly on
 * different worker threads) share one map, as upstream does; each adapter
 * has a lock so that a transaction is never interleaved with another
 * guest's.
 */

#ifndef I2C_ADAPTER_H
#define I2C_ADAPTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "i2c_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Most messages in one transaction. Linux's i2c-dev refuses more in one
 * I2C_RDWR (I2C_RDWR_IOCTL_MAX_MSGS); we apply the same limit to every
 * backend so a guest sees the same behaviour with real and simulated buses.
 */
#define I2C_XFER_MAX_MSGS 42

/** Largest message in bytes (Linux's i2c-dev limit for I2C_RDWR). */
#define I2C_MSG_MAX_LEN 8192

/** One message of a transaction. */
struct i2c_xfer_msg {
	uint16_t addr; /**< 7-bit client address */
	bool read;     /**< client -> host */
	uint16_t len;  /**< bytes in @c buf, 0 allowed (quick command) */
	uint8_t *buf;  /**< data written, or room for data read */
};

struct i2c_adapter;

/** What a backend implements. */
struct i2c_adapter_ops {
	/**
	 * Run @p msgs[0..n) as one transaction.
	 * @param done set to how many leading messages completed, also on
	 *        failure (0 when the backend cannot tell).
	 * @return 0, or a negative errno (-ENXIO: client did not answer).
	 */
	int (*xfer)(struct i2c_adapter *ad, struct i2c_xfer_msg *msgs, unsigned int n,
		    unsigned int *done);
	/**
	 * Check at start-up that address @p addr may be used through this
	 * adapter. Optional.
	 * @return 0, or a negative errno with an error line printed.
	 */
	int (*claim)(struct i2c_adapter *ad, uint16_t addr);
	/** Release the backend's resources. */
	void (*destroy)(struct i2c_adapter *ad);
	/**
	 * xfer() may block (a real bus: clock stretching, slow clients,
	 * another guest holding the adapter lock): the device runs it on the
	 * host's helper thread, never on the worker.
	 */
	bool blocking;
};

/** An adapter. Created by a backend, destroyed with i2c_adapter_destroy(). */
struct i2c_adapter {
	const struct i2c_adapter_ops *ops;
	char name[64];         /**< for messages: "/dev/i2c-3", "sim0" */
	pthread_mutex_t lock;  /**< serialises transactions of all guests */
	void *priv;            /**< the backend's state */
};

/** Initialise the common part (name, lock). */
void i2c_adapter_init(struct i2c_adapter *ad, const struct i2c_adapter_ops *ops,
		      const char *name, void *priv);

/** Run a transaction under the adapter lock. See i2c_adapter_ops.xfer. */
int i2c_adapter_xfer(struct i2c_adapter *ad, struct i2c_xfer_msg *msgs, unsigned int n,
		     unsigned int *done);

/** Destroy an adapter made by any backend. NULL is allowed. */
void i2c_adapter_destroy(struct i2c_adapter *ad);

/** Most adapters in one map. */
#define I2C_MAP_MAX_ADAPTERS 16

/** Guest address space: which adapter serves each 7-bit address. */
struct i2c_map {
	unsigned int n_adapters;
	struct i2c_adapter *adapters[I2C_MAP_MAX_ADAPTERS];
	/** index into @c adapters + 1, 0 when the address is not exposed */
	uint8_t owner[I2C_ADDR_MAX + 1];
};

/** An empty map. */
void i2c_map_init(struct i2c_map *map);

/**
 * Add @p ad (the map takes ownership, also on failure) exposing @p addrs.
 * Each address is claimed through the backend.
 * @return 0, or -1 with one error line printed: too many adapters, address
 * out of range, address already exposed, claim refused.
 */
int i2c_map_add(struct i2c_map *map, struct i2c_adapter *ad, const uint16_t *addrs,
		unsigned int n_addrs);

/** Adapter serving 7-bit address @p addr, or NULL. */
static inline struct i2c_adapter *
i2c_map_lookup(const struct i2c_map *map, unsigned int addr)
{
	if (addr > I2C_ADDR_MAX || map->owner[addr] == 0)
		return NULL;
	return map->adapters[map->owner[addr] - 1];
}

/** Destroy every adapter of the map. */
void i2c_map_fini(struct i2c_map *map);

#ifdef __cplusplus
}
#endif

#endif /* I2C_ADAPTER_H */
