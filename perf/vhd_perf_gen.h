/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Request generators, one small file per device (vhd_perf_gen_<device>.c).
 * A generator lays out one request in a "slot" of guest memory, says which
 * parts the device reads and writes, and judges the completion. The closed
 * loop reposts the same slot, so a generator keeps no state of its own.
 */

#ifndef VHD_PERF_GEN_H
#define VHD_PERF_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "vhd_fe_ring.h"
#include "vhd_perf_stats.h"

/** Most buffers one request chain uses. */
#define VHD_PERF_GEN_MAX_BUFS 4

/** Generator options from the command line. */
struct vhd_perf_gen_cfg {
	uint32_t size;     /**< request size in bytes (rng: bytes asked for) */
	uint32_t target;   /**< gpio: line; i2c: 7-bit client address */
	const char *op;    /**< gpio: "get" or "set"; NULL for the default */
	const char *file;  /**< scsi: the LUN's image, for the direct io_uring floor; or NULL */
	uint32_t qd;       /**< requests kept in flight (--qd), for a floor that needs it */
};

/** One device's request generator. */
struct vhd_perf_gen {
	const char *name;      /**< --device NAME */
	const char *help;      /**< one line for --help */
	uint32_t virtio_id;    /**< virtio device id, for --help */
	uint64_t features;     /**< device feature bits to accept when offered */
	uint16_t num_queues;   /**< queues the device has (all are set up) */
	uint16_t queue;        /**< queue requests are posted on */
	uint32_t default_size; /**< --size when not given */
	uint16_t descs;        /**< descriptors one request takes (no indirect) */
	uint16_t setup_queue;  /**< queue of the setup() request; 0: @c queue */

	/** Check @p cfg; @return 0, or -1 with one error line printed. */
	int (*check)(const struct vhd_perf_gen_cfg *cfg);
	/** Guest memory bytes one slot needs. */
	uint32_t (*slot_bytes)(const struct vhd_perf_gen_cfg *cfg);
	/**
	 * Write request number @p seq into @p slot (zeroed once at start) and
	 * describe it: readable buffers first, then writable ones.
	 */
	void (*prepare)(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq,
			struct vhd_fe_buf *bufs, unsigned int *n_rd, unsigned int *n_wr);
	/**
	 * Judge a completion of @p used_len bytes.
	 * @return payload bytes to count (>= 0), or -1 for an error completion.
	 */
	int64_t (*complete)(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len);
	/**
	 * Optional one-off request sent and awaited before the loop (gpio set:
	 * make the line an output). Same contract as prepare(); NULL for none.
	 */
	int (*setup)(const struct vhd_perf_gen_cfg *cfg, void *slot, struct vhd_fe_buf *bufs,
		     unsigned int *n_rd, unsigned int *n_wr);
	/**
	 * Optional: time the request's work done directly on this host (rtc:
	 * a bare clock_gettime()), reported beside the run as its path floor.
	 * Fills @p out; @return the figure's name, or NULL when not measured.
	 */
	const char *(*local)(const struct vhd_perf_gen_cfg *cfg, struct vhd_perf_lat *out);
};

extern const struct vhd_perf_gen vhd_perf_gen_rng;
extern const struct vhd_perf_gen vhd_perf_gen_gpio;
extern const struct vhd_perf_gen vhd_perf_gen_i2c;
extern const struct vhd_perf_gen vhd_perf_gen_can;
extern const struct vhd_perf_gen vhd_perf_gen_spi;
extern const struct vhd_perf_gen vhd_perf_gen_rtc;
extern const struct vhd_perf_gen vhd_perf_gen_console;
/** virtio-vsock: runs through vhd_perf_vsock() (vhd_perf_vsock.h). */
extern const struct vhd_perf_gen vhd_perf_gen_vsock;
/** virtio-input: runs through vhd_perf_input_key() (vhd_perf_input.h). */
extern const struct vhd_perf_gen vhd_perf_gen_input;
extern const struct vhd_perf_gen vhd_perf_gen_template;
extern const struct vhd_perf_gen vhd_perf_gen_gpu;
extern const struct vhd_perf_gen vhd_perf_gen_scsi;
extern const struct vhd_perf_gen vhd_perf_gen_scmi;
extern const struct vhd_perf_gen vhd_perf_gen_sound;

/** Generator called @p name, or NULL. */
const struct vhd_perf_gen *vhd_perf_gen_find(const char *name);

/** Print the generators, one per line, for --help. */
void vhd_perf_gen_list(FILE *fp);

#endif /* VHD_PERF_GEN_H */
