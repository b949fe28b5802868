/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * CDB decoding and sense encoding, no I/O: every opcode the target serves
 * and each of its length forms, checked field by field (reserved bits,
 * protection fields, NACA) so that the target only ever sees a command
 * it can carry out, and LBA ranges checked without 64-bit wrap-around.
 */

#ifndef SCSI_CDB_H
#define SCSI_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi_proto.h"

/** What a command does with data. */
enum scsi_kind {
	SCSI_K_NONE,        /**< no data: TUR, START STOP, PREVENT ALLOW, VERIFY BYTCHK=0 */
	SCSI_K_IN,          /**< emulated data-in: INQUIRY, MODE SENSE, READ CAPACITY... */
	SCSI_K_READ,        /**< READ(6/10/12/16) */
	SCSI_K_WRITE,       /**< WRITE(6/10/12/16) */
	SCSI_K_WRITE_SAME,  /**< WRITE SAME(10/16) */
	SCSI_K_UNMAP,       /**< UNMAP: a parameter list of block descriptors */
	SCSI_K_SYNC,        /**< SYNCHRONIZE CACHE(10/16) */
	SCSI_K_MODE_SELECT, /**< MODE SELECT(6/10): a parameter list */
};

/** A decoded CDB. */
struct scsi_cmd {
	uint8_t op;
	uint8_t cdb_len;
	uint16_t sa;        /**< service action (0x9e, 0xa3) */
	enum scsi_kind kind;
	uint64_t lba;
	uint32_t nblocks;   /**< transfer length in blocks (READ(6) 0 -> 256) */
	uint32_t alloc_len; /**< data-in allocation length, or data-out parameter list length */
	bool fua;
	bool unmap;         /**< WRITE SAME: UNMAP bit */
	bool ndob;          /**< WRITE SAME(16): no data-out buffer (zeros) */
	bool write;         /**< write-class: refused on a read-only LUN */
};

/**
 * Decode @p cdb (SCSI_CDB_SIZE bytes).
 * @return 0, or -1 with @p err set (ILLEGAL REQUEST: INVALID COMMAND
 * OPERATION CODE or INVALID FIELD IN CDB).
 */
int scsi_cdb_parse(const uint8_t *cdb, struct scsi_cmd *c, struct scsi_sense *err);

/** True when blocks [lba, lba + n) lie inside a medium of @p cap blocks. */
static inline bool
scsi_lba_ok(uint64_t lba, uint64_t n, uint64_t cap)
{
	return n <= cap && lba <= cap - n;
}

/** Length of a CDB with opcode @p op (its group code), 0 for vendor-specific/variable. */
unsigned int scsi_cdb_len(uint8_t op);

/**
 * Sense data for @p s in fixed (0x70, 18 bytes) or descriptor (0x72, 8
 * bytes) format, truncated to @p max.
 * @return bytes written.
 */
size_t scsi_sense_encode(uint8_t *buf, size_t max, bool desc, struct scsi_sense s);

/** One supported command, as REPORT SUPPORTED OPERATION CODES lists it. */
struct scsi_opinfo {
	uint8_t op;
	bool has_sa;
	uint16_t sa;
	uint8_t cdb_len;
	/** CDB usage data: the bits a command may set, byte by byte */
	uint8_t usage[16];
};

/** The supported commands, terminated by an entry with cdb_len 0. */
extern const struct scsi_opinfo scsi_opinfos[];

/** The entry for (@p op, @p sa) (sa ignored for commands without one), or NULL. */
const struct scsi_opinfo *scsi_opinfo_find(uint8_t op, uint16_t sa, bool want_sa);

/** Big-endian helpers. */
static inline uint16_t
scsi_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
scsi_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
scsi_get64(const uint8_t *p)
{
	return (uint64_t)scsi_get32(p) << 32 | scsi_get32(p + 4);
}

static inline void
scsi_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
scsi_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
scsi_put64(uint8_t *p, uint64_t v)
{
	scsi_put32(p, (uint32_t)(v >> 32));
	scsi_put32(p + 4, (uint32_t)v);
}

#endif /* SCSI_CDB_H */
