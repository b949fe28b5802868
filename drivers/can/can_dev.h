/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-can device over a bus port (can_port.h). Implements struct
 * vhd_device_ops.
 *
 * - Txq: a frame is validated against the negotiated features and the
 *   controller state, then sent; without LATE_TX_ACK it is answered at once,
 *   with it the request is held until the port reports the frame went out
 *   on the bus (CAN_EV_TX_DONE), NOT_OK after a second without that report.
 * - Rxq: buffers are held and filled as frames arrive; frames that arrive
 *   while no buffer is posted wait in a small backlog (then are dropped and
 *   counted). Frames the guest did not negotiate are dropped and counted.
 * - Controlq: START/STOP; STOP and bus-off fail held transmissions.
 * - Bus-off sets the BUSOFF status bit and tells the frontend through
 *   vhd_host.config_changed(); a restart of the bus clears it.
 * Port events come through vhd_host.watch_fd(): no thread, no polling.
 * Held requests keep guest addresses, so they survive a memory table change.
 */

#ifndef CAN_DEV_H
#define CAN_DEV_H

#include <stdint.h>

#include "vhd_device.h"

#include "can_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest ring accepted. */
#define CAN_MAX_QUEUE_SIZE 1024
/** Frames kept while the guest has no RX buffer posted. */
#define CAN_RX_BACKLOG 64

/** The ops every can device instance uses (priv is a struct can_dev *). */
extern const struct vhd_device_ops can_dev_ops;

/** Counters of one device; monotonic. */
struct can_dev_stats {
	uint64_t tx_frames;       /**< frames put on the bus */
	uint64_t tx_rejected;     /**< answered NOT_OK: invalid or not negotiated */
	uint64_t tx_stopped;      /**< answered NOT_OK: controller stopped or bus-off */
	uint64_t tx_failed;       /**< answered NOT_OK: the bus refused it */
	uint64_t tx_cancelled;    /**< held (late ack) and failed by STOP or bus-off */
	uint64_t tx_late_acks;    /**< held requests answered after the bus delivered */
	uint64_t tx_ack_timeouts; /**< held requests failed: the bus never confirmed (1 s) */
	uint64_t tx_dropped;      /**< chains without a result byte (used length 0) */
	uint64_t rx_frames;       /**< frames given to the guest */
	uint64_t rx_filtered;     /**< dropped: type not negotiated, or invalid */
	uint64_t rx_stopped;      /**< dropped: controller stopped */
	uint64_t rx_overrun;      /**< dropped: no buffer and the backlog full */
	uint64_t rx_bad_buffers;  /**< RX chains too small or unwritable (used length 0) */
	uint64_t ctrl_requests;   /**< control messages answered */
	uint64_t ctrl_errors;     /**< of which NOT_OK */
	uint64_t busoff;          /**< bus-off events */
	uint64_t config_notify_failed; /**< config_changed() calls that failed */
	uint64_t echo_unmatched;  /**< TX_DONE reports with no frame waiting for one */
};

struct can_dev;

/**
 * Create a device over @p port, which it owns from now on (destroyed with
 * the device, also on failure).
 * @return the device or NULL (out of memory).
 */
struct can_dev *can_dev_create(struct can_port *port);

/** Stop watching the port and free everything. NULL is fine. */
void can_dev_destroy(struct can_dev *dev);

/**
 * Read and act on pending port events. This is the event fd callback;
 * hosts without watch_fd (unit tests) may call it directly.
 */
void can_dev_port_events(struct can_dev *dev);

/** Counters of @p dev. */
const struct can_dev_stats *can_dev_stats(const struct can_dev *dev);

/** Config status (CAN_S_CTRL_BUSOFF). */
uint16_t can_dev_status(const struct can_dev *dev);

/** True while the controller is started. */
int can_dev_started(const struct can_dev *dev);

/** RX buffers held, and transmissions held waiting for the bus. */
unsigned int can_dev_rx_held(const struct can_dev *dev);
unsigned int can_dev_tx_held(const struct can_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* CAN_DEV_H */
