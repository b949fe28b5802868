/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-gpu wire format (VIRTIO spec, "GPU Device"): commands, responses,
 * formats. Every field little endian; the structs are the exact wire
 * layout.
 */

#ifndef GPU_PROTO_H
#define GPU_PROTO_H

#include <stdint.h>

/** Feature bits. */
#define GPU_F_VIRGL 0
#define GPU_F_EDID 1
#define GPU_F_RESOURCE_UUID 2
#define GPU_F_RESOURCE_BLOB 3
#define GPU_F_CONTEXT_INIT 4

/** virtio transport bit 40: QEMU passes it from its transport unfiltered. */
#define GPU_F_RING_RESET 40

/** vhost-user request carrying the display socket (VHOST_USER_GPU_SET_SOCKET). */
#define GPU_SET_SOCKET 33

/** Commands and responses (virtio_gpu_ctrl_hdr.type). */
enum gpu_cmd {
	GPU_CMD_GET_DISPLAY_INFO = 0x0100,
	GPU_CMD_RESOURCE_CREATE_2D,
	GPU_CMD_RESOURCE_UNREF,
	GPU_CMD_SET_SCANOUT,
	GPU_CMD_RESOURCE_FLUSH,
	GPU_CMD_TRANSFER_TO_HOST_2D,
	GPU_CMD_RESOURCE_ATTACH_BACKING,
	GPU_CMD_RESOURCE_DETACH_BACKING,
	GPU_CMD_GET_CAPSET_INFO,
	GPU_CMD_GET_CAPSET,
	GPU_CMD_GET_EDID,
	GPU_CMD_RESOURCE_ASSIGN_UUID,
	GPU_CMD_RESOURCE_CREATE_BLOB,
	GPU_CMD_SET_SCANOUT_BLOB,
	GPU_CMD_CTX_CREATE = 0x0200,
	GPU_CMD_CTX_DESTROY,
	GPU_CMD_CTX_ATTACH_RESOURCE,
	GPU_CMD_CTX_DETACH_RESOURCE,
	GPU_CMD_RESOURCE_CREATE_3D,
	GPU_CMD_TRANSFER_TO_HOST_3D,
	GPU_CMD_TRANSFER_FROM_HOST_3D,
	GPU_CMD_SUBMIT_3D,
	GPU_CMD_RESOURCE_MAP_BLOB,
	GPU_CMD_RESOURCE_UNMAP_BLOB,
	GPU_CMD_UPDATE_CURSOR = 0x0300,
	GPU_CMD_MOVE_CURSOR,
	GPU_RESP_OK_NODATA = 0x1100,
	GPU_RESP_OK_DISPLAY_INFO,
	GPU_RESP_OK_CAPSET_INFO,
	GPU_RESP_OK_CAPSET,
	GPU_RESP_OK_EDID,
	GPU_RESP_OK_RESOURCE_UUID,
	GPU_RESP_OK_MAP_INFO,
	GPU_RESP_ERR_UNSPEC = 0x1200,
	GPU_RESP_ERR_OUT_OF_MEMORY,
	GPU_RESP_ERR_INVALID_SCANOUT_ID,
	GPU_RESP_ERR_INVALID_RESOURCE_ID,
	GPU_RESP_ERR_INVALID_CONTEXT_ID,
	GPU_RESP_ERR_INVALID_PARAMETER,
};

#define GPU_FLAG_FENCE (1u << 0)
#define GPU_FLAG_INFO_RING_IDX (1u << 1)

/** Scanouts the protocol can describe. */
#define GPU_MAX_SCANOUTS 16

/** Formats (virtio_gpu_formats), named by byte order in memory. */
enum gpu_format {
	GPU_FORMAT_B8G8R8A8_UNORM = 1,
	GPU_FORMAT_B8G8R8X8_UNORM = 2,
	GPU_FORMAT_A8R8G8B8_UNORM = 3,
	GPU_FORMAT_X8R8G8B8_UNORM = 4,
	GPU_FORMAT_R8G8B8A8_UNORM = 67,
	GPU_FORMAT_X8B8G8R8_UNORM = 68,
	GPU_FORMAT_A8B8G8R8_UNORM = 121,
	GPU_FORMAT_R8G8B8X8_UNORM = 134,
};

struct gpu_ctrl_hdr {
	uint32_t type;
	uint32_t flags;
	uint64_t fence_id;
	uint32_t ctx_id;
	uint8_t ring_idx;
	uint8_t padding[3];
} __attribute__((packed));

struct gpu_rect {
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
} __attribute__((packed));

struct gpu_display_one {
	struct gpu_rect r;
	uint32_t enabled;
	uint32_t flags;
} __attribute__((packed));

struct gpu_resp_display_info {
	struct gpu_ctrl_hdr hdr;
	struct gpu_display_one pmodes[GPU_MAX_SCANOUTS];
} __attribute__((packed));

struct gpu_get_edid {
	struct gpu_ctrl_hdr hdr;
	uint32_t scanout;
	uint32_t padding;
} __attribute__((packed));

#define GPU_EDID_MAX 1024

struct gpu_resp_edid {
	struct gpu_ctrl_hdr hdr;
	uint32_t size;
	uint32_t padding;
	uint8_t edid[GPU_EDID_MAX];
} __attribute__((packed));

struct gpu_resource_create_2d {
	struct gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t format;
	uint32_t width;
	uint32_t height;
} __attribute__((packed));

/* RESOURCE_UNREF, DETACH_BACKING, ASSIGN_UUID, UNMAP_BLOB share this shape. */
struct gpu_resource_id {
	struct gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t padding;
} __attribute__((packed));

struct gpu_set_scanout {
	struct gpu_ctrl_hdr hdr;
	struct gpu_rect r;
	uint32_t scanout_id;
	uint32_t resource_id;
} __attribute__((packed));

struct gpu_resource_flush {
	struct gpu_ctrl_hdr hdr;
	struct gpu_rect r;
	uint32_t resource_id;
	uint32_t padding;
} __attribute__((packed));

struct gpu_transfer_to_host_2d {
	struct gpu_ctrl_hdr hdr;
	struct gpu_rect r;
	uint64_t offset;
	uint32_t resource_id;
	uint32_t padding;
} __attribute__((packed));

struct gpu_attach_backing {
	struct gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t nr_entries;
} __attribute__((packed));

struct gpu_mem_entry {
	uint64_t addr;
	uint32_t length;
	uint32_t padding;
} __attribute__((packed));

struct gpu_get_capset_info {
	struct gpu_ctrl_hdr hdr;
	uint32_t capset_index;
	uint32_t padding;
} __attribute__((packed));

struct gpu_cursor_pos {
	uint32_t scanout_id;
	uint32_t x;
	uint32_t y;
	uint32_t padding;
} __attribute__((packed));

struct gpu_update_cursor {
	struct gpu_ctrl_hdr hdr;
	struct gpu_cursor_pos pos;
	uint32_t resource_id;
	uint32_t hot_x;
	uint32_t hot_y;
	uint32_t padding;
} __attribute__((packed));

/** virtio_gpu_config. */
struct gpu_config {
	uint32_t events_read;
	uint32_t events_clear;
	uint32_t num_scanouts;
	uint32_t num_capsets;
} __attribute__((packed));

#define GPU_EVENT_DISPLAY (1u << 0)

/** The cursor is a 64x64 resource. */
#define GPU_CURSOR_DIM 64

#endif /* GPU_PROTO_H */
