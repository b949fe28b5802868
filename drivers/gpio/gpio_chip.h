/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Host GPIO chip interface used by the virtio-gpio driver (gpio_dev.c).
 *
 * A chip is deliberately dumb: it drives and senses lines and reports edges.
 * The virtio semantics (guest-visible state, irq masking, edge latching,
 * level re-triggering, released lines keeping their value) live in
 * gpio_dev.c so that they are the same, and tested, for every backend.
 *
 * Backends: a simulated chip (gpio_sim.c) whose input levels are driven
 * through a control socket, and host /dev/gpiochipN devices through
 * libgpiod, one adapter per API chosen at build time: v1 (gpio_gpiod.c,
 * Debian 12's 1.6.3) or v2 (gpio_gpiod2.c), both over gpio_gpiod_common.c;
 * gpio_gpiod_none.c without it.
 *
 * Threading: a chip is used by one thread at a time (the device's worker).
 */

#ifndef GPIO_CHIP_H
#define GPIO_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Edge detection a line is configured for; also the edge of an event. */
enum gpio_edge {
	GPIO_EDGE_NONE = 0,
	GPIO_EDGE_RISING = 1,
	GPIO_EDGE_FALLING = 2,
	GPIO_EDGE_BOTH = 3,
};

/** One edge seen on a line. */
struct gpio_chip_event {
	uint16_t line;
	uint8_t edge; /**< GPIO_EDGE_RISING or GPIO_EDGE_FALLING */
};

struct gpio_chip;

/** Operations of a chip. All return 0 (or a value) on success, a negative errno on failure. */
struct gpio_chip_ops {
	/** Release the chip and everything it holds. */
	void (*destroy)(struct gpio_chip *chip);
	/** Name of @p line, or NULL/"" when it has none. Valid until destroy. */
	const char *(*line_name)(struct gpio_chip *chip, uint16_t line);
	/** Direction at start-up (GPIO_DIRECTION_*). */
	int (*get_direction)(struct gpio_chip *chip, uint16_t line);
	/**
	 * Configure @p line: GPIO_DIRECTION_OUT drives @p value, GPIO_DIRECTION_IN
	 * senses, GPIO_DIRECTION_NONE releases the line (it keeps its electrical state).
	 */
	int (*set_direction)(struct gpio_chip *chip, uint16_t line, uint8_t dir, uint8_t value);
	/** Level of @p line (0 or 1): driven level for outputs, sensed level otherwise. */
	int (*get_value)(struct gpio_chip *chip, uint16_t line);
	/** Drive @p value on an output line. */
	int (*set_value)(struct gpio_chip *chip, uint16_t line, uint8_t value);
	/**
	 * Report edges of @p line (GPIO_EDGE_NONE stops). Enabling edges makes
	 * the line an input if it was released.
	 */
	int (*set_edge)(struct gpio_chip *chip, uint16_t line, enum gpio_edge edge);
	/** File descriptor readable while events may be pending, or -1. */
	int (*event_fd)(struct gpio_chip *chip);
	/**
	 * Take up to @p max pending events (and do any housekeeping behind the
	 * event fd). Returns 0 only when nothing is pending any more.
	 * @return number of events stored in @p ev, or a negative errno.
	 */
	int (*read_events)(struct gpio_chip *chip, struct gpio_chip_event *ev, unsigned int max);
};

/** Base of every chip. */
struct gpio_chip {
	const struct gpio_chip_ops *ops;
	uint16_t ngpio; /**< lines, at least 1 */
};

/** Most lines of a simulated chip. */
#define GPIO_SIM_MAX_LINES 1024

/**
 * Create a simulated chip of @p nlines lines named "sim-<line>".
 * With @p ctl_path not NULL, listen for control connections on a unix
 * stream socket there; each connection sends text lines:
 *  - "set <line> <0|1>": drive the input level of <line> from outside
 *    (edges are reported when the line is not driven by the guest);
 *    replies "ok".
 *  - "get <line>": replies the value the guest last drove on <line> (0 or 1).
 * <line> is a number or a line name. Bad commands get "error: <why>".
 * The socket is serviced from read_events(), on the device's worker.
 * @return 0 and @p out, or a negative errno.
 */
int gpio_sim_create(uint16_t nlines, const char *ctl_path, struct gpio_chip **out);

/** Drive the external input level of a simulated line (what "set" does). */
int gpio_sim_set_input(struct gpio_chip *chip, uint16_t line, uint8_t level);

/** Value the guest last drove on a simulated line (what "get" answers). */
int gpio_sim_get_driven(struct gpio_chip *chip, uint16_t line);

/** True when gpio_gpiod_open() is available in this build. */
bool gpio_gpiod_available(void);

/**
 * Open host chip /dev/gpiochip<num> through libgpiod.
 * @return 0 and @p out, or a negative errno (-ENOTSUP without libgpiod).
 */
int gpio_gpiod_open(unsigned int num, struct gpio_chip **out);

/** One entry of a device list (-l): a host chip or a simulated one. */
struct gpio_chip_spec {
	bool sim;         /**< simulated chip */
	unsigned int num; /**< host /dev/gpiochip number, or lines of the simulated chip */
};

/**
 * Parse a device list as upstream's -l takes it: entries separated by ':',
 * each a host chip number ("4") or 's' and a line count ("s8"). A host chip
 * may appear once. On error, @p err gets one line saying why.
 * @return number of entries (1..@p max) stored in @p out, or -1.
 */
int gpio_parse_device_list(const char *list, struct gpio_chip_spec *out, unsigned int max,
			   char *err, size_t errlen);

/**
 * Open the chip @p spec describes; @p ctl_path is the control socket of a
 * simulated chip (NULL for none), ignored for host chips.
 * @return 0 and @p out, or a negative errno.
 */
int gpio_chip_open_spec(const struct gpio_chip_spec *spec, const char *ctl_path,
			struct gpio_chip **out);

/** Destroy a chip created by any backend (NULL is fine). */
static inline void
gpio_chip_destroy(struct gpio_chip *chip)
{
	if (chip != NULL)
		chip->ops->destroy(chip);
}

#ifdef __cplusplus
}
#endif

#endif /* GPIO_CHIP_H */
