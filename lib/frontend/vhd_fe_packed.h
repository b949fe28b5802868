/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Private to lib/frontend: the packed ring behind the vhd_fe_ring calls. */

#ifndef VHD_FE_PACKED_H
#define VHD_FE_PACKED_H

#include "vhd_fe_ring.h"

int vhd_fe_packed_init(struct vhd_fe_ring *r);
int vhd_fe_packed_add(struct vhd_fe_ring *r, const struct vhd_fe_buf *bufs, unsigned int n_rd,
		      unsigned int n_wr, bool indirect, void *cookie);
void vhd_fe_packed_publish(struct vhd_fe_ring *r);
bool vhd_fe_packed_kick_needed(struct vhd_fe_ring *r);
uint16_t vhd_fe_packed_used_pending(const struct vhd_fe_ring *r);
int vhd_fe_packed_get_used(struct vhd_fe_ring *r, uint16_t *id, uint32_t *len, void **cookie);
bool vhd_fe_packed_want_calls(struct vhd_fe_ring *r, bool on);
uint16_t vhd_fe_packed_device_base(const struct vhd_fe_ring *r);

#endif /* VHD_FE_PACKED_H */
