/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * One VM's settings as upstream's vhost-device-vsock takes them: flat
 * options, a --vm key=value,... list (keys with '_' or '-') or a config
 * file entry. Values are checked here, once, with one error line.
 */

#ifndef VSOCK_ARGS_H
#define VSOCK_ARGS_H

#include <stddef.h>
#include <stdint.h>

/** Longest path or group list kept. */
#define VSOCK_ARGS_MAX_STR 108

/** One VM. */
struct vsock_vm_args {
	uint64_t guest_cid;
	char socket[VSOCK_ARGS_MAX_STR];
	char uds_path[VSOCK_ARGS_MAX_STR];
	char groups[VSOCK_ARGS_MAX_STR];
	char forward_listen[VSOCK_ARGS_MAX_STR];
	uint32_t tx_buffer_size;
	uint32_t queue_size;
	int64_t forward_cid; /**< -1: not given */
};

/** Upstream's defaults: CID 3, 64 KiB, 1024, group "default". */
void vsock_vm_defaults(struct vsock_vm_args *vm);

/**
 * Set @p key (underscores or dashes) to @p value.
 * @return 0, or -1 with a message in @p err.
 */
int vsock_vm_set(struct vsock_vm_args *vm, const char *key, const char *value, char *err,
		 size_t err_len);

/** Parse "key=value,key=value". @return 0, or -1 with a message in @p err. */
int vsock_vm_parse(struct vsock_vm_args *vm, const char *list, char *err, size_t err_len);

/**
 * What every VM needs (a socket, exactly one backend) and what VMs of one
 * process may not share (CIDs, sockets, Unix socket paths).
 * @return 0, or -1 with a message in @p err.
 */
int vsock_vms_check(const struct vsock_vm_args *vms, unsigned int n, char *err, size_t err_len);

#endif /* VSOCK_ARGS_H */
