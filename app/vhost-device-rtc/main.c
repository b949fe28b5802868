/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-rtc [EAL options --] -s PATH [--no-offer-alarm] [--no-utc]
 *                  [--no-tai] [--no-monotonic] [--clock TYPE=SOURCE]...
 * Options match rust-vmm's vhost-device-rtc: one device on socket PATH,
 * used as given (upstream appends no index here), or --socket-fd FD;
 * --clock and --sim-control are ours.
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rtc_dev.h"
#include "vhd_vhost.h"

enum {
	OPT_NO_ALARM = 0x2000,
	OPT_NO_UTC,
	OPT_NO_TAI,
	OPT_NO_MONO,
	OPT_CLOCK,
	OPT_SIM_CONTROL,
};

struct rtc_args {
	bool no_alarm, no_utc, no_tai, no_mono;
	struct rtc_clock_spec clocks[RTC_MAX_CLOCKS];
	unsigned int nclocks;  /* --clock given */
	bool too_many;
	const char *sim_control;
	struct rtc_dev *dev;
};

static int
rtc_opt(void *ctx, int c, const char *arg)
{
	struct rtc_args *a = ctx;
	char err[200];

	switch (c) {
	case OPT_NO_ALARM:
		a->no_alarm = true;
		return 0;
	case OPT_NO_UTC:
		a->no_utc = true;
		return 0;
	case OPT_NO_TAI:
		a->no_tai = true;
		return 0;
	case OPT_NO_MONO:
		a->no_mono = true;
		return 0;
	case OPT_CLOCK:
		if (a->nclocks == RTC_MAX_CLOCKS) {
			fprintf(stderr, "error: at most %d --clock options\n", RTC_MAX_CLOCKS);
			return -1;
		}
		if (rtc_clock_parse(arg, &a->clocks[a->nclocks], err, sizeof(err)) != 0) {
			fprintf(stderr, "error: --clock %s: %s\n", arg, err);
			return -1;
		}
		a->nclocks++;
		return 0;
	case OPT_SIM_CONTROL:
		a->sim_control = arg;
		return 0;
	default:
		return -1;
	}
}

static int
rtc_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct rtc_args *a = ctx;
	struct rtc_dev_config cfg;
	struct rtc_clock_spec defaults[3];
	unsigned int n = 0, i;
	char err[200];

	if (o->socket_count != 1) {
		fprintf(stderr, "error: vhost-device-rtc serves one socket (--socket-count 1)\n");
		return -1;
	}
	if (a->nclocks > 0 && (a->no_utc || a->no_tai || a->no_mono)) {
		fprintf(stderr, "error: --clock replaces the default clocks: drop --no-utc, "
			"--no-tai, --no-monotonic\n");
		return -1;
	}
	for (i = 0; i < 3; i++) {
		bool off = (i == 0 && a->no_utc) || (i == 1 && a->no_tai) ||
			   (i == 2 && a->no_mono);

		if (!off)
			defaults[n++] = rtc_clock_defaults[i];
	}
	cfg.clocks = a->nclocks > 0 ? a->clocks : defaults;
	cfg.nclocks = a->nclocks > 0 ? a->nclocks : n;
	cfg.offer_alarm = !a->no_alarm;
	cfg.sim_control = a->sim_control;
	if (cfg.nclocks == 0) {
		/* Upstream only warns; Linux's driver then fails to probe. */
		fprintf(stderr, "error: no clock left (--no-utc --no-tai --no-monotonic): the "
			"guest driver refuses a device without clocks\n");
		return -1;
	}
	a->dev = rtc_dev_create(&cfg, err, sizeof(err));
	if (a->dev == NULL) {
		fprintf(stderr, "error: %s\n", err);
		return -1;
	}
	return 1;
}

static int
rtc_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	   size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct rtc_args *a = ctx;

	(void)idx;
	/* Upstream's socket name is the path itself (none with --socket-fd). */
	if (o->socket_path == NULL)
		goto out;
	if (strlen(o->socket_path) >= path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", o->socket_path);
		return -1;
	}
	memcpy(path, o->socket_path, strlen(o->socket_path) + 1);
out:
	*ops = rtc_dev_ops(a->dev);
	*priv = a->dev;
	return 0;
}

static void
rtc_cleanup(void *ctx)
{
	struct rtc_args *a = ctx;

	/* After the worker stopped (or on an error exit): timers, FIFO. */
	rtc_dev_destroy(a->dev);
	a->dev = NULL;
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket (used as given, no index)"},
		{VHD_OPT_SOCKET_FD, "socket-fd", "FD", "serve this inherited listening unix socket instead\n"
		 "(systemd socket activation); excludes -s"},
		{OPT_NO_ALARM, "no-offer-alarm", NULL, "do not offer VIRTIO_RTC_F_ALARM"},
		{OPT_NO_UTC, "no-utc", NULL, "no UTC clock (default clock 0: CLOCK_REALTIME,\n"
		 "reported as UTC_SMEARED so Linux makes /dev/rtc)"},
		{OPT_NO_TAI, "no-tai", NULL, "no TAI clock (CLOCK_TAI)"},
		{OPT_NO_MONO, "no-monotonic", NULL, "no monotonic clock (CLOCK_MONOTONIC)"},
		{OPT_CLOCK, "clock", "TYPE=SOURCE", "instead of the defaults, one clock per option, in\n"
		 "clock id order. TYPE: utc, utc-smeared,\n"
		 "utc-maybe-smeared, tai, monotonic. SOURCE: realtime,\n"
		 "tai, monotonic, boottime, /dev/ptpN, or sim (stands\n"
		 "still until moved through --sim-control)"},
		{OPT_SIM_CONTROL, "sim-control", "PATH", "FIFO (created when missing) taking \"set ID NS\" and\n"
		 "\"step ID [+|-]NS\" lines for simulated clocks"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [options]\n--socket-fd FD [options]",
		.summary = "virtio-rtc vhost-user backend: host clocks and alarms for a guest",
		.opts = opts,
		.examples = "-s /tmp/rtc.sock\n"
			    "-s /tmp/rtc.sock --no-tai --clock utc=realtime --clock monotonic=boottime",
		.qemu = "-chardev socket,id=rtc0,path=/tmp/rtc.sock\n"
			"-device vhost-user-test-device-pci,chardev=rtc0,virtio-id=17,num_vqs=2,"
			"vq_size=1024",
		.counters = "requests, errors, dropped, reads, read_errors, alarm_sets, "
			    "expirations, notifications, obsoleted, alarmq_short, clock_steps "
			    "(under rtc)",
	};
	static struct rtc_args a;
	/* A clock read is one short request at a time: sleep on kicks by default. */
	const struct vhd_app app = {
		.name = "rtc",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = rtc_opt, .ctx = &a, .socket_fd = true,
			 .help = &help},
		.prepare = rtc_prepare,
		.create = rtc_create,
		.cleanup = rtc_cleanup,
	};

	return vhd_app_main(argc, argv, &app);
}
