/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* A worker's io_uring and per-device I/O queues: every op, completion
 * order, the depth bound, bad submissions, the eventfd, a paused device's
 * completions waiting for it. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "vhd_services.h"

struct done_log {
	int res[256];
	unsigned int order[256];
	unsigned int n;
};

struct op {
	struct vhd_io io;
	struct done_log *log;
	unsigned int id;
};

static void
on_done(void *arg, int res)
{
	struct op *o = arg;

	o->log->res[o->log->n] = res;
	o->log->order[o->log->n] = o->id;
	o->log->n++;
}

static struct vhd_uring ring;

static int
setup(void **state)
{
	(void)state;
	return vhd_uring_init(&ring, 64) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	vhd_uring_fini(&ring);
	return 0;
}

/* Wait for the ring's eventfd, then reap; returns reaped count. */
static unsigned int
wait_reap(unsigned int want)
{
	unsigned int got = 0;
	int tries;

	for (tries = 0; tries < 200 && got < want; tries++) {
		struct pollfd p = {.fd = ring.efd, .events = POLLIN};

		vhd_uring_flush(&ring);
		if (poll(&p, 1, 50) == 1)
			vhd_uring_ack(&ring);
		got += vhd_uring_reap(&ring);
	}
	return got;
}

static int
tmpfile_fd(void)
{
	char path[] = "/tmp/vhd-services-uring-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void
ops_roundtrip(void **state)
{
	static struct vhd_ioq q;
	struct done_log log = {0};
	char wbuf[4096], rbuf[4096];
	struct iovec wv = {wbuf, sizeof(wbuf)}, rv[2] = {{rbuf, 100}, {rbuf + 100, 3996}};
	struct op w, f, d, r, a;
	int fd = tmpfile_fd();
	struct stat st;

	(void)state;
	vhd_ioq_init(&q, &ring);
	memset(wbuf, 0xa5, sizeof(wbuf));
	w = (struct op){{.op = VHD_IO_WRITEV, .fd = fd, .iov = &wv, .iovcnt = 1, .offset = 8192,
			 .cb = on_done}, &log, 0};
	w.io.arg = &w;
	assert_int_equal(vhd_ioq_submit(&q, &w.io, true), 0);
	assert_int_equal(wait_reap(1), 1);
	/* reaped but not called back until the device side completes it */
	assert_int_equal(log.n, 0);
	assert_true(vhd_ioq_has_done(&q));
	assert_int_equal(vhd_ioq_complete(&q), 1);
	assert_int_equal(log.res[0], 4096);
	assert_int_equal(vhd_ioq_inflight(&q), 0);

	f = (struct op){{.op = VHD_IO_FSYNC, .fd = fd, .cb = on_done}, &log, 1};
	f.io.arg = &f;
	d = (struct op){{.op = VHD_IO_FDATASYNC, .fd = fd, .cb = on_done}, &log, 2};
	d.io.arg = &d;
	a = (struct op){{.op = VHD_IO_FALLOCATE, .fd = fd, .offset = 0, .len = 65536, .mode = 0,
			 .cb = on_done}, &log, 3};
	a.io.arg = &a;
	r = (struct op){{.op = VHD_IO_READV, .fd = fd, .iov = rv, .iovcnt = 2, .offset = 8192,
			 .cb = on_done}, &log, 4};
	r.io.arg = &r;
	assert_int_equal(vhd_ioq_submit(&q, &f.io, false), 0);
	assert_int_equal(vhd_ioq_submit(&q, &d.io, false), 0);
	assert_int_equal(vhd_ioq_submit(&q, &a.io, false), 0);
	assert_int_equal(vhd_ioq_submit(&q, &r.io, false), 0);
	assert_int_equal(vhd_ioq_inflight(&q), 4);
	assert_int_equal(wait_reap(4), 4);
	assert_int_equal(vhd_ioq_complete(&q), 4);
	assert_int_equal(log.n, 5);
	for (unsigned int i = 1; i < 5; i++) {
		if (log.order[i] == 4)
			assert_int_equal(log.res[i], 4096);
		else
			assert_int_equal(log.res[i], 0);
	}
	assert_memory_equal(rbuf, wbuf, sizeof(rbuf));
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size >= 65536);
	close(fd);
}

static void
poll_and_errors(void **state)
{
	static struct vhd_ioq q;
	struct done_log log = {0};
	struct op p, bad;
	struct iovec v = {NULL, 0};
	int pfd[2];

	(void)state;
	vhd_ioq_init(&q, &ring);
	assert_int_equal(pipe(pfd), 0);
	p = (struct op){{.op = VHD_IO_POLL, .fd = pfd[0], .poll_events = POLLIN, .cb = on_done},
			&log, 0};
	p.io.arg = &p;
	assert_int_equal(vhd_ioq_submit(&q, &p.io, true), 0);
	/* nothing to read yet: still pending */
	vhd_uring_flush(&ring);
	usleep(100000);
	assert_int_equal(vhd_uring_reap(&ring), 0);
	assert_int_equal(write(pfd[1], "x", 1), 1);
	assert_int_equal(wait_reap(1), 1);
	vhd_ioq_complete(&q);
	assert_int_equal(log.n, 1);
	assert_true(log.res[0] & POLLIN);

	/* bad submissions are refused at once and never called back */
	bad = (struct op){{.op = (enum vhd_io_op)99, .fd = pfd[0], .cb = on_done}, &log, 1};
	assert_int_equal(vhd_ioq_submit(&q, &bad.io, true), -EINVAL);
	bad = (struct op){{.op = VHD_IO_READV, .fd = pfd[0], .iov = &v, .iovcnt = 0,
			   .cb = on_done}, &log, 1};
	assert_int_equal(vhd_ioq_submit(&q, &bad.io, true), -EINVAL);
	bad = (struct op){{.op = VHD_IO_FSYNC, .fd = -1, .cb = on_done}, &log, 1};
	assert_int_equal(vhd_ioq_submit(&q, &bad.io, true), -EINVAL);
	bad = (struct op){{.op = VHD_IO_FSYNC, .fd = pfd[0], .cb = NULL}, &log, 1};
	assert_int_equal(vhd_ioq_submit(&q, &bad.io, true), -EINVAL);
	/* a failing op reports its errno through the callback */
	bad = (struct op){{.op = VHD_IO_READV, .fd = pfd[1], .iov = &v, .iovcnt = 1,
			   .offset = UINT64_MAX, .cb = on_done}, &log, 2};
	v.iov_base = log.res;
	v.iov_len = 4;
	bad.io.arg = &bad;
	assert_int_equal(vhd_ioq_submit(&q, &bad.io, true), 0);
	assert_int_equal(wait_reap(1), 1);
	vhd_ioq_complete(&q);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.res[1], -EBADF);
	/* no ring: -ENOSYS */
	vhd_ioq_init(&q, NULL);
	bad = (struct op){{.op = VHD_IO_FSYNC, .fd = pfd[0], .cb = on_done}, &log, 1};
	assert_int_equal(vhd_ioq_submit(&q, &bad.io, true), -ENOSYS);
	close(pfd[0]);
	close(pfd[1]);
}

/* The depth bound, and a device whose completions wait while another's run. */
static void
depth_and_two_devices(void **state)
{
	static struct vhd_ioq qa, qb;
	static struct op oa[VHD_IO_DEPTH + 1], ob[4];
	struct done_log la = {0}, lb = {0};
	int pfd[2];
	unsigned int i;

	(void)state;
	vhd_ioq_init(&qa, &ring);
	vhd_ioq_init(&qb, &ring);
	assert_int_equal(pipe(pfd), 0);
	for (i = 0; i <= VHD_IO_DEPTH; i++) {
		oa[i] = (struct op){{.op = VHD_IO_POLL, .fd = pfd[0], .poll_events = POLLIN,
				     .cb = on_done}, &la, i};
		oa[i].io.arg = &oa[i];
		assert_int_equal(vhd_ioq_submit(&qa, &oa[i].io, false),
				 i < VHD_IO_DEPTH ? 0 : -EAGAIN);
	}
	for (i = 0; i < 4; i++) {
		ob[i] = (struct op){{.op = VHD_IO_POLL, .fd = pfd[0], .poll_events = POLLIN,
				     .cb = on_done}, &lb, i};
		ob[i].io.arg = &ob[i];
		assert_int_equal(vhd_ioq_submit(&qb, &ob[i].io, false), 0);
	}
	assert_int_equal(write(pfd[1], "x", 1), 1);
	assert_int_equal(wait_reap(VHD_IO_DEPTH + 4), VHD_IO_DEPTH + 4);
	/* device a is "paused": only b completes */
	assert_int_equal(vhd_ioq_complete(&qb), 4);
	assert_int_equal(lb.n, 4);
	assert_int_equal(la.n, 0);
	assert_int_equal(vhd_ioq_inflight(&qa), VHD_IO_DEPTH);
	assert_int_equal(vhd_ioq_complete(&qa), VHD_IO_DEPTH);
	assert_int_equal(la.n, VHD_IO_DEPTH);
	/* slots are free again */
	assert_int_equal(vhd_ioq_submit(&qa, &oa[VHD_IO_DEPTH].io, true), 0);
	assert_int_equal(wait_reap(1), 1);
	assert_int_equal(vhd_ioq_complete(&qa), 1);
	close(pfd[0]);
	close(pfd[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ops_roundtrip),
		cmocka_unit_test(poll_and_errors),
		cmocka_unit_test(depth_and_two_devices),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
