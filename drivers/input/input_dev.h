/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-input device over an input source (input_src.h). Implements
 * struct vhd_device_ops.
 *
 * Events: the source's events collect into a batch until SYN_REPORT; a
 * complete batch goes into a bounded queue of pending events, and pending
 * events go into eventq buffers, which are held while nothing is pending.
 * So events reach the guest as soon as it has buffers, with or without
 * EVENT_IDX, and a batch larger than the guest's buffers (QEMU gives it 4)
 * is delivered as buffers come back. When a batch does not fit the queue it
 * is dropped whole, counted, and once there is room a resync batch built
 * from the difference between what the guest was told and the source's
 * current state (keys, switches, absolute axes, multitouch slots) follows,
 * so the guest never keeps a stuck key.
 *
 * Status queue: LED, sound and repeat events from the guest are handed to
 * the source; malformed buffers are counted.
 */

#ifndef INPUT_DEV_H
#define INPUT_DEV_H

#include <stdint.h>

#include "vhd_device.h"

#include "input_src.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest ring accepted. */
#define INPUT_MAX_QUEUE_SIZE 1024
/** Default bound of the pending event queue. */
#define INPUT_QUEUE_EVENTS 1024
/** Longest batch kept; a longer one is dropped whole. */
#define INPUT_BATCH_MAX 256
/** Multitouch slots whose state is tracked for resyncs. */
#define INPUT_MT_SLOTS 16
/** Longest name and serial given to the guest (Linux keeps 64 bytes, NUL included). */
#define INPUT_NAME_MAX 63

/** The ops every input device instance uses (priv is a struct input_dev *). */
extern const struct vhd_device_ops input_dev_ops;

/** Counters of one device; monotonic. */
struct input_dev_stats {
	uint64_t events_in;        /**< events from the source */
	uint64_t events_out;       /**< events written to eventq buffers */
	uint64_t batches;          /**< batches queued for the guest */
	uint64_t batches_dropped;  /**< batches dropped whole (queue full, too long, SYN_DROPPED) */
	uint64_t resyncs;          /**< resync batches queued after drops */
	uint64_t bad_event_bufs;   /**< eventq buffers too small or device-readable */
	uint64_t status_events;    /**< statusq events handed to the source */
	uint64_t bad_status_bufs;  /**< statusq buffers not one event */
	uint64_t restart_held;     /**< eventq buffers held again after a backend restart */
};

struct input_dev;

/**
 * Create a device over @p src, which it owns from now on (destroyed with
 * the device, also on failure); @p queue_events bounds the pending queue
 * (0: INPUT_QUEUE_EVENTS).
 * @return the device or NULL (out of memory).
 */
struct input_dev *input_dev_create(struct input_src *src, unsigned int queue_events);

/** Free everything, the source too. NULL is fine. */
void input_dev_destroy(struct input_dev *dev);

/** The source's sink: one event in. Hosts without watch_fd (tests) may call it. */
void input_dev_event(void *dev, const struct input_ev *ev);

/** Counters of @p dev. */
const struct input_dev_stats *input_dev_stats(const struct input_dev *dev);

/** Eventq buffers held, events pending. */
unsigned int input_dev_held(const struct input_dev *dev);
/** Events waiting for eventq buffers. */
unsigned int input_dev_pending(const struct input_dev *dev);

/**
 * Sanitize a device name for the guest: valid UTF-8 kept, invalid bytes
 * and control characters become '?', cut on a character boundary at
 * @p max bytes. @return the length written to @p dst (NUL-terminated,
 * @p dst holds max + 1 bytes).
 */
size_t input_name_clean(char *dst, const char *src, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* INPUT_DEV_H */
