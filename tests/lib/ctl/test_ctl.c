/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Control socket helper: lines split across writes, several per write, CR
 * stripped, overlong lines refused, the connection limit, publishing to
 * subscribers only, the socket file replaced when stale, kept when not a
 * socket, removed on close.
 */

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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_ctl.h"

struct fx {
	char dir[64];
	char path[128];
	struct vhd_ctl *ctl;
	char got[8][160];
	unsigned int ngot;
};

static void
on_line(void *arg, struct vhd_ctl_conn *c, char *line)
{
	struct fx *f = arg;
	char reply[200];

	if (f->ngot < 8)
		snprintf(f->got[f->ngot++], sizeof(f->got[0]), "%s", line);
	if (strcmp(line, "sub") == 0)
		vhd_ctl_subscribe(c);
	snprintf(reply, sizeof(reply), "re:%s\n", line);
	vhd_ctl_reply(c, reply);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/vhd-ctl-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl", f->dir);
	assert_int_equal(vhd_ctl_open(f->path, on_line, f, &f->ctl), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	vhd_ctl_close(f->ctl);
	assert_int_not_equal(access(f->path, F_OK), 0);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int
conn(struct fx *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Service until readable data is on @p fd (or a second passed); return what came. */
static const char *
serve_read(struct fx *f, int fd)
{
	static char buf[512];
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n = 0;
	int i;

	for (i = 0; i < 100; i++) {
		vhd_ctl_service(f->ctl);
		if (poll(&p, 1, 10) == 1)
			break;
	}
	usleep(20000);
	vhd_ctl_service(f->ctl);
	if (poll(&p, 1, 0) == 1)
		n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
test_lines(void **state)
{
	struct fx *f = *state;
	struct pollfd p = {vhd_ctl_fd(f->ctl), POLLIN, 0};
	int c = conn(f);

	/* A connecting client makes the fd readable. */
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(write(c, "he", 2), 2);
	vhd_ctl_service(f->ctl);
	assert_int_equal(f->ngot, 0);
	assert_int_equal(write(c, "llo\r\nworld\n\n", 12), 12);
	assert_string_equal(serve_read(f, c), "re:hello\nre:world\nre:\n");
	assert_int_equal(f->ngot, 3);
	assert_string_equal(f->got[0], "hello");
	assert_string_equal(f->got[1], "world");
	close(c);
}

static void
test_overlong(void **state)
{
	struct fx *f = *state;
	char big[VHD_CTL_LINE_MAX + 10];
	int c = conn(f);

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(write(c, big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(write(c, "ok\n", 3), 3);
	assert_string_equal(serve_read(f, c), "error: line too long\nre:ok\n");
	assert_int_equal(f->ngot, 1);
	close(c);
}

static void
test_limit_and_publish(void **state)
{
	struct fx *f = *state;
	int c[VHD_CTL_MAX_CONN + 1];
	unsigned int i;

	/* Accepted as they come: a full listen backlog would block connect(). */
	for (i = 0; i < VHD_CTL_MAX_CONN; i++) {
		c[i] = conn(f);
		vhd_ctl_service(f->ctl);
	}
	c[i] = conn(f);
	assert_string_equal(serve_read(f, c[i]), "error: too many connections\n");
	close(c[i]);
	assert_int_equal(vhd_ctl_subscribers(f->ctl), 0);
	vhd_ctl_publish(f->ctl, "nobody\n");
	assert_int_equal(write(c[1], "sub\n", 4), 4);
	assert_string_equal(serve_read(f, c[1]), "re:sub\n");
	assert_int_equal(vhd_ctl_subscribers(f->ctl), 1);
	vhd_ctl_publish(f->ctl, "event\n");
	assert_string_equal(serve_read(f, c[1]), "event\n");
	assert_string_equal(serve_read(f, c[0]), "");
	/* A subscriber that leaves stops counting. */
	close(c[1]);
	serve_read(f, c[0]);
	assert_int_equal(vhd_ctl_subscribers(f->ctl), 0);
	for (i = 0; i < VHD_CTL_MAX_CONN; i++)
		if (i != 1)
			close(c[i]);
}

static void
test_paths(void **state)
{
	struct fx *f = *state;
	struct vhd_ctl *other;
	char file[160];
	int fd;

	/* A second one on the same path replaces the first's socket file. */
	assert_int_equal(vhd_ctl_open(f->path, on_line, f, &other), 0);
	vhd_ctl_close(other);
	snprintf(file, sizeof(file), "%s/plain", f->dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vhd_ctl_open(file, on_line, f, &other), -EEXIST);
	assert_int_equal(access(file, F_OK), 0);
	unlink(file);
	memset(file, 'a', sizeof(file) - 1);
	file[sizeof(file) - 1] = '\0';
	assert_int_equal(vhd_ctl_open(file, on_line, f, &other), -ENAMETOOLONG);
	/* f->ctl's file went with the replacement; teardown checks it stays gone. */
	unlink(f->path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_and_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
