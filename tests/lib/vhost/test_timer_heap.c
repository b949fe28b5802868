/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The per-device timer heap against a naive model, and callbacks that
 * re-arm, cancel or arm others while timers run. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_services.h"

#define N 200

static struct vhd_timer_heap heap;
static struct vhd_timer tm[N];
static unsigned int fired[N * 4], nfired;
static uint64_t model[N]; /* deadline when armed, 0 when not */

static void
on_fire(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;

	fired[nfired++] = i;
}

static void
setup_all(void)
{
	unsigned int i;

	memset(&heap, 0, sizeof(heap));
	memset(tm, 0, sizeof(tm));
	memset(model, 0, sizeof(model));
	nfired = 0;
	for (i = 0; i < N; i++) {
		tm[i].cb = on_fire;
		tm[i].arg = (void *)(uintptr_t)i;
	}
}

static uint64_t
model_min(void)
{
	uint64_t m = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < N; i++)
		if (model[i] != 0 && model[i] < m)
			m = model[i];
	return m;
}

static void
random_ops(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, now = 0;
	unsigned int step;

	(void)state;
	setup_all();
	for (step = 0; step < 20000; step++) {
		unsigned int i, r;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		i = (unsigned int)(seed % N);
		r = (unsigned int)((seed >> 32) % 10);
		if (r < 5) {
			uint64_t d = now + 1 + (seed >> 40) % 1000;

			assert_int_equal(vhd_theap_arm(&heap, &tm[i], d), 0);
			model[i] = d;
		} else if (r < 8) {
			vhd_theap_cancel(&heap, &tm[i]);
			model[i] = 0;
		} else {
			unsigned int k, ran;

			now += (seed >> 48) % 300;
			nfired = 0;
			ran = vhd_theap_run(&heap, now, N);
			assert_int_equal(ran, nfired);
			for (k = 0; k < nfired; k++) {
				/* due, and in deadline order */
				assert_true(model[fired[k]] != 0 && model[fired[k]] <= now);
				if (k > 0)
					assert_true(model[fired[k - 1]] <= model[fired[k]]);
			}
			for (k = 0; k < nfired; k++) {
				assert_int_equal(tm[fired[k]].slot, 0);
				model[fired[k]] = 0;
			}
			/* nothing due is left behind */
			assert_true(model_min() > now);
		}
		assert_int_equal(vhd_theap_next(&heap), model_min());
		assert_int_equal(tm[i].slot != 0, model[i] != 0);
	}
	vhd_theap_fini(&heap);
}

/* A timer moved later does not fire at its old deadline; moved earlier it does. */
static void
move_and_cancel(void **state)
{
	(void)state;
	setup_all();
	assert_int_equal(vhd_theap_arm(&heap, &tm[0], 100), 0);
	assert_int_equal(vhd_theap_arm(&heap, &tm[1], 200), 0);
	assert_int_equal(vhd_theap_arm(&heap, &tm[0], 300), 0);
	assert_int_equal(vhd_theap_next(&heap), 200);
	assert_int_equal(vhd_theap_run(&heap, 250, N), 1);
	assert_int_equal(fired[0], 1);
	vhd_theap_cancel(&heap, &tm[0]);
	vhd_theap_cancel(&heap, &tm[0]); /* twice: no-op */
	assert_int_equal(vhd_theap_run(&heap, 1000, N), 0);
	assert_int_equal(vhd_theap_next(&heap), UINT64_MAX);
	/* a timer of another heap is not ours to cancel */
	{
		struct vhd_timer_heap other = {0};

		assert_int_equal(vhd_theap_arm(&other, &tm[5], 10), 0);
		assert_int_equal(vhd_theap_arm(&heap, &tm[6], 10), 0);
		vhd_theap_cancel(&heap, &tm[5]);
		assert_int_equal(other.n, 1);
		assert_int_equal(heap.n, 1);
		vhd_theap_fini(&other);
	}
	vhd_theap_fini(&heap);
}

static unsigned int rearms;

static void
rearm_past(void *arg)
{
	(void)arg;
	rearms++;
	vhd_theap_arm(&heap, &tm[0], 0); /* always due */
}

static void
cancel_other(void *arg)
{
	(void)arg;
	vhd_theap_cancel(&heap, &tm[3]);
	vhd_theap_arm(&heap, &tm[4], 5);
}

static void
callbacks_change_heap(void **state)
{
	(void)state;
	setup_all();
	/* re-arming in the past is bounded by max per run */
	tm[0].cb = rearm_past;
	assert_int_equal(vhd_theap_arm(&heap, &tm[0], 1), 0);
	assert_int_equal(vhd_theap_run(&heap, 10, 7), 7);
	assert_int_equal(rearms, 7);
	assert_true(tm[0].slot != 0);
	vhd_theap_cancel(&heap, &tm[0]);
	/* a callback cancels a due timer (it must not run) and arms a new one */
	tm[2].cb = cancel_other;
	assert_int_equal(vhd_theap_arm(&heap, &tm[2], 1), 0);
	assert_int_equal(vhd_theap_arm(&heap, &tm[3], 2), 0);
	nfired = 0;
	assert_int_equal(vhd_theap_run(&heap, 10, N), 2);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired[0], 4);
	vhd_theap_fini(&heap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_ops),
		cmocka_unit_test(move_and_cancel),
		cmocka_unit_test(callbacks_change_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
