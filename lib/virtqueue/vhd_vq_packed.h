/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Private to lib/virtqueue: the packed-ring engine the public vhd_vq calls
 * dispatch to when VIRTIO_F_RING_PACKED was negotiated (vq->packed).
 */

#ifndef VHD_VQ_PACKED_H
#define VHD_VQ_PACKED_H

#include "vhd_vq.h"

int vhd_vq_packed_setup(struct vhd_vq *vq, const struct vhd_vq_config *cfg);
void vhd_vq_packed_fini(struct vhd_vq *vq);
bool vhd_vq_packed_has_work(const struct vhd_vq *vq);
void vhd_vq_packed_peek(const struct vhd_vq *vq, struct vhd_vq_peek *p);
int vhd_vq_packed_pop(struct vhd_vq *vq, struct vhd_req *req);
void vhd_vq_packed_unpop(struct vhd_vq *vq);
void vhd_vq_packed_push(struct vhd_vq *vq, uint16_t id, uint32_t len);
bool vhd_vq_packed_flush(struct vhd_vq *vq);
bool vhd_vq_packed_set_kicks(struct vhd_vq *vq, enum vhd_vq_notify_mode mode);

#endif /* VHD_VQ_PACKED_H */
