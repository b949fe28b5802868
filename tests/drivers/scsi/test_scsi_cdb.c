/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * CDB decoding of every opcode and length form, sense encoding, LBA range
 * checks (wrap-around included), and the emulated commands: INQUIRY and
 * its VPD pages, MODE SENSE/SELECT, READ CAPACITY, REPORT LUNS, REPORT
 * SUPPORTED OPERATION CODES, REQUEST SENSE, for 512 and 4096-byte blocks.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scsi_cdb.h"
#include "scsi_emul.h"

static uint8_t cdb[SCSI_CDB_SIZE];

static void
cdb_set(const uint8_t *b, size_t n)
{
	memset(cdb, 0, sizeof(cdb));
	memcpy(cdb, b, n);
}

#define CDB(...) cdb_set((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void
expect_sense(struct scsi_sense s, uint8_t key, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(s.key, key);
	assert_int_equal(s.asc, asc);
	assert_int_equal(s.ascq, ascq);
}

static void
parse_fails(uint8_t asc)
{
	struct scsi_cmd c;
	struct scsi_sense s;

	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, asc, 0);
}

static void
test_cdb_len(void **state)
{
	(void)state;
	assert_int_equal(scsi_cdb_len(0x00), 6);
	assert_int_equal(scsi_cdb_len(0x28), 10);
	assert_int_equal(scsi_cdb_len(0x5a), 10);
	assert_int_equal(scsi_cdb_len(0x7f), 0);
	assert_int_equal(scsi_cdb_len(0x88), 16);
	assert_int_equal(scsi_cdb_len(0xa8), 12);
	assert_int_equal(scsi_cdb_len(0xc0), 0);
}

static void
test_rw_forms(void **state)
{
	struct scsi_cmd c;
	struct scsi_sense s;

	(void)state;
	CDB(OP_READ_6, 0x1f, 0xff, 0xfe, 0x00, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_READ);
	assert_int_equal(c.lba, 0x1ffffe);
	assert_int_equal(c.nblocks, 256); /* 0 means 256 */
	CDB(OP_WRITE_6, 0x01, 0x02, 0x03, 7, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_WRITE);
	assert_true(c.write);
	assert_int_equal(c.lba, 0x10203);
	assert_int_equal(c.nblocks, 7);
	CDB(OP_READ_10, 0x08, 0x12, 0x34, 0x56, 0x78, 0, 0x01, 0x02, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_true(c.fua);
	assert_false(c.write);
	assert_int_equal(c.lba, 0x12345678);
	assert_int_equal(c.nblocks, 0x102);
	CDB(OP_WRITE_12, 0, 0, 0, 1, 0, 0x00, 0x01, 0x00, 0x00, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_true(c.write);
	assert_int_equal(c.lba, 0x100);
	assert_int_equal(c.nblocks, 0x10000);
	CDB(OP_READ_16, 0, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0, 0, 0, 9, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.lba, 0xffeeddccbbaa9988ULL);
	assert_int_equal(c.nblocks, 9);
	CDB(OP_WRITE_16, 0x08, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_true(c.write && c.fua);
	/* protection information is never offered */
	CDB(OP_READ_10, 0x20, 0, 0, 0, 0, 0, 0, 1, 0);
	parse_fails(0x24);
	CDB(OP_WRITE_16, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
	parse_fails(0x24);
	/* NACA in the control byte */
	CDB(OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0x04);
	parse_fails(0x24);
	CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0x04);
	parse_fails(0x24);
}

static void
test_other_forms(void **state)
{
	struct scsi_cmd c;
	struct scsi_sense s;

	(void)state;
	CDB(OP_WRITE_SAME_10, 0x08, 0, 0, 0, 10, 0, 0, 4, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_WRITE_SAME);
	assert_true(c.unmap && c.write && !c.ndob);
	assert_int_equal(c.lba, 10);
	assert_int_equal(c.nblocks, 4);
	CDB(OP_WRITE_SAME_16, 0x09, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_true(c.unmap && c.ndob);
	CDB(OP_WRITE_SAME_10, 0x01, 0, 0, 0, 10, 0, 0, 4, 0); /* no NDOB in the 10-byte form */
	parse_fails(0x24);
	CDB(OP_WRITE_SAME_16, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0); /* ANCHOR */
	parse_fails(0x24);
	CDB(OP_WRITE_SAME_10, 0, 0, 0, 0, 10, 0, 0, 0, 0); /* WSNZ */
	parse_fails(0x24);
	CDB(OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_UNMAP);
	assert_int_equal(c.alloc_len, 24);
	CDB(OP_UNMAP, 1, 0, 0, 0, 0, 0, 0, 24, 0);
	parse_fails(0x24);
	CDB(OP_SYNC_CACHE_10, 0x02, 0, 0, 0, 1, 0, 0, 2, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_SYNC);
	assert_int_equal(c.lba, 1);
	assert_int_equal(c.nblocks, 2);
	CDB(OP_SYNC_CACHE_16, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.lba, 3);
	assert_int_equal(c.nblocks, 4);
	CDB(OP_VERIFY_10, 0, 0, 0, 0, 5, 0, 0, 6, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_NONE);
	assert_int_equal(c.nblocks, 6);
	CDB(OP_VERIFY_16, 0x02, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0); /* BYTCHK 1 */
	parse_fails(0x24);
	CDB(OP_VERIFY_12, 0, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.nblocks, 6);
	CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0); /* SPC-4: at least 16 */
	parse_fails(0x24);
	CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.alloc_len, 256);
	CDB(OP_READ_CAPACITY_10, 0, 0, 0, 0, 1, 0, 0, 0, 0); /* LBA without PMI */
	parse_fails(0x24);
	CDB(OP_SERVICE_ACTION_IN_16, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.alloc_len, 32);
	CDB(OP_SERVICE_ACTION_IN_16, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
	parse_fails(0x24);
	CDB(OP_MAINTENANCE_IN, 0x05); /* REPORT IDENTIFYING INFORMATION: not ours */
	parse_fails(0x24);
	CDB(OP_MODE_SELECT_10, 0x10, 0, 0, 0, 0, 0, 0, 20, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.kind, SCSI_K_MODE_SELECT);
	assert_int_equal(c.alloc_len, 20);
	CDB(OP_INQUIRY, 0, 0, 0x01, 0x00, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	assert_int_equal(c.alloc_len, 256);
	CDB(OP_START_STOP_UNIT, 0, 0, 0, 1, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	CDB(OP_PREVENT_ALLOW, 0, 0, 0, 1, 0);
	assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
	/* unknown, variable-length and vendor opcodes */
	CDB(0x02);
	parse_fails(0x20);
	CDB(0x7f);
	parse_fails(0x20);
	CDB(0xc5);
	parse_fails(0x20);
	CDB(0x2e); /* WRITE AND VERIFY(10): not served */
	parse_fails(0x20);
}

/* Every listed opcode decodes from a plain CDB (minimal valid fields). */
static void
test_every_listed_opcode(void **state)
{
	const struct scsi_opinfo *o;
	struct scsi_cmd c;
	struct scsi_sense s;
	unsigned int n = 0;

	(void)state;
	for (o = scsi_opinfos; o->cdb_len != 0; o++, n++) {
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = o->op;
		if (o->has_sa)
			cdb[1] = (uint8_t)o->sa;
		if (o->op == OP_REPORT_LUNS)
			cdb[9] = 16;
		if (o->op == OP_WRITE_SAME_10)
			cdb[8] = 1;
		if (o->op == OP_WRITE_SAME_16)
			cdb[13] = 1;
		assert_int_equal(scsi_cdb_parse(cdb, &c, &s), 0);
		assert_int_equal(c.cdb_len, o->cdb_len);
		assert_int_equal(c.cdb_len, scsi_cdb_len(o->op));
	}
	assert_int_equal(n, 29);
}

static void
test_lba_range(void **state)
{
	(void)state;
	assert_true(scsi_lba_ok(0, 100, 100));
	assert_true(scsi_lba_ok(99, 1, 100));
	assert_true(scsi_lba_ok(100, 0, 100));
	assert_false(scsi_lba_ok(100, 1, 100));
	assert_false(scsi_lba_ok(0, 101, 100));
	/* LBA + length wrapping 64 bits */
	assert_false(scsi_lba_ok(UINT64_MAX, 2, 100));
	assert_false(scsi_lba_ok(UINT64_MAX - 1, 0xffffffff, UINT64_MAX));
	assert_true(scsi_lba_ok(UINT64_MAX - 1, 1, UINT64_MAX));
}

static void
test_sense_encoding(void **state)
{
	uint8_t b[32];

	(void)state;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(scsi_sense_encode(b, sizeof(b), false, SENSE_WRITE_PROTECTED), 18);
	assert_int_equal(b[0], 0x70);
	assert_int_equal(b[2], 0x07);
	assert_int_equal(b[7], 10);
	assert_int_equal(b[12], 0x27);
	assert_int_equal(b[13], 0x00);
	assert_int_equal(b[18], 0xaa);
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(scsi_sense_encode(b, sizeof(b), true, SENSE_LBA_OUT_OF_RANGE), 8);
	assert_int_equal(b[0], 0x72);
	assert_int_equal(b[1], 0x05);
	assert_int_equal(b[2], 0x21);
	assert_int_equal(b[3], 0x00);
	assert_int_equal(b[7], 0);
	assert_int_equal(b[8], 0xaa);
	/* LOGICAL UNIT NOT SUPPORTED is 25h/00h (upstream sends 21h) */
	assert_int_equal(SENSE_LUN_NOT_SUPPORTED.asc, 0x25);
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(scsi_sense_encode(b, 4, false, SENSE_WRITE_PROTECTED), 4);
	assert_int_equal(b[4], 0xaa);
}

/* ---- emulated commands ---- */

static struct scsi_lun lun512, lun4k;
static struct scsi_lun *map_luns[SCSI_MAX_LUNS];
static const struct scsi_lunmap map = {map_luns};
static uint8_t out[SCSI_EMUL_MAX];

static int
setup_luns(void **state)
{
	(void)state;
	memset(map_luns, 0, sizeof(map_luns));
	memset(&lun512, 0, sizeof(lun512));
	memset(&lun4k, 0, sizeof(lun4k));
	lun512.bs = 512;
	lun512.nblocks = 2048;
	lun512.fd = -1;
	scsi_lun_set_identity(&lun512, "/img/a");
	lun4k.bs = 4096;
	lun4k.nblocks = (1ULL << 33) + 5; /* past READ CAPACITY(10)'s reach */
	lun4k.spec.read_only = true;
	lun4k.spec.solid_state = true;
	lun4k.blkdev = true;
	scsi_lun_set_identity(&lun4k, "/img/b");
	map_luns[0] = &lun512;
	map_luns[5] = &lun4k;
	map_luns[255] = &lun512;
	return 0;
}

static int
emul(struct scsi_lun *l, bool wlun, struct scsi_sense *s)
{
	struct scsi_cmd c;

	assert_int_equal(scsi_cdb_parse(cdb, &c, s), 0);
	assert_int_equal(c.kind, SCSI_K_IN);
	memset(out, 0xcc, sizeof(out));
	return scsi_emulate(&map, l, wlun, cdb, &c, out, s);
}

static void
emul_fails(struct scsi_lun *l, uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct scsi_sense s;

	assert_int_equal(emul(l, false, &s), -1);
	expect_sense(s, key, asc, ascq);
}

static void
test_inquiry(void **state)
{
	struct scsi_sense s;
	int n;

	(void)state;
	CDB(OP_INQUIRY, 0, 0, 0, 96, 0);
	assert_int_equal(emul(&lun512, false, &s), 96);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[2], 0x06);
	assert_int_equal(out[4], 91);
	assert_memory_equal(out + 8, "VHOSTDEV", 8);
	/* no medium: qualifier 011b; the well-known LUN: type 1Eh */
	assert_int_equal(emul(NULL, false, &s), 96);
	assert_int_equal(out[0], 0x7f);
	assert_int_equal(emul(NULL, true, &s), 96);
	assert_int_equal(out[0], 0x1e);
	CDB(OP_INQUIRY, 0, 0x80, 0, 96, 0); /* page code without EVPD */
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_INQUIRY, 0x02, 0, 0, 96, 0); /* CMDDT */
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_INQUIRY, 1, 0x00, 0, 255, 0);
	n = emul(&lun512, false, &s);
	assert_int_equal(n, 10);
	assert_memory_equal(out + 4, ((uint8_t[]){0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2}), 6);
	CDB(OP_INQUIRY, 1, 0x80, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 20);
	assert_memory_equal(out + 4, lun512.serial, 16);
	CDB(OP_INQUIRY, 1, 0x83, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 44);
	assert_int_equal(out[5], 0x03);           /* NAA designator */
	assert_int_equal(out[8] >> 4, 3);         /* NAA 3: locally assigned */
	assert_int_equal(scsi_get64(out + 8), lun512.naa);
	assert_int_equal(out[17], 0x01);          /* T10 vendor id */
	assert_memory_equal(out + 20, "VHOSTDEV", 8);
	assert_memory_equal(out + 28, lun512.serial, 16);
	/* a stable id: the same path gives the same id, another path another */
	{
		struct scsi_lun x;

		memset(&x, 0, sizeof(x));
		scsi_lun_set_identity(&x, "/img/a");
		assert_int_equal(x.naa, lun512.naa);
		assert_true(lun4k.naa != lun512.naa);
	}
	CDB(OP_INQUIRY, 1, 0xb0, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 64);
	assert_int_equal(out[4] & 1, 1); /* WSNZ */
	assert_int_equal(scsi_get32(out + 8), SCSI_MAX_XFER_BLOCKS);
	assert_int_equal(scsi_get32(out + 24), SCSI_MAX_UNMAP_DESC);
	assert_int_equal(scsi_get32(out + 28), 8);
	assert_int_equal(emul(&lun4k, false, &s), 64);
	assert_int_equal(scsi_get32(out + 28), 1);
	CDB(OP_INQUIRY, 1, 0xb1, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 64);
	assert_int_equal(scsi_get16(out + 4), 0);
	assert_int_equal(emul(&lun4k, false, &s), 64);
	assert_int_equal(scsi_get16(out + 4), 1); /* --solid-state */
	CDB(OP_INQUIRY, 1, 0xb2, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 8);
	assert_int_equal(out[5], 0xe4); /* LBPU, LBPWS, LBPWS10, LBPRZ */
	assert_int_equal(emul(&lun4k, false, &s), 8);
	assert_int_equal(out[5], 0xe0); /* block device: zeros after discard not promised */
	CDB(OP_INQUIRY, 1, 0x89, 0, 255, 0);
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_INQUIRY, 1, 0x80, 0, 255, 0);
	emul_fails(NULL, SK_ILLEGAL_REQUEST, 0x25, 0);
}

static void
test_read_capacity(void **state)
{
	struct scsi_sense s;

	(void)state;
	CDB(OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 8);
	assert_int_equal(scsi_get32(out), 2047);
	assert_int_equal(scsi_get32(out + 4), 512);
	assert_int_equal(emul(&lun4k, false, &s), 8);
	assert_int_equal(scsi_get32(out), 0xffffffffu); /* use READ CAPACITY(16) */
	assert_int_equal(scsi_get32(out + 4), 4096);
	CDB(OP_SERVICE_ACTION_IN_16, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
	assert_int_equal(emul(&lun4k, false, &s), 32);
	assert_int_equal(scsi_get64(out), (1ULL << 33) + 4);
	assert_int_equal(scsi_get32(out + 8), 4096);
	assert_int_equal(out[14], 0x80);
	assert_int_equal(emul(&lun512, false, &s), 32);
	assert_int_equal(out[14], 0xc0);
	emul_fails(NULL, SK_ILLEGAL_REQUEST, 0x25, 0);
}

static void
test_mode_sense(void **state)
{
	struct scsi_sense s;

	(void)state;
	CDB(OP_MODE_SENSE_6, 0, 0x3f, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 4 + 8 + 20 + 12);
	assert_int_equal(out[0], 43);
	assert_int_equal(out[2], 0x10);           /* DPOFUA, not WP */
	assert_int_equal(out[3], 8);
	assert_int_equal(scsi_get32(out + 4) & 0xffffff, 2048);
	assert_int_equal(scsi_get32(out + 8) & 0xffffff, 512);
	assert_int_equal(out[12], 0x08);          /* caching */
	assert_int_equal(out[14] & 0x04, 0x04);   /* WCE */
	assert_int_equal(out[32], 0x0a);          /* control */
	assert_int_equal(emul(&lun4k, false, &s), 44);
	assert_int_equal(out[2], 0x90);           /* WP */
	assert_int_equal(scsi_get32(out + 4) & 0xffffff, 0xffffff);
	CDB(OP_MODE_SENSE_6, 0x08, 0x08, 0, 255, 0); /* DBD */
	assert_int_equal(emul(&lun512, false, &s), 24);
	assert_int_equal(out[3], 0);
	assert_int_equal(out[4], 0x08);
	CDB(OP_MODE_SENSE_6, 0x08, 0x48, 0, 255, 0); /* changeable values */
	assert_int_equal(emul(&lun512, false, &s), 24);
	assert_int_equal(out[6], 0);
	CDB(OP_MODE_SENSE_10, 0x10, 0x0a, 0, 0, 0, 0, 0, 255, 0); /* LLBAA */
	assert_int_equal(emul(&lun4k, false, &s), 8 + 16 + 12);
	assert_int_equal(scsi_get16(out), 34);
	assert_int_equal(out[3], 0x90);
	assert_int_equal(out[4], 1);
	assert_int_equal(scsi_get16(out + 6), 16);
	assert_int_equal(scsi_get64(out + 8), (1ULL << 33) + 5);
	assert_int_equal(scsi_get32(out + 20), 4096);
	assert_int_equal(out[24], 0x0a);
	CDB(OP_MODE_SENSE_6, 0, 0xc8, 0, 255, 0); /* saved values */
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x39, 0);
	CDB(OP_MODE_SENSE_6, 0, 0x1c, 0, 255, 0); /* a page we do not have */
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_MODE_SENSE_6, 0, 0x08, 0x01, 255, 0); /* a subpage */
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_MODE_SENSE_10, 0, 0x3f, 0xff, 0, 0, 0, 0, 255, 0);
	assert_int_equal(emul(&lun512, false, &s), 8 + 8 + 20 + 12);
}

static void
test_mode_select(void **state)
{
	uint8_t p[64];
	struct scsi_sense s;
	int n;

	(void)state;
	/* read the control page back, flip D_SENSE, select it */
	CDB(OP_MODE_SENSE_6, 0x08, 0x0a, 0, 255, 0);
	n = emul(&lun512, false, &s);
	assert_int_equal(n, 16);
	memcpy(p, out, (size_t)n);
	p[0] = 0;
	p[6] |= 0x04;
	CDB(OP_MODE_SELECT_6, 0x10, 0, 0, (uint8_t)n, 0);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, (uint32_t)n, &s), 0);
	assert_true(lun512.d_sense);
	/* PF clear, SP set */
	CDB(OP_MODE_SELECT_6, 0x00, 0, 0, (uint8_t)n, 0);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, (uint32_t)n, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_MODE_SELECT_6, 0x11, 0, 0, (uint8_t)n, 0);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, (uint32_t)n, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x39, 0);
	/* a change to anything else is refused, and nothing is applied */
	p[6] &= (uint8_t)~0x04;
	p[7] = 0x00; /* queue algorithm modifier */
	CDB(OP_MODE_SELECT_6, 0x10, 0, 0, (uint8_t)n, 0);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, (uint32_t)n, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_true(lun512.d_sense);
	/* caching page with WCE cleared */
	CDB(OP_MODE_SENSE_6, 0x08, 0x08, 0, 255, 0);
	n = emul(&lun512, false, &s);
	memcpy(p, out, (size_t)n);
	p[0] = 0;
	p[6] = 0;
	CDB(OP_MODE_SELECT_6, 0x10, 0, 0, (uint8_t)n, 0);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, (uint32_t)n, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x26, 0);
	/* unchanged values are fine; a block descriptor with another block length is not */
	p[6] = 0x04;
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, (uint32_t)n, &s), 0);
	memset(p, 0, sizeof(p));
	p[3] = 8;
	scsi_put32(p + 8, 4096);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, 12, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x26, 0);
	scsi_put32(p + 8, 512);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, 12, &s), 0);
	/* lengths: a header cut short, a page running past the list */
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, 3, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x1a, 0);
	p[12] = 0x0a;
	p[13] = 0x0a;
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, 16, &s), -1);
	expect_sense(s, SK_ILLEGAL_REQUEST, 0x1a, 0);
	/* MODE SELECT(10) with the 8-byte header */
	memset(p, 0, sizeof(p));
	p[8] = 0x0a;
	p[9] = 0x0a;
	p[11] = 0x10;
	CDB(OP_MODE_SELECT_10, 0x10, 0, 0, 0, 0, 0, 0, 20, 0);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, 20, &s), 0);
	assert_false(lun512.d_sense);
	assert_int_equal(scsi_mode_select(&lun512, cdb, p, 0, &s), 0);
}

static void
test_report_luns(void **state)
{
	struct scsi_sense s;

	(void)state;
	CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 8 + 3 * 8);
	assert_int_equal(scsi_get32(out), 24);
	assert_memory_equal(out + 8, ((uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0}), 8);
	assert_memory_equal(out + 16, ((uint8_t[]){0, 5, 0, 0, 0, 0, 0, 0}), 8);
	assert_memory_equal(out + 24, ((uint8_t[]){0, 255, 0, 0, 0, 0, 0, 0}), 8);
	/* well-known only, and all with the well-known LUN; through LUNs with no medium too */
	CDB(OP_REPORT_LUNS, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(NULL, true, &s), 16);
	assert_memory_equal(out + 8, ((uint8_t[]){0xc1, 0x01, 0, 0, 0, 0, 0, 0}), 8);
	CDB(OP_REPORT_LUNS, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(NULL, false, &s), 8 + 4 * 8);
	assert_memory_equal(out + 32, ((uint8_t[]){0xc1, 0x01, 0, 0, 0, 0, 0, 0}), 8);
	CDB(OP_REPORT_LUNS, 0, 0x10, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	/* an empty target reports an empty list */
	map_luns[0] = map_luns[5] = map_luns[255] = NULL;
	assert_true(scsi_lunmap_empty(&map));
	CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(NULL, false, &s), 8);
	assert_int_equal(scsi_get32(out), 0);
}

static void
test_report_opcodes(void **state)
{
	struct scsi_sense s;
	int n;

	(void)state;
	CDB(OP_MAINTENANCE_IN, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0);
	n = emul(&lun512, false, &s);
	assert_int_equal(n, 4 + 29 * 8);
	assert_int_equal(scsi_get32(out), 29 * 8);
	/* one command: supported, with its usage data */
	CDB(OP_MAINTENANCE_IN, 0x0c, 1, OP_WRITE_SAME_16, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 4 + 16);
	assert_int_equal(out[1] & 7, 3);
	assert_int_equal(scsi_get16(out + 2), 16);
	assert_int_equal(out[4], OP_WRITE_SAME_16);
	CDB(OP_MAINTENANCE_IN, 0x0c, 1, 0x2e, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 4);
	assert_int_equal(out[1] & 7, 1); /* not supported */
	/* option 1 names no service action; option 2 needs one */
	CDB(OP_MAINTENANCE_IN, 0x0c, 1, OP_SERVICE_ACTION_IN_16, 0, 0, 0, 0, 1, 0, 0, 0);
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_MAINTENANCE_IN, 0x0c, 2, OP_SERVICE_ACTION_IN_16, 0, 0x10, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 4 + 16);
	assert_int_equal(out[1] & 7, 3);
	assert_int_equal(out[5] & 0x1f, 0x10);
	CDB(OP_MAINTENANCE_IN, 0x0c, 2, OP_SERVICE_ACTION_IN_16, 0, 0x11, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 4);
	assert_int_equal(out[1] & 7, 1);
	CDB(OP_MAINTENANCE_IN, 0x0c, 2, OP_READ_10, 0, 0, 0, 0, 1, 0, 0, 0);
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_MAINTENANCE_IN, 0x0c, 3, OP_READ_10, 0, 0, 0, 0, 1, 0, 0, 0);
	assert_int_equal(emul(&lun512, false, &s), 4 + 10);
	CDB(OP_MAINTENANCE_IN, 0x0c, 0x80, 0, 0, 0, 0, 0, 1, 0, 0, 0); /* RCTD */
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
	CDB(OP_MAINTENANCE_IN, 0x0c, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0);
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
}

static void
test_request_sense(void **state)
{
	struct scsi_sense s;

	(void)state;
	CDB(OP_REQUEST_SENSE, 0, 0, 0, 252, 0);
	assert_int_equal(emul(&lun512, false, &s), 18);
	assert_int_equal(out[0], 0x70);
	assert_int_equal(out[2], 0);
	CDB(OP_REQUEST_SENSE, 1, 0, 0, 252, 0); /* DESC */
	assert_int_equal(emul(&lun512, false, &s), 8);
	assert_int_equal(out[0], 0x72);
	assert_int_equal(emul(NULL, false, &s), 8);
	assert_int_equal(out[1], 0x05);
	assert_int_equal(out[2], 0x25);
	CDB(OP_REQUEST_SENSE, 2, 0, 0, 252, 0);
	emul_fails(&lun512, SK_ILLEGAL_REQUEST, 0x24, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdb_len),
		cmocka_unit_test(test_rw_forms),
		cmocka_unit_test(test_other_forms),
		cmocka_unit_test(test_every_listed_opcode),
		cmocka_unit_test(test_lba_range),
		cmocka_unit_test(test_sense_encoding),
		cmocka_unit_test_setup(test_inquiry, setup_luns),
		cmocka_unit_test_setup(test_read_capacity, setup_luns),
		cmocka_unit_test_setup(test_mode_sense, setup_luns),
		cmocka_unit_test_setup(test_mode_select, setup_luns),
		cmocka_unit_test_setup(test_report_luns, setup_luns),
		cmocka_unit_test_setup(test_report_opcodes, setup_luns),
		cmocka_unit_test_setup(test_request_sense, setup_luns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
