/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * What the libgpiod v1 (gpio_gpiod.c) and v2 (gpio_gpiod2.c) adapters share:
 * the struct gpio_chip_ops of a host chip, the guest-facing bookkeeping of
 * each line (direction and edges asked, when a line is owned), the epoll set
 * gathering the event fds, and the event loop that drops a broken fd. Each
 * adapter is a thin layer over its API (struct gpio_gpiod_api): it requests,
 * reconfigures and releases kernel lines and reads their events.
 *
 * A line is requested from the kernel only while the guest uses it: as an
 * output, as an input, or for edge events (an input then). Level interrupts
 * are not the adapter's: gpio_dev.c asks for both edges and samples the level.
 */

#ifndef GPIO_GPIOD_COMMON_H
#define GPIO_GPIOD_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpio_chip.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Consumer name of the kernel requests. */
#define GPIO_GPIOD_CONSUMER "vhost-device-gpio"

/** What the guest asked of one line. */
struct gpio_gpiod_line {
	uint8_t dir;  /**< GPIO_DIRECTION_* requested, NONE = released */
	uint8_t edge; /**< enum gpio_edge requested; the request is an input one then */
	bool broken;  /**< an event read failed: fd dropped until the line is requested anew */
	int fd;       /**< event fd in the epoll set, -1 when none */
};

struct gpio_gpiod;

/** One libgpiod API under the shared layer. All int returns: 0 or a negative errno. */
struct gpio_gpiod_api {
	/** Free what the API holds for the chip; lines are released already. */
	void (*close)(struct gpio_gpiod *g);
	/** Name of @p line, or NULL. */
	const char *(*line_name)(struct gpio_gpiod *g, uint16_t line);
	/** True while @p line has a kernel request. */
	bool (*held)(struct gpio_gpiod *g, uint16_t line);
	/**
	 * Make the kernel request of @p line an output driving @p value
	 * (@p dir GPIO_DIRECTION_OUT, @p edge NONE) or an input with @p edge
	 * detection, and watch its fd (gpio_gpiod_watch()) when @p edge is not
	 * NONE, unwatch it otherwise. On failure the line is either released
	 * or kept as it was.
	 */
	int (*request)(struct gpio_gpiod *g, uint16_t line, uint8_t dir, uint8_t edge,
		       uint8_t value);
	/** Release the kernel request of @p line, if any; its fd is unwatched already. */
	void (*release)(struct gpio_gpiod *g, uint16_t line);
	/** Level of a held @p line: 0, 1 or a negative errno. */
	int (*get_value)(struct gpio_gpiod *g, uint16_t line);
	/** Drive @p value on a held output @p line. */
	int (*set_value)(struct gpio_gpiod *g, uint16_t line, uint8_t value);
	/**
	 * Take up to @p max (at least 1) events of @p line, whose fd epoll
	 * reported readable (so a read does not block).
	 * @return events stored in @p ev, or a negative errno when the fd is broken.
	 */
	int (*read)(struct gpio_gpiod *g, uint16_t line, struct gpio_chip_event *ev,
		    unsigned int max);
};

/** Base of an adapter's chip; the adapter's own fields follow it. */
struct gpio_gpiod {
	struct gpio_chip chip;
	const struct gpio_gpiod_api *api;
	int epfd;                     /**< epoll set of the event fds: the chip's event fd */
	struct gpio_gpiod_line *lines; /**< chip.ngpio lines */
};

/** Negative errno of a failed libgpiod call, -EIO when it set none. */
static inline int
gpio_gpiod_errno(void)
{
	return errno != 0 ? -errno : -EIO;
}

/**
 * Allocate a zeroed chip of @p size bytes and @p line_size more per line
 * (the adapter's struct, starting with a struct gpio_gpiod, and its flexible
 * array) with @p nlines lines over @p api, and its epoll set. Destroy it with
 * gpio_chip_destroy(), which calls api->close().
 * @return the chip, or NULL with @p rc a negative errno (-ERANGE for a
 * line count that is 0 or above UINT16_MAX).
 */
struct gpio_gpiod *gpio_gpiod_new(size_t size, size_t line_size, unsigned int nlines,
				  const struct gpio_gpiod_api *api, int *rc);

/** Add the event fd @p fd of @p line to the epoll set, unless one is there already. */
int gpio_gpiod_watch(struct gpio_gpiod *g, uint16_t line, int fd);

/** Drop the event fd of @p line from the epoll set, if any. */
void gpio_gpiod_unwatch(struct gpio_gpiod *g, uint16_t line);

/** Release @p line (fd unwatched, kernel request released, nothing asked any more). */
void gpio_gpiod_release(struct gpio_gpiod *g, uint16_t line);

#ifdef __cplusplus
}
#endif

#endif /* GPIO_GPIOD_COMMON_H */
