/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vhd_it.h"

/* Options an application is started with, at most: "-s", the path, opts, extra. */
#define MAX_ARGS 32

/* Bytes of a crashed application's stderr that teardown shows: the end tells most. */
#define ERR_TAIL 6144

static struct vhd_fe_app *live[VHD_IT_MAX_APPS];
static struct vhd_fe *live_fe[VHD_IT_MAX_FES];

void
vhd_it_track(struct vhd_fe_app *a, bool on)
{
	unsigned int i;

	for (i = 0; i < VHD_IT_MAX_APPS; i++) {
		if (on && live[i] == NULL) {
			live[i] = a;
			return;
		}
		if (!on && live[i] == a)
			live[i] = NULL;
	}
}

struct vhd_fe *
vhd_it_fe_track(struct vhd_fe *fe)
{
	unsigned int i;

	for (i = 0; fe != NULL && i < VHD_IT_MAX_FES; i++) {
		if (live_fe[i] == NULL) {
			live_fe[i] = fe;
			break;
		}
	}
	return fe;
}

void
vhd_it_fe_done(struct vhd_fe *fe)
{
	unsigned int i;

	for (i = 0; i < VHD_IT_MAX_FES; i++)
		if (live_fe[i] == fe)
			live_fe[i] = NULL;
	vhd_fe_destroy(fe);
}

int
vhd_it_teardown(void **state)
{
	static char err[1 << 20];
	unsigned int i;
	size_t n;

	(void)state;
	for (i = 0; i < VHD_IT_MAX_FES; i++) {
		vhd_fe_destroy(live_fe[i]);
		live_fe[i] = NULL;
	}
	for (i = 0; i < VHD_IT_MAX_APPS; i++) {
		if (live[i] == NULL)
			continue;
		n = vhd_fe_app_output(live[i], false, err, sizeof(err));
		fprintf(stderr, "--- %s (pid %d, %s) stderr%s:\n%s---\n", live[i]->name,
			(int)live[i]->pid, vhd_fe_app_alive(live[i]) ? "running" : "exited",
			n > ERR_TAIL ? " (end)" : "", n > ERR_TAIL ? err + n - ERR_TAIL : err);
		vhd_fe_app_fini(live[i]);
		live[i] = NULL;
	}
	return 0;
}

void
vhd_it_app_init(struct vhd_fe_app *a, const char *name)
{
	char var[64];
	size_t i;

	if (vhd_fe_app_init(a, name) == 0)
		return;
	snprintf(var, sizeof(var), "VHD_APP_%s", name);
	for (i = 0; var[i] != '\0'; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	fail_msg("no vhost-device-%s executable (%s)", name, var);
}

/* Append the NULL-terminated @p list to @p args (n used of MAX_ARGS). */
static unsigned int
add_args(const char **args, unsigned int n, const char *const *list)
{
	unsigned int i;

	for (i = 0; list != NULL && list[i] != NULL; i++) {
		if (n + 1 >= MAX_ARGS)
			fail_msg("more than %d options", MAX_ARGS - 1);
		args[n++] = list[i];
	}
	return n;
}

/* Start with @p args; the test fails when the application cannot be spawned. */
static void
spawn(struct vhd_fe_app *a, const char **args, unsigned int n)
{
	args[n] = NULL;
	assert_int_equal(vhd_fe_app_start(a, args), 0);
	vhd_it_track(a, true);
}

void
vhd_it_app_start(struct vhd_fe_app *a, const char *const *opts, const char *const *extra,
		 unsigned int nsock)
{
	const char *args[MAX_ARGS] = {"-s", a->sock};
	unsigned int n = 2, i;
	int rc;

	n = add_args(args, n, opts);
	n = add_args(args, n, extra);
	spawn(a, args, n);
	for (i = 0; i < nsock; i++) {
		rc = vhd_fe_app_wait_socket(a, i, VHD_FE_APP_TIMEOUT_MS);
		if (rc != 0) {
			char err[4096];

			vhd_fe_app_output(a, false, err, sizeof(err));
			fail_msg("socket %u of vhost-device-%s: %s; stderr:\n%s", i, a->name,
				 strerror(-rc), err);
		}
	}
}

void
vhd_it_app_up(struct vhd_fe_app *a, const char *name, const char *const *extra,
	      unsigned int nsock)
{
	vhd_it_app_init(a, name);
	vhd_it_app_start(a, NULL, extra, nsock);
}

void
vhd_it_app_stop(struct vhd_fe_app *a, unsigned int nsock)
{
	char path[256], err[4096];
	struct stat st;
	unsigned int i;
	int rc = vhd_fe_app_stop(a);

	if (a->refused > 0)
		print_message("note: %s refused %u connections made right after a hang-up\n",
			      a->name, a->refused);
	if (rc != 0) {
		vhd_fe_app_output(a, false, err, sizeof(err));
		fail_msg("vhost-device-%s stop: %d (%s); stderr:\n%s", a->name, rc,
			 rc == -ETIMEDOUT ? "hung after SIGTERM" : "bad exit", err);
	}
	for (i = 0; i < nsock; i++)
		if (stat(vhd_fe_app_sock(a, i, path, sizeof(path)), &st) == 0)
			fail_msg("socket %s still there after exit", path);
}

void
vhd_it_app_fini(struct vhd_fe_app *a)
{
	vhd_it_track(a, false);
	vhd_fe_app_fini(a);
}

void
vhd_it_app_down(struct vhd_fe_app *a, unsigned int nsock)
{
	vhd_it_app_stop(a, nsock);
	vhd_it_app_fini(a);
}

struct vhd_fe *
vhd_it_fe_up(struct vhd_fe_app *a, unsigned int idx, uint64_t want, uint16_t nq,
	     uint16_t qsize)
{
	struct vhd_fe *fe = vhd_it_fe_track(vhd_fe_app_connect(a, idx, want, nq, qsize));

	if (fe == NULL)
		fail_msg("cannot connect to %s socket %u (see stderr)", a->name, idx);
	return fe;
}

/* True when @p line starts with one of the NULL-terminated @p prefixes. */
static bool
starts_with_any(const char *line, const char *const *prefixes)
{
	unsigned int i;

	for (i = 0; prefixes != NULL && prefixes[i] != NULL; i++)
		if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

void
vhd_it_bad_cmdline(const struct vhd_it_bad_cmdline *b, const char *what,
		   const char *const *extra, bool with_socket, const char *needle)
{
	static struct vhd_fe_app a;
	const char *args[MAX_ARGS];
	char err[8192], path[256], *line, *save = NULL;
	unsigned int n = 0, lines = 0;
	struct stat st;
	int rc;

	vhd_it_app_init(&a, b->name);
	if (with_socket) {
		args[n++] = "-s";
		args[n++] = a.sock;
	}
	n = add_args(args, n, extra);
	spawn(&a, args, n);
	rc = vhd_fe_app_wait_exit(&a, VHD_FE_APP_TIMEOUT_MS);
	vhd_fe_app_output(&a, false, err, sizeof(err));
	if (b->exit_code == 0 ? rc <= 0 : rc != b->exit_code) {
		if (b->exit_code == 0)
			fail_msg("%s: exit %d, want a non-zero exit code; stderr:\n%s", what, rc,
				 err);
		fail_msg("%s: exit %d, want %d; stderr:\n%s", what, rc, b->exit_code, err);
	}
	assert_int_not_equal(stat(vhd_fe_app_sock(&a, 0, path, sizeof(path)), &st), 0);
	for (line = strtok_r(err, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (starts_with_any(line, b->ignore))
			continue;
		lines++;
		print_message("bad cmdline (%s): exit %d: %s\n", what, rc, line);
		if (needle != NULL && strstr(line, needle) == NULL)
			fail_msg("%s: error line '%s' does not mention '%s'", what, line, needle);
	}
	if (lines != 1)
		fail_msg("%s: %u error lines, want exactly one", what, lines);
	vhd_it_app_fini(&a);
}

uint64_t
vhd_it_seed(const char *what)
{
	const char *env = getenv("VHD_IT_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)vhd_fe_app_now_ms() | 1;

	print_message("%s seed %#" PRIx64 " (set VHD_IT_SEED to replay)\n", what, seed);
	return seed;
}

void
vhd_it_wait_used(struct vhd_fe *fe, uint16_t q, struct vhd_it_wait *w, unsigned int n,
		 bool poll, int timeout_ms)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, q);
	unsigned int left = 0, i;
	uint16_t id;
	uint32_t len;

	for (i = 0; i < n; i++)
		left += w[i].done ? 0 : 1;
	while (left > 0) {
		int got = poll ? vhd_fe_poll_used(fe, q, timeout_ms) :
				 vhd_fe_wait_used(fe, q, timeout_ms);

		if (got <= 0)
			fail_msg("%u requests not completed within %d ms (frontend: '%s')", left,
				 timeout_ms, vhd_fe_error(fe));
		while (vhd_fe_ring_get_used(r, &id, &len, NULL) == 1) {
			for (i = 0; i < n; i++)
				if (!w[i].done && w[i].head == id)
					break;
			if (i == n)
				fail_msg("used entry %u is none of ours", id);
			w[i].done = true;
			w[i].used = len;
			left--;
		}
	}
}

void
vhd_it_split_only(void)
{
	if (vhd_fe_app_packed())
		skip();
}

void
vhd_it_packed_only(void)
{
	if (!vhd_fe_app_packed())
		skip();
}

uint16_t
vhd_it_base(struct vhd_fe *fe, uint16_t q, uint16_t split_base)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, q);

	if (r == NULL || !r->packed)
		return split_base;
	return vhd_fe_ring_avail_base(r);
}

void
vhd_it_idle_cpu(struct vhd_fe_app *a, const char *what, int share)
{
	int64_t c0, c1, t0, t1;

	vhd_fe_app_sleep_ms(300);
	c0 = vhd_fe_app_cpu_ms(a);
	t0 = vhd_fe_app_now_ms();
	vhd_fe_app_sleep_ms(1000);
	c1 = vhd_fe_app_cpu_ms(a);
	t1 = vhd_fe_app_now_ms();
	if (c0 < 0 || c1 < 0)
		fail_msg("%s: cannot read the CPU time of %s", what, a->name);
	print_message("%s: %" PRId64 " ms CPU in %" PRId64 " ms\n", what, c1 - c0, t1 - t0);
	if ((c1 - c0) * share >= t1 - t0)
		fail_msg("%s: %" PRId64 " ms CPU in %" PRId64 " ms, want under 1/%d", what,
			 c1 - c0, t1 - t0, share);
}
