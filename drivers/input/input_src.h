/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * An input source under a virtio-input device: what it is (struct
 * input_info, fixed once opened, so config reads need no locking) and the
 * events it produces. A source delivers its events through the sink the
 * device gives it in start(), on the device's worker (it watches its fds
 * with vhd_host->watch_fd()); LED and sound events from the guest come back
 * through status(). Two sources exist: host evdev nodes (input_evdev.c) and
 * simulated devices driven by a control socket (input_sim.c).
 */

#ifndef INPUT_SRC_H
#define INPUT_SRC_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/input-event-codes.h>

#include "input_proto.h"
#include "vhd_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of one event type's code bitmap (KEY_CNT bits is the largest). */
#define INPUT_BITS_BYTES INPUT_CFG_PAYLOAD

/** What a source is: everything the config space reports. */
struct input_info {
	char name[INPUT_CFG_PAYLOAD + 1];   /**< raw, any bytes; sanitized by the device */
	char serial[INPUT_CFG_PAYLOAD + 1]; /**< raw; empty for none */
	uint16_t bustype, vendor, product, version;
	uint8_t prop[INPUT_BITS_BYTES];     /**< INPUT_PROP_* bitmap */
	uint8_t bits[EV_CNT][INPUT_BITS_BYTES]; /**< code bitmap per event type */
	/** Axis ranges, valid where bits[EV_ABS] has the axis. */
	struct {
		int32_t min, max, fuzz, flat, res, value;
	} abs[ABS_CNT];
};

/** One event: host byte order. */
struct input_ev {
	uint16_t type;
	uint16_t code;
	int32_t value;
};

/** Where a source sends its events, one by one, SYN_REPORT ending a batch. */
typedef void (*input_sink_fn)(void *arg, const struct input_ev *ev);

struct input_src;

/** Operations of a source. */
struct input_src_ops {
	/**
	 * Begin producing events into @p sink on @p host's worker.
	 * @return 0 or a negative errno.
	 */
	int (*start)(struct input_src *s, struct vhd_host *host, input_sink_fn sink, void *arg);
	/** A status event from the guest (EV_LED, EV_SND...). Optional. */
	void (*status)(struct input_src *s, const struct input_ev *ev);
	/** Counters of the source, like vhd_device_ops.get_stats(). Optional. */
	void (*get_stats)(struct input_src *s,
			  void (*put)(void *ctx, const char *name, uint64_t v), void *ctx);
	/** Stop watching, close, free. */
	void (*destroy)(struct input_src *s);
};

/** A source: its operations and its description. */
struct input_src {
	const struct input_src_ops *ops;
	struct input_info info;
};

/** Set bit @p n of bitmap @p b. */
static inline void
input_bit_set(uint8_t *b, unsigned int n)
{
	b[n / 8] |= (uint8_t)(1u << (n % 8));
}

/** Bit @p n of bitmap @p b. */
static inline bool
input_bit_test(const uint8_t *b, unsigned int n)
{
	return (b[n / 8] >> (n % 8)) & 1;
}

/** Simulated device kinds. */
enum input_sim_kind {
	INPUT_SIM_KEYBOARD,
	INPUT_SIM_MOUSE,
	INPUT_SIM_TABLET,
	INPUT_SIM_TOUCH,
};

/**
 * Parse a simulated device name ("sim-keyboard", "sim-mouse", "sim-tablet",
 * "sim-touch"). @return 0 with @p out set, or -1.
 */
int input_sim_kind_parse(const char *s, enum input_sim_kind *out);

/**
 * Create a simulated device of @p kind, with a control socket at
 * @p ctl_path (NULL: none) taking "key C V", "rel C V", "abs C V",
 * "ev T C V", "syn", "leds" lines.
 * @return 0 with @p out set, or a negative errno.
 */
int input_sim_create(enum input_sim_kind kind, const char *ctl_path, struct input_src **out);

/** LEDs the guest set on a simulated device (bit n: LED n on). */
uint32_t input_sim_leds(const struct input_src *s);

/**
 * Host system calls the evdev source uses, replaceable so that unit tests
 * run it over a fake device table (this host has no input devices).
 */
struct input_evdev_sys {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long req, void *arg);
	long (*read)(int fd, void *buf, unsigned long len);
	long (*write)(int fd, const void *buf, unsigned long len);
};

/** The real system calls. */
extern const struct input_evdev_sys input_evdev_sys_real;

/**
 * Open host evdev node @p path through @p sys (NULL: the real calls);
 * @p grab takes EVIOCGRAB so the host stops seeing its events. Unplugged
 * while running, the source logs once, retries the same path every
 * second and resumes when it is back.
 * @return 0 with @p out set, or a negative errno.
 */
int input_evdev_create(const char *path, bool grab, const struct input_evdev_sys *sys,
		       struct input_src **out);

#ifdef __cplusplus
}
#endif

#endif /* INPUT_SRC_H */
