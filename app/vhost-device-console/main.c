/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-console [EAL options --] -s PATH [-c N] [-b nested|network] [-p PORT]
 *                      [-q SIZE] [--ports N] [--port I=SPEC]... [--port-name I=NAME]...
 *                      [--log PATH [--log-timestamps]]
 * Upstream's options (rust-vmm vhost-device-console) plus multiport ports
 * with their own backends. Socket i's TCP ports are PORT+i; its Unix socket,
 * file and log paths get the suffix i when there are several sockets.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console_dev.h"
#include "vhd_vhost.h"

enum {
	OPT_PORTS = 0x2000,
	OPT_PORT,
	OPT_PORT_NAME,
	OPT_LOG,
	OPT_LOG_TS,
};

struct console_args {
	bool nested;             /* -b nested (upstream's default) */
	uint16_t tcp_port;       /* -p */
	uint16_t qsize;          /* -q */
	unsigned int nports;     /* --ports */
	struct console_port_spec ports[CONSOLE_MAX_PORTS];
	const char *log;
	bool log_ts;
	unsigned int count;      /* sockets */
	int log_fd[VHD_APP_MAX_SOCKETS];
};

static int
console_opt(void *ctx, int c, const char *arg)
{
	struct console_args *a = ctx;
	char msg[200], name[CONSOLE_NAME_MAX];
	uint64_t v;
	int i;

	switch (c) {
	case 'b':
		if (strcmp(arg, "nested") != 0 && strcmp(arg, "network") != 0) {
			fprintf(stderr, "error: --backend must be nested or network, not '%s'\n",
				arg);
			return -1;
		}
		a->nested = arg[1] == 'e' && arg[2] == 's';
		return 0;
	case 'p':
		if (vhd_parse_u64(arg, 1, 65535, &v) != 0) {
			fprintf(stderr, "error: --tcp-port takes 1..65535, not '%s'\n", arg);
			return -1;
		}
		a->tcp_port = (uint16_t)v;
		return 0;
	case 'q':
		if (vhd_parse_u64(arg, 1, CONSOLE_MAX_QUEUE_SIZE, &v) != 0) {
			fprintf(stderr, "error: --max-queue-size takes 1..%d, not '%s'\n",
				CONSOLE_MAX_QUEUE_SIZE, arg);
			return -1;
		}
		a->qsize = (uint16_t)v;
		return 0;
	case OPT_PORTS:
		if (vhd_parse_u64(arg, 1, CONSOLE_MAX_PORTS, &v) != 0) {
			fprintf(stderr, "error: --ports takes 1..%d, not '%s'\n", CONSOLE_MAX_PORTS,
				arg);
			return -1;
		}
		a->nports = (unsigned int)v;
		return 0;
	case OPT_PORT: {
		struct console_port_spec s;

		memset(&s, 0, sizeof(s));
		i = console_parse_port(arg, &s, msg, sizeof(msg));
		if (i < 0) {
			fprintf(stderr, "error: --port %s\n", msg);
			return -1;
		}
		memcpy(s.name, a->ports[i].name, sizeof(s.name));
		a->ports[i] = s;
		return 0;
	}
	case OPT_PORT_NAME:
		i = console_parse_port_name(arg, name, sizeof(name), msg, sizeof(msg));
		if (i < 0) {
			fprintf(stderr, "error: --port-name %s\n", msg);
			return -1;
		}
		memcpy(a->ports[i].name, name, sizeof(name));
		return 0;
	case OPT_LOG:
		a->log = arg;
		return 0;
	case OPT_LOG_TS:
		a->log_ts = true;
		return 0;
	default:
		return -1;
	}
}

static int
console_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct console_args *a = ctx;
	unsigned int i;

	for (i = a->nports; i < CONSOLE_MAX_PORTS; i++) {
		if (a->ports[i].kind != CONSOLE_NONE || a->ports[i].name[0] != '\0') {
			fprintf(stderr, "error: --port/--port-name %u given but --ports is %u\n", i,
				a->nports);
			return -1;
		}
	}
	if (a->ports[0].kind == CONSOLE_NONE) {
		a->ports[0].kind = a->nested ? CONSOLE_NESTED : CONSOLE_TCP;
		strcpy(a->ports[0].addr, "127.0.0.1");
		a->ports[0].tcp_port = a->tcp_port;
	}
	for (i = 1; i < a->nports; i++) {
		if (a->ports[i].kind == CONSOLE_NESTED) {
			fprintf(stderr, "error: --port %u=nested: only port 0 can be nested\n", i);
			return -1;
		}
		if (a->ports[i].kind == CONSOLE_NONE)
			a->ports[i].kind = CONSOLE_NULL;
	}
	if (a->ports[0].kind == CONSOLE_NESTED && o->socket_count != 1) {
		fprintf(stderr, "error: the nested backend needs --socket-count 1 (one tty)\n");
		return -1;
	}
	if (a->log_ts && a->log == NULL) {
		fprintf(stderr, "error: --log-timestamps needs --log\n");
		return -1;
	}
	a->count = o->socket_count;
	console_quit_hook = vhd_stop;
	return (int)o->socket_count;
}

static int
console_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	       size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct console_args *a = ctx;
	struct console_dev_conf conf;
	struct console_dev *dev;
	char msg[300], log[4096];
	unsigned int i;

	(void)path;
	(void)path_len;
	memset(&conf, 0, sizeof(conf));
	conf.nports = a->nports;
	conf.max_queue_size = a->qsize;
	conf.sock_idx = idx;
	conf.log_fd = -1;
	conf.log_timestamps = a->log_ts;
	for (i = 0; i < a->nports; i++) {
		conf.ports[i] = a->ports[i];
		if (console_spec_for_socket(&conf.ports[i], idx, o->socket_count > 1) != 0) {
			fprintf(stderr, "error: port %u of socket %u: address out of range\n", i,
				idx);
			return -1;
		}
	}
	if (a->log != NULL) {
		if (o->socket_count > 1)
			snprintf(log, sizeof(log), "%s%u", a->log, idx);
		else
			snprintf(log, sizeof(log), "%s", a->log);
		a->log_fd[idx] = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (a->log_fd[idx] < 0) {
			fprintf(stderr, "error: --log %s: %s\n", log, strerror(errno));
			return -1;
		}
		conf.log_fd = a->log_fd[idx];
	}
	dev = console_dev_create(&conf, msg, sizeof(msg));
	if (dev == NULL) {
		fprintf(stderr, "error: socket %u: %s\n", idx, msg);
		return -1;
	}
	*ops = console_dev_ops(dev);
	*priv = dev;
	return 0;
}

static void
console_destroy(void *ctx, unsigned int idx, void *priv)
{
	struct console_args *a = ctx;

	console_dev_destroy(priv);
	if (idx < VHD_APP_MAX_SOCKETS && a->log_fd[idx] >= 0) {
		close(a->log_fd[idx]);
		a->log_fd[idx] = -1;
	}
}

static void
console_cleanup(void *ctx)
{
	struct console_args *a = ctx;
	unsigned int i;

	/* A log opened for a device whose create failed afterwards. */
	for (i = 0; i < VHD_APP_MAX_SOCKETS; i++) {
		if (a->log_fd[i] >= 0)
			close(a->log_fd[i]);
		a->log_fd[i] = -1;
	}
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket, suffixed 0..N-1"},
		{'c', "socket-count", "N", "number of guests/sockets (1)"},
		{'b', "backend", "KIND", "port 0: nested (this terminal, raw; Ctrl-] quits)\n"
		 "or network (TCP on 127.0.0.1); default nested"},
		{'p', "tcp-port", "PORT", "network: guest i listens on PORT+i (12345)"},
		{'q', "max-queue-size", "N", "largest ring accepted (128)"},
		{OPT_PORTS, "ports", "N", "ports per device, 1.." VHD_STR(CONSOLE_MAX_PORTS)
		 " (1); MULTIPORT, port 0 is\nthe console (hvc0)"},
		{OPT_PORT, "port", "I=SPEC", "backend of port I (overrides -b for port 0):\n"
		 " tcp:[HOST:]PORT  listen (127.0.0.1), PORT+i\n"
		 " unix:PATH        listening Unix socket\n"
		 " pty              a pseudo-terminal, path printed\n"
		 " file:PATH        append guest output, no input\n"
		 " null             drop output, no input (default\n"
		 "                  of ports 1..N-1)\n"
		 " nested           this terminal (port 0, one socket)"},
		{OPT_PORT_NAME, "port-name", "I=NAME", "the guest's /dev/virtio-ports/NAME for port I"},
		{OPT_LOG, "log", "PATH", "copy of port 0's output (suffixed with i when\n"
		 "several sockets)"},
		{OPT_LOG_TS, "log-timestamps", NULL, "prefix each line of the log with the time"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [options]",
		.summary = "virtio-console vhost-user backend",
		.opts = opts,
		.examples = "-s /tmp/con.sock\n"
			    "-s /tmp/con.sock -b network -p 12345 --ports 2 --port 1=pty",
		.qemu = "-chardev socket,id=con0,path=/tmp/con.sock0\n"
			"-device vhost-user-test-device-pci,chardev=con0,virtio-id=3,num_vqs=2,"
			"config_size=12",
		.counters = "ctrl_in, ctrl_out, ctrl_bad, ctrl_short_buf, bad_bufs, port_failed, "
			    "emerg_bytes, config_changed_err (under console)",
	};
	static struct console_args a;
	unsigned int i;
	/* A console is idle most of the time: sleep on kicks unless told to poll. */
	const struct vhd_app app = {
		.name = "console",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = console_opt, .ctx = &a, .help = &help},
		.prepare = console_prepare,
		.create = console_create,
		.destroy = console_destroy,
		.cleanup = console_cleanup,
	};

	a.nested = true;
	a.tcp_port = 12345;
	a.qsize = 128;
	a.nports = 1;
	for (i = 0; i < VHD_APP_MAX_SOCKETS; i++)
		a.log_fd[i] = -1;
	return vhd_app_main(argc, argv, &app);
}
