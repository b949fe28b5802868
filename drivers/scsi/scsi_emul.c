/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>

#include "scsi_emul.h"

#define VENDOR "VHOSTDEV"         /* 8 bytes */
#define PRODUCT "VHD SCSI DISK   " /* 16 bytes */
#define REVISION "0001"

static int
fail(struct scsi_sense *err, struct scsi_sense s)
{
	*err = s;
	return -1;
}

/* Holes and never-written RAM read back as zeros: LBPRZ. Block devices may not. */
static bool
reads_zero(const struct scsi_lun *l)
{
	return !l->blkdev;
}

bool
scsi_ua_take(struct scsi_lun *l, struct scsi_sense *s)
{
	/* SAM-5 5.14: the highest priority first; resets outrank the inventory change */
	static const struct {
		uint8_t bit;
		struct scsi_sense sense;
	} order[] = {
		{SCSI_UA_RESET, SENSE_POWER_ON_RESET},
		{SCSI_UA_NEXUS_LOSS, SENSE_NEXUS_LOSS},
		{SCSI_UA_LUNS_CHANGED, SENSE_LUNS_CHANGED},
	};
	unsigned int i;

	if (l == NULL)
		return false;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (l->ua & order[i].bit) {
			l->ua &= (uint8_t)~order[i].bit;
			*s = order[i].sense;
			return true;
		}
	}
	return false;
}

bool
scsi_lunmap_empty(const struct scsi_lunmap *map)
{
	unsigned int i;

	for (i = 0; i < SCSI_MAX_LUNS; i++)
		if (map->luns[i] != NULL)
			return false;
	return true;
}

static int
inquiry_std(struct scsi_lun *l, bool wlun, uint8_t *out)
{
	memset(out, 0, 96);
	/* a LUN with nothing behind it: qualifier 011b, type 1Fh (SPC-4 6.6.2) */
	out[0] = wlun ? 0x1e : l != NULL ? 0x00 : 0x7f;
	out[2] = 0x06;      /* SPC-4 */
	out[3] = 0x12;      /* HISUP, response data format 2 */
	out[4] = 96 - 5;
	out[7] = 0x02;      /* CMDQUE */
	memcpy(out + 8, VENDOR, 8);
	memcpy(out + 16, PRODUCT, 16);
	memcpy(out + 32, REVISION, 4);
	/* version descriptors: SAM-5, SPC-4, SBC-3 */
	scsi_put16(out + 58, 0x00a0);
	scsi_put16(out + 60, 0x0460);
	scsi_put16(out + 62, 0x04c0);
	return 96;
}

static int
inquiry_vpd(struct scsi_lun *l, uint8_t page, uint8_t *out, struct scsi_sense *err)
{
	static const uint8_t pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
	uint16_t n;
	uint8_t *d;

	memset(out, 0, 64);
	out[0] = 0x00;
	out[1] = page;
	switch (page) {
	case 0x00:
		memcpy(out + 4, pages, sizeof(pages));
		n = sizeof(pages);
		break;
	case 0x80:
		memcpy(out + 4, l->serial, 16);
		n = 16;
		break;
	case 0x83:
		d = out + 4;
		d[0] = 0x01; /* binary */
		d[1] = 0x03; /* associated with the LU, NAA */
		d[3] = 8;
		scsi_put64(d + 4, l->naa);
		d += 12;
		d[0] = 0x02; /* ASCII */
		d[1] = 0x01; /* T10 vendor identification */
		d[3] = 24;
		memcpy(d + 4, VENDOR, 8);
		memcpy(d + 12, l->serial, 16);
		n = 12 + 28;
		break;
	case 0xb0:
		out[4] = 0x01; /* WSNZ: WRITE SAME of 0 blocks is refused */
		scsi_put32(out + 8, SCSI_MAX_XFER_BLOCKS);
		scsi_put32(out + 20, SCSI_MAX_UNMAP_BLOCKS);
		scsi_put32(out + 24, SCSI_MAX_UNMAP_DESC);
		/* punching a hole is only worth it for whole 4 KiB pages of the image */
		scsi_put32(out + 28, 4096 / l->bs);
		scsi_put64(out + 36, SCSI_MAX_UNMAP_BLOCKS);
		n = 0x3c;
		break;
	case 0xb1:
		scsi_put16(out + 4, l->spec.solid_state ? 1 : 0); /* 1: non-rotating */
		n = 0x3c;
		break;
	case 0xb2:
		/* LBPU, LBPWS, LBPWS10, LBPRZ */
		out[5] = 0x80 | 0x40 | 0x20 | (reads_zero(l) ? 0x04 : 0);
		out[6] = 0x02;                                             /* thin provisioned */
		n = 4;
		break;
	default:
		return fail(err, SENSE_INVALID_FIELD_CDB);
	}
	scsi_put16(out + 2, n);
	return 4 + n;
}

static int
inquiry(struct scsi_lun *l, bool wlun, const uint8_t *cdb, uint8_t *out, struct scsi_sense *err)
{
	if (cdb[1] & 0xfe) /* CMDDT and reserved bits */
		return fail(err, SENSE_INVALID_FIELD_CDB);
	if (!(cdb[1] & 0x01))
		return cdb[2] != 0 ? fail(err, SENSE_INVALID_FIELD_CDB) : inquiry_std(l, wlun, out);
	if (l == NULL)
		return fail(err, wlun ? SENSE_INVALID_FIELD_CDB : SENSE_LUN_NOT_SUPPORTED);
	return inquiry_vpd(l, cdb[2], out, err);
}

/* One mode page into @p p for page control @p pc; @return its length. */
static int
mode_page(const struct scsi_lun *l, uint8_t page, uint8_t pc, uint8_t *p)
{
	if (page == 0x08) { /* caching */
		memset(p, 0, 20);
		p[0] = 0x08;
		p[1] = 0x12;
		if (pc != 1)
			p[2] = 0x04; /* WCE: writes may sit in the host page cache until a sync */
		return 20;
	}
	memset(p, 0, 12); /* control */
	p[0] = 0x0a;
	p[1] = 0x0a;
	if (pc == 1)
		p[2] = 0x04; /* D_SENSE is changeable */
	else if (pc == 0 && l->d_sense)
		p[2] = 0x04;
	if (pc != 1)
		p[3] = 0x10; /* unrestricted reordering */
	return 12;
}

static int
mode_sense(struct scsi_lun *l, const uint8_t *cdb, uint8_t *out, struct scsi_sense *err)
{
	bool ten = cdb[0] == OP_MODE_SENSE_10;
	bool dbd = (cdb[1] & 0x08) != 0, llbaa = ten && (cdb[1] & 0x10) != 0;
	uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
	unsigned int hl = ten ? 8 : 4, bdl = dbd ? 0 : llbaa ? 16 : 8, n;

	if (pc == 3)
		return fail(err, SENSE_SAVING_NOT_SUPPORTED);
	if ((page != 0x08 && page != 0x0a && page != 0x3f) ||
	    (sub != 0 && !(page == 0x3f && sub == 0xff)))
		return fail(err, SENSE_INVALID_FIELD_CDB);
	memset(out, 0, hl + bdl);
	n = hl;
	if (bdl == 8) {
		scsi_put32(out + n, l->nblocks > 0xffffff ? 0xffffff : (uint32_t)l->nblocks);
		out[n] = 0; /* density code */
		scsi_put32(out + n + 4, l->bs);
	} else if (bdl == 16) {
		scsi_put64(out + n, l->nblocks);
		scsi_put32(out + n + 12, l->bs);
	}
	n += bdl;
	if (page == 0x08 || page == 0x3f)
		n += (unsigned int)mode_page(l, 0x08, pc, out + n);
	if (page == 0x0a || page == 0x3f)
		n += (unsigned int)mode_page(l, 0x0a, pc, out + n);
	/* device-specific parameter: WP, DPOFUA */
	if (ten) {
		scsi_put16(out, (uint16_t)(n - 2));
		out[3] = (l->spec.read_only ? 0x80 : 0) | 0x10;
		out[4] = llbaa ? 0x01 : 0;
		scsi_put16(out + 6, (uint16_t)bdl);
	} else {
		out[0] = (uint8_t)(n - 1);
		out[2] = (l->spec.read_only ? 0x80 : 0) | 0x10;
		out[3] = (uint8_t)bdl;
	}
	return (int)n;
}

int
scsi_mode_select(struct scsi_lun *l, const uint8_t *cdb, const uint8_t *p, uint32_t len,
		 struct scsi_sense *err)
{
	bool ten = cdb[0] == OP_MODE_SELECT_10;
	uint32_t hl = ten ? 8 : 4, bdl, off;
	bool d_sense = l->d_sense;
	uint8_t cur[20];

	if (!(cdb[1] & 0x10)) /* PF: only the standard page format */
		return fail(err, SENSE_INVALID_FIELD_CDB);
	if (cdb[1] & 0x01)    /* SP: nothing can be saved */
		return fail(err, SENSE_SAVING_NOT_SUPPORTED);
	if (len == 0)
		return 0;
	if (len < hl)
		return fail(err, SENSE_PARAM_LIST_LENGTH);
	bdl = ten ? scsi_get16(p + 6) : p[3];
	if (p[ten ? 2 : 1] != 0 || (bdl != 0 && bdl != 8 && !(ten && (p[4] & 1) && bdl == 16)))
		return fail(err, SENSE_INVALID_FIELD_PARAM);
	if (bdl > len - hl)
		return fail(err, SENSE_PARAM_LIST_LENGTH);
	/* a block descriptor may restate the block length, not change it */
	if (bdl == 8 && (scsi_get32(p + hl + 4) & 0xffffff) != l->bs)
		return fail(err, SENSE_INVALID_FIELD_PARAM);
	if (bdl == 16 && scsi_get32(p + hl + 12) != l->bs)
		return fail(err, SENSE_INVALID_FIELD_PARAM);
	for (off = hl + bdl; off < len;) {
		uint8_t page, plen;
		unsigned int i;

		if (len - off < 2)
			return fail(err, SENSE_PARAM_LIST_LENGTH);
		page = p[off] & 0x3f;
		plen = p[off + 1];
		if ((p[off] & 0x40) || (page != 0x08 && page != 0x0a))
			return fail(err, SENSE_INVALID_FIELD_PARAM);
		if ((uint32_t)plen + 2 > len - off)
			return fail(err, SENSE_PARAM_LIST_LENGTH);
		if (plen != (page == 0x08 ? 0x12 : 0x0a))
			return fail(err, SENSE_INVALID_FIELD_PARAM);
		mode_page(l, page, 0, cur);
		for (i = 2; i < (unsigned int)plen + 2; i++) {
			uint8_t mask = page == 0x0a && i == 2 ? (uint8_t)~0x04 : 0xff;

			if ((p[off + i] & mask) != (cur[i] & mask))
				return fail(err, SENSE_INVALID_FIELD_PARAM);
		}
		if (page == 0x0a)
			d_sense = (p[off + 2] & 0x04) != 0;
		off += plen + 2u;
	}
	l->d_sense = d_sense; /* all checked: now apply */
	return 0;
}

static int
report_luns(const struct scsi_lunmap *map, const uint8_t *cdb, uint8_t *out,
	    struct scsi_sense *err)
{
	unsigned int i, n = 0;
	uint8_t sel = cdb[2];

	if (sel > 2)
		return fail(err, SENSE_INVALID_FIELD_CDB);
	memset(out, 0, 8);
	if (sel != 1)
		for (i = 0; i < SCSI_MAX_LUNS; i++) {
			uint8_t *e = out + 8 + 8 * n;

			if (map->luns[i] == NULL)
				continue;
			memset(e, 0, 8);
			e[1] = (uint8_t)i; /* peripheral device addressing, bus 0 */
			n++;
		}
	if (sel != 0) {
		uint8_t *e = out + 8 + 8 * n;

		memset(e, 0, 8);
		scsi_put16(e, SCSI_WLUN_REPORT_LUNS);
		n++;
	}
	scsi_put32(out, 8 * n);
	return (int)(8 + 8 * n);
}

static int
report_opcodes(const uint8_t *cdb, uint8_t *out, struct scsi_sense *err)
{
	const struct scsi_opinfo *o;
	uint8_t opts = cdb[2] & 0x07, op = cdb[3];
	uint16_t sa = scsi_get16(cdb + 4);
	unsigned int n = 4;

	if (cdb[2] & 0x80) /* RCTD: no timeouts descriptors */
		return fail(err, SENSE_INVALID_FIELD_CDB);
	switch (opts) {
	case 0:
		for (o = scsi_opinfos; o->cdb_len != 0; o++) {
			uint8_t *d = out + n;

			memset(d, 0, 8);
			d[0] = o->op;
			scsi_put16(d + 2, o->sa);
			d[5] = o->has_sa ? 0x01 : 0;
			scsi_put16(d + 6, o->cdb_len);
			n += 8;
		}
		scsi_put32(out, n - 4);
		return (int)n;
	case 1:
	case 2:
	case 3:
		o = scsi_opinfo_find(op, sa, opts != 1);
		/* option 1 names a command without service actions, 2 one with them */
		if (opts != 3 && scsi_opinfo_find(op, 0, false) != NULL &&
		    scsi_opinfo_find(op, 0, false)->has_sa != (opts == 2))
			return fail(err, SENSE_INVALID_FIELD_CDB);
		if (o != NULL && opts == 3 && !o->has_sa && sa != 0)
			o = NULL;
		memset(out, 0, 4);
		if (o == NULL) {
			out[1] = 0x01; /* not supported */
			return 4;
		}
		out[1] = 0x03;         /* supported as the standard says */
		scsi_put16(out + 2, o->cdb_len);
		memcpy(out + 4, o->usage, o->cdb_len);
		if (o->has_sa)
			out[5] = (uint8_t)o->sa | (out[5] & 0xe0);
		return 4 + o->cdb_len;
	default:
		return fail(err, SENSE_INVALID_FIELD_CDB);
	}
}

int
scsi_emulate(const struct scsi_lunmap *map, struct scsi_lun *l, bool wlun, const uint8_t *cdb,
	     const struct scsi_cmd *c, uint8_t *out, struct scsi_sense *err)
{
	struct scsi_sense ua = SENSE_NONE;
	uint8_t desc;
	int n;

	switch (c->op) {
	case OP_INQUIRY:
		/* never reports nor clears a unit attention (SPC-4 5.14) */
		return inquiry(l, wlun, cdb, out, err);
	case OP_REPORT_LUNS:
		n = report_luns(map, cdb, out, err);
		/* the guest has seen the new inventory: that condition is gone, others stay */
		if (n >= 0 && l != NULL)
			l->ua &= (uint8_t)~SCSI_UA_LUNS_CHANGED;
		return n;
	case OP_REQUEST_SENSE:
		/*
		 * No deferred errors: sense goes with each CHECK CONDITION
		 * (autosense). A pending unit attention is reported here with
		 * GOOD status and cleared (SPC-4 REQUEST SENSE, option b).
		 */
		if (cdb[1] & 0xfe)
			return fail(err, SENSE_INVALID_FIELD_CDB);
		desc = cdb[1] & 0x01;
		if (l == NULL && !wlun)
			ua = SENSE_LUN_NOT_SUPPORTED;
		else
			scsi_ua_take(l, &ua);
		return (int)scsi_sense_encode(out, 252, desc, ua);
	case OP_MAINTENANCE_IN:
		return report_opcodes(cdb, out, err);
	default:
		break;
	}
	if (l == NULL)
		return fail(err, wlun ? SENSE_INVALID_OPCODE : SENSE_LUN_NOT_SUPPORTED);
	switch (c->op) {
	case OP_MODE_SENSE_6:
	case OP_MODE_SENSE_10:
		return mode_sense(l, cdb, out, err);
	case OP_READ_CAPACITY_10:
		memset(out, 0, 8);
		scsi_put32(out, l->nblocks - 1 > 0xffffffffULL ? 0xffffffffu :
			   (uint32_t)(l->nblocks - 1));
		scsi_put32(out + 4, l->bs);
		return 8;
	case OP_SERVICE_ACTION_IN_16:
		memset(out, 0, 32);
		scsi_put64(out, l->nblocks - 1);
		scsi_put32(out + 8, l->bs);
		out[14] = 0x80 | (reads_zero(l) ? 0x40 : 0); /* LBPME, LBPRZ */
		return 32;
	default:
		return fail(err, SENSE_INVALID_OPCODE);
	}
}
