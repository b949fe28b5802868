/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The virtio-scsi device on the unit-test host: commands on RAM and file
 * LUNs (512 and 4096-byte blocks), I/O through the host's io_uring service
 * with completions out of order and the depth exhausted, read-only LUNs
 * (O_RDONLY, DATA PROTECT, bytes unchanged), overruns and residuals with
 * guard bytes, malformed headers and LUNs, UNMAP descriptor lists, WRITE
 * SAME, TMFs with commands in flight, AN, hot-add/remove events, unit
 * attention conditions.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scsi.h"
#include "scsi_cdb.h"
#include "scsi_emul.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#define IMG_BLOCKS 256

struct ctx {
	struct vhd_test_pair p;   /* request queue 0 (q 2) */
	struct vhd_test_pair ctl; /* control queue */
	struct vhd_test_pair ev;  /* event queue */
	struct vhd_test_host h;
	struct scsi_dev dev;
	char path[64];
	int fd;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct scsi_lun_spec s = {.path = "ram:1M", .block_size = 512};
	char err[256];
	uint8_t blk[512];
	unsigned int i;

	assert_non_null(c);
	assert_int_equal(vhd_test_pair_init(&c->p, 256, VHD_BIT(VHD_F_RING_INDIRECT_DESC)), 0);
	assert_int_equal(vhd_test_pair_init(&c->ctl, 16, 0), 0);
	assert_int_equal(vhd_test_pair_init(&c->ev, 16, 0), 0);
	vhd_test_host_init(&c->h);
	assert_int_equal(scsi_dev_init(&c->dev, 1, 256), 0);
	c->dev.ops.attach(&c->dev, &c->h.host);
	/* LUN 0: RAM; LUN 1: a file image, each block filled with its number */
	assert_int_equal(scsi_dev_attach(&c->dev, 0, scsi_lun_open(&s, err, sizeof(err))), 0);
	snprintf(c->path, sizeof(c->path), "/tmp/vhd-scsi-unit-XXXXXX");
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	for (i = 0; i < IMG_BLOCKS; i++) {
		memset(blk, (int)i, sizeof(blk));
		assert_int_equal(pwrite(c->fd, blk, sizeof(blk), (off_t)i * 512), 512);
	}
	memset(&s, 0, sizeof(s));
	snprintf(s.path, sizeof(s.path), "%s", c->path);
	s.block_size = 512;
	assert_int_equal(scsi_dev_attach(&c->dev, 1, scsi_lun_open(&s, err, sizeof(err))), 0);
	c->dev.ops.set_features(&c->dev, 1ULL << VIRTIO_SCSI_F_HOTPLUG);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	scsi_dev_fini(&c->dev);
	vhd_test_pair_fini(&c->p);
	vhd_test_pair_fini(&c->ctl);
	vhd_test_pair_fini(&c->ev);
	close(c->fd);
	unlink(c->path);
	free(c);
	return 0;
}

static uint8_t *
wbuf(struct vhd_test_pair *p, uint32_t len)
{
	return vhd_test_alloc_guarded(p, len);
}

static void
guard_ok(const uint8_t *b, uint32_t len)
{
	assert_true(vhd_test_guard_intact(b, len));
}

/* One command as Linux lays it out: header, data-out | response, data-in. */
struct cmd {
	struct virtio_scsi_cmd_req *req;
	struct virtio_scsi_cmd_resp *resp;
	uint8_t *dout;
	uint8_t *din;
	uint32_t dout_len, din_len;
	int id;
};

static void
lun_flat(uint8_t *lun, unsigned int idx)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[2] = (uint8_t)(0x40 | (idx >> 8));
	lun[3] = (uint8_t)idx;
}

static void
cmd_post(struct ctx *c, struct cmd *m, unsigned int lun, const uint8_t *cdb, size_t cdb_len,
	 const void *dout, uint32_t dout_len, uint32_t din_len)
{
	struct vhd_fe_buf b[4];
	unsigned int nr = 0, nw = 0;

	memset(m, 0, sizeof(*m));
	m->req = vhd_test_alloc(&c->p, sizeof(*m->req));
	lun_flat(m->req->lun, lun);
	m->req->tag = htole64(0x1000 + lun);
	memcpy(m->req->cdb, cdb, cdb_len);
	b[nr++] = (struct vhd_fe_buf){m->req, sizeof(*m->req)};
	if (dout_len != 0) {
		m->dout = vhd_test_alloc(&c->p, dout_len);
		if (dout != NULL)
			memcpy(m->dout, dout, dout_len);
		b[nr++] = (struct vhd_fe_buf){m->dout, dout_len};
	}
	m->resp = (struct virtio_scsi_cmd_resp *)wbuf(&c->p, sizeof(*m->resp));
	b[nr + nw++] = (struct vhd_fe_buf){m->resp, sizeof(*m->resp)};
	if (din_len != 0) {
		m->din = wbuf(&c->p, din_len);
		b[nr + nw++] = (struct vhd_fe_buf){m->din, din_len};
	}
	m->dout_len = dout_len;
	m->din_len = din_len;
	m->id = vhd_test_post(&c->p, b, nr, nw, false);
	assert_true(m->id >= 0);
}

/* Serve until used entries come back; @return the used length of the first. */
static uint32_t
used_one(struct ctx *c, int *id)
{
	uint16_t uid;
	uint32_t len;
	int i;

	for (i = 0; i < 4; i++) {
		vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
		if (vhd_test_used(&c->p, &uid, &len) == 1) {
			if (id != NULL)
				*id = uid;
			return len;
		}
	}
	fail_msg("no used entry");
	return 0;
}

static uint32_t
run(struct ctx *c, struct cmd *m, unsigned int lun, const uint8_t *cdb, size_t cdb_len,
    const void *dout, uint32_t dout_len, uint32_t din_len)
{
	int id;
	uint32_t len;

	cmd_post(c, m, lun, cdb, cdb_len, dout, dout_len, din_len);
	len = used_one(c, &id);
	assert_int_equal(id, m->id);
	guard_ok((uint8_t *)m->resp, sizeof(*m->resp));
	if (m->din != NULL)
		guard_ok(m->din, m->din_len);
	return len;
}

#define RUN(c, m, lun, dout, dlen, dinlen, ...) \
	run(c, m, lun, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), \
	    dout, dlen, dinlen)

static void
expect_good(const struct cmd *m, uint32_t resid)
{
	assert_int_equal(m->resp->response, VIRTIO_SCSI_S_OK);
	assert_int_equal(m->resp->status, SAM_GOOD);
	assert_int_equal(le32toh(m->resp->sense_len), 0);
	assert_int_equal(le32toh(m->resp->resid), resid);
}

static void
expect_cc(const struct cmd *m, uint8_t key, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(m->resp->response, VIRTIO_SCSI_S_OK);
	assert_int_equal(m->resp->status, SAM_CHECK_CONDITION);
	if (m->resp->sense[0] == 0x72) {
		assert_int_equal(le32toh(m->resp->sense_len), 8);
		assert_int_equal(m->resp->sense[1], key);
		assert_int_equal(m->resp->sense[2], asc);
		assert_int_equal(m->resp->sense[3], ascq);
		return;
	}
	assert_int_equal(le32toh(m->resp->sense_len), 18);
	assert_int_equal(m->resp->sense[0], 0x70);
	assert_int_equal(m->resp->sense[2], key);
	assert_int_equal(m->resp->sense[12], asc);
	assert_int_equal(m->resp->sense[13], ascq);
}

/* REQUEST SENSE (fixed format) on @p lun: GOOD, with @p key/@p asc/@p ascq as its data. */
static void
expect_sense_data(struct ctx *c, unsigned int lun, uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct cmd m;

	assert_int_equal(RUN(c, &m, lun, NULL, 0, 32, OP_REQUEST_SENSE, 0, 0, 0, 32, 0),
			 SCSI_RESP_HDR + 18);
	expect_good(&m, 32 - 18);
	assert_int_equal(m.din[0], 0x70);
	assert_int_equal(m.din[2], key);
	assert_int_equal(m.din[12], asc);
	assert_int_equal(m.din[13], ascq);
}

/* Attach @p l at @p idx while the driver is up; its power-on unit attention is consumed. */
static void
hot_attach(struct ctx *c, unsigned int idx, struct scsi_lun *l)
{
	assert_int_equal(scsi_dev_attach(&c->dev, idx, l), 0);
	expect_sense_data(c, idx, SK_UNIT_ATTENTION, 0x29, 0x00);
}

static void
test_basic_commands(void **state)
{
	struct ctx *c = *state;
	struct cmd m;

	assert_int_equal(RUN(c, &m, 0, NULL, 0, 0, OP_TEST_UNIT_READY, 0, 0, 0, 0, 0),
			 SCSI_RESP_HDR);
	expect_good(&m, 0);
	/* INQUIRY into a larger buffer: residual is what was not sent */
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 200, OP_INQUIRY, 0, 0, 0, 96, 0),
			 SCSI_RESP_HDR + 96);
	expect_good(&m, 104);
	assert_memory_equal(m.din + 8, "VHOSTDEV", 8);
	/* allocation length above the buffer: what fits */
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 36, OP_INQUIRY, 0, 0, 0, 96, 0),
			 SCSI_RESP_HDR + 36);
	expect_good(&m, 0);
	assert_int_equal(RUN(c, &m, 1, NULL, 0, 8, OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 SCSI_RESP_HDR + 8);
	assert_int_equal(scsi_get32(m.din), IMG_BLOCKS - 1);
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 64, OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0,
			     0), SCSI_RESP_HDR + 24);
	assert_int_equal(scsi_get32(m.din), 16);
	assert_int_equal(m.din[17], 1);
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 0, OP_START_STOP_UNIT, 0, 0, 0, 1, 0),
			 SCSI_RESP_HDR);
	expect_good(&m, 0);
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 0, OP_PREVENT_ALLOW, 0, 0, 0, 1, 0),
			 SCSI_RESP_HDR);
	expect_good(&m, 0);
	RUN(c, &m, 0, NULL, 0, 0, OP_VERIFY_10, 0, 0, 0, 0, 0, 0, 0, 8, 0);
	expect_good(&m, 0);
	RUN(c, &m, 1, NULL, 0, 0, OP_VERIFY_16, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 2, 0, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	RUN(c, &m, 0, NULL, 0, 32, 0x02, 0, 0, 0, 0, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x20, 0);
	assert_int_equal(le32toh(m.resp->resid), 32);
	assert_true(c->dev.stats.check_conditions >= 2);
}

static void
test_ram_rw(void **state)
{
	struct ctx *c = *state;
	uint8_t data[1024];
	struct cmd m;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	RUN(c, &m, 0, data, 1024, 0, OP_WRITE_10, 0, 0, 0, 0, 10, 0, 0, 2, 0);
	expect_good(&m, 0);
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 1024, OP_READ_16, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0,
			     0, 2, 0, 0), SCSI_RESP_HDR + 1024);
	expect_good(&m, 0);
	assert_memory_equal(m.din, data, 1024);
	/* READ(6) of block 11 into a buffer twice as big: residual 512 */
	assert_int_equal(RUN(c, &m, 0, NULL, 0, 1024, OP_READ_6, 0, 0, 11, 1, 0),
			 SCSI_RESP_HDR + 512);
	expect_good(&m, 512);
	assert_memory_equal(m.din, data + 512, 512);
	RUN(c, &m, 0, data, 512, 0, OP_WRITE_12, 0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0);
	expect_good(&m, 0);
	RUN(c, &m, 0, NULL, 0, 512, OP_READ_12, 0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0);
	assert_memory_equal(m.din, data, 512);
	RUN(c, &m, 0, data, 512, 0, OP_WRITE_6, 0, 0, 30, 1, 0);
	expect_good(&m, 0);
	assert_int_equal(c->dev.stats.writes, 3);
	assert_int_equal(c->dev.stats.reads, 3);
}

static void
test_overrun_and_range(void **state)
{
	struct ctx *c = *state;
	uint8_t data[512] = {0};
	struct cmd m;
	unsigned int lun;

	for (lun = 0; lun < 2; lun++) {
		/* 8 blocks into a 1-block buffer: OVERRUN, no data written past it */
		assert_int_equal(RUN(c, &m, lun, NULL, 0, 512, OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 8,
				     0), SCSI_RESP_HDR);
		assert_int_equal(m.resp->response, VIRTIO_SCSI_S_OVERRUN);
		assert_int_equal(m.din[0], 0xee);
		/* a write with less data-out than it claims */
		RUN(c, &m, lun, data, 512, 0, OP_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 2, 0);
		assert_int_equal(m.resp->response, VIRTIO_SCSI_S_OVERRUN);
		/* past the end, and LBA + length wrapping 64 bits */
		RUN(c, &m, lun, NULL, 0, 512, OP_READ_10, 0, 0, 0, 0x10, 0, 0, 0, 1, 0);
		expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
		RUN(c, &m, lun, NULL, 0, 1024, OP_READ_16, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0, 0, 0, 2, 0, 0);
		expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
		assert_int_equal(le32toh(m.resp->resid), 1024);
		RUN(c, &m, lun, data, 512, 0, OP_WRITE_16, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xfe, 0, 0, 0, 2, 0, 0);
		expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	}
	assert_int_equal(c->dev.stats.overruns, 4);
}

static void
test_file_rw_out_of_order(void **state)
{
	struct ctx *c = *state;
	struct cmd m[3];
	uint16_t id;
	uint32_t len;
	unsigned int i, k, got = 0;

	/* three reads at the host at once, completed in reverse order */
	for (i = 0; i < 3; i++) {
		uint8_t cdb[10] = {OP_READ_10, 0, 0, 0, 0, (uint8_t)(40 + i), 0, 0, 1, 0};

		cmd_post(c, &m[i], 1, cdb, sizeof(cdb), NULL, 0, 512);
	}
	vhd_test_serve(&c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
	assert_int_equal(c->h.nio, 3);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	for (i = 0; i < 3 / 2; i++) {
		struct vhd_io *t = c->h.io[i];

		c->h.io[i] = c->h.io[2 - i];
		c->h.io[2 - i] = t;
	}
	vhd_test_host_run(&c->h);
	vhd_vq_flush(&c->p.vq);
	while (vhd_test_used(&c->p, &id, &len) == 1) {
		for (k = 0; k < 3; k++)
			if (m[k].id == id)
				break;
		assert_true(k < 3);
		assert_true(got == 0 ? k == 2 : true); /* the last posted finished first */
		assert_int_equal(len, SCSI_RESP_HDR + 512);
		expect_good(&m[k], 0);
		assert_int_equal(m[k].din[0], 40 + k);
		assert_int_equal(m[k].din[511], 40 + k);
		guard_ok(m[k].din, 512);
		got++;
	}
	assert_int_equal(got, 3);
}

static void
test_file_write_fua_sync(void **state)
{
	struct ctx *c = *state;
	uint8_t data[1024], back[1024];
	struct cmd m;

	memset(data, 0x5a, sizeof(data));
	/* FUA: the write, then fdatasync, then the answer */
	RUN(c, &m, 1, data, 1024, 0, OP_WRITE_10, 0x08, 0, 0, 0, 3, 0, 0, 2, 0);
	expect_good(&m, 0);
	assert_int_equal(c->h.ios_done, 2);
	assert_int_equal(pread(c->fd, back, sizeof(back), 3 * 512), 1024);
	assert_memory_equal(back, data, 1024);
	RUN(c, &m, 1, NULL, 0, 0, OP_SYNC_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	expect_good(&m, 0);
	assert_int_equal(c->h.ios_done, 3);
	RUN(c, &m, 1, NULL, 0, 0, OP_SYNC_CACHE_16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	assert_int_equal(c->dev.stats.syncs, 1);
}

static void
test_io_depth_retry(void **state)
{
	struct ctx *c = *state;
	struct cmd m[4];
	uint16_t id;
	uint32_t len;
	unsigned int i, got = 0;

	/* the host takes two; the other two stay on the ring until it has room */
	c->h.io_limit = 2;
	for (i = 0; i < 4; i++) {
		uint8_t cdb[10] = {OP_READ_10, 0, 0, 0, 0, (uint8_t)(60 + i), 0, 0, 1, 0};

		cmd_post(c, &m[i], 1, cdb, sizeof(cdb), NULL, 0, 512);
	}
	vhd_test_serve(&c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
	assert_int_equal(c->h.nio, 2);
	assert_int_equal(c->dev.stats.retries, 1);
	for (i = 0; i < 4 && got < 4; i++) {
		vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
		while (vhd_test_used(&c->p, &id, &len) == 1) {
			assert_int_equal(len, SCSI_RESP_HDR + 512);
			got++;
		}
	}
	assert_int_equal(got, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(m[i].din[0], 60 + i);
	assert_int_equal(c->dev.nfree, SCSI_MAX_TASKS);
}

static void
test_read_only(void **state)
{
	struct ctx *c = *state;
	struct scsi_lun_spec s = {.block_size = 4096, .read_only = true};
	uint8_t before[IMG_BLOCKS * 512], after[IMG_BLOCKS * 512], data[4096];
	uint8_t unmap[24] = {0, 22, 0, 16};
	char err[256];
	struct scsi_lun *l;
	struct cmd m;

	memset(data, 0x77, sizeof(data));
	snprintf(s.path, sizeof(s.path), "%s", c->path);
	l = scsi_lun_open(&s, err, sizeof(err));
	assert_non_null(l);
	/* really read-only: the descriptor cannot write */
	assert_int_equal(fcntl(l->fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	hot_attach(c, 2, l);
	assert_int_equal(pread(c->fd, before, sizeof(before), 0), sizeof(before));
	RUN(c, &m, 2, data, 4096, 0, OP_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	RUN(c, &m, 2, data, 4096, 0, OP_WRITE_6, 0, 0, 1, 1, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	RUN(c, &m, 2, data, 4096, 0, OP_WRITE_12, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	RUN(c, &m, 2, data, 4096, 0, OP_WRITE_16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	RUN(c, &m, 2, data, 4096, 0, OP_WRITE_SAME_10, 0, 0, 0, 0, 0, 0, 0, 4, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	RUN(c, &m, 2, NULL, 0, 0, OP_WRITE_SAME_16, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	scsi_put64(unmap + 8, 0);
	scsi_put32(unmap + 16, 8);
	RUN(c, &m, 2, unmap, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_cc(&m, SK_DATA_PROTECT, 0x27, 0);
	/* reads work; MODE SENSE shows WP; SYNCHRONIZE CACHE is harmless */
	assert_int_equal(RUN(c, &m, 2, NULL, 0, 4096, OP_READ_10, 0, 0, 0, 0, 1, 0, 0, 1, 0),
			 SCSI_RESP_HDR + 4096);
	expect_good(&m, 0);
	assert_int_equal(m.din[0], 8); /* 4 KiB block 1 = 512-byte block 8 */
	RUN(c, &m, 2, NULL, 0, 255, OP_MODE_SENSE_6, 0, 0x3f, 0, 255, 0);
	assert_int_equal(m.din[2] & 0x80, 0x80);
	RUN(c, &m, 2, NULL, 0, 0, OP_SYNC_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	expect_good(&m, 0);
	assert_int_equal(pread(c->fd, after, sizeof(after), 0), sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
}

static void
test_block_size_4096(void **state)
{
	struct ctx *c = *state;
	struct scsi_lun_spec s = {.path = "ram:64K", .block_size = 4096};
	uint8_t data[8192];
	char err[256];
	struct cmd m;

	memset(data, 0x3c, sizeof(data));
	hot_attach(c, 3, scsi_lun_open(&s, err, sizeof(err)));
	RUN(c, &m, 3, NULL, 0, 8, OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(scsi_get32(m.din), 15);
	assert_int_equal(scsi_get32(m.din + 4), 4096);
	RUN(c, &m, 3, data, 8192, 0, OP_WRITE_10, 0, 0, 0, 0, 14, 0, 0, 2, 0);
	expect_good(&m, 0);
	RUN(c, &m, 3, data, 8192, 0, OP_WRITE_10, 0, 0, 0, 0, 15, 0, 0, 2, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	/* 4096 bytes of buffer for one 4 KiB block; 512 is an overrun */
	RUN(c, &m, 3, NULL, 0, 4096, OP_READ_10, 0, 0, 0, 0, 15, 0, 0, 1, 0);
	expect_good(&m, 0);
	assert_int_equal(m.din[4095], 0x3c);
	RUN(c, &m, 3, NULL, 0, 512, OP_READ_10, 0, 0, 0, 0, 15, 0, 0, 1, 0);
	assert_int_equal(m.resp->response, VIRTIO_SCSI_S_OVERRUN);
}

/* Allocated bytes of the test image. */
static long long
allocated(struct ctx *c)
{
	struct stat st;

	assert_int_equal(fstat(c->fd, &st), 0);
	return (long long)st.st_blocks * 512;
}

static void
test_unmap_and_write_same(void **state)
{
	struct ctx *c = *state;
	uint8_t p[8 + 16 * 2], back[64 * 512], blk[512];
	long long before;
	struct cmd m;
	unsigned int i;

	/* UNMAP blocks 64..127 of the file: a hole that reads as zeros */
	before = allocated(c);
	memset(p, 0, sizeof(p));
	scsi_put16(p, 6 + 16);
	scsi_put16(p + 2, 16);
	scsi_put64(p + 8, 64);
	scsi_put32(p + 16, 64);
	RUN(c, &m, 1, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_good(&m, 0);
	assert_true(allocated(c) <= before - 32 * 1024);
	assert_int_equal(pread(c->fd, back, sizeof(back), 64 * 512), sizeof(back));
	for (i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(lseek(c->fd, 64 * 512, SEEK_HOLE), 64 * 512);
	/* malformed lists: short, out of range, descriptors past the limit */
	RUN(c, &m, 1, p, 4, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 4, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x1a, 0);
	scsi_put64(p + 8, IMG_BLOCKS - 1);
	scsi_put32(p + 16, 2);
	RUN(c, &m, 1, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	scsi_put64(p + 8, UINT64_MAX);
	RUN(c, &m, 1, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	{
		static uint8_t big[8 + 16 * (SCSI_MAX_UNMAP_DESC + 1)];

		scsi_put16(big + 2, 16 * (SCSI_MAX_UNMAP_DESC + 1));
		RUN(c, &m, 1, big, sizeof(big), 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0x04, 0x18, 0);
		expect_cc(&m, SK_ILLEGAL_REQUEST, 0x26, 0);
	}
	/* parameter list longer than the data-out buffer */
	RUN(c, &m, 1, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 40, 0);
	assert_int_equal(m.resp->response, VIRTIO_SCSI_S_OVERRUN);
	/* a block descriptor length cut by the list length: the rest is ignored */
	scsi_put64(p + 8, 0);
	scsi_put32(p + 16, 0);
	scsi_put16(p + 2, 32);
	RUN(c, &m, 1, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_good(&m, 0);
	/* WRITE SAME(10) of a pattern over 300 blocks of RAM is refused past the end... */
	memset(blk, 0xa5, sizeof(blk));
	RUN(c, &m, 1, blk, 512, 0, OP_WRITE_SAME_10, 0, 0, 0, 0, 200, 0, 0, 100, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	/* ...and written block by block on the file */
	RUN(c, &m, 1, blk, 512, 0, OP_WRITE_SAME_10, 0, 0, 0, 0, 100, 0, 0, 50, 0);
	expect_good(&m, 0);
	assert_int_equal(pread(c->fd, back, 50 * 512, 100 * 512), 50 * 512);
	for (i = 0; i < 50 * 512; i++)
		assert_int_equal(back[i], 0xa5);
	assert_int_equal(pread(c->fd, back, 512, 150 * 512), 512);
	assert_int_equal(back[0], 150);
	/* WRITE SAME(16) NDOB UNMAP: a hole again */
	RUN(c, &m, 1, NULL, 0, 0, OP_WRITE_SAME_16, 0x09, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 16, 0,
	    0);
	expect_good(&m, 0);
	assert_int_equal(pread(c->fd, back, 16 * 512, 100 * 512), 16 * 512);
	for (i = 0; i < 16 * 512; i++)
		assert_int_equal(back[i], 0);
	/* no data-out where one block is expected */
	RUN(c, &m, 1, NULL, 0, 0, OP_WRITE_SAME_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(m.resp->response, VIRTIO_SCSI_S_OVERRUN);
	/* the same on RAM */
	RUN(c, &m, 0, blk, 512, 0, OP_WRITE_SAME_16, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0);
	expect_good(&m, 0);
	RUN(c, &m, 0, NULL, 0, 1536, OP_READ_10, 0, 0, 0, 0, 5, 0, 0, 3, 0);
	assert_int_equal(m.din[0], 0xa5);
	assert_int_equal(m.din[1535], 0xa5);
	scsi_put16(p + 2, 16);
	scsi_put64(p + 8, 6);
	scsi_put32(p + 16, 1);
	RUN(c, &m, 0, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_good(&m, 0);
	RUN(c, &m, 0, NULL, 0, 1536, OP_READ_10, 0, 0, 0, 0, 5, 0, 0, 3, 0);
	assert_int_equal(m.din[0], 0xa5);
	assert_int_equal(m.din[512], 0);
	assert_int_equal(m.din[1024], 0xa5);
}

static void
test_malformed(void **state)
{
	struct ctx *c = *state;
	struct virtio_scsi_cmd_req *req = vhd_test_alloc(&c->p, sizeof(*req));
	struct virtio_scsi_cmd_resp *resp;
	uint8_t *small;
	struct vhd_fe_buf b[2];
	struct cmd m;
	uint32_t len;

	/* a response header that does not fit: nothing written, used length 0 */
	small = wbuf(&c->p, 64);
	lun_flat(req->lun, 0);
	b[0] = (struct vhd_fe_buf){req, sizeof(*req)};
	b[1] = (struct vhd_fe_buf){small, 64};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	assert_int_equal(used_one(c, NULL), 0);
	assert_int_equal(small[0], 0xee);
	guard_ok(small, 64);
	assert_int_equal(c->dev.stats.dropped, 1);
	/* a command header cut short: FAILURE */
	resp = (struct virtio_scsi_cmd_resp *)wbuf(&c->p, sizeof(*resp));
	b[0] = (struct vhd_fe_buf){req, 30};
	b[1] = (struct vhd_fe_buf){resp, sizeof(*resp)};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	len = used_one(c, NULL);
	assert_int_equal(len, SCSI_RESP_HDR);
	assert_int_equal(resp->response, VIRTIO_SCSI_S_FAILURE);
	guard_ok((uint8_t *)resp, sizeof(*resp));
	/* bad LUN encodings: BAD_TARGET */
	{
		static const uint8_t bad[][8] = {
			{0, 0, 0x40, 0, 0, 0, 0, 0},    /* not 1 in byte 0 */
			{1, 1, 0x40, 0, 0, 0, 0, 0},    /* target 1 */
			{1, 0, 0x40, 0, 0, 0, 0, 1},    /* a second level */
		};
		unsigned int i;

		for (i = 0; i < 3; i++) {
			uint8_t cdb[6] = {OP_INQUIRY, 0, 0, 0, 36, 0};

			cmd_post(c, &m, 0, cdb, sizeof(cdb), NULL, 0, 36);
			memcpy(m.req->lun, bad[i], 8);
			assert_int_equal(used_one(c, NULL), SCSI_RESP_HDR);
			assert_int_equal(m.resp->response, VIRTIO_SCSI_S_BAD_TARGET);
			assert_int_equal(m.din[0], 0xee);
		}
	}
	/* a LUN with nothing behind it: INQUIRY says so, others LOGICAL UNIT NOT SUPPORTED */
	assert_int_equal(RUN(c, &m, 77, NULL, 0, 36, OP_INQUIRY, 0, 0, 0, 36, 0),
			 SCSI_RESP_HDR + 36);
	assert_int_equal(m.din[0], 0x7f);
	RUN(c, &m, 77, NULL, 0, 512, OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x25, 0);
	RUN(c, &m, 300, NULL, 0, 0, OP_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x25, 0);
	/* peripheral addressing reaches the same LUN as flat */
	cmd_post(c, &m, 1, (const uint8_t[]){OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 10,
		 NULL, 0, 8);
	m.req->lun[2] = 0x00;
	assert_int_equal(used_one(c, NULL), SCSI_RESP_HDR + 8);
	assert_int_equal(scsi_get32(m.din), IMG_BLOCKS - 1);
	/* the well-known REPORT LUNS LU */
	cmd_post(c, &m, 0, (const uint8_t[]){OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0}, 12,
		 NULL, 0, 64);
	m.req->lun[2] = 0xc1;
	m.req->lun[3] = 0x01;
	assert_int_equal(used_one(c, NULL), SCSI_RESP_HDR + 24);
	cmd_post(c, &m, 0, (const uint8_t[]){OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0}, 10, NULL, 0,
		 512);
	m.req->lun[2] = 0xc1;
	m.req->lun[3] = 0x01;
	used_one(c, NULL);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x20, 0);
	assert_true(c->dev.stats.bad_requests >= 4);
}

static void
test_descriptor_sense(void **state)
{
	struct ctx *c = *state;
	uint8_t page[16];
	struct cmd m;

	RUN(c, &m, 0, NULL, 0, 16, OP_MODE_SENSE_6, 0x08, 0x0a, 0, 16, 0);
	memcpy(page, m.din, 16);
	page[0] = 0;
	page[6] |= 0x04;
	RUN(c, &m, 0, page, 16, 0, OP_MODE_SELECT_6, 0x10, 0, 0, 16, 0);
	expect_good(&m, 0);
	RUN(c, &m, 0, NULL, 0, 512, OP_READ_10, 0, 0, 0xff, 0, 0, 0, 0, 1, 0);
	assert_int_equal(m.resp->sense[0], 0x72);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x21, 0);
	/* MODE SELECT parameter list longer than the data-out */
	RUN(c, &m, 0, page, 16, 0, OP_MODE_SELECT_6, 0x10, 0, 0, 20, 0);
	assert_int_equal(m.resp->response, VIRTIO_SCSI_S_OVERRUN);
	/* a new frontend gets fixed format back */
	c->dev.ops.reset(&c->dev);
	RUN(c, &m, 0, NULL, 0, 512, OP_READ_10, 0, 0, 0xff, 0, 0, 0, 0, 1, 0);
	assert_int_equal(m.resp->sense[0], 0x70);
}

/* ---- control queue ---- */

static uint8_t *
tmf_post(struct ctx *c, uint32_t sub, unsigned int lun, uint64_t tag)
{
	struct virtio_scsi_ctrl_tmf *t = vhd_test_alloc(&c->ctl, sizeof(*t));
	uint8_t *r = wbuf(&c->ctl, 1);
	struct vhd_fe_buf b[2] = {{t, sizeof(*t)}, {r, 1}};

	t->type = htole32(VIRTIO_SCSI_T_TMF);
	t->subtype = htole32(sub);
	lun_flat(t->lun, lun);
	t->tag = htole64(tag);
	assert_true(vhd_test_post(&c->ctl, b, 1, 1, false) >= 0);
	return r;
}

static int
ctl_used(struct ctx *c, uint32_t *len)
{
	uint16_t id;

	vhd_test_serve(&c->ctl, &c->dev.ops, &c->dev, SCSI_Q_CTRL);
	return vhd_test_used(&c->ctl, &id, len);
}

static void
test_tmf(void **state)
{
	struct ctx *c = *state;
	struct cmd m[2];
	uint8_t *r, *q;
	uint32_t len;
	uint16_t id;
	unsigned int i;

	/* nothing in flight */
	r = tmf_post(c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 1, 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	guard_ok(r, 1);
	expect_sense_data(c, 1, SK_UNIT_ATTENTION, 0x29, 0x00);
	r = tmf_post(c, VIRTIO_SCSI_T_TMF_CLEAR_ACA, 1, 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_FUNCTION_REJECTED);
	r = tmf_post(c, VIRTIO_SCSI_T_TMF_ABORT_TASK, 99, 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_INCORRECT_LUN);
	r = tmf_post(c, 42, 1, 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_FUNCTION_REJECTED);
	/* two reads at the host; the first aborted by tag */
	for (i = 0; i < 2; i++) {
		uint8_t cdb[10] = {OP_READ_10, 0, 0, 0, 0, (uint8_t)(5 + i), 0, 0, 1, 0};

		cmd_post(c, &m[i], 1, cdb, sizeof(cdb), NULL, 0, 512);
		m[i].req->tag = htole64(100 + i);
	}
	vhd_test_serve(&c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
	assert_int_equal(c->h.nio, 2);
	q = tmf_post(c, VIRTIO_SCSI_T_TMF_QUERY_TASK, 1, 100);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*q, VIRTIO_SCSI_S_FUNCTION_SUCCEEDED);
	q = tmf_post(c, VIRTIO_SCSI_T_TMF_QUERY_TASK, 1, 555);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*q, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	q = tmf_post(c, VIRTIO_SCSI_T_TMF_QUERY_TASK_SET, 1, 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*q, VIRTIO_SCSI_S_FUNCTION_SUCCEEDED);
	r = tmf_post(c, VIRTIO_SCSI_T_TMF_ABORT_TASK, 1, 100);
	assert_int_equal(ctl_used(c, &len), 0); /* held until the command is back */
	assert_int_equal(*r, 0xee);
	vhd_test_host_run(&c->h);
	vhd_vq_flush(&c->p.vq);
	vhd_vq_flush(&c->ctl.vq);
	assert_int_equal(vhd_test_used(&c->ctl, &id, &len), 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	for (i = 0; i < 2; i++)
		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(m[0].resp->response, VIRTIO_SCSI_S_ABORTED);
	assert_int_equal(m[1].resp->response, VIRTIO_SCSI_S_OK);
	assert_int_equal(m[1].din[0], 6);
	assert_int_equal(c->dev.stats.aborted, 1);
	/* I_T NEXUS RESET over several LUNs */
	for (i = 0; i < 2; i++) {
		uint8_t cdb[10] = {OP_READ_10, 0, 0, 0, 0, 1, 0, 0, 1, 0};

		cmd_post(c, &m[i], 1, cdb, sizeof(cdb), NULL, 0, 512);
	}
	vhd_test_serve(&c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
	r = tmf_post(c, VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, 0, 0);
	assert_int_equal(ctl_used(c, &len), 0);
	/* a queue stop of the control queue answers it (its buffer goes away) */
	c->dev.ops.queue_stop(&c->dev, SCSI_Q_CTRL, &c->ctl.vq);
	assert_int_equal(vhd_test_used(&c->ctl, &id, &len), 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	vhd_test_host_run(&c->h);
	vhd_vq_flush(&c->p.vq);
	for (i = 0; i < 2; i++) {
		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
		assert_int_equal(m[i].resp->response, VIRTIO_SCSI_S_ABORTED);
	}
	/* malformed: short TMF, short type, bad LUN */
	{
		uint8_t *t = vhd_test_alloc(&c->ctl, 8);
		uint8_t *w = wbuf(&c->ctl, 1);
		struct vhd_fe_buf b[2] = {{t, 8}, {w, 1}};

		assert_true(vhd_test_post(&c->ctl, b, 1, 1, false) >= 0);
		assert_int_equal(ctl_used(c, &len), 1);
		assert_int_equal(*w, VIRTIO_SCSI_S_FAILURE);
		b[0].len = 2;
		w[0] = 0xee;
		assert_true(vhd_test_post(&c->ctl, b, 1, 1, false) >= 0);
		assert_int_equal(ctl_used(c, &len), 1);
		assert_int_equal(*w, VIRTIO_SCSI_S_FAILURE);
		b[1].len = 0;
		assert_true(vhd_test_post(&c->ctl, b, 1, 0, false) >= 0);
		assert_int_equal(ctl_used(c, &len), 1);
		assert_int_equal(len, 0);
	}
	{
		struct virtio_scsi_ctrl_tmf *t = vhd_test_alloc(&c->ctl, sizeof(*t));
		uint8_t *w = wbuf(&c->ctl, 1);
		struct vhd_fe_buf b[2] = {{t, sizeof(*t)}, {w, 1}};

		t->lun[0] = 2;
		assert_true(vhd_test_post(&c->ctl, b, 1, 1, false) >= 0);
		assert_int_equal(ctl_used(c, &len), 1);
		assert_int_equal(*w, VIRTIO_SCSI_S_BAD_TARGET);
	}
}

static void
test_an(void **state)
{
	struct ctx *c = *state;
	struct virtio_scsi_ctrl_an *a = vhd_test_alloc(&c->ctl, sizeof(*a));
	struct virtio_scsi_ctrl_an_resp *r = (void *)wbuf(&c->ctl, sizeof(*r));
	struct vhd_fe_buf b[2] = {{a, sizeof(*a)}, {r, sizeof(*r)}};
	uint32_t len;

	a->type = htole32(VIRTIO_SCSI_T_AN_QUERY);
	lun_flat(a->lun, 0);
	a->event_requested = htole32(0xffffffff);
	assert_true(vhd_test_post(&c->ctl, b, 1, 1, false) >= 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(len, sizeof(*r));
	assert_int_equal(r->event_actual, 0);
	assert_int_equal(r->response, VIRTIO_SCSI_S_OK);
	guard_ok((uint8_t *)r, sizeof(*r));
	a->type = htole32(VIRTIO_SCSI_T_AN_SUBSCRIBE);
	r->response = 0xee;
	assert_true(vhd_test_post(&c->ctl, b, 1, 1, false) >= 0);
	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(r->response, VIRTIO_SCSI_S_OK);
	assert_int_equal(c->dev.stats.an_queries, 2);
}

/* ---- event queue ---- */

static struct virtio_scsi_event *
ev_post(struct ctx *c)
{
	struct virtio_scsi_event *e = (void *)wbuf(&c->ev, sizeof(*e));
	struct vhd_fe_buf b = {e, sizeof(*e)};

	assert_true(vhd_test_post(&c->ev, &b, 0, 1, false) >= 0);
	vhd_test_serve(&c->ev, &c->dev.ops, &c->dev, SCSI_Q_EVENT);
	return e;
}

static void
test_events(void **state)
{
	struct ctx *c = *state;
	struct scsi_lun_spec s = {.path = "ram:64K", .block_size = 512};
	struct virtio_scsi_event *e1, *e2;
	char err[256];
	uint32_t len;
	uint16_t id;
	struct cmd m;

	e1 = ev_post(c);
	e2 = ev_post(c);
	assert_int_equal(vhd_test_used(&c->ev, &id, &len), 0); /* held */
	assert_int_equal(scsi_dev_attach(&c->dev, 7, scsi_lun_open(&s, err, sizeof(err))), 0);
	vhd_vq_flush(&c->ev.vq);
	assert_int_equal(vhd_test_used(&c->ev, &id, &len), 1);
	assert_int_equal(len, sizeof(*e1));
	assert_int_equal(le32toh(e1->event), VIRTIO_SCSI_T_TRANSPORT_RESET);
	assert_int_equal(le32toh(e1->reason), VIRTIO_SCSI_EVT_RESET_RESCAN);
	assert_memory_equal(e1->lun, ((uint8_t[]){1, 0, 0, 7, 0, 0, 0, 0}), 8);
	guard_ok((uint8_t *)e1, sizeof(*e1));
	RUN(c, &m, 7, NULL, 0, 0, OP_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x29, 0x00);
	RUN(c, &m, 7, NULL, 0, 0, OP_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_good(&m, 0);
	assert_int_equal(scsi_dev_attach(&c->dev, 7, NULL), -EINVAL);
	assert_int_equal(scsi_dev_detach(&c->dev, 7), 0);
	assert_int_equal(scsi_dev_detach(&c->dev, 7), -ENOENT);
	vhd_vq_flush(&c->ev.vq);
	assert_int_equal(vhd_test_used(&c->ev, &id, &len), 1);
	assert_int_equal(le32toh(e2->reason), VIRTIO_SCSI_EVT_RESET_REMOVED);
	RUN(c, &m, 7, NULL, 0, 0, OP_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x25, 0);
	/* no buffer posted: kept, delivered when one comes */
	assert_int_equal(scsi_dev_attach(&c->dev, 8, scsi_lun_open(&s, err, sizeof(err))), 0);
	e1 = ev_post(c);
	vhd_vq_flush(&c->ev.vq);
	assert_int_equal(vhd_test_used(&c->ev, &id, &len), 1);
	assert_int_equal(e1->lun[3], 8);
	/* held buffers go back at a queue stop */
	e1 = ev_post(c);
	c->dev.ops.queue_stop(&c->dev, SCSI_Q_EVENT, &c->ev.vq);
	assert_int_equal(vhd_test_used(&c->ev, &id, &len), 1);
	assert_int_equal(le32toh(e1->event), VIRTIO_SCSI_T_NO_EVENT);
	/* a buffer too small for an event */
	{
		uint8_t *w = wbuf(&c->ev, 8);
		struct vhd_fe_buf b = {w, 8};

		assert_true(vhd_test_post(&c->ev, &b, 0, 1, false) >= 0);
		vhd_test_serve(&c->ev, &c->dev.ops, &c->dev, SCSI_Q_EVENT);
		assert_int_equal(vhd_test_used(&c->ev, &id, &len), 1);
		assert_int_equal(len, 0);
		assert_int_equal(w[0], 0xee);
	}
	/* too many while no buffer: the next one says events were missed */
	{
		assert_int_equal(scsi_dev_detach(&c->dev, 8), 0);
		vhd_test_serve(&c->ev, &c->dev.ops, &c->dev, SCSI_Q_EVENT);
		c->dev.npending = SCSI_MAX_PENDING_EVENTS;
		assert_int_equal(scsi_dev_attach(&c->dev, 9, scsi_lun_open(&s, err, sizeof(err))),
				 0);
		assert_int_equal(c->dev.stats.events_missed, 1);
		c->dev.npending = 0;
		assert_int_equal(scsi_dev_detach(&c->dev, 9), 0);
		e1 = ev_post(c);
		vhd_vq_flush(&c->ev.vq);
		assert_int_equal(vhd_test_used(&c->ev, &id, &len), 1);
		assert_int_equal(le32toh(e1->event),
				 VIRTIO_SCSI_T_TRANSPORT_RESET | VIRTIO_SCSI_T_EVENTS_MISSED);
	}
	/* without HOTPLUG negotiated, no events */
	c->dev.ops.set_features(&c->dev, 0);
	assert_int_equal(scsi_dev_attach(&c->dev, 10, scsi_lun_open(&s, err, sizeof(err))), 0);
	assert_int_equal(c->dev.npending, 0);
}

static void
tmf_done(struct ctx *c, uint32_t sub, unsigned int lun)
{
	uint8_t *r = tmf_post(c, sub, lun, 0);
	uint32_t len;

	assert_int_equal(ctl_used(c, &len), 1);
	assert_int_equal(*r, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
}

static void
tur(struct ctx *c, unsigned int lun, struct cmd *m)
{
	RUN(c, m, lun, NULL, 0, 0, OP_TEST_UNIT_READY, 0, 0, 0, 0, 0);
}

/*
 * Unit attention conditions (SAM-5/SPC-4): after a LUN inventory change
 * every LUN reports it once, on the next command but INQUIRY, REPORT LUNS
 * and REQUEST SENSE; REPORT LUNS clears it, REQUEST SENSE returns and
 * clears it; resets from TMFs; per LUN; in the LUN's sense format.
 */
static void
test_unit_attention(void **state)
{
	struct ctx *c = *state;
	struct scsi_lun_spec s = {.path = "ram:64K", .block_size = 512};
	uint8_t page[16];
	char err[256];
	struct cmd m;

	/* hot-add LUN 5: LUN 0 reports 3F/0E once; INQUIRY neither reports nor clears it */
	assert_int_equal(scsi_dev_attach(&c->dev, 5, scsi_lun_open(&s, err, sizeof(err))), 0);
	RUN(c, &m, 0, NULL, 0, 96, OP_INQUIRY, 0, 0, 0, 96, 0);
	expect_good(&m, 0);
	RUN(c, &m, 0, NULL, 0, 512, OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x3f, 0x0e);
	assert_int_equal(le32toh(m.resp->resid), 512); /* nothing moved */
	RUN(c, &m, 0, NULL, 0, 512, OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	expect_good(&m, 0);
	tur(c, 0, &m);
	expect_good(&m, 0);
	/* LUN 1: REPORT LUNS answers (the new LUN in the list) and clears it */
	assert_int_equal(RUN(c, &m, 1, NULL, 0, 64, OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0,
			     0), SCSI_RESP_HDR + 32);
	expect_good(&m, 32);
	assert_int_equal(scsi_get32(m.din), 24);
	assert_int_equal(m.din[8 + 16 + 1], 5);
	tur(c, 1, &m);
	expect_good(&m, 0);
	/* the new LUN: its power on, through REQUEST SENSE (GOOD, sense as data), once */
	RUN(c, &m, 5, NULL, 0, 96, OP_INQUIRY, 0, 0, 0, 96, 0);
	expect_good(&m, 0);
	expect_sense_data(c, 5, SK_UNIT_ATTENTION, 0x29, 0x00);
	expect_sense_data(c, 5, SK_NO_SENSE, 0, 0);
	tur(c, 5, &m);
	expect_good(&m, 0);
	assert_int_equal(c->dev.stats.unit_attentions, 1);

	/* detach with D_SENSE on LUN 0: descriptor format there, fixed on LUN 1 */
	RUN(c, &m, 0, NULL, 0, 16, OP_MODE_SENSE_6, 0x08, 0x0a, 0, 16, 0);
	memcpy(page, m.din, 16);
	page[0] = 0;
	page[6] |= 0x04;
	RUN(c, &m, 0, page, 16, 0, OP_MODE_SELECT_6, 0x10, 0, 0, 16, 0);
	expect_good(&m, 0);
	assert_int_equal(scsi_dev_detach(&c->dev, 5), 0);
	tur(c, 0, &m);
	assert_int_equal(m.resp->sense[0], 0x72);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x3f, 0x0e);
	tur(c, 0, &m);
	expect_good(&m, 0);
	/* REQUEST SENSE with DESC=1 asks for descriptor format */
	RUN(c, &m, 1, NULL, 0, 32, OP_REQUEST_SENSE, 0x01, 0, 0, 32, 0);
	expect_good(&m, 32 - 8);
	assert_memory_equal(m.din, ((uint8_t[]){0x72, SK_UNIT_ATTENTION, 0x3f, 0x0e}), 4);
	tur(c, 1, &m);
	expect_good(&m, 0);

	/* LOGICAL UNIT RESET: 29/00 on that LUN only (D_SENSE back to fixed) */
	tmf_done(c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0);
	tur(c, 1, &m);
	expect_good(&m, 0);
	tur(c, 0, &m);
	assert_int_equal(m.resp->sense[0], 0x70);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x29, 0x00);
	tur(c, 0, &m);
	expect_good(&m, 0);

	/* I_T NEXUS RESET: I_T NEXUS LOSS OCCURRED on every LUN */
	tmf_done(c, VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, 0);
	tur(c, 0, &m);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x29, 0x07);
	RUN(c, &m, 1, NULL, 0, 8, OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x29, 0x07);
	tur(c, 0, &m);
	expect_good(&m, 0);
	tur(c, 1, &m);
	expect_good(&m, 0);

	/* both pending: the reset first, then the inventory change; REPORT LUNS keeps the reset */
	assert_int_equal(scsi_dev_attach(&c->dev, 6, scsi_lun_open(&s, err, sizeof(err))), 0);
	tmf_done(c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 1);
	RUN(c, &m, 1, NULL, 0, 64, OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
	expect_good(&m, 32);
	tur(c, 1, &m);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x29, 0x00);
	tur(c, 1, &m);
	expect_good(&m, 0);
	tur(c, 0, &m);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x3f, 0x0e);
	tmf_done(c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0);
	assert_int_equal(scsi_dev_detach(&c->dev, 6), 0);
	tur(c, 0, &m);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x29, 0x00);
	tur(c, 0, &m);
	expect_cc(&m, SK_UNIT_ATTENTION, 0x3f, 0x0e);
	tur(c, 0, &m);
	expect_good(&m, 0);

	/* a device reset ends the nexus: nothing pending, nor from changes before the next driver */
	assert_int_equal(scsi_dev_attach(&c->dev, 6, scsi_lun_open(&s, err, sizeof(err))), 0);
	c->dev.ops.reset(&c->dev);
	tur(c, 0, &m);
	expect_good(&m, 0);
	tur(c, 6, &m);
	expect_good(&m, 0);
	assert_int_equal(scsi_dev_detach(&c->dev, 6), 0);
	c->dev.ops.set_features(&c->dev, 1ULL << VIRTIO_SCSI_F_HOTPLUG);
	tur(c, 1, &m);
	expect_good(&m, 0);
	/* a command to a LUN that is not there is not a unit attention */
	tur(c, 6, &m);
	expect_cc(&m, SK_ILLEGAL_REQUEST, 0x25, 0);
}

/* A LUN detached while a command is at the host stays open until it ends. */
static void
test_detach_in_flight(void **state)
{
	struct ctx *c = *state;
	struct cmd m;
	uint16_t id;
	uint32_t len;

	cmd_post(c, &m, 1, (const uint8_t[]){OP_READ_10, 0, 0, 0, 0, 9, 0, 0, 1, 0}, 10, NULL, 0,
		 512);
	vhd_test_serve(&c->p, &c->dev.ops, &c->dev, SCSI_Q_REQ0);
	assert_int_equal(scsi_dev_detach(&c->dev, 1), 0);
	vhd_test_host_run(&c->h);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, SCSI_RESP_HDR + 512);
	assert_int_equal(m.din[0], 9);
}

/*
 * A block device LUN (BLKGETSIZE64, BLKDISCARD on the helper thread): only
 * with VHD_TEST_BLKDEV=/dev/... naming a scratch device (a loop device over a
 * file), whose contents it overwrites; skipped otherwise.
 */
static void
test_block_device(void **state)
{
	struct ctx *c = *state;
	const char *dev = getenv("VHD_TEST_BLKDEV");
	struct scsi_lun_spec s = {.block_size = 512};
	uint8_t data[4096], p[24] = {0, 22, 0, 16};
	struct scsi_lun *l;
	char err[256];
	struct cmd m;
	unsigned int i;

	if (dev == NULL)
		skip();
	snprintf(s.path, sizeof(s.path), "%s", dev);
	l = scsi_lun_open(&s, err, sizeof(err));
	assert_non_null(l);
	assert_true(l->blkdev);
	assert_true(l->nblocks >= 64);
	hot_attach(c, 4, l);
	memset(data, 0x6b, sizeof(data));
	RUN(c, &m, 4, data, 4096, 0, OP_WRITE_10, 0x08, 0, 0, 0, 8, 0, 0, 8, 0);
	expect_good(&m, 0);
	RUN(c, &m, 4, NULL, 0, 4096, OP_READ_10, 0, 0, 0, 0, 8, 0, 0, 8, 0);
	assert_memory_equal(m.din, data, 4096);
	/* LBPRZ is not promised on a block device */
	RUN(c, &m, 4, NULL, 0, 32, OP_SERVICE_ACTION_IN_16, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    32, 0, 0);
	assert_int_equal(m.din[14], 0x80);
	scsi_put64(p + 8, 8);
	scsi_put32(p + 16, 8);
	RUN(c, &m, 4, p, 24, 0, OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0);
	expect_good(&m, 0);
	assert_true(c->h.offloads_run >= 1);
	/* a loop device over a file discards by punching a hole: zeros */
	RUN(c, &m, 4, NULL, 0, 4096, OP_READ_10, 0, 0, 0, 0, 8, 0, 0, 8, 0);
	for (i = 0; i < 4096; i++)
		assert_int_equal(m.din[i], 0);
}

static void
test_config(void **state)
{
	struct ctx *c = *state;
	struct virtio_scsi_config cfg;
	uint32_t v;

	assert_int_equal(c->dev.ops.num_queues, 3);
	assert_int_equal(c->dev.ops.get_config(&c->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	assert_int_equal(le32toh(cfg.num_queues), 1);
	assert_int_equal(le32toh(cfg.sense_size), 96);
	assert_int_equal(le32toh(cfg.cdb_size), 32);
	assert_int_equal(le32toh(cfg.max_lun), 255);
	assert_int_equal(c->dev.ops.get_config(&c->dev, (uint8_t *)&cfg, 30, 8), -EINVAL);
	v = htole32(96);
	assert_int_equal(c->dev.ops.set_config(&c->dev, (uint8_t *)&v, 20, 4), 0);
	v = htole32(64);
	assert_int_equal(c->dev.ops.set_config(&c->dev, (uint8_t *)&v, 20, 4), -EINVAL);
	assert_true(c->dev.ops.features & (1ULL << VIRTIO_SCSI_F_CHANGE));
	assert_true(c->dev.ops.features & (1ULL << VIRTIO_SCSI_F_HOTPLUG));
	assert_false(c->dev.ops.features & (1ULL << VIRTIO_SCSI_F_T10_PI));
	{
		struct scsi_dev d;

		assert_int_equal(scsi_dev_init(&d, 4, 128), 0);
		assert_int_equal(d.ops.num_queues, 6);
		scsi_dev_fini(&d);
		assert_int_equal(scsi_dev_init(&d, 0, 128), -EINVAL);
		assert_int_equal(scsi_dev_init(&d, SCSI_MAX_REQ_QUEUES + 1, 128), -EINVAL);
	}
}

static void
test_bad_images(void **state)
{
	struct scsi_lun_spec s = {.block_size = 512};
	char err[256];
	int fd;

	(void)state;
	snprintf(s.path, sizeof(s.path), "/nonexistent/x.img");
	assert_null(scsi_lun_open(&s, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	snprintf(s.path, sizeof(s.path), "/tmp");
	assert_null(scsi_lun_open(&s, err, sizeof(err)));
	snprintf(s.path, sizeof(s.path), "/tmp/vhd-scsi-unit-odd");
	fd = open(s.path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1000), 0);
	assert_null(scsi_lun_open(&s, err, sizeof(err)));
	assert_non_null(strstr(err, "multiple"));
	assert_int_equal(ftruncate(fd, 4096 + 512), 0);
	{
		struct scsi_lun *l = scsi_lun_open(&s, err, sizeof(err));

		assert_non_null(l);
		assert_int_equal(l->nblocks, 9);
		scsi_lun_close(l);
	}
	s.block_size = 4096;
	assert_null(scsi_lun_open(&s, err, sizeof(err)));
	close(fd);
	unlink(s.path);
	snprintf(s.path, sizeof(s.path), "ram:0");
	assert_null(scsi_lun_open(&s, err, sizeof(err)));
	snprintf(s.path, sizeof(s.path), "ram:17G");
	assert_null(scsi_lun_open(&s, err, sizeof(err)));
	/* the per-image option syntax */
	memset(&s, 0, sizeof(s));
	assert_int_equal(scsi_lun_parse("disk.img,block-size=4096,read-only", &s, err,
					sizeof(err)), 0);
	assert_string_equal(s.path, "disk.img");
	assert_int_equal(s.block_size, 4096);
	assert_true(s.read_only);
	assert_int_equal(scsi_lun_parse("disk.img,block-size=1024", &s, err, sizeof(err)), -1);
	assert_int_equal(scsi_lun_parse(",read-only", &s, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_rw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun_and_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_rw_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_write_fua_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_depth_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_size_4096, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_and_write_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_sense, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_attention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test(test_bad_images),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
