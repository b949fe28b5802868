/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Helper threads: one device's calls in order and never two at once, a
 * blocked device does not hold up another, the depth bound, notify, and
 * completions only when the device side asks. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_services.h"

struct dev {
	struct vhd_offq q;
	int running;          /* calls of this device running now */
	int overlap;          /* seen two at once */
	unsigned int next_work, next_done;
	unsigned int order_bad;
	unsigned int notified;
	volatile int gate;    /* work of call 0 waits until set */
};

struct call {
	struct dev *d;
	unsigned int seq;
};

static void
notify(void *ctx)
{
	__atomic_add_fetch(&((struct dev *)ctx)->notified, 1, __ATOMIC_SEQ_CST);
}

static int
work(void *arg)
{
	struct call *c = arg;
	struct dev *d = c->d;
	struct timespec ts = {0, 200000};

	if (__atomic_add_fetch(&d->running, 1, __ATOMIC_SEQ_CST) > 1)
		d->overlap = 1;
	if (c->seq != d->next_work)
		d->order_bad++;
	d->next_work++;
	if (c->seq == 0)
		while (!__atomic_load_n(&d->gate, __ATOMIC_SEQ_CST))
			nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	__atomic_sub_fetch(&d->running, 1, __ATOMIC_SEQ_CST);
	return (int)c->seq * 3;
}

static void
done(void *arg, int res)
{
	struct call *c = arg;

	if (c->seq != c->d->next_done || res != (int)c->seq * 3)
		c->d->order_bad++;
	c->d->next_done++;
}

static void
wait_complete(struct dev *d, unsigned int want)
{
	int i;

	for (i = 0; i < 5000 && d->next_done < want; i++) {
		vhd_offq_complete(&d->q);
		usleep(1000);
	}
	assert_int_equal(d->next_done, want);
}

static void
order_and_independence(void **state)
{
	static struct dev a, b;
	static struct call ca[20], cb[5];
	unsigned int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	vhd_offq_init(&a.q, notify, &a);
	vhd_offq_init(&b.q, notify, &b);
	b.gate = 1;
	for (i = 0; i < 20; i++) {
		ca[i] = (struct call){&a, i};
		assert_int_equal(vhd_offq_submit(&a.q, work, done, &ca[i]), 0);
	}
	for (i = 0; i < 5; i++) {
		cb[i] = (struct call){&b, i};
		assert_int_equal(vhd_offq_submit(&b.q, work, done, &cb[i]), 0);
	}
	/* a's first call blocks; b's all finish meanwhile */
	wait_complete(&b, 5);
	assert_int_equal(a.next_done, 0);
	assert_int_equal(vhd_offq_outstanding(&a.q), 20);
	__atomic_store_n(&a.gate, 1, __ATOMIC_SEQ_CST);
	wait_complete(&a, 20);
	assert_int_equal(a.order_bad, 0);
	assert_int_equal(b.order_bad, 0);
	assert_int_equal(a.overlap, 0);
	assert_int_equal(b.overlap, 0);
	assert_int_equal(a.notified, 20);
	assert_int_equal(b.notified, 5);
	assert_int_equal(vhd_offq_outstanding(&a.q), 0);
	assert_false(vhd_offq_has_done(&a.q));
}

static void
depth_and_errors(void **state)
{
	static struct dev a;
	static struct call c[VHD_OFFLOAD_DEPTH + 1];
	unsigned int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	vhd_offq_init(&a.q, notify, &a);
	for (i = 0; i <= VHD_OFFLOAD_DEPTH; i++) {
		c[i] = (struct call){&a, i};
		assert_int_equal(vhd_offq_submit(&a.q, work, done, &c[i]),
				 i < VHD_OFFLOAD_DEPTH ? 0 : -EAGAIN);
	}
	assert_int_equal(vhd_offq_submit(&a.q, NULL, done, &c[0]), -EINVAL);
	assert_int_equal(vhd_offq_submit(&a.q, work, NULL, &c[0]), -EINVAL);
	/* finished calls are not completed behind the device's back */
	__atomic_store_n(&a.gate, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 5000 && __atomic_load_n(&a.notified, __ATOMIC_SEQ_CST) <
		    VHD_OFFLOAD_DEPTH; i++)
		usleep(1000);
	assert_int_equal(a.next_done, 0);
	assert_true(vhd_offq_has_done(&a.q));
	/* still full until completed */
	assert_int_equal(vhd_offq_submit(&a.q, work, done, &c[VHD_OFFLOAD_DEPTH]), -EAGAIN);
	assert_int_equal(vhd_offq_complete(&a.q), VHD_OFFLOAD_DEPTH);
	c[VHD_OFFLOAD_DEPTH].seq = VHD_OFFLOAD_DEPTH;
	assert_int_equal(vhd_offq_submit(&a.q, work, done, &c[VHD_OFFLOAD_DEPTH]), 0);
	wait_complete(&a, VHD_OFFLOAD_DEPTH + 1);
	assert_int_equal(a.order_bad, 0);
	/* shutdown joins the helpers; the pool starts again on demand */
	vhd_offload_shutdown();
	c[0] = (struct call){&a, VHD_OFFLOAD_DEPTH + 1};
	assert_int_equal(vhd_offq_submit(&a.q, work, done, &c[0]), 0);
	wait_complete(&a, VHD_OFFLOAD_DEPTH + 2);
	vhd_offload_shutdown();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_and_independence),
		cmocka_unit_test(depth_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
