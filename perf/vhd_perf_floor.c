/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vhd_perf_floor.h"
#include "vhd_perf_time.h"

/* Warm-up round trips, not recorded: first touches, frequency ramp-up. */
#define FLOOR_WARMUP 1000u
/* Value of the line (or eventfd count) that tells the echo thread to quit. */
#define PP_STOP UINT64_MAX
#define EFD_STOP 2u

int
vhd_perf_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct pp_shared {
	/* Alone on its line: the line itself is what travels between the cores. */
	uint64_t line __attribute__((aligned(64)));
	char pad[56];
	int cpu;
	int pin_err;
};

static void *
pp_echo(void *arg)
{
	struct pp_shared *s = arg;
	uint64_t v;

	s->pin_err = vhd_perf_pin(s->cpu);
	/* Even values are ours to wait on, odd ones we answer with +1. */
	__atomic_store_n(&s->line, 0, __ATOMIC_RELEASE);
	for (;;) {
		v = __atomic_load_n(&s->line, __ATOMIC_ACQUIRE);
		if (v == PP_STOP)
			break;
		if (v & 1)
			__atomic_store_n(&s->line, v + 1, __ATOMIC_RELEASE);
		else
			vhd_perf_spin();
	}
	return NULL;
}

int
vhd_perf_floor_pingpong(int cpu_self, int cpu_peer, uint64_t iters, struct vhd_perf_lat *out)
{
	struct pp_shared *s;
	struct vhd_perf_hist *h;
	pthread_t th;
	uint64_t i, seq = 0, t0;
	int rc;

	rc = vhd_perf_pin(cpu_self);
	if (rc != 0)
		return rc;
	s = aligned_alloc(64, sizeof(*s));
	h = malloc(sizeof(*h));
	if (s == NULL || h == NULL) {
		free(s);
		free(h);
		return -ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->line = 2; /* not 0: the echo thread writes 0 when it is ready */
	s->cpu = cpu_peer;
	vhd_perf_hist_init(h);
	rc = -pthread_create(&th, NULL, pp_echo, s);
	if (rc != 0)
		goto out;
	while (__atomic_load_n(&s->line, __ATOMIC_ACQUIRE) != 0)
		vhd_perf_spin();
	for (i = 0; i < iters + FLOOR_WARMUP; i++) {
		t0 = vhd_perf_now_ns();
		__atomic_store_n(&s->line, seq + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&s->line, __ATOMIC_ACQUIRE) != seq + 2)
			vhd_perf_spin();
		seq += 2;
		if (i >= FLOOR_WARMUP)
			vhd_perf_hist_add(h, vhd_perf_now_ns() - t0);
	}
	__atomic_store_n(&s->line, PP_STOP, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	rc = s->pin_err;
	vhd_perf_hist_summary(h, out);
out:
	free(s);
	free(h);
	return rc;
}

struct efd_shared {
	int req;
	int rsp;
	int cpu;
	int pin_err;
};

static void *
efd_echo(void *arg)
{
	struct efd_shared *s = arg;
	uint64_t v, one = 1;

	s->pin_err = vhd_perf_pin(s->cpu);
	for (;;) {
		if (read(s->req, &v, sizeof(v)) != sizeof(v))
			break;
		if (v >= EFD_STOP)
			break;
		if (write(s->rsp, &one, sizeof(one)) != sizeof(one))
			break;
	}
	return NULL;
}

int
vhd_perf_floor_eventfd(int cpu_self, int cpu_peer, uint64_t iters, struct vhd_perf_lat *out)
{
	struct efd_shared s = { .req = -1, .rsp = -1, .cpu = cpu_peer };
	struct vhd_perf_hist *h;
	uint64_t i, t0, v, one = 1, stop = EFD_STOP;
	pthread_t th;
	int rc;

	rc = vhd_perf_pin(cpu_self);
	if (rc != 0)
		return rc;
	h = malloc(sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	vhd_perf_hist_init(h);
	/* Blocking on purpose: this is the cost of a sleeping waiter being woken. */
	s.req = eventfd(0, EFD_CLOEXEC);
	s.rsp = eventfd(0, EFD_CLOEXEC);
	if (s.req < 0 || s.rsp < 0) {
		rc = -errno;
		goto out;
	}
	rc = -pthread_create(&th, NULL, efd_echo, &s);
	if (rc != 0)
		goto out;
	for (i = 0; i < iters + FLOOR_WARMUP; i++) {
		t0 = vhd_perf_now_ns();
		if (write(s.req, &one, sizeof(one)) != sizeof(one) ||
		    read(s.rsp, &v, sizeof(v)) != sizeof(v)) {
			rc = -EIO;
			break;
		}
		if (i >= FLOOR_WARMUP)
			vhd_perf_hist_add(h, vhd_perf_now_ns() - t0);
	}
	if (write(s.req, &stop, sizeof(stop)) != sizeof(stop))
		rc = -EIO;
	pthread_join(th, NULL);
	if (rc == 0)
		rc = s.pin_err;
	vhd_perf_hist_summary(h, out);
out:
	if (s.req >= 0)
		close(s.req);
	if (s.rsp >= 0)
		close(s.rsp);
	free(h);
	return rc;
}

int
vhd_perf_floor_measure(struct vhd_perf_floor *f, int cpu_self, int cpu_peer, uint64_t pp_iters,
		       uint64_t efd_iters)
{
	struct vhd_perf_lat l;
	unsigned int i;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->cpu_self = cpu_self;
	f->cpu_peer = cpu_peer;
	f->rounds = VHD_PERF_FLOOR_ROUNDS;
	pp_iters = (pp_iters + VHD_PERF_FLOOR_ROUNDS - 1) / VHD_PERF_FLOOR_ROUNDS;
	efd_iters = (efd_iters + VHD_PERF_FLOOR_ROUNDS - 1) / VHD_PERF_FLOOR_ROUNDS;
	for (i = 0; i < VHD_PERF_FLOOR_ROUNDS && rc == 0; i++) {
		rc = vhd_perf_floor_pingpong(cpu_self, cpu_peer, pp_iters, &l);
		if (rc == 0 && (i == 0 || l.p50 < f->pingpong.p50))
			f->pingpong = l;
		if (rc == 0)
			rc = vhd_perf_floor_eventfd(cpu_self, cpu_peer, efd_iters, &l);
		if (rc == 0 && (i == 0 || l.p50 < f->eventfd.p50))
			f->eventfd = l;
	}
	f->valid = rc == 0;
	return rc;
}

/* Number after "key": inside the object that follows "obj": in @p text. */
static int
json_num(const char *text, const char *obj, const char *key, double *out)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\"", obj);
	p = strstr(text, pat);
	if (p == NULL)
		return -1;
	end = strchr(p, '}');
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (p == NULL || (end != NULL && p > end))
		return -1;
	return sscanf(p + strlen(pat), " %lf", out) == 1 ? 0 : -1;
}

static int
load_lat(const char *text, const char *obj, struct vhd_perf_lat *l)
{
	double v[8];
	static const char *const keys[] = { "count", "mean_ns", "min_ns", "p50_ns", "p90_ns",
					    "p99_ns", "p999_ns", "max_ns" };
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (json_num(text, obj, keys[i], &v[i]) != 0)
			return -1;
	l->count = (uint64_t)v[0];
	l->mean = v[1];
	l->min = (uint64_t)v[2];
	l->p50 = (uint64_t)v[3];
	l->p90 = (uint64_t)v[4];
	l->p99 = (uint64_t)v[5];
	l->p999 = (uint64_t)v[6];
	l->max = (uint64_t)v[7];
	return 0;
}

int
vhd_perf_floor_load(struct vhd_perf_floor *f, const char *path)
{
	char text[8192];
	double cs, cp, rounds;
	size_t n;
	FILE *fp;

	memset(f, 0, sizeof(*f));
	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "vhd-perf: cannot open floor file %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	if (load_lat(text, "floor_pingpong", &f->pingpong) != 0 ||
	    load_lat(text, "floor_eventfd", &f->eventfd) != 0 ||
	    json_num(text, "floor_cpus", "self", &cs) != 0 ||
	    json_num(text, "floor_cpus", "peer", &cp) != 0) {
		fprintf(stderr, "vhd-perf: %s has no floor written by vhd-perf --floor-only\n",
			path);
		return -1;
	}
	f->cpu_self = (int)cs;
	f->cpu_peer = (int)cp;
	f->rounds = json_num(text, "floor_cpus", "rounds", &rounds) == 0 ? (unsigned int)rounds : 1;
	f->valid = 1;
	return 0;
}
