/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Scenarios shared by the tests of the two libgpiod adapters: the virtio-gpio
 * device over gpio_gpiod.c (v1) or gpio_gpiod2.c (v2), libgpiod replaced by a
 * fake chip. Each scenario is written once and run against each fake through
 * a table of hooks (struct scn_fake) that the test file of that fake defines.
 * Where the adapters differ on purpose (v2 switches a held request in place,
 * v1 releases and requests again), the scenario asks scn_fake.in_place.
 */

#ifndef GPIOD_SCENARIOS_H
#define GPIOD_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_test_pair.h"

#include "fake_req.h"
#include "gpio_dev.h"

/** Hooks into one fake libgpiod chip (chip 0 exists, others do not). */
struct scn_fake {
	unsigned int nlines; /**< lines of chip 0 */
	bool in_place;       /**< a held request is switched in place, not requested again */
	/** Reset the chip: all lines free and low, "L0".."L5" but line 4 unnamed. */
	void (*reset)(void);
	/** How line @p i is requested now. */
	enum fake_req (*req)(unsigned int i);
	/** Level of line @p i: driven value for outputs, outside level otherwise. */
	int (*level)(unsigned int i);
	/** Set the outside level of line @p i; queues edge events where detected. */
	void (*drive)(unsigned int i, int level);
	/** Make the next line requests fail with @p err (0 to stop). */
	void (*fail_requests)(int err);
	/** Make event reads fail (a broken event fd). */
	void (*fail_reads)(bool on);
	/** Successful line requests since the reset. */
	unsigned int (*requests)(void);
	/** Chips currently open. */
	int (*open_chips)(void);
	/** Successful in-place reconfigurations since the reset; NULL when not in_place. */
	unsigned int (*reconfigures)(void);
	/** Make the next in-place reconfigurations fail with @p err; NULL when not in_place. */
	void (*fail_reconfigure)(int err);
	/** Library objects not freed yet; NULL when the fake does not count them. */
	int (*live_objects)(void);
	/** Calls that would have blocked the worker; NULL when the fake does not count them. */
	unsigned int (*blocking_calls)(void);
};

/** The fake this test runs against: defined by the test file of that fake. */
extern const struct scn_fake scn_fake;

/** Fixture of every scenario: the device over the adapter over the fake chip 0. */
struct scn_fx {
	struct vhd_test_pair rq; /**< requestq */
	struct vhd_test_pair eq; /**< eventq */
	struct gpio_dev *dev;
	struct gpio_chip *chip;
};

/** cmocka setup: reset the fake, open chip 0, start the device and its eventq. */
int scn_setup(void **state);

/** cmocka teardown: destroy the device; check every line released and the chip closed. */
int scn_teardown(void **state);

/** Send one requestq message; @p val gets the value byte. @return the status byte. */
int scn_msg(struct scn_fx *f, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val);

/** Send one requestq message that must succeed. */
void scn_ok(struct scn_fx *f, uint16_t type, uint16_t gpio, uint32_t value);

/** Value of @p gpio as the guest reads it. */
uint8_t scn_value_of(struct scn_fx *f, uint16_t gpio);

/** Post an eventq buffer for @p gpio. @return its status byte (0xee until returned). */
uint8_t *scn_irq_post(struct scn_fx *f, uint16_t gpio);

/** Number of eventq buffers returned since the last call; all with @p status. */
unsigned int scn_irq_back(struct scn_fx *f, const uint8_t *st, uint8_t status);

/** True when @p fd is readable now. */
bool scn_fd_readable(int fd);

/** Drive a line from outside and let the device take what the event fd reports. */
void scn_drive(struct scn_fx *f, uint16_t line, int level);

/** @name Scenarios, each a cmocka test with scn_setup() and scn_teardown(). */
/** @{ */
void scn_test_open(void **state);
void scn_test_directions(void **state);
void scn_test_irq_edges(void **state);
void scn_test_irq_stale_events(void **state);
void scn_test_irq_level(void **state);
void scn_test_broken_event_fd(void **state);
void scn_test_broken_event_fd_input(void **state);
/** @} */

/** The cmocka test "@p name" running scenario scn_<name> with the shared fixture. */
#define SCN_TEST(name) {#name, scn_##name, scn_setup, scn_teardown, NULL}

/** The shared scenarios, as entries of a CMUnitTest array. */
#define SCN_TESTS \
	SCN_TEST(test_open), \
	SCN_TEST(test_directions), \
	SCN_TEST(test_irq_edges), \
	SCN_TEST(test_irq_stale_events), \
	SCN_TEST(test_irq_level), \
	SCN_TEST(test_broken_event_fd), \
	SCN_TEST(test_broken_event_fd_input)

#endif /* GPIOD_SCENARIOS_H */
