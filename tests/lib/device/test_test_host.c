/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The unit-test host's services behave as the real host documents them:
 * drivers' unit tests depend on it. */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_test_host.h"

static unsigned int log_[64], nlog;

static void
tcb(void *arg)
{
	log_[nlog++] = (unsigned int)(uintptr_t)arg;
}

static void
timers(void **state)
{
	struct vhd_test_host h;
	struct vhd_host *host = &h.host;
	struct vhd_timer t[3];
	unsigned int i;

	(void)state;
	vhd_test_host_init(&h);
	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		t[i].cb = tcb;
		t[i].arg = (void *)(uintptr_t)i;
	}
	nlog = 0;
	assert_int_equal(host->now_ns(host), h.now);
	assert_int_equal(host->timer_arm(host, &t[0], h.now + 300), 0);
	assert_int_equal(host->timer_arm(host, &t[1], h.now + 100), 0);
	assert_int_equal(host->timer_arm(host, &t[2], h.now + 200), 0);
	assert_int_equal(vhd_test_host_advance(&h, 99), 0);
	assert_int_equal(vhd_test_host_advance(&h, 250), 3);
	assert_int_equal(nlog, 3);
	assert_int_equal(log_[0], 1);
	assert_int_equal(log_[1], 2);
	assert_int_equal(log_[2], 0);
	/* cancel, move, and a deadline in the past fires at the next run */
	assert_int_equal(host->timer_arm(host, &t[0], h.now + 10), 0);
	host->timer_cancel(host, &t[0]);
	assert_int_equal(host->timer_arm(host, &t[1], h.now + 10), 0);
	assert_int_equal(host->timer_arm(host, &t[1], h.now + 1000), 0);
	assert_int_equal(vhd_test_host_advance(&h, 500), 0);
	assert_int_equal(host->timer_arm(host, &t[2], h.now - 5), 0);
	assert_int_equal(vhd_test_host_run(&h), 1);
	assert_int_equal(log_[3], 2);
	assert_int_equal(host->timer_arm(host, NULL, 0), -EINVAL);
}

struct job {
	int work_runs, done_runs, res;
	struct vhd_test_host *h;
};

static int
jwork(void *arg)
{
	struct job *j = arg;

	j->work_runs++;
	return 42;
}

static void
jdone(void *arg, int res)
{
	struct job *j = arg;

	j->done_runs++;
	j->res = res;
}

static void
offload(void **state)
{
	struct vhd_test_host h;
	struct vhd_host *host = &h.host;
	struct job j = {0};

	(void)state;
	vhd_test_host_init(&h);
	assert_int_equal(host->offload(host, jwork, jdone, &j), 0);
	/* deferred: nothing runs inside the call */
	assert_int_equal(j.work_runs, 0);
	assert_int_equal(vhd_test_host_run(&h), 1);
	assert_int_equal(j.work_runs, 1);
	assert_int_equal(j.done_runs, 1);
	assert_int_equal(j.res, 42);
	h.offload_limit = 1;
	assert_int_equal(host->offload(host, jwork, jdone, &j), 0);
	assert_int_equal(host->offload(host, jwork, jdone, &j), -EAGAIN);
	assert_int_equal(host->offload(host, NULL, jdone, &j), -EINVAL);
	vhd_test_host_run(&h);
	assert_int_equal(j.done_runs, 2);
}

struct iox {
	struct vhd_io io;
	int res, calls;
};

static void
iocb(void *arg, int res)
{
	struct iox *x = arg;

	x->res = res;
	x->calls++;
}

static void
io(void **state)
{
	struct vhd_test_host h;
	struct vhd_host *host = &h.host;
	char path[] = "/tmp/vhd-services-th-XXXXXX", buf[16] = {0};
	struct iovec wv = {"hello, world", 12}, rv = {buf, sizeof(buf)};
	struct iox w = {0}, r = {0}, p = {0};
	int fd = mkstemp(path), pfd[2];

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	vhd_test_host_init(&h);
	w.io = (struct vhd_io){.op = VHD_IO_WRITEV, .fd = fd, .iov = &wv, .iovcnt = 1,
			       .offset = 4, .cb = iocb, .arg = &w};
	r.io = (struct vhd_io){.op = VHD_IO_READV, .fd = fd, .iov = &rv, .iovcnt = 1,
			       .offset = 4, .cb = iocb, .arg = &r};
	assert_int_equal(host->io_submit(host, &w.io), 0);
	assert_int_equal(host->io_submit(host, &r.io), 0);
	assert_int_equal(w.calls, 0);
	assert_int_equal(vhd_test_host_run(&h), 2);
	assert_int_equal(w.res, 12);
	assert_int_equal(r.res, 12);
	assert_memory_equal(buf, "hello, world", 12);
	assert_int_equal(pipe(pfd), 0);
	p.io = (struct vhd_io){.op = VHD_IO_POLL, .fd = pfd[1], .poll_events = POLLOUT,
			       .cb = iocb, .arg = &p};
	assert_int_equal(host->io_submit(host, &p.io), 0);
	vhd_test_host_run(&h);
	assert_true(p.res & POLLOUT);
	h.io_limit = 0;
	assert_int_equal(host->io_submit(host, &p.io), -EAGAIN);
	p.io.fd = -1;
	assert_int_equal(host->io_submit(host, &p.io), -EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
}

static void
config_and_watch_cb(void *arg, int fd, uint32_t ev)
{
	char c;

	(void)ev;
	*(int *)arg += 1;
	assert_int_equal(read(fd, &c, 1), 1);
}

static void
config_and_watch(void **state)
{
	struct vhd_test_host h;
	struct vhd_host *host = &h.host;
	int pfd[2], hits = 0;

	(void)state;
	vhd_test_host_init(&h);
	assert_int_equal(host->config_changed(host), 0);
	h.config_changed_rc = -ENOTSUP;
	assert_int_equal(host->config_changed(host), -ENOTSUP);
	assert_int_equal(h.config_changes, 2);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(host->watch_fd(host, pfd[0], POLLIN, config_and_watch_cb, &hits), 0);
	vhd_test_host_run(&h);
	assert_int_equal(hits, 0);
	assert_int_equal(write(pfd[1], "x", 1), 1);
	vhd_test_host_run(&h);
	assert_int_equal(hits, 1);
	host->unwatch_fd(host, pfd[0]);
	assert_int_equal(write(pfd[1], "x", 1), 1);
	vhd_test_host_run(&h);
	assert_int_equal(hits, 1);
	close(pfd[0]);
	close(pfd[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers),
		cmocka_unit_test(offload),
		cmocka_unit_test(io),
		cmocka_unit_test(config_and_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
