/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Logical units and their backends: an image file or block device (real
 * backend: I/O through the host's io_uring service, read-only images
 * opened O_RDONLY, --cache none opens O_DIRECT) or a RAM image (simulated
 * backend, "ram:SIZE": served by memcpy on the worker, never blocks).
 * Opening happens on the control thread before serving (or from a control
 * command), never on a polling worker.
 */

#ifndef SCSI_LUN_H
#define SCSI_LUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** LUNs of target 0, as upstream. */
#define SCSI_MAX_LUNS 256

/*
 * Unit attention conditions a LUN holds for the guest (the one I_T nexus),
 * one bit each; reported highest first (scsi_ua_take()).
 */
/** POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (29h/00h): attached, LOGICAL UNIT RESET */
#define SCSI_UA_RESET 0x01u
/** I_T NEXUS LOSS OCCURRED (29h/07h): I_T NEXUS RESET */
#define SCSI_UA_NEXUS_LOSS 0x02u
/** REPORTED LUNS DATA HAS CHANGED (3Fh/0Eh): another LUN attached or detached */
#define SCSI_UA_LUNS_CHANGED 0x04u

/** How an image is opened: from the command line or a control command. */
struct scsi_lun_spec {
	char path[4096];     /**< file, block device, or "ram:SIZE" */
	uint32_t block_size; /**< 512 or 4096 */
	bool read_only;
	bool direct;         /**< --cache none: O_DIRECT */
	bool solid_state;    /**< VPD B1 reports a non-rotating medium */
};

/** One logical unit. */
struct scsi_lun {
	struct scsi_lun_spec spec;
	int fd;              /**< image, or -1 for a RAM image */
	int fd_buffered;     /**< without O_DIRECT, for buffers O_DIRECT refuses; or -1 */
	uint8_t *ram;        /**< RAM image, or NULL */
	uint64_t bytes;
	uint64_t nblocks;
	uint32_t bs;
	bool blkdev;
	bool d_sense;        /**< control mode page D_SENSE: descriptor sense data */
	uint8_t ua;          /**< pending unit attention conditions, SCSI_UA_* */
	uint64_t naa;        /**< stable identifier (VPD 83h), from the image's real path */
	char serial[17];     /**< VPD 80h: the identifier in hex */
	uint32_t inflight;   /**< tasks holding this LUN */
	bool removed;        /**< detached: close when the last task ends */
};

/**
 * Parse "PATH[,block-size=512|4096][,read-only]" (or "ram:SIZE[K|M|G]..."),
 * on top of the defaults already in @p s.
 * @return 0, or -1 with a message in @p err.
 */
int scsi_lun_parse(const char *arg, struct scsi_lun_spec *s, char *err, size_t errlen);

/**
 * Open the image of @p s into a new LUN (calloc'd).
 * @return the LUN, or NULL with a message in @p err (missing, a directory,
 * size not a multiple of the block size, empty, too large).
 */
struct scsi_lun *scsi_lun_open(const struct scsi_lun_spec *s, char *err, size_t errlen);

/** Derive the LUN's identifiers (VPD 80h, 83h) from @p key. */
void scsi_lun_set_identity(struct scsi_lun *l, const char *key);

/** Close and free. */
void scsi_lun_close(struct scsi_lun *l);

#endif /* SCSI_LUN_H */
