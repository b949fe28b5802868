/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-vsock [EAL options --] --guest-cid CID --socket PATH --uds-path PATH [options]
 * vhost-device-vsock [EAL options --] --vm guest-cid=4,socket=PATH,uds-path=PATH [--vm ...]
 * Options match rust-vmm's vhost-device-vsock: flat options describe one VM,
 * --vm (repeatable) one VM each; the socket paths are used as given (no
 * index suffix). One process serves every VM on the shared workers.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_vhost.h"
#include "vsock_args.h"
#include "vsock_config.h"
#include "vsock_dev.h"

enum {
	OPT_GUEST_CID = 0x2000,
	OPT_SOCKET,
	OPT_UDS_PATH,
	OPT_TX_BUFFER_SIZE,
	OPT_QUEUE_SIZE,
	OPT_GROUPS,
	OPT_FORWARD_CID,
	OPT_FORWARD_LISTEN,
	OPT_VM,
	OPT_CONFIG,
	OPT_NO_SEQPACKET,
	OPT_FORWARD_SIM,
};

struct vsock_app {
	struct vsock_vm_args flat;
	bool flat_given;
	struct vsock_vm_args vms[VHD_APP_MAX_SOCKETS];
	unsigned int nvms;
	bool too_many;
	const char *config;
	bool no_seqpacket;
	const char *forward_sim;
	struct vsock_sock_ops sim;
	uint32_t ports[VHD_APP_MAX_SOCKETS][VSOCK_ARGS_MAX_STR / 2];
	unsigned int nports[VHD_APP_MAX_SOCKETS];
};

static int
vsock_opt(void *ctx, int c, const char *arg)
{
	static const char *const keys[] = {
		[OPT_GUEST_CID - OPT_GUEST_CID] = "guest-cid",
		[OPT_SOCKET - OPT_GUEST_CID] = "socket",
		[OPT_UDS_PATH - OPT_GUEST_CID] = "uds-path",
		[OPT_TX_BUFFER_SIZE - OPT_GUEST_CID] = "tx-buffer-size",
		[OPT_QUEUE_SIZE - OPT_GUEST_CID] = "queue-size",
		[OPT_GROUPS - OPT_GUEST_CID] = "groups",
		[OPT_FORWARD_CID - OPT_GUEST_CID] = "forward-cid",
		[OPT_FORWARD_LISTEN - OPT_GUEST_CID] = "forward-listen",
	};
	struct vsock_app *a = ctx;
	char err[256];

	switch (c) {
	case OPT_VM:
		if (a->nvms == VHD_APP_MAX_SOCKETS) {
			fprintf(stderr, "error: at most %d --vm\n", VHD_APP_MAX_SOCKETS);
			return -1;
		}
		vsock_vm_defaults(&a->vms[a->nvms]);
		if (vsock_vm_parse(&a->vms[a->nvms], arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "error: --vm %s: %s\n", arg, err);
			return -1;
		}
		a->nvms++;
		return 0;
	case OPT_CONFIG:
		a->config = arg;
		return 0;
	case OPT_NO_SEQPACKET:
		a->no_seqpacket = true;
		return 0;
	case OPT_FORWARD_SIM:
		a->forward_sim = arg;
		return 0;
	default:
		if (c < OPT_GUEST_CID || c > OPT_FORWARD_LISTEN)
			return -1;
		if (vsock_vm_set(&a->flat, keys[c - OPT_GUEST_CID], arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "error: --%s\n", err);
			return -1;
		}
		a->flat_given = true;
		return 0;
	}
}

static int
vsock_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct vsock_app *a = ctx;
	char err[256];
	unsigned int i;

	if (a->config != NULL && (a->flat_given || a->nvms > 0 || o->socket_path != NULL)) {
		fprintf(stderr, "error: --config cannot be combined with --vm or the flat options\n");
		return -1;
	}
	if (a->config != NULL) {
		int n = vsock_config_load(a->config, a->vms, VHD_APP_MAX_SOCKETS, err, sizeof(err));

		if (n < 0) {
			fprintf(stderr, "error: --config %s\n", err);
			return -1;
		}
		a->nvms = (unsigned int)n;
	}
	if (a->flat_given && a->nvms > 0) {
		fprintf(stderr, "error: --vm cannot be combined with --guest-cid, --socket, ...\n");
		return -1;
	}
	if (a->flat_given) {
		a->vms[0] = a->flat;
		a->nvms = 1;
	}
	if (a->nvms == 0 && o->socket_path != NULL) {
		a->vms[0] = a->flat;
		a->nvms = 1;
	}
	if (a->nvms == 0) {
		fprintf(stderr, "error: --socket and --uds-path (or --vm) are required "
				"(see --help)\n");
		return -1;
	}
	/* Ours: -s PATH names the sockets PATH0.. like every other app. */
	for (i = 0; o->socket_path != NULL && i < a->nvms; i++) {
		if (a->vms[i].socket[0] != '\0') {
			fprintf(stderr, "error: --socket-path conflicts with --socket\n");
			return -1;
		}
		if (vhd_socket_name(a->vms[i].socket, sizeof(a->vms[i].socket), o->socket_path,
				    i) != 0) {
			fprintf(stderr, "error: --socket-path too long\n");
			return -1;
		}
	}
	if (vsock_vms_check(a->vms, a->nvms, err, sizeof(err)) != 0) {
		fprintf(stderr, "error: %s\n", err);
		return -1;
	}
	for (i = 0; i < a->nvms; i++) {
		char *save = NULL, *p, list[VSOCK_ARGS_MAX_STR];

		snprintf(list, sizeof(list), "%s", a->vms[i].forward_listen);
		for (p = strtok_r(list, "+", &save); p != NULL; p = strtok_r(NULL, "+", &save)) {
			unsigned long v = strtoul(p, NULL, 10); /* checked by vsock_vm_set() */

			if (v > UINT32_MAX) {
				fprintf(stderr, "error: forward-listen port %s too big\n", p);
				return -1;
			}
			a->ports[i][a->nports[i]++] = (uint32_t)v;
		}
	}
	if (a->forward_sim != NULL && vsock_sock_sim_init(&a->sim, a->forward_sim) != 0) {
		fprintf(stderr, "error: --forward-sim: directory name too long: %s\n",
			a->forward_sim);
		return -1;
	}
	return (int)a->nvms;
}

static int
vsock_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	     size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct vsock_app *a = ctx;
	const struct vsock_vm_args *vm = &a->vms[idx];
	struct vsock_dev_config cfg = {
		.guest_cid = vm->guest_cid,
		.uds_path = vm->uds_path,
		.tx_buffer_size = vm->tx_buffer_size,
		.queue_size = (uint16_t)vm->queue_size, /* at most 32768 */
		.no_seqpacket = a->no_seqpacket,
		.groups = vm->groups,
		.forward = vm->forward_cid >= 0,
		.forward_cid = (uint32_t)(vm->forward_cid >= 0 ? vm->forward_cid : 0),
		.listen_ports = a->ports[idx],
		.nlisten = a->nports[idx],
		.sock = a->forward_sim != NULL ? &a->sim : &vsock_sock_linux,
	};
	struct vsock_dev *d;
	int rc;

	(void)o;
	if ((size_t)snprintf(path, path_len, "%s", vm->socket) >= path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", vm->socket);
		return -1;
	}
	rc = vsock_dev_create(&cfg, &d);
	if (rc != 0) {
		fprintf(stderr, "error: cannot listen on %s: %s\n",
			cfg.forward ? (vm->forward_listen[0] != '\0' ? vm->forward_listen : "-")
				    : vm->uds_path,
			strerror(-rc));
		return -1;
	}
	*ops = vsock_dev_get_ops(d);
	*priv = d;
	return 0;
}

static void
vsock_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	vsock_dev_destroy(priv);
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{OPT_GUEST_CID, "guest-cid", "CID", "the guest's CID, 3..4294967294 (3)"},
		{OPT_SOCKET, "socket", "PATH", "vhost-user socket (used as given)"},
		{OPT_UDS_PATH, "uds-path", "PATH", "host side: programs connect here and write\n"
		 "\"CONNECT <port>\\n\"; guest connections to port P\n"
		 "go to PATH_P; (ours) SEQPACKET programs connect\n"
		 "to PATH.seqpacket, the CONNECT line their first\n"
		 "record"},
		{OPT_TX_BUFFER_SIZE, "tx-buffer-size", "N",
		 "per-connection buffer, the guest's credit (65536)"},
		{OPT_QUEUE_SIZE, "queue-size", "N", "largest virtqueue accepted (1024)"},
		{OPT_GROUPS, "groups", "G1+G2", "sibling groups (default): a guest reaches the\n"
		 "other guests of this process that share a group\n"
		 "by their CIDs"},
		{OPT_FORWARD_CID, "forward-cid", "CID", "vsock-to-vsock mode instead of --uds-path: a guest\n"
		 "connect to port P reaches the host's AF_VSOCK\n"
		 "address (CID, P)"},
		{OPT_FORWARD_LISTEN, "forward-listen", "P1+P2",
		 "with --forward-cid: host AF_VSOCK connections to\n"
		 "port P (any local CID) reach the guest's port P"},
		{OPT_FORWARD_SIM, "forward-sim", "DIR", "(ours) the vsock-to-vsock mode on Unix sockets in\n"
		 "DIR instead of AF_VSOCK: (CID, P) is DIR/CID_P,\n"
		 "a listener on P is DIR/listen_P (tests, demos)"},
		{OPT_VM, "vm", "KEY=VALUE,...", "one VM (repeatable); keys as the options above,\n"
		 "'-' or '_': guest-cid socket uds-path tx-buffer-size\n"
		 "queue-size groups forward-cid forward-listen"},
		{OPT_CONFIG, "config", "FILE", "YAML file with a vms: list of the --vm keys"},
		{OPT_NO_SEQPACKET, "no-seqpacket", NULL, "(ours) do not offer SEQPACKET sockets to the\n"
		 "guests (offered by default: a guest SEQPACKET\n"
		 "connect to port P reaches a SOCK_SEQPACKET\n"
		 "listener at PATH_P), no PATH.seqpacket listener"},
		{'s', "socket-path", "PATH", "(ours) instead of --socket: sockets PATH0, PATH1.."},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "--socket PATH --uds-path PATH [options]\n"
			    "--vm guest-cid=C,socket=PATH,uds-path=PATH [--vm ...]",
		.summary = "virtio-vsock vhost-user backend (hybrid vsock over Unix sockets)",
		.opts = opts,
		.examples = "--guest-cid 3 --socket /tmp/vsock.sock --uds-path /tmp/vm3.vsock\n"
			    "--vm guest-cid=4,socket=/tmp/vs4.sock,uds-path=/tmp/vm4.vsock",
		.qemu = "-chardev socket,id=vs0,path=/tmp/vsock.sock\n"
			"-device vhost-user-vsock-pci,chardev=vs0",
		.counters = "conns_opened, conns_closed, host_connects, guest_connects, refused, "
			    "rst_sent, rst_dropped, bad_pkts, bad_cid, credit_violations, bad_lines, "
			    "to_guest_bytes, to_host_bytes, rx_short, setup_timeouts, seq_records_in, "
			    "seq_records_out, seq_too_big, sib_forwarded, sib_refused, sib_dropped, "
			    "sib_delivered, transport_resets, event_short (under vsock)",
	};
	static struct vsock_app a;
	/* Connections are bursty and wait on host programs: sleep on kicks and fds. */
	const struct vhd_app app = {
		.name = "vsock",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = vsock_opt, .ctx = &a, .own_sockets = true,
			 .help = &help},
		.prepare = vsock_prepare,
		.create = vsock_create,
		.destroy = vsock_destroy,
	};

	vsock_vm_defaults(&a.flat);
	return vhd_app_main(argc, argv, &app);
}
