/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "vhd_app.h"

extern char **environ;

#define MAX_ARGS 64

int64_t
vhd_fe_app_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
vhd_fe_app_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
vhd_fe_app_init(struct vhd_fe_app *a, const char *name)
{
	char var[64];
	const char *exe;
	size_t i;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(var, sizeof(var), "VHD_APP_%s", name);
	for (i = 0; var[i] != '\0'; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	exe = getenv(var);
	if (exe == NULL || access(exe, X_OK) != 0) {
		fprintf(stderr, "vhd_app: %s not set or not executable (%s)\n", var,
			exe != NULL ? exe : "unset");
		return -ENOENT;
	}
	snprintf(a->exe, sizeof(a->exe), "%s", exe);
	snprintf(a->dir, sizeof(a->dir), "/tmp/vhd-it-%s.XXXXXX", name);
	if (mkdtemp(a->dir) == NULL)
		return -errno;
	snprintf(a->sock, sizeof(a->sock), "%s/%s.sock", a->dir, name);
	snprintf(a->out, sizeof(a->out), "%s/stdout", a->dir);
	snprintf(a->err, sizeof(a->err), "%s/stderr", a->dir);
	return 0;
}

static void remove_runtime_dir(struct vhd_fe_app *a);

int
vhd_fe_app_start(struct vhd_fe_app *a, const char *const *args)
{
	static unsigned int seq;
	const char *argv[MAX_ARGS];
	posix_spawn_file_actions_t fa;
	unsigned int n = 0, i;
	int rc;

	/* Unique per process and start: EAL runtime files never collide. */
	if (a->pid == 0)
		remove_runtime_dir(a);
	snprintf(a->prefix, sizeof(a->prefix), "vhdit_%s_%d_%u", a->name, (int)getpid(), seq++);
	argv[n++] = a->exe;
	argv[n++] = "--no-huge";
	argv[n++] = "-m";
	argv[n++] = "256";
	argv[n++] = "--no-pci";
	argv[n++] = "--no-shconf";
	argv[n++] = "--file-prefix";
	argv[n++] = a->prefix;
	argv[n++] = "-l";
	argv[n++] = "0";
	argv[n++] = "--";
	for (i = 0; args != NULL && args[i] != NULL; i++) {
		if (n + 1 >= MAX_ARGS)
			return -E2BIG;
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, a->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, a->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = posix_spawn(&a->pid, a->exe, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		a->pid = 0;
		return -rc;
	}
	return 0;
}

const char *
vhd_fe_app_sock(const struct vhd_fe_app *a, unsigned int idx, char *buf, size_t len)
{
	if (a->plain_sock && idx == 0)
		snprintf(buf, len, "%s", a->sock);
	else
		snprintf(buf, len, "%s%u", a->sock, idx);
	return buf;
}

bool
vhd_fe_app_alive(struct vhd_fe_app *a)
{
	int st;

	if (a->pid == 0)
		return false;
	if (waitpid(a->pid, &st, WNOHANG) == a->pid) {
		a->status = st;
		a->pid = 0;
		return false;
	}
	return true;
}

int
vhd_fe_app_wait_socket(struct vhd_fe_app *a, unsigned int idx, int timeout_ms)
{
	int64_t deadline = vhd_fe_app_now_ms() + timeout_ms;
	char path[256];
	struct stat st;

	vhd_fe_app_sock(a, idx, path, sizeof(path));
	for (;;) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (!vhd_fe_app_alive(a))
			return -ECHILD;
		if (vhd_fe_app_now_ms() >= deadline)
			return -ETIMEDOUT;
		vhd_fe_app_sleep_ms(10);
	}
}

static int
decode(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return -WTERMSIG(st);
	return -EINVAL;
}

int
vhd_fe_app_wait_exit(struct vhd_fe_app *a, int timeout_ms)
{
	int64_t deadline = vhd_fe_app_now_ms() + timeout_ms;

	while (vhd_fe_app_alive(a)) {
		if (vhd_fe_app_now_ms() >= deadline)
			return -ETIMEDOUT;
		vhd_fe_app_sleep_ms(5);
	}
	return decode(a->status);
}

int
vhd_fe_app_stop(struct vhd_fe_app *a)
{
	int rc;

	if (a->pid == 0)
		return decode(a->status);
	kill(a->pid, SIGTERM);
	rc = vhd_fe_app_wait_exit(a, VHD_FE_APP_TIMEOUT_MS);
	if (rc == -ETIMEDOUT) {
		fprintf(stderr, "vhd_app: %s did not exit %d ms after SIGTERM, killing it\n",
			a->name, VHD_FE_APP_TIMEOUT_MS);
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &a->status, 0);
		a->pid = 0;
	}
	return rc;
}

int64_t
vhd_fe_app_cpu_ms(const struct vhd_fe_app *a)
{
	unsigned long long ut, stime;
	char path[64], buf[1024], *p;
	long tck = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)a->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm (field 2) may hold spaces: fields after it start past the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		   &stime) != 2)
		return -1;
	return (int64_t)((ut + stime) * 1000 / (unsigned long long)tck);
}

size_t
vhd_fe_app_output(const struct vhd_fe_app *a, bool out, char *buf, size_t len)
{
	FILE *f = fopen(out ? a->out : a->err, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return n;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* EAL's runtime directory for our prefix, as EAL names it. */
static void
runtime_dir(const struct vhd_fe_app *a, char *buf, size_t len)
{
	const char *base = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");

	snprintf(buf, len, "%s/dpdk/%s", base != NULL ? base : "/tmp", a->prefix);
}

/* Each start has its own prefix: without this, runs pile up directories. */
static void
remove_runtime_dir(struct vhd_fe_app *a)
{
	char rt[256];

	if (a->prefix[0] == '\0')
		return;
	runtime_dir(a, rt, sizeof(rt));
	nftw(rt, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	a->prefix[0] = '\0';
}

void
vhd_fe_app_fini(struct vhd_fe_app *a)
{
	if (a->pid != 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &a->status, 0);
		a->pid = 0;
	}
	remove_runtime_dir(a);
	if (a->dir[0] != '\0' && getenv("VHD_IT_KEEP") == NULL)
		nftw(a->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	a->dir[0] = '\0';
}

int
vhd_fe_app_attach(struct vhd_fe_app *a, unsigned int idx, struct vhd_fe *fe, uint64_t want,
		  bool resume)
{
	int64_t deadline = vhd_fe_app_now_ms() + VHD_FE_APP_TIMEOUT_MS;
	char path[256];
	int rc;

	vhd_fe_app_sock(a, idx, path, sizeof(path));
	vhd_fe_want_packed(fe, vhd_fe_app_packed());
	for (;;) {
		rc = vhd_fe_connect(fe, path, VHD_FE_APP_TIMEOUT_MS);
		if (rc < 0)
			return rc;
		rc = resume ? vhd_fe_resume(fe) : vhd_fe_negotiate(fe, want, VHD_FE_PROTO_DEFAULT);
		if (rc != -ECONNRESET && rc != -EPIPE)
			return rc;
		vhd_fe_disconnect(fe);
		a->refused++;
		if (vhd_fe_app_now_ms() >= deadline)
			return rc;
		vhd_fe_app_sleep_ms(20);
	}
}

bool
vhd_fe_app_packed(void)
{
	const char *env = getenv("VHD_IT_PACKED");

	return env != NULL && strcmp(env, "1") == 0;
}

struct vhd_fe *
vhd_fe_app_connect(struct vhd_fe_app *a, unsigned int idx, uint64_t want, uint16_t nq,
		   uint16_t qsize)
{
	struct vhd_fe *fe = vhd_fe_create(NULL);
	uint16_t q;

	if (fe == NULL) {
		fprintf(stderr, "vhd_app: frontend: %s\n", strerror(errno));
		return NULL;
	}
	if (vhd_fe_app_attach(a, idx, fe, want, false) < 0)
		goto err;
	for (q = 0; q < nq; q++)
		if (vhd_fe_queue_setup(fe, q, qsize) < 0 || vhd_fe_queue_start(fe, q) < 0)
			goto err;
	return fe;
err:
	fprintf(stderr, "vhd_app: %s socket %u: %s\n", a->name, idx, vhd_fe_error(fe));
	vhd_fe_destroy(fe);
	return NULL;
}

/* The runtime directories EAL may have put the socket in, as telemetry.py looks. */
static int
telemetry_connect(const struct vhd_fe_app *a)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *bases[4] = {"/var/run/dpdk", "/run/dpdk", NULL, "/tmp/dpdk"};
	char xdgbase[256];
	struct sockaddr_un sa;
	unsigned int i;
	int fd;

	if (xdg != NULL && snprintf(xdgbase, sizeof(xdgbase), "%s/dpdk", xdg) <
				   (int)sizeof(xdgbase))
		bases[2] = xdgbase;
	for (i = 0; i < 4; i++) {
		if (bases[i] == NULL)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/dpdk_telemetry.v2", bases[i],
			     a->prefix) >= (int)sizeof(sa.sun_path))
			continue;
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

int
vhd_fe_app_telemetry(const struct vhd_fe_app *a, const char *cmd, char *buf, size_t len)
{
	struct timeval tv = {.tv_sec = 5};
	ssize_t n;
	int fd = telemetry_connect(a);

	if (fd < 0 || len < 2)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* the greeting first, then one reply per command */
	if (recv(fd, buf, len - 1, 0) <= 0 || send(fd, cmd, strlen(cmd), 0) < 0)
		goto fail;
	n = recv(fd, buf, len - 1, MSG_TRUNC);
	if (n <= 0 || (size_t)n >= len)
		goto fail;
	buf[n] = '\0';
	close(fd);
	return (int)n;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int64_t
vhd_fe_app_json_u64(const char *json, const char *key, const char *field)
{
	char pat[96];
	const char *p = json, *end = NULL;
	int64_t v = 0;

	if (key != NULL) {
		snprintf(pat, sizeof(pat), "\"%s\": {", key);
		p = strstr(json, pat);
		if (p == NULL) {
			snprintf(pat, sizeof(pat), "\"%s\":{", key);
			p = strstr(json, pat);
		}
		if (p == NULL)
			return -1;
		end = strchr(p + strlen(pat), '}');
	}
	snprintf(pat, sizeof(pat), "\"%s\":", field);
	p = strstr(p, pat);
	if (p == NULL || (end != NULL && p > end))
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		v = v * 10 + (*p++ - '0');
	return v;
}
