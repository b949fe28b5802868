/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>

#include "scsi_cdb.h"

unsigned int
scsi_cdb_len(uint8_t op)
{
	switch (op >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 4:
		return 16;
	case 5:
		return 12;
	default:
		return 0; /* 3: variable length; 6, 7: vendor specific */
	}
}

/* Usage masks: the opcode, then the bits each byte may carry (SPC-4 6.35.3). */
#define U6(...) {__VA_ARGS__}
const struct scsi_opinfo scsi_opinfos[] = {
	{OP_TEST_UNIT_READY, false, 0, 6, U6(0x00, 0, 0, 0, 0, 0)},
	{OP_REQUEST_SENSE, false, 0, 6, U6(0x03, 0x01, 0, 0, 0xff, 0)},
	{OP_READ_6, false, 0, 6, U6(0x08, 0x1f, 0xff, 0xff, 0xff, 0)},
	{OP_WRITE_6, false, 0, 6, U6(0x0a, 0x1f, 0xff, 0xff, 0xff, 0)},
	{OP_INQUIRY, false, 0, 6, U6(0x12, 0x01, 0xff, 0xff, 0xff, 0)},
	{OP_MODE_SELECT_6, false, 0, 6, U6(0x15, 0x10, 0, 0, 0xff, 0)},
	{OP_MODE_SENSE_6, false, 0, 6, U6(0x1a, 0x08, 0xff, 0xff, 0xff, 0)},
	{OP_START_STOP_UNIT, false, 0, 6, U6(0x1b, 0x01, 0, 0x0f, 0xf7, 0)},
	{OP_PREVENT_ALLOW, false, 0, 6, U6(0x1e, 0, 0, 0, 0x03, 0)},
	{OP_READ_CAPACITY_10, false, 0, 10, U6(0x25, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, 0)},
	{OP_READ_10, false, 0, 10, U6(0x28, 0x18, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0)},
	{OP_WRITE_10, false, 0, 10, U6(0x2a, 0x18, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0)},
	{OP_VERIFY_10, false, 0, 10, U6(0x2f, 0x10, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0)},
	{OP_SYNC_CACHE_10, false, 0, 10,
	 U6(0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0)},
	{OP_WRITE_SAME_10, false, 0, 10,
	 U6(0x41, 0x18, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0)},
	{OP_UNMAP, false, 0, 10, U6(0x42, 0x01, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0)},
	{OP_MODE_SELECT_10, false, 0, 10, U6(0x55, 0x10, 0, 0, 0, 0, 0, 0xff, 0xff, 0)},
	{OP_MODE_SENSE_10, false, 0, 10, U6(0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0)},
	{OP_READ_16, false, 0, 16, U6(0x88, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0xff, 0x1f, 0)},
	{OP_WRITE_16, false, 0, 16, U6(0x8a, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0xff, 0xff, 0xff, 0x1f, 0)},
	{OP_VERIFY_16, false, 0, 16, U6(0x8f, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0x1f, 0)},
	{OP_SYNC_CACHE_16, false, 0, 16, U6(0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0)},
	{OP_WRITE_SAME_16, false, 0, 16, U6(0x93, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0)},
	{OP_SERVICE_ACTION_IN_16, true, SAI_READ_CAPACITY_16, 16,
	 U6(0x9e, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0)},
	{OP_REPORT_LUNS, false, 0, 12, U6(0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0)},
	{OP_MAINTENANCE_IN, true, MI_REPORT_SUPPORTED_OPCODES, 12,
	 U6(0xa3, 0x1f, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0)},
	{OP_READ_12, false, 0, 12, U6(0xa8, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0x1f, 0)},
	{OP_WRITE_12, false, 0, 12, U6(0xaa, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0x1f, 0)},
	{OP_VERIFY_12, false, 0, 12, U6(0xaf, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0x1f, 0)},
	{0, false, 0, 0, {0}},
};

const struct scsi_opinfo *
scsi_opinfo_find(uint8_t op, uint16_t sa, bool want_sa)
{
	const struct scsi_opinfo *o;

	for (o = scsi_opinfos; o->cdb_len != 0; o++)
		if (o->op == op && (!o->has_sa || !want_sa || o->sa == sa))
			return o;
	return NULL;
}

size_t
scsi_sense_encode(uint8_t *buf, size_t max, bool desc, struct scsi_sense s)
{
	uint8_t b[18];
	size_t n;

	memset(b, 0, sizeof(b));
	if (desc) {
		b[0] = 0x72; /* current error, descriptor format */
		b[1] = s.key & 0x0f;
		b[2] = s.asc;
		b[3] = s.ascq;
		n = 8;       /* no descriptors: additional length 0 */
	} else {
		b[0] = 0x70; /* current error, fixed format */
		b[2] = s.key & 0x0f;
		b[7] = 10;   /* additional sense length */
		b[12] = s.asc;
		b[13] = s.ascq;
		n = 18;
	}
	if (n > max)
		n = max;
	memcpy(buf, b, n);
	return n;
}

static int
bad(struct scsi_sense *err, struct scsi_sense s)
{
	*err = s;
	return -1;
}

/* RDPROTECT/WRPROTECT/VRPROTECT (bits 7..5 of byte 1) need T10 PI, which is never offered. */
static bool
protect_set(const uint8_t *cdb)
{
	return (cdb[1] & 0xe0) != 0;
}

/* LBA and block count of a 10-, 12- or 16-byte CDB of the READ/WRITE family. */
static void
cdb_range(struct scsi_cmd *c, const uint8_t *cdb, unsigned int len)
{
	if (len == 16) {
		c->lba = scsi_get64(cdb + 2);
		c->nblocks = scsi_get32(cdb + 10);
	} else {
		c->lba = scsi_get32(cdb + 2);
		c->nblocks = len == 10 ? scsi_get16(cdb + 7) : scsi_get32(cdb + 6);
	}
}

int
scsi_cdb_parse(const uint8_t *cdb, struct scsi_cmd *c, struct scsi_sense *err)
{
	const struct scsi_opinfo *o;
	uint8_t op = cdb[0];
	unsigned int len = scsi_cdb_len(op);

	memset(c, 0, sizeof(*c));
	c->op = op;
	c->cdb_len = (uint8_t)len;
	if (op == OP_SERVICE_ACTION_IN_16 || op == OP_MAINTENANCE_IN)
		c->sa = cdb[1] & 0x1f;
	o = scsi_opinfo_find(op, c->sa, true);
	if (o == NULL || len == 0)
		return bad(err, (op == OP_SERVICE_ACTION_IN_16 || op == OP_MAINTENANCE_IN) &&
			   scsi_opinfo_find(op, 0, false) != NULL ?
			   SENSE_INVALID_FIELD_CDB : SENSE_INVALID_OPCODE);
	/* NACA (control byte bit 2) is not supported: SAM-5 5.9.3 says INVALID FIELD IN CDB */
	if (cdb[len - 1] & 0x04)
		return bad(err, SENSE_INVALID_FIELD_CDB);
	switch (op) {
	case OP_TEST_UNIT_READY:
	case OP_START_STOP_UNIT:
	case OP_PREVENT_ALLOW:
		c->kind = SCSI_K_NONE;
		return 0;
	case OP_REQUEST_SENSE:
	case OP_INQUIRY:
		c->kind = SCSI_K_IN;
		c->alloc_len = op == OP_INQUIRY ? scsi_get16(cdb + 3) : cdb[4];
		return 0;
	case OP_MODE_SENSE_6:
		c->kind = SCSI_K_IN;
		c->alloc_len = cdb[4];
		return 0;
	case OP_MODE_SENSE_10:
		c->kind = SCSI_K_IN;
		c->alloc_len = scsi_get16(cdb + 7);
		return 0;
	case OP_MODE_SELECT_6:
	case OP_MODE_SELECT_10:
		c->kind = SCSI_K_MODE_SELECT;
		c->alloc_len = op == OP_MODE_SELECT_6 ? cdb[4] : scsi_get16(cdb + 7);
		return 0;
	case OP_READ_CAPACITY_10:
		/* without PMI the LBA field shall be zero (SBC-3 5.16.1) */
		if (!(cdb[8] & 1) && scsi_get32(cdb + 2) != 0)
			return bad(err, SENSE_INVALID_FIELD_CDB);
		c->kind = SCSI_K_IN;
		c->alloc_len = 8;
		return 0;
	case OP_SERVICE_ACTION_IN_16: /* READ CAPACITY(16) */
		c->kind = SCSI_K_IN;
		c->alloc_len = scsi_get32(cdb + 10);
		return 0;
	case OP_REPORT_LUNS:
		c->kind = SCSI_K_IN;
		c->alloc_len = scsi_get32(cdb + 6);
		/* SPC-4 6.33: an allocation length under 16 is an error */
		if (c->alloc_len < 16)
			return bad(err, SENSE_INVALID_FIELD_CDB);
		return 0;
	case OP_MAINTENANCE_IN: /* REPORT SUPPORTED OPERATION CODES */
		c->kind = SCSI_K_IN;
		c->alloc_len = scsi_get32(cdb + 6);
		return 0;
	case OP_READ_6:
	case OP_WRITE_6:
		c->kind = op == OP_READ_6 ? SCSI_K_READ : SCSI_K_WRITE;
		c->lba = (uint64_t)(cdb[1] & 0x1f) << 16 | scsi_get16(cdb + 2);
		c->nblocks = cdb[4] != 0 ? cdb[4] : 256; /* SBC-3 5.11: 0 means 256 */
		c->write = op == OP_WRITE_6;
		return 0;
	case OP_READ_10:
	case OP_WRITE_10:
	case OP_READ_12:
	case OP_WRITE_12:
	case OP_READ_16:
	case OP_WRITE_16:
		if (protect_set(cdb))
			return bad(err, SENSE_INVALID_FIELD_CDB);
		c->write = op == OP_WRITE_10 || op == OP_WRITE_12 || op == OP_WRITE_16;
		c->kind = c->write ? SCSI_K_WRITE : SCSI_K_READ;
		c->fua = (cdb[1] & 0x08) != 0;
		cdb_range(c, cdb, len);
		return 0;
	case OP_VERIFY_10:
	case OP_VERIFY_12:
	case OP_VERIFY_16:
		/* BYTCHK 0 only: a medium check with no data compared */
		if (protect_set(cdb) || (cdb[1] & 0x06) != 0)
			return bad(err, SENSE_INVALID_FIELD_CDB);
		c->kind = SCSI_K_NONE;
		cdb_range(c, cdb, len);
		return 0;
	case OP_SYNC_CACHE_10:
	case OP_SYNC_CACHE_16:
		c->kind = SCSI_K_SYNC;
		cdb_range(c, cdb, len);
		return 0;
	case OP_WRITE_SAME_10:
	case OP_WRITE_SAME_16:
		/* no PI; ANCHOR (bit 4) needs ANC_SUP, which is not reported */
		if (protect_set(cdb) || (cdb[1] & 0x10) != 0)
			return bad(err, SENSE_INVALID_FIELD_CDB);
		c->kind = SCSI_K_WRITE_SAME;
		c->write = true;
		c->unmap = (cdb[1] & 0x08) != 0;
		if (len == 16)
			c->ndob = (cdb[1] & 0x01) != 0;
		else if (cdb[1] & 0x01)
			return bad(err, SENSE_INVALID_FIELD_CDB);
		cdb_range(c, cdb, len);
		/* WSNZ is reported: zero blocks ("to the end") is refused */
		if (c->nblocks == 0)
			return bad(err, SENSE_INVALID_FIELD_CDB);
		return 0;
	case OP_UNMAP:
		if (cdb[1] & 0x01) /* ANCHOR */
			return bad(err, SENSE_INVALID_FIELD_CDB);
		c->kind = SCSI_K_UNMAP;
		c->write = true;
		c->alloc_len = scsi_get16(cdb + 7);
		return 0;
	default:
		return bad(err, SENSE_INVALID_OPCODE);
	}
}
