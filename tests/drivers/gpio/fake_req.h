/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * How a line of a fake libgpiod chip is requested: the same for the v1 fake
 * (fake_gpiod.c) and the v2 fake (fake2/fake_gpiod2.c), so that one set of
 * scenarios (gpiod_scenarios.c) checks both adapters.
 */

#ifndef FAKE_REQ_H
#define FAKE_REQ_H

/** How a fake line is requested. */
enum fake_req {
	FAKE_FREE,       /**< not requested */
	FAKE_IN,         /**< input, no edge detection */
	FAKE_OUT,        /**< output */
	FAKE_EV_RISING,  /**< input reporting rising edges */
	FAKE_EV_FALLING, /**< input reporting falling edges */
	FAKE_EV_BOTH,    /**< input reporting both edges */
};

#endif /* FAKE_REQ_H */
