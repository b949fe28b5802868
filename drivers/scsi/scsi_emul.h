/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The commands the target answers from its own state (no medium access):
 * INQUIRY and its VPD pages, MODE SENSE/SELECT, READ CAPACITY, REPORT
 * LUNS, REPORT SUPPORTED OPERATION CODES, REQUEST SENSE.
 */

#ifndef SCSI_EMUL_H
#define SCSI_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi_cdb.h"
#include "scsi_lun.h"

/** Largest data-in an emulated command produces (REPORT LUNS of 256 LUNs fits). */
#define SCSI_EMUL_MAX 4096

/** Most UNMAP block descriptors in one command (VPD B0). */
#define SCSI_MAX_UNMAP_DESC 64
/** Most blocks one UNMAP or WRITE SAME covers (VPD B0). */
#define SCSI_MAX_UNMAP_BLOCKS 0x400000u
/** Largest READ/WRITE transfer, in blocks (VPD B0). */
#define SCSI_MAX_XFER_BLOCKS 0xffffu

/** What REPORT LUNS sees. */
struct scsi_lunmap {
	struct scsi_lun *const *luns; /**< SCSI_MAX_LUNS entries, NULL where absent */
};

/** The well-known REPORT LUNS logical unit (SPC-4 8.2): LUN 0xc101. */
#define SCSI_WLUN_REPORT_LUNS 0xc101

/**
 * Run emulated command @p c (kind SCSI_K_IN) addressed to @p l (NULL: a
 * LUN with no medium behind it, or @p wlun for the well-known LUN).
 * @return bytes produced in @p out (before the allocation length cut), or
 * -1 with @p err set.
 */
int scsi_emulate(const struct scsi_lunmap *map, struct scsi_lun *l, bool wlun,
		 const uint8_t *cdb, const struct scsi_cmd *c, uint8_t *out,
		 struct scsi_sense *err);

/**
 * MODE SELECT(6/10) with parameter list @p p of @p len bytes to @p l: the
 * only changeable field is the control page's D_SENSE; anything else must
 * match the current values.
 * @return 0, or -1 with @p err set.
 */
int scsi_mode_select(struct scsi_lun *l, const uint8_t *cdb, const uint8_t *p, uint32_t len,
		     struct scsi_sense *err);

/**
 * Take the highest-priority unit attention condition pending on @p l
 * (NULL-safe) into @p s and clear it.
 * @return false when there is none.
 */
bool scsi_ua_take(struct scsi_lun *l, struct scsi_sense *s);

/** True when every LUN slot of @p map is empty. */
bool scsi_lunmap_empty(const struct scsi_lunmap *map);

#endif /* SCSI_EMUL_H */
