/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * upstream's --config FILE: YAML with a "vms:" list of mappings whose keys
 * are those of --vm (upstream takes the underscore forms only; dashes are
 * accepted too). Parsed with libyaml.
 */

#ifndef VSOCK_CONFIG_H
#define VSOCK_CONFIG_H

#include <stddef.h>

#include "vsock_args.h"

/**
 * Load @p path into @p vms (at most @p max, each starting from the
 * defaults).
 * @return the number of VMs, or -1 with one message in @p err.
 */
int vsock_config_load(const char *path, struct vsock_vm_args *vms, unsigned int max, char *err,
		      size_t err_len);

#endif /* VSOCK_CONFIG_H */
