/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-gpio device: requestq messages and eventq interrupts over a host
 * chip (gpio_chip.h). Implements struct vhd_device_ops.
 *
 * Interrupts: an eventq buffer for a line unmasks its interrupt and is held
 * until the interrupt fires (status VALID) or is disabled (status INVALID).
 * Edge interrupts are latched while masked; level interrupts are not latched
 * but fire again on unmask while the level is still active, as the spec asks.
 * Chip events arrive through the chip's event fd, watched on the device's
 * worker via vhd_host->watch_fd(); there is no thread per line.
 *
 * A held buffer is kept as its head id and the guest address of its status
 * byte, translated when it completes: held buffers survive a memory table
 * change as long as the host does not stop the eventq (queue_stop() forgets
 * them, as the contract says).
 */

#ifndef GPIO_DEV_H
#define GPIO_DEV_H

#include <stdint.h>

#include "vhd_device.h"

#include "gpio_chip.h"
#include "gpio_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest ring accepted; eventq needs one buffer per line in use. */
#define GPIO_MAX_QUEUE_SIZE 1024

/** The ops every gpio device instance uses (priv is a struct gpio_dev *). */
extern const struct vhd_device_ops gpio_dev_ops;

/** Counters of one device; monotonic. */
struct gpio_dev_stats {
	uint64_t requests;    /**< requestq messages answered */
	uint64_t errors;      /**< of which answered GPIO_STATUS_ERR */
	uint64_t dropped;     /**< chains with no room for a status byte (used length 0) */
	uint64_t irq_valid;   /**< eventq buffers returned VALID */
	uint64_t irq_invalid; /**< eventq buffers returned INVALID */
	uint64_t chip_events; /**< edges read from the chip */
	uint64_t restart_held; /**< eventq buffers held again after a backend restart */
};

/** Lines whose guest-set state (direction, output value, interrupt type)
 * survives a backend restart (vhd_device_ops.restart_state).
 */
#define GPIO_RESTART_LINES 1024

struct gpio_dev;

/**
 * Create a device over @p chip, which it owns from now on (destroyed with
 * the device, also on failure).
 * @return the device or NULL (out of memory).
 */
struct gpio_dev *gpio_dev_create(struct gpio_chip *chip);

/** Stop watching the chip and free everything. NULL is fine. */
void gpio_dev_destroy(struct gpio_dev *dev);

/** The chip under @p dev. */
struct gpio_chip *gpio_dev_chip(struct gpio_dev *dev);

/**
 * Read and act on pending chip events. This is the event fd callback;
 * hosts without watch_fd (unit tests) may call it directly.
 */
void gpio_dev_chip_events(struct gpio_dev *dev);

/** Counters of @p dev. */
const struct gpio_dev_stats *gpio_dev_stats(const struct gpio_dev *dev);

/** Eventq buffers currently held (unmasked interrupts). */
unsigned int gpio_dev_held(const struct gpio_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* GPIO_DEV_H */
