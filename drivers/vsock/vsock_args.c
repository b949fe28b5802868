/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsock_args.h"
#include "vsock_dev.h"

void
vsock_vm_defaults(struct vsock_vm_args *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->guest_cid = VSOCK_DEFAULT_CID;
	vm->tx_buffer_size = VSOCK_DEFAULT_TX_BUFFER;
	vm->queue_size = VSOCK_DEFAULT_QUEUE_SIZE;
	vm->forward_cid = -1;
	snprintf(vm->groups, sizeof(vm->groups), "default");
}

static int
parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
set_str(char *dst, const char *v, const char *key, char *err, size_t err_len)
{
	if (v[0] == '\0' || strlen(v) >= VSOCK_ARGS_MAX_STR) {
		snprintf(err, err_len, "%s: %s", key, v[0] == '\0' ? "empty" : "too long");
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

/* "a+b+c": non-empty names of letters, digits, '-', '_', '.'. */
static int
check_plus_list(const char *v, int numeric)
{
	const char *p = v;

	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		size_t n = strcspn(p, "+");

		if (n == 0)
			return -1;
		if (numeric) {
			char num[16];
			uint64_t x;

			if (n >= sizeof(num))
				return -1;
			memcpy(num, p, n);
			num[n] = '\0';
			if (parse_num(num, 0, UINT32_MAX, &x) != 0)
				return -1;
		}
		p += n;
		if (*p == '+' && *++p == '\0')
			return -1;
	}
	return 0;
}

int
vsock_vm_set(struct vsock_vm_args *vm, const char *key, const char *value, char *err,
	     size_t err_len)
{
	char k[32];
	uint64_t v;
	size_t i;

	if (strlen(key) >= sizeof(k)) {
		snprintf(err, err_len, "unknown key '%s'", key);
		return -1;
	}
	for (i = 0; key[i] != '\0'; i++)
		k[i] = key[i] == '-' ? '_' : key[i];
	k[i] = '\0';
	if (strcmp(k, "guest_cid") == 0) {
		/* 0-2 are reserved, 2^32-1 is VMADDR_CID_ANY. */
		if (parse_num(value, 3, UINT32_MAX - 1, &v) != 0) {
			snprintf(err, err_len, "guest-cid takes 3..4294967294, not '%s'", value);
			return -1;
		}
		vm->guest_cid = v;
	} else if (strcmp(k, "socket") == 0) {
		return set_str(vm->socket, value, "socket", err, err_len);
	} else if (strcmp(k, "uds_path") == 0) {
		/* room for "_<port>" after it in a sockaddr_un */
		if (strlen(value) + 12 > VSOCK_ARGS_MAX_STR) {
			snprintf(err, err_len, "uds-path too long: %s", value);
			return -1;
		}
		return set_str(vm->uds_path, value, "uds-path", err, err_len);
	} else if (strcmp(k, "tx_buffer_size") == 0) {
		if (parse_num(value, 4096, 1u << 30, &v) != 0) {
			snprintf(err, err_len, "tx-buffer-size takes 4096..1073741824, not '%s'",
				 value);
			return -1;
		}
		vm->tx_buffer_size = (uint32_t)v;
	} else if (strcmp(k, "queue_size") == 0) {
		if (parse_num(value, 1, 32768, &v) != 0 || (v & (v - 1)) != 0) {
			snprintf(err, err_len,
				 "queue-size takes a power of two 1..32768, not '%s'", value);
			return -1;
		}
		vm->queue_size = (uint32_t)v;
	} else if (strcmp(k, "groups") == 0) {
		if (check_plus_list(value, 0) != 0) {
			snprintf(err, err_len, "groups: bad list '%s' (names joined by '+')", value);
			return -1;
		}
		return set_str(vm->groups, value, "groups", err, err_len);
	} else if (strcmp(k, "forward_cid") == 0) {
		if (parse_num(value, 1, UINT32_MAX - 1, &v) != 0) {
			snprintf(err, err_len, "forward-cid takes 1..4294967294, not '%s'", value);
			return -1;
		}
		vm->forward_cid = (int64_t)v;
	} else if (strcmp(k, "forward_listen") == 0) {
		if (check_plus_list(value, 1) != 0) {
			snprintf(err, err_len, "forward-listen: bad port list '%s' (e.g. 9001+9002)",
				 value);
			return -1;
		}
		return set_str(vm->forward_listen, value, "forward-listen", err, err_len);
	} else {
		snprintf(err, err_len, "unknown key '%s'", key);
		return -1;
	}
	return 0;
}

int
vsock_vm_parse(struct vsock_vm_args *vm, const char *list, char *err, size_t err_len)
{
	char *copy = strdup(list), *save = NULL, *item;
	int rc = 0;

	if (copy == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (eq == NULL) {
			snprintf(err, err_len, "'%s' is not key=value", item);
			rc = -1;
			break;
		}
		*eq = '\0';
		rc = vsock_vm_set(vm, item, eq + 1, err, err_len);
	}
	free(copy);
	return rc;
}

/* Is @p path the SEQPACKET listener of a VM whose uds-path is @p base? */
static bool
is_seq_listener(const char *base, const char *path)
{
	size_t n = strlen(base);

	return strncmp(base, path, n) == 0 && strcmp(path + n, VSOCK_SEQPACKET_SUFFIX) == 0;
}

int
vsock_vms_check(const struct vsock_vm_args *vms, unsigned int n, char *err, size_t err_len)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const struct vsock_vm_args *a = &vms[i];
		int fwd = a->forward_cid >= 0 || a->forward_listen[0] != '\0';

		if (a->socket[0] == '\0') {
			snprintf(err, err_len, "VM with CID %llu: socket is required",
				 (unsigned long long)a->guest_cid);
			return -1;
		}
		if (fwd && a->uds_path[0] != '\0') {
			snprintf(err, err_len, "uds-path conflicts with forward-cid/forward-listen");
			return -1;
		}
		if (!fwd && a->uds_path[0] == '\0') {
			snprintf(err, err_len, "VM with CID %llu: uds-path (or forward-cid) is required",
				 (unsigned long long)a->guest_cid);
			return -1;
		}
		if (a->forward_listen[0] != '\0' && a->forward_cid < 0) {
			snprintf(err, err_len, "forward-listen needs forward-cid");
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (vms[j].guest_cid == a->guest_cid) {
				snprintf(err, err_len, "guest CID %llu is used by two VMs",
					 (unsigned long long)a->guest_cid);
				return -1;
			}
			if (strcmp(vms[j].socket, a->socket) == 0) {
				snprintf(err, err_len, "socket %s is used by two VMs", a->socket);
				return -1;
			}
			if (a->uds_path[0] != '\0' && strcmp(vms[j].uds_path, a->uds_path) == 0) {
				snprintf(err, err_len, "uds-path %s is used by two VMs", a->uds_path);
				return -1;
			}
			/* one VM's SEQPACKET listener would be the other's uds-path */
			if (a->uds_path[0] != '\0' && vms[j].uds_path[0] != '\0' &&
			    (is_seq_listener(vms[j].uds_path, a->uds_path) ||
			     is_seq_listener(a->uds_path, vms[j].uds_path))) {
				snprintf(err, err_len, "uds-path %s and %s: one is the other's "
					 "SEQPACKET listener", vms[j].uds_path, a->uds_path);
				return -1;
			}
		}
	}
	return 0;
}
