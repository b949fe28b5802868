/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Interrupt mode's adaptive spin window, driven with a 1 GHz fake clock:
 * it opens for a back-to-back guest, follows its gap, stays capped, and
 * closes to 0 when the device goes idle. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vhd_spin.h"

#define HZ 1000000000ULL

/* One request at @p t after the last: the worker idles, and sleeps at the
 * first moment the window allows, unless the request comes before that. */
static uint64_t
request_after(struct vhd_spin *s, uint64_t now, uint64_t gap, uint64_t wake)
{
	uint64_t t = now + gap;

	vhd_spin_idle(s);
	if (!vhd_spin_keep(s, t)) {
		/* the window closed before the request: slept, woken by its kick */
		vhd_spin_sleep(s);
		t += wake;
	}
	vhd_spin_work(s, t);
	return t;
}

/* A spin state with one request served at 1 ms. */
static uint64_t
spin_start(struct vhd_spin *s, uint64_t cap_ns)
{
	uint64_t t = 1000000;

	vhd_spin_init(s, HZ, cap_ns);
	vhd_spin_work(s, t);
	return t;
}

static void
opens_for_back_to_back(void **state)
{
	struct vhd_spin s;
	uint64_t t;
	int i;

	(void)state;
	t = spin_start(&s, VHD_SPIN_CAP_NS);
	assert_int_equal(s.window, 0);
	/* the guest answers within 1 us; each wake-up costs 30 us */
	for (i = 0; i < 20; i++)
		t = request_after(&s, t, 1000, 30000);
	assert_true(s.missed >= 1 && s.missed <= 3);
	assert_true(s.caught >= 17);
	assert_true(s.window >= 1000 && s.window <= 4000);
	assert_true(vhd_spin_keep(&s, t + 1000));
	assert_false(vhd_spin_keep(&s, t + VHD_SPIN_CAP_NS));
}

static void
closes_when_idle(void **state)
{
	struct vhd_spin s;
	uint64_t t;
	int i;

	(void)state;
	t = spin_start(&s, VHD_SPIN_CAP_NS);
	for (i = 0; i < 10; i++)
		t = request_after(&s, t, 5000, 30000);
	assert_true(s.window >= 5000);
	/* then one request every 10 ms: the window halves each time, down to 0 */
	for (i = 0; i < 8; i++)
		t = request_after(&s, t, 10000000, 30000);
	assert_int_equal(s.window, 0);
	assert_false(vhd_spin_keep(&s, t + 1));
	assert_true(s.long_gaps >= 5);
	/* a slept-through sporadic request that came late does not reopen it */
	t = request_after(&s, t, 200000, 30000);
	assert_int_equal(s.window, 0);
}

static void
never_above_cap(void **state)
{
	struct vhd_spin s;
	uint64_t t;
	int i;

	(void)state;
	t = spin_start(&s, VHD_SPIN_CAP_NS);
	/* gaps of 15 us, slept through and short: doubles up to the cap only */
	for (i = 0; i < 30; i++) {
		t = request_after(&s, t, 15000, 30000);
		assert_true(s.window <= VHD_SPIN_CAP_NS);
	}
	assert_int_equal(s.window, VHD_SPIN_CAP_NS);
	/* busy turns back to back (no idle turn between) are not gaps */
	s.avg_gap = 0;
	for (i = 0; i < 5; i++)
		vhd_spin_work(&s, t += 100);
	assert_int_equal(s.avg_gap, 0);
}

static void
cap_zero_never_spins(void **state)
{
	struct vhd_spin s;
	uint64_t t;
	int i;

	(void)state;
	t = spin_start(&s, 0);
	for (i = 0; i < 10; i++)
		t = request_after(&s, t, 1000, 30000);
	assert_int_equal(s.window, 0);
	assert_false(vhd_spin_keep(&s, t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opens_for_back_to_back),
		cmocka_unit_test(closes_when_idle),
		cmocka_unit_test(never_above_cap),
		cmocka_unit_test(cap_zero_never_spins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
