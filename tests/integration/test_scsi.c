/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-scsi driven by our vhost-user frontend: every command class
 * on a file image and a RAM image in poll and interrupt modes, the
 * read-only proof (write-class commands refused, image bytes unchanged, the
 * image open O_RDONLY in the backend), 10 000 seeded random reads and
 * writes on two request queues against a reference model, TMFs while I/O
 * is in flight, malformed requests on every queue, frontend after
 * frontend, bad command lines.
 */

#include <endian.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "scsi_proto.h"
#include "vhd_it.h"

#define QSZ 128
#define WAIT_MS 5000
#define GUARD 32
#define F_ALL (~0ULL)
#define IMG_BYTES (4u << 20)
#define BS 512u
#define SCSI_MAX_LUNS_IT 256

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An image file in the app's directory, each 512-byte block filled from @p seed. */
static void
make_image(const char *path, uint32_t bytes, uint8_t seed)
{
	static uint8_t buf[1 << 16];
	uint32_t off, i;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	assert_true(fd >= 0);
	for (off = 0; off < bytes; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)((off + i) / BS * 7 + seed + i % 13);
		assert_int_equal(pwrite(fd, buf, sizeof(buf), off), sizeof(buf));
	}
	close(fd);
}

static uint8_t *
slurp(const char *path, uint32_t bytes)
{
	uint8_t *b = malloc(bytes);
	int fd = open(path, O_RDONLY);

	assert_non_null(b);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, bytes, 0), bytes);
	close(fd);
	return b;
}

/* Start the app with images built in its directory and connect with 2 + nreq queues. */
static struct vhd_fe *
up(struct vhd_fe_app *a, const char *const *opts, uint16_t nreq, char *img, size_t img_len)
{
	const char *extra[2] = {img, NULL};
	struct stat st;
	char path[256];

	vhd_it_app_init(a, "scsi");
	a->plain_sock = true;
	snprintf(img, img_len, "%s/disk.img", a->dir);
	make_image(img, IMG_BYTES, 1);
	vhd_it_app_start(a, opts, extra, 1);
	assert_int_equal(stat(a->sock, &st), 0);
	snprintf(path, sizeof(path), "%s0", a->sock);
	assert_int_not_equal(stat(path, &st), 0);
	return vhd_it_fe_up(a, 0, F_ALL, (uint16_t)(2 + nreq), QSZ);
}

/* One command's buffers in guest memory. */
struct cmd {
	struct virtio_scsi_cmd_req *req;
	struct virtio_scsi_cmd_resp *resp;
	uint8_t *dout, *din;
	uint32_t dout_cap, din_cap;
	uint32_t dout_len, din_len; /* this command's */
	int head;
	uint32_t used;
};

static void
cmd_alloc(struct vhd_fe *fe, struct cmd *c, uint32_t dout_cap, uint32_t din_cap)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);

	memset(c, 0, sizeof(*c));
	c->req = vhd_fe_mem_alloc(m, sizeof(*c->req), 8, NULL);
	c->resp = vhd_fe_mem_alloc(m, sizeof(*c->resp) + GUARD, 8, NULL);
	assert_non_null(c->req);
	assert_non_null(c->resp);
	if (dout_cap != 0) {
		c->dout = vhd_fe_mem_alloc(m, dout_cap, 64, NULL);
		assert_non_null(c->dout);
	}
	if (din_cap != 0) {
		c->din = vhd_fe_mem_alloc(m, din_cap + GUARD, 64, NULL);
		assert_non_null(c->din);
	}
	c->dout_cap = dout_cap;
	c->din_cap = din_cap;
}

static void
lun_flat(uint8_t *lun, unsigned int idx)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[2] = (uint8_t)(0x40 | (idx >> 8));
	lun[3] = (uint8_t)idx;
}

static void
cmd_post(struct vhd_fe *fe, uint16_t q, struct cmd *c, unsigned int lun, const uint8_t *cdb,
	 size_t cdb_len, uint32_t dout_len, uint32_t din_len, bool kick)
{
	struct vhd_fe_buf b[4];
	unsigned int nr = 0, nw = 0;

	assert_true(dout_len <= c->dout_cap && din_len <= c->din_cap);
	memset(c->req, 0, sizeof(*c->req));
	lun_flat(c->req->lun, lun);
	c->req->tag = htole64((uint64_t)(uintptr_t)c);
	memcpy(c->req->cdb, cdb, cdb_len);
	memset(c->resp, 0xee, sizeof(*c->resp) + GUARD);
	b[nr++] = (struct vhd_fe_buf){c->req, sizeof(*c->req)};
	if (dout_len != 0)
		b[nr++] = (struct vhd_fe_buf){c->dout, dout_len};
	b[nr + nw++] = (struct vhd_fe_buf){c->resp, sizeof(*c->resp)};
	if (din_len != 0) {
		memset(c->din, 0xee, din_len + GUARD);
		b[nr + nw++] = (struct vhd_fe_buf){c->din, din_len};
	}
	c->dout_len = dout_len;
	c->din_len = din_len;
	c->head = vhd_fe_post(fe, q, b, nr, nw, false, NULL, kick);
	assert_true(c->head >= 0);
}

static void
guards(const struct cmd *c)
{
	unsigned int i;

	for (i = 0; i < GUARD; i++) {
		assert_int_equal(((const uint8_t *)c->resp)[sizeof(*c->resp) + i], 0xee);
		if (c->din_len != 0)
			assert_int_equal(c->din[c->din_len + i], 0xee);
	}
}

static uint32_t
cmd_wait(struct vhd_fe *fe, uint16_t q, struct cmd *c, bool poll)
{
	struct vhd_it_wait w = {c->head, false, 0};

	vhd_it_wait_used(fe, q, &w, 1, poll, WAIT_MS);
	c->used = w.used;
	guards(c);
	return w.used;
}

/* Run one command on request queue 0 (q 2). */
static uint32_t
run(struct vhd_fe *fe, bool poll, struct cmd *c, unsigned int lun, const uint8_t *cdb,
    size_t cdb_len, uint32_t dout_len, uint32_t din_len)
{
	cmd_post(fe, SCSI_Q_REQ0, c, lun, cdb, cdb_len, dout_len, din_len, true);
	return cmd_wait(fe, SCSI_Q_REQ0, c, poll);
}

#define CDB(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void
good(const struct cmd *c, uint32_t data_in)
{
	assert_int_equal(c->resp->response, VIRTIO_SCSI_S_OK);
	assert_int_equal(c->resp->status, SAM_GOOD);
	assert_int_equal(c->used, SCSI_RESP_HDR + data_in);
}

static void
sense_is(const struct cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(c->resp->response, VIRTIO_SCSI_S_OK);
	assert_int_equal(c->resp->status, SAM_CHECK_CONDITION);
	assert_int_equal(le32toh(c->resp->sense_len), 18);
	assert_int_equal(c->resp->sense[0], 0x70);
	assert_int_equal(c->resp->sense[2], key);
	assert_int_equal(c->resp->sense[12], asc);
	assert_int_equal(c->resp->sense[13], ascq);
}

/* Every command class on LUN @p lun of @p blocks 512-byte blocks. */
static void
command_classes(struct vhd_fe *fe, bool poll, unsigned int lun, uint32_t blocks)
{
	struct cmd c;
	uint8_t blk[BS];
	unsigned int i;

	cmd_alloc(fe, &c, 8192, 8192);
	run(fe, poll, &c, lun, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_INQUIRY, 0, 0, 0, 96, 0), 0, 96);
	good(&c, 96);
	assert_memory_equal(c.din + 8, "VHOSTDEV", 8);
	run(fe, poll, &c, lun, CDB(OP_INQUIRY, 1, 0x83, 0, 255, 0), 0, 255);
	good(&c, 44);
	assert_int_equal(le32toh(c.resp->resid), 255 - 44);
	run(fe, poll, &c, lun, CDB(OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 8);
	good(&c, 8);
	assert_int_equal(be32(c.din), blocks - 1);
	run(fe, poll, &c, lun, CDB(OP_SERVICE_ACTION_IN_16, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				   32, 0, 0), 0, 32);
	good(&c, 32);
	assert_int_equal(be32(c.din + 4), blocks - 1);
	assert_int_equal(c.din[14] & 0x80, 0x80);
	run(fe, poll, &c, lun, CDB(OP_MODE_SENSE_6, 0, 0x3f, 0, 255, 0), 0, 255);
	good(&c, 44);
	run(fe, poll, &c, lun, CDB(OP_MODE_SENSE_10, 0, 0x08, 0, 0, 0, 0, 0, 255, 0), 0, 255);
	good(&c, 8 + 8 + 20);
	run(fe, poll, &c, lun, CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), 0, 256);
	assert_int_equal(c.resp->status, SAM_GOOD);
	assert_true(be32(c.din) >= 8);
	run(fe, poll, &c, lun, CDB(OP_MAINTENANCE_IN, 0x0c, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), 0, 256);
	good(&c, 4 + 29 * 8);
	run(fe, poll, &c, lun, CDB(OP_REQUEST_SENSE, 0, 0, 0, 18, 0), 0, 18);
	good(&c, 18);
	run(fe, poll, &c, lun, CDB(OP_START_STOP_UNIT, 0, 0, 0, 1, 0), 0, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_PREVENT_ALLOW, 0, 0, 0, 0, 0), 0, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_VERIFY_10, 0, 0, 0, 0, 0, 0, 0, 8, 0), 0, 0);
	good(&c, 0);
	/* writes and reads of every length form */
	for (i = 0; i < 4096; i++)
		c.dout[i] = (uint8_t)(i * 3 + lun);
	run(fe, poll, &c, lun, CDB(OP_WRITE_6, 0, 0, 8, 1, 0), BS, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_WRITE_10, 0x08, 0, 0, 0, 9, 0, 0, 2, 0), 2 * BS, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_WRITE_12, 0, 0, 0, 0, 11, 0, 0, 0, 1, 0, 0), BS, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_WRITE_16, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 4, 0, 0),
	    4 * BS, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_READ_6, 0, 0, 8, 1, 0), 0, BS);
	good(&c, BS);
	assert_memory_equal(c.din, c.dout, BS);
	run(fe, poll, &c, lun, CDB(OP_READ_10, 0, 0, 0, 0, 9, 0, 0, 2, 0), 0, 2 * BS);
	assert_memory_equal(c.din, c.dout, 2 * BS);
	run(fe, poll, &c, lun, CDB(OP_READ_12, 0, 0, 0, 0, 11, 0, 0, 0, 1, 0, 0), 0, BS);
	assert_memory_equal(c.din, c.dout, BS);
	run(fe, poll, &c, lun, CDB(OP_READ_16, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 4, 0, 0), 0,
	    8 * BS);
	good(&c, 4 * BS);
	assert_int_equal(le32toh(c.resp->resid), 4 * BS);
	assert_memory_equal(c.din, c.dout, 4 * BS);
	/* WRITE SAME with a pattern, and with UNMAP; UNMAP; SYNCHRONIZE CACHE */
	memset(blk, 0x42, sizeof(blk));
	memcpy(c.dout, blk, BS);
	run(fe, poll, &c, lun, CDB(OP_WRITE_SAME_10, 0, 0, 0, 0, 20, 0, 0, 6, 0), BS, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_READ_10, 0, 0, 0, 0, 20, 0, 0, 6, 0), 0, 6 * BS);
	for (i = 0; i < 6 * BS; i++)
		assert_int_equal(c.din[i], 0x42);
	run(fe, poll, &c, lun, CDB(OP_WRITE_SAME_16, 0x09, 0, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 2, 0,
				   0), 0, 0);
	good(&c, 0);
	memset(c.dout, 0, 24);
	c.dout[1] = 22;
	c.dout[3] = 16;
	c.dout[15] = 24;
	c.dout[19] = 1;
	run(fe, poll, &c, lun, CDB(OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0), 24, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_READ_10, 0, 0, 0, 0, 20, 0, 0, 6, 0), 0, 6 * BS);
	for (i = 0; i < 6 * BS; i++) {
		static const uint8_t want[6] = {0x42, 0, 0, 0x42, 0, 0x42};

		assert_int_equal(c.din[i], want[i / BS]);
	}
	run(fe, poll, &c, lun, CDB(OP_SYNC_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 0);
	good(&c, 0);
	run(fe, poll, &c, lun, CDB(OP_SYNC_CACHE_16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	    0, 0);
	good(&c, 0);
	/* MODE SELECT of the current control page */
	run(fe, poll, &c, lun, CDB(OP_MODE_SENSE_6, 0x08, 0x0a, 0, 16, 0), 0, 16);
	memcpy(c.dout, c.din, 16);
	c.dout[0] = 0;
	run(fe, poll, &c, lun, CDB(OP_MODE_SELECT_6, 0x10, 0, 0, 16, 0), 16, 0);
	good(&c, 0);
	/* errors: unknown opcode, past the end, overrun */
	run(fe, poll, &c, lun, CDB(0x02, 0, 0, 0, 0, 0), 0, 0);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x20, 0);
	put32(c.dout, 0);
	run(fe, poll, &c, lun, CDB(OP_READ_10, 0, (uint8_t)(blocks >> 24), (uint8_t)(blocks >> 16),
				   (uint8_t)(blocks >> 8), (uint8_t)blocks, 0, 0, 1, 0), 0, BS);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x21, 0);
	run(fe, poll, &c, lun, CDB(OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 2, 0), 0, BS);
	assert_int_equal(c.resp->response, VIRTIO_SCSI_S_OVERRUN);
	assert_int_equal(c.din[0], 0xee);
}

static void
classes_case(const char *mode, bool poll)
{
	struct vhd_fe_app a;
	char img[256], ram[] = "ram:2M";
	const char *opts[] = {"--mode", mode, img, ram, NULL};
	struct vhd_fe *fe;
	uint8_t *before;

	vhd_it_app_init(&a, "scsi");
	a.plain_sock = true;
	snprintf(img, sizeof(img), "%s/disk.img", a.dir);
	make_image(img, IMG_BYTES, 3);
	vhd_it_app_start(&a, opts, NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 3, QSZ);
	/* what QEMU's vhost-user-scsi passes through: HOTPLUG, CHANGE, the ring features */
	printf("scsi: offered features 0x%llx\n", (unsigned long long)vhd_fe_offered_features(fe));
	assert_true(vhd_fe_offered_features(fe) & (1ULL << VIRTIO_SCSI_F_HOTPLUG));
	assert_true(vhd_fe_offered_features(fe) & (1ULL << VIRTIO_SCSI_F_CHANGE));
	assert_false(vhd_fe_offered_features(fe) & (1ULL << VIRTIO_SCSI_F_T10_PI));
	assert_true(vhd_fe_offered_features(fe) & (1ULL << 28)); /* INDIRECT_DESC */
	assert_true(vhd_fe_offered_features(fe) & (1ULL << 29)); /* EVENT_IDX */
	before = slurp(img, IMG_BYTES);
	command_classes(fe, poll, 0, IMG_BYTES / BS);
	command_classes(fe, poll, 1, (2u << 20) / BS);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
	free(before);
}

static void
test_classes_interrupt(void **state)
{
	(void)state;
	classes_case("interrupt", false);
}

static void
test_classes_poll(void **state)
{
	(void)state;
	classes_case("poll", true);
}

/* Flags of the backend's descriptor for @p path, from /proc/PID/fdinfo. */
static long
backend_fd_flags(pid_t pid, const char *path)
{
	char dir[64], link[PATH_MAX], p[PATH_MAX + 64], line[256];
	struct dirent *e;
	long flags = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL && flags < 0) {
		ssize_t n;
		FILE *f;

		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		n = readlink(p, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, path) != 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		f = fopen(p, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "flags:", 6) == 0)
				flags = strtol(line + 6, NULL, 8);
		fclose(f);
	}
	closedir(d);
	return flags;
}

/* Every write-class command refused with DATA PROTECT; the image's bytes unchanged. */
static void
ro_case(bool global)
{
	struct vhd_fe_app a;
	char img[256], spec[300];
	const char *opts_g[] = {"-r", "--block-size", "4096", img, NULL};
	const char *opts_l[] = {spec, NULL};
	struct vhd_fe *fe;
	uint8_t *before, *after;
	char real[PATH_MAX];
	struct cmd c;
	long flags;

	vhd_it_app_init(&a, "scsi");
	a.plain_sock = true;
	snprintf(img, sizeof(img), "%s/ro.img", a.dir);
	snprintf(spec, sizeof(spec), "%s,read-only,block-size=4096", img);
	make_image(img, IMG_BYTES, 9);
	before = slurp(img, IMG_BYTES);
	vhd_it_app_start(&a, global ? opts_g : opts_l, NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 3, QSZ);
	assert_non_null(realpath(img, real));
	flags = backend_fd_flags(a.pid, real);
	assert_true(flags >= 0);
	assert_int_equal(flags & O_ACCMODE, O_RDONLY);
	cmd_alloc(fe, &c, 8192, 8192);
	memset(c.dout, 0x99, 8192);
	run(fe, false, &c, 0, CDB(OP_WRITE_6, 0, 0, 0, 1, 0), 4096, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	run(fe, false, &c, 0, CDB(OP_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0), 4096, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	run(fe, false, &c, 0, CDB(OP_WRITE_12, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0), 4096, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	run(fe, false, &c, 0, CDB(OP_WRITE_16, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0),
	    4096, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	run(fe, false, &c, 0, CDB(OP_WRITE_SAME_10, 0, 0, 0, 0, 0, 0, 0, 8, 0), 4096, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	run(fe, false, &c, 0, CDB(OP_WRITE_SAME_16, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0),
	    0, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	memset(c.dout, 0, 24);
	c.dout[1] = 22;
	c.dout[3] = 16;
	c.dout[19] = 4;
	run(fe, false, &c, 0, CDB(OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0), 24, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	run(fe, false, &c, 0, CDB(OP_MODE_SENSE_6, 0, 0x3f, 0, 255, 0), 0, 255);
	assert_int_equal(c.din[2] & 0x80, 0x80);
	run(fe, false, &c, 0, CDB(OP_READ_10, 0, 0, 0, 0, 1, 0, 0, 2, 0), 0, 8192);
	good(&c, 8192);
	assert_memory_equal(c.din, before + 4096, 8192);
	vhd_it_fe_done(fe);
	vhd_it_app_stop(&a, 1);
	after = slurp(img, IMG_BYTES);
	vhd_it_app_fini(&a);
	assert_memory_equal(before, after, IMG_BYTES);
	free(before);
	free(after);
}

static void
test_read_only(void **state)
{
	(void)state;
	ro_case(true);
	ro_case(false);
}

/* ---- 10 000 random reads and writes against a reference model ---- */

#define INFLIGHT 32
#define MAX_BLK 64
#define ZONE (IMG_BYTES / BS / INFLIGHT)

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
random_case(bool poll)
{
	static const char *const opts_i[] = {"--mode", "interrupt", "--num-queues", "2", NULL};
	static const char *const opts_p[] = {"--mode", "poll", "--num-queues", "2", NULL};
	const char *opts[8];
	struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct cmd c[INFLIGHT];
	char img[256];
	uint8_t *model, *final;
	unsigned int done = 0, i, k;

	rng_state = vhd_it_seed(poll ? "scsi random poll" : "scsi random interrupt");
	for (i = 0; i < 4; i++)
		opts[i] = (poll ? opts_p : opts_i)[i];
	opts[4] = img;
	opts[5] = NULL;
	vhd_it_app_init(&a, "scsi");
	a.plain_sock = true;
	snprintf(img, sizeof(img), "%s/rand.img", a.dir);
	make_image(img, IMG_BYTES, 5);
	model = slurp(img, IMG_BYTES);
	vhd_it_app_start(&a, opts, NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 4, QSZ);
	for (i = 0; i < INFLIGHT; i++)
		cmd_alloc(fe, &c[i], MAX_BLK * BS, MAX_BLK * BS);
	while (done < 10000) {
		struct vhd_it_wait w[2][INFLIGHT];
		unsigned int nw[2] = {0, 0}, q;
		bool wr[INFLIGHT];
		uint64_t lba[INFLIGHT];
		uint32_t n[INFLIGHT];

		/* one command per zone per round: no two in flight overlap */
		for (i = 0; i < INFLIGHT; i++) {
			uint8_t cdb[16] = {0};

			n[i] = 1 + (uint32_t)(rnd() % MAX_BLK);
			lba[i] = i * ZONE + rnd() % (ZONE - n[i] + 1);
			wr[i] = rnd() % 2 == 0;
			q = i % 2;
			if (rnd() % 2) {
				cdb[0] = wr[i] ? OP_WRITE_10 : OP_READ_10;
				put32(cdb + 2, (uint32_t)lba[i]);
				cdb[8] = (uint8_t)n[i];
			} else {
				cdb[0] = wr[i] ? OP_WRITE_16 : OP_READ_16;
				put32(cdb + 6, (uint32_t)lba[i]);
				put32(cdb + 10, n[i]);
			}
			if (wr[i]) {
				for (k = 0; k < n[i] * BS; k += 8) {
					uint64_t v = rnd();

					memcpy(c[i].dout + k, &v, 8);
				}
				memcpy(model + lba[i] * BS, c[i].dout, n[i] * BS);
			}
			cmd_post(fe, (uint16_t)(SCSI_Q_REQ0 + q), &c[i], 0, cdb, 16,
				 wr[i] ? n[i] * BS : 0, wr[i] ? 0 : n[i] * BS, true);
			w[q][nw[q]++] = (struct vhd_it_wait){c[i].head, false, 0};
		}
		for (q = 0; q < 2; q++)
			vhd_it_wait_used(fe, (uint16_t)(SCSI_Q_REQ0 + q), w[q], nw[q], poll,
					 WAIT_MS);
		for (i = 0; i < INFLIGHT; i++) {
			assert_int_equal(c[i].resp->response, VIRTIO_SCSI_S_OK);
			assert_int_equal(c[i].resp->status, SAM_GOOD);
			guards(&c[i]);
			if (!wr[i])
				assert_memory_equal(c[i].din, model + lba[i] * BS, n[i] * BS);
		}
		done += INFLIGHT;
	}
	vhd_it_fe_done(fe);
	vhd_it_app_stop(&a, 1);
	final = slurp(img, IMG_BYTES);
	vhd_it_app_fini(&a);
	assert_memory_equal(final, model, IMG_BYTES);
	free(final);
	free(model);
}

static void
test_random_interrupt(void **state)
{
	(void)state;
	random_case(false);
}

static void
test_random_poll(void **state)
{
	(void)state;
	random_case(true);
}

/* ---- control queue ---- */

static uint8_t
tmf(struct vhd_fe *fe, uint32_t sub, unsigned int lun, uint64_t tag, bool wait)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	struct virtio_scsi_ctrl_tmf *t = vhd_fe_mem_alloc(m, sizeof(*t), 8, NULL);
	uint8_t *r = vhd_fe_mem_alloc(m, 1 + GUARD, 8, NULL);
	struct vhd_fe_buf b[2] = {{t, sizeof(*t)}, {r, 1}};
	struct vhd_it_wait w;

	memset(r, 0xee, 1 + GUARD);
	t->type = htole32(VIRTIO_SCSI_T_TMF);
	t->subtype = htole32(sub);
	lun_flat(t->lun, lun);
	t->tag = htole64(tag);
	w.head = vhd_fe_post(fe, SCSI_Q_CTRL, b, 1, 1, false, NULL, true);
	w.done = false;
	assert_true(w.head >= 0);
	if (!wait)
		return 0xff;
	vhd_it_wait_used(fe, SCSI_Q_CTRL, &w, 1, false, WAIT_MS);
	assert_int_equal(w.used, 1);
	assert_int_equal(r[1], 0xee);
	return r[0];
}

static void
test_tmf_in_flight(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct cmd c[INFLIGHT];
	struct vhd_it_wait w[INFLIGHT];
	char img[256];
	/* O_DIRECT: the reads go to the disk and stay at the host long enough to be hit */
	const char *opts[] = {"--mode", "interrupt", "--cache", "none", img, NULL};
	unsigned int i, round, aborted = 0, uas;
	uint8_t ascq;
	bool reset;

	(void)state;
	vhd_it_app_init(&a, "scsi");
	a.plain_sock = true;
	snprintf(img, sizeof(img), "%s/tmf.img", a.dir);
	make_image(img, IMG_BYTES, 2);
	vhd_it_app_start(&a, opts, NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 3, QSZ);
	assert_int_equal(tmf(fe, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0, true),
			 VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	assert_int_equal(tmf(fe, VIRTIO_SCSI_T_TMF_QUERY_TASK, 0, 12345, true),
			 VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	assert_int_equal(tmf(fe, VIRTIO_SCSI_T_TMF_ABORT_TASK, 3, 0, true),
			 VIRTIO_SCSI_S_INCORRECT_LUN);
	assert_int_equal(tmf(fe, VIRTIO_SCSI_T_TMF_CLEAR_ACA, 0, 0, true),
			 VIRTIO_SCSI_S_FUNCTION_REJECTED);
	for (i = 0; i < INFLIGHT; i++)
		cmd_alloc(fe, &c[i], 0, 32768);
	/* the LOGICAL UNIT RESET left a unit attention for the next command, once */
	run(fe, false, &c[0], 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	sense_is(&c[0], SK_UNIT_ATTENTION, 0x29, 0x00);
	run(fe, false, &c[0], 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	good(&c[0], 0);
	/* big reads in flight, then task management: every command still gets an answer */
	for (round = 0; round < 4; round++) {
		static const uint32_t subs[4] = {
			VIRTIO_SCSI_T_TMF_ABORT_TASK_SET, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, VIRTIO_SCSI_T_TMF_ABORT_TASK,
		};

		for (i = 0; i < INFLIGHT; i++) {
			uint8_t cdb[10] = {OP_READ_10, 0, 0, 0, (uint8_t)(i / 4), 0, 0, 0, 64, 0};

			cmd_post(fe, SCSI_Q_REQ0, &c[i], 0, cdb, sizeof(cdb), 0, 32768, false);
			w[i] = (struct vhd_it_wait){c[i].head, false, 0};
		}
		vhd_fe_kick(fe, SCSI_Q_REQ0);
		assert_int_equal(tmf(fe, subs[round], 0,
				     le64toh(c[INFLIGHT - 1].req->tag), true),
				 VIRTIO_SCSI_S_FUNCTION_COMPLETE);
		vhd_it_wait_used(fe, SCSI_Q_REQ0, w, INFLIGHT, false, WAIT_MS);
		reset = subs[round] == VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET ||
			subs[round] == VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET;
		ascq = subs[round] == VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET ? 0x07 : 0x00;
		uas = 0;
		for (i = 0; i < INFLIGHT; i++) {
			guards(&c[i]);
			if (c[i].resp->response == VIRTIO_SCSI_S_ABORTED) {
				aborted++;
				continue;
			}
			c[i].used = w[i].used;
			/* a read the backend took after the reset reports it, one only */
			if (reset && c[i].resp->status == SAM_CHECK_CONDITION) {
				sense_is(&c[i], SK_UNIT_ATTENTION, 0x29, ascq);
				assert_int_equal(w[i].used, SCSI_RESP_HDR);
				uas++;
				continue;
			}
			good(&c[i], 32768);
		}
		assert_true(uas <= 1);
		/* the reset is reported once, to the first command after it */
		if (reset && uas == 0) {
			run(fe, false, &c[0], 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
			sense_is(&c[0], SK_UNIT_ATTENTION, 0x29, ascq);
		}
		run(fe, false, &c[0], 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
		good(&c[0], 0);
	}
	printf("scsi: %u of %u commands aborted by TMFs\n", aborted, 4 * INFLIGHT);
	/* AN: no event classes */
	{
		struct vhd_fe_mem *m = vhd_fe_mem(fe);
		struct virtio_scsi_ctrl_an *q = vhd_fe_mem_alloc(m, sizeof(*q), 8, NULL);
		struct virtio_scsi_ctrl_an_resp *r = vhd_fe_mem_alloc(m, sizeof(*r), 8, NULL);
		struct vhd_fe_buf b[2] = {{q, sizeof(*q)}, {r, sizeof(*r)}};
		struct vhd_it_wait aw;

		q->type = htole32(VIRTIO_SCSI_T_AN_QUERY);
		lun_flat(q->lun, 0);
		q->event_requested = htole32(0x7e);
		r->response = 0xee;
		r->event_actual = 0xffffffff;
		aw.head = vhd_fe_post(fe, SCSI_Q_CTRL, b, 1, 1, false, NULL, true);
		aw.done = false;
		vhd_it_wait_used(fe, SCSI_Q_CTRL, &aw, 1, false, WAIT_MS);
		assert_int_equal(aw.used, sizeof(*r));
		assert_int_equal(r->response, VIRTIO_SCSI_S_OK);
		assert_int_equal(r->event_actual, 0);
	}
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* ---- malformed requests on every queue ---- */

static void
test_malformed(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe *fe;
	char img[256];
	const char *opts[] = {"--mode", "interrupt", NULL};
	struct vhd_fe_mem *m;
	struct vhd_fe_buf b[3];
	struct vhd_it_wait w;
	uint8_t *hdr, *resp;
	struct cmd c;
	unsigned int i;

	(void)state;
	fe = up(&a, opts, 1, img, sizeof(img));
	(void)img;
	m = vhd_fe_mem(fe);
	hdr = vhd_fe_mem_alloc(m, 64, 8, NULL);
	resp = vhd_fe_mem_alloc(m, 256 + GUARD, 8, NULL);
	memset(hdr, 0, 64);
	lun_flat(hdr, 0);
	/* command header cut short: FAILURE; a response header that does not fit: 0 */
	for (i = 0; i < 3; i++) {
		static const uint32_t rd[3] = {10, 50, 51};
		static const uint32_t wr[3] = {108, 108, 107};

		memset(resp, 0xee, 256 + GUARD);
		b[0] = (struct vhd_fe_buf){hdr, rd[i]};
		b[1] = (struct vhd_fe_buf){resp, wr[i]};
		w.head = vhd_fe_post(fe, SCSI_Q_REQ0, b, 1, 1, false, NULL, true);
		w.done = false;
		vhd_it_wait_used(fe, SCSI_Q_REQ0, &w, 1, false, WAIT_MS);
		if (wr[i] < 108) {
			assert_int_equal(w.used, 0);
			assert_int_equal(resp[0], 0xee);
		} else {
			assert_int_equal(w.used, 108);
			assert_int_equal(resp[11], VIRTIO_SCSI_S_FAILURE);
		}
		assert_int_equal(resp[wr[i]], 0xee);
	}
	/* no writable part at all */
	b[0] = (struct vhd_fe_buf){hdr, 51};
	w.head = vhd_fe_post(fe, SCSI_Q_REQ0, b, 1, 0, false, NULL, true);
	w.done = false;
	vhd_it_wait_used(fe, SCSI_Q_REQ0, &w, 1, false, WAIT_MS);
	assert_int_equal(w.used, 0);
	/* bad LUN encodings: BAD_TARGET; a LUN with nothing: 05/25/00 */
	cmd_alloc(fe, &c, 512, 512);
	cmd_post(fe, SCSI_Q_REQ0, &c, 0, CDB(OP_INQUIRY, 0, 0, 0, 36, 0), 0, 36, false);
	c.req->lun[0] = 0;
	vhd_fe_kick(fe, SCSI_Q_REQ0);
	cmd_wait(fe, SCSI_Q_REQ0, &c, false);
	assert_int_equal(c.resp->response, VIRTIO_SCSI_S_BAD_TARGET);
	assert_int_equal(c.din[0], 0xee);
	cmd_post(fe, SCSI_Q_REQ0, &c, 0, CDB(OP_INQUIRY, 0, 0, 0, 36, 0), 0, 36, false);
	c.req->lun[1] = 3;
	vhd_fe_kick(fe, SCSI_Q_REQ0);
	cmd_wait(fe, SCSI_Q_REQ0, &c, false);
	assert_int_equal(c.resp->response, VIRTIO_SCSI_S_BAD_TARGET);
	run(fe, false, &c, 9, CDB(OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0), 0, 512);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x25, 0);
	run(fe, false, &c, 9, CDB(OP_INQUIRY, 0, 0, 0, 36, 0), 0, 36);
	assert_int_equal(c.din[0], 0x7f);
	/* CDBs: bad fields, NACA, variable length */
	run(fe, false, &c, 0, CDB(OP_READ_10, 0x20, 0, 0, 0, 0, 0, 0, 1, 0), 0, 512);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x24, 0);
	run(fe, false, &c, 0, CDB(OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0x04), 0, 512);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x24, 0);
	run(fe, false, &c, 0, CDB(0x7f, 0, 0, 0, 0, 0, 0, 0x18), 0, 0);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x20, 0);
	/* UNMAP lists cut short */
	memset(c.dout, 0, 24);
	run(fe, false, &c, 0, CDB(OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 6, 0), 6, 0);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x1a, 0);
	run(fe, false, &c, 0, CDB(OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 200, 0), 24, 0);
	assert_int_equal(c.resp->response, VIRTIO_SCSI_S_OVERRUN);
	/* control queue: short, unknown type, no writable byte */
	for (i = 0; i < 3; i++) {
		uint8_t *r = vhd_fe_mem_alloc(m, 1 + GUARD, 8, NULL);

		memset(r, 0xee, 1 + GUARD);
		memset(hdr, 0, 64);
		hdr[0] = i == 1 ? 9 : 0;
		b[0] = (struct vhd_fe_buf){hdr, i == 0 ? 8 : 24};
		b[1] = (struct vhd_fe_buf){r, 1};
		w.head = vhd_fe_post(fe, SCSI_Q_CTRL, b, 1, i == 2 ? 0 : 1, false, NULL, true);
		w.done = false;
		vhd_it_wait_used(fe, SCSI_Q_CTRL, &w, 1, false, WAIT_MS);
		if (i == 2) {
			assert_int_equal(w.used, 0);
		} else {
			assert_int_equal(w.used, 1);
			assert_int_equal(r[0], VIRTIO_SCSI_S_FAILURE);
		}
		assert_int_equal(r[1], 0xee);
	}
	/* event queue: a buffer too small is given back empty */
	memset(resp, 0xee, 64);
	b[0] = (struct vhd_fe_buf){resp, 8};
	w.head = vhd_fe_post(fe, SCSI_Q_EVENT, b, 0, 1, false, NULL, true);
	w.done = false;
	vhd_it_wait_used(fe, SCSI_Q_EVENT, &w, 1, false, WAIT_MS);
	assert_int_equal(w.used, 0);
	assert_int_equal(resp[0], 0xee);
	/* and the device still serves */
	run(fe, false, &c, 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	good(&c, 0);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* ---- hot-add and hot-remove through the control socket ---- */

/* Send @p cmd, read the reply up to its "ok"/"error" line into @p out. */
static void
ctl(const char *path, const char *cmd, char *out, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	size_t n = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
	out[0] = '\0';
	while (n + 1 < len) {
		ssize_t r = recv(fd, out + n, len - 1 - n, 0);

		if (r <= 0)
			break;
		n += (size_t)r;
		out[n] = '\0';
		if (strstr(out, "ok\n") != NULL || strstr(out, "error") != NULL)
			break;
	}
	close(fd);
}

static void
test_hotplug(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe *fe;
	char img[256], path[300], cpath[300], cmd[400], reply[1024];
	const char *opts[] = {"--mode", "interrupt", "--control", cpath, NULL};
	struct virtio_scsi_event *ev[4];
	struct vhd_it_wait w[4];
	struct cmd c;
	unsigned int i;

	(void)state;
	vhd_it_app_init(&a, "scsi");
	a.plain_sock = true;
	snprintf(cpath, sizeof(cpath), "%s/ctl", a.dir);
	snprintf(img, sizeof(img), "%s/disk.img", a.dir);
	make_image(img, IMG_BYTES, 1);
	{
		const char *extra[] = {img, NULL};

		vhd_it_app_start(&a, opts, extra, 1);
	}
	fe = vhd_it_fe_up(&a, 0, F_ALL, 3, QSZ);
	for (i = 0; i < 4; i++) {
		struct vhd_fe_buf b;

		ev[i] = vhd_fe_mem_alloc(vhd_fe_mem(fe), sizeof(*ev[i]) + GUARD, 8, NULL);
		memset(ev[i], 0xee, sizeof(*ev[i]) + GUARD);
		b = (struct vhd_fe_buf){ev[i], sizeof(*ev[i])};
		w[i].head = vhd_fe_post(fe, SCSI_Q_EVENT, &b, 0, 1, false, NULL, true);
		w[i].done = false;
	}
	cmd_alloc(fe, &c, 512, 512);
	run(fe, false, &c, 3, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x25, 0);
	/* attach a file image as LUN 3: RESCAN event, then the LUN answers */
	snprintf(path, sizeof(path), "%s/hot.img", a.dir);
	make_image(path, 1u << 20, 4);
	snprintf(cmd, sizeof(cmd), "attach 3 %s\n", path);
	ctl(cpath, cmd, reply, sizeof(reply));
	assert_string_equal(reply, "ok\n");
	vhd_it_wait_used(fe, SCSI_Q_EVENT, w, 1, false, WAIT_MS);
	assert_int_equal(w[0].used, sizeof(*ev[0]));
	assert_int_equal(le32toh(ev[0]->event), VIRTIO_SCSI_T_TRANSPORT_RESET);
	assert_int_equal(le32toh(ev[0]->reason), VIRTIO_SCSI_EVT_RESET_RESCAN);
	assert_memory_equal(ev[0]->lun, ((uint8_t[]){1, 0, 0, 3, 0, 0, 0, 0}), 8);
	/*
	 * Unit attentions: LUN 0 reports the changed inventory once (INQUIRY
	 * passes it by), the new LUN its power on, then both answer.
	 */
	run(fe, false, &c, 0, CDB(OP_INQUIRY, 0, 0, 0, 96, 0), 0, 96);
	good(&c, 96);
	run(fe, false, &c, 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	sense_is(&c, SK_UNIT_ATTENTION, 0x3f, 0x0e);
	run(fe, false, &c, 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	good(&c, 0);
	run(fe, false, &c, 3, CDB(OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 8);
	sense_is(&c, SK_UNIT_ATTENTION, 0x29, 0x00);
	run(fe, false, &c, 3, CDB(OP_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 8);
	good(&c, 8);
	assert_int_equal(be32(c.din), 2047);
	run(fe, false, &c, 0, CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0), 0, 64);
	assert_int_equal(be32(c.din), 16);
	ctl(cpath, "list\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "lun 3 "));
	/* errors leave everything as it was */
	ctl(cpath, "attach 3 ram:1M\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "error"));
	ctl(cpath, "attach 300 ram:1M\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "error"));
	ctl(cpath, "attach 4 /nonexistent.img\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "No such file"));
	ctl(cpath, "detach 9\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "error"));
	ctl(cpath, "bogus\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "error"));
	/* detach: REMOVED, then the LUN is gone */
	ctl(cpath, "detach 3\n", reply, sizeof(reply));
	assert_string_equal(reply, "ok\n");
	vhd_it_wait_used(fe, SCSI_Q_EVENT, w + 1, 1, false, WAIT_MS);
	assert_int_equal(le32toh(ev[1]->reason), VIRTIO_SCSI_EVT_RESET_REMOVED);
	assert_int_equal(ev[1]->lun[3], 3);
	run(fe, false, &c, 3, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	sense_is(&c, SK_ILLEGAL_REQUEST, 0x25, 0);
	/* REPORT LUNS clears the inventory change unreported: LUN 0 answers at once */
	run(fe, false, &c, 0, CDB(OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0), 0, 64);
	good(&c, 16);
	assert_int_equal(be32(c.din), 8);
	run(fe, false, &c, 0, CDB(OP_TEST_UNIT_READY, 0, 0, 0, 0, 0), 0, 0);
	good(&c, 0);
	/* a RAM LUN, read-only */
	ctl(cpath, "attach 5 ram:64K,read-only\n", reply, sizeof(reply));
	assert_string_equal(reply, "ok\n");
	vhd_it_wait_used(fe, SCSI_Q_EVENT, w + 2, 1, false, WAIT_MS);
	assert_int_equal(ev[2]->lun[3], 5);
	run(fe, false, &c, 5, CDB(OP_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0), 512, 0);
	sense_is(&c, SK_UNIT_ATTENTION, 0x29, 0x00);
	run(fe, false, &c, 5, CDB(OP_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0), 512, 0);
	sense_is(&c, SK_DATA_PROTECT, 0x27, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(((uint8_t *)ev[i])[sizeof(*ev[i])], 0xee);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * Features renegotiated on one connection, as QEMU does (SeaBIOS's driver
 * first with VERSION_1 only, then Linux with INDIRECT_DESC): the backend
 * must take indirect chains after the second SET_FEATURES.
 */
static void
test_features_renegotiated(void **state)
{
	static const char *const opts[] = {"--mode", "interrupt", "ram:1M", NULL};
	uint64_t v = (1ULL << 32) | (1ULL << 30) | (1ULL << 28) | (1ULL << 1) | (1ULL << 2);
	struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct cmd c;
	uint16_t q;

	(void)state;
	vhd_it_app_init(&a, "scsi");
	a.plain_sock = true;
	vhd_it_app_start(&a, opts, NULL, 1);
	fe = vhd_it_fe_up(&a, 0, 1ULL << 32, 3, QSZ);
	assert_false(vhd_fe_features(fe) & (1ULL << 28));
	cmd_alloc(fe, &c, 0, 96);
	run(fe, false, &c, 0, CDB(OP_INQUIRY, 0, 0, 0, 96, 0), 0, 96);
	good(&c, 96);
	for (q = 0; q < 3; q++)
		assert_int_equal(vhd_fe_queue_stop(fe, q, NULL), 0);
	assert_true(vhd_fe_request(fe, VHD_FE_SET_FEATURES, 0, &v, sizeof(v), NULL, 0, NULL,
				   0) >= 0);
	for (q = 0; q < 3; q++)
		assert_int_equal(vhd_fe_queue_start(fe, q), 0);
	memset(c.din, 0xee, 96 + GUARD);
	memset(c.resp, 0xee, sizeof(*c.resp) + GUARD);
	{
		struct vhd_fe_buf b[3] = {{c.req, sizeof(*c.req)}, {c.resp, sizeof(*c.resp)},
					  {c.din, 96}};

		c.din_len = 96;
		c.head = vhd_fe_post(fe, SCSI_Q_REQ0, b, 1, 2, true, NULL, true);
		assert_true(c.head >= 0);
	}
	cmd_wait(fe, SCSI_Q_REQ0, &c, false);
	good(&c, 96);
	assert_memory_equal(c.din + 8, "VHOSTDEV", 8);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Upstream exits after its first frontend; we serve the next, with fresh state. */
static void
test_frontend_after_frontend(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe *fe;
	char img[256];
	const char *opts[] = {"--mode", "interrupt", "--num-queues", "4", NULL};
	struct cmd c;
	unsigned int round, q, nq;

	(void)state;
	fe = up(&a, opts, 4, img, sizeof(img));
	for (round = 0; round < 3; round++) {
		/* the second frontend sets up fewer request queues than the backend has */
		nq = round == 1 ? 1 : 4;
		if (round != 0)
			fe = vhd_it_fe_up(&a, 0, F_ALL, (uint16_t)(2 + nq), QSZ);
		cmd_alloc(fe, &c, 512, 512);
		/* a sense format chosen by one frontend does not leak to the next */
		run(fe, false, &c, 0, CDB(OP_READ_10, 0, 0, 0xff, 0, 0, 0, 0, 1, 0), 0, 512);
		sense_is(&c, SK_ILLEGAL_REQUEST, 0x21, 0);
		run(fe, false, &c, 0, CDB(OP_MODE_SENSE_6, 0x08, 0x0a, 0, 16, 0), 0, 16);
		memcpy(c.dout, c.din, 16);
		c.dout[0] = 0;
		c.dout[6] |= 0x04;
		run(fe, false, &c, 0, CDB(OP_MODE_SELECT_6, 0x10, 0, 0, 16, 0), 16, 0);
		good(&c, 0);
		/* every request queue serves */
		for (q = 0; q < nq; q++) {
			memset(c.dout, (int)(round * 4 + q), 512);
			cmd_post(fe, (uint16_t)(SCSI_Q_REQ0 + q), &c, 0,
				 CDB(OP_WRITE_10, 0, 0, 0, 0, (uint8_t)q, 0, 0, 1, 0), 512, 0,
				 true);
			cmd_wait(fe, (uint16_t)(SCSI_Q_REQ0 + q), &c, false);
			good(&c, 0);
			cmd_post(fe, (uint16_t)(SCSI_Q_REQ0 + q), &c, 0,
				 CDB(OP_READ_10, 0, 0, 0, 0, (uint8_t)q, 0, 0, 1, 0), 0, 512, true);
			cmd_wait(fe, (uint16_t)(SCSI_Q_REQ0 + q), &c, false);
			good(&c, 512);
			assert_int_equal(c.din[0], round * 4 + q);
		}
		vhd_it_fe_done(fe);
	}
	vhd_it_app_down(&a, 1);
}

static void
test_bad_options(void **state)
{
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline t = {.name = "scsi", .exit_code = 1,
						    .ignore = dpdk};
	static const char *const missing[] = {"/nonexistent/disk.img", NULL};
	static const char *const dir[] = {"/tmp", NULL};
	static const char *const ram0[] = {"ram:0", NULL};
	static const char *const nq0[] = {"--num-queues", "0", NULL};
	static const char *const nq17[] = {"--num-queues", "17", NULL};
	static const char *const bs[] = {"--block-size", "1024", NULL};
	static const char *const cache[] = {"--cache", "sometimes", NULL};
	static const char *const qs[] = {"--queue-size", "0", NULL};
	static const char *const imgopt[] = {"ram:1M,block-size=2048", NULL};
	static const char *const unknown[] = {"--bogus", NULL};
	static const char *const none[] = {"ram:1M", NULL};
	static char odd[300], big[300];
	static const char *odd_a[] = {odd, NULL};
	static const char *big_a[] = {big, NULL};
	unsigned int i;
	int fd;

	(void)state;
	vhd_it_bad_cmdline(&t, "missing image", missing, true, "/nonexistent/disk.img");
	vhd_it_bad_cmdline(&t, "directory", dir, true, "/tmp");
	vhd_it_bad_cmdline(&t, "ram:0", ram0, true, "ram:0");
	vhd_it_bad_cmdline(&t, "--num-queues 0", nq0, true, "--num-queues");
	vhd_it_bad_cmdline(&t, "--num-queues 17", nq17, true, "--num-queues");
	vhd_it_bad_cmdline(&t, "--block-size 1024", bs, true, "--block-size");
	vhd_it_bad_cmdline(&t, "--cache", cache, true, "sometimes");
	vhd_it_bad_cmdline(&t, "--queue-size 0", qs, true, "--queue-size");
	vhd_it_bad_cmdline(&t, "image option", imgopt, true, "block-size=2048");
	vhd_it_bad_cmdline(&t, "unknown option", unknown, true, "bogus");
	vhd_it_bad_cmdline(&t, "no socket path", none, false, "--socket-path");
	/* sizes: not a multiple of the block size; 512-aligned but not 4096 */
	snprintf(odd, sizeof(odd), "/tmp/vhd-scsi-it-odd-%d.img", (int)getpid());
	fd = open(odd, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1000), 0);
	close(fd);
	vhd_it_bad_cmdline(&t, "odd size", odd_a, true, "multiple");
	snprintf(big, sizeof(big), "/tmp/vhd-scsi-it-odd-%d.img,block-size=4096", (int)getpid());
	fd = open(odd, O_WRONLY);
	assert_int_equal(ftruncate(fd, 4096 + 512), 0);
	close(fd);
	vhd_it_bad_cmdline(&t, "not a multiple of 4096", big_a, true, "4096");
	unlink(odd);
	/* more than 256 LUNs: too many arguments for the helper, so by hand */
	{
		char cmd[SCSI_MAX_LUNS_IT * 8 + 512], line[256];
		const char *bin = getenv("VHD_APP_SCSI");
		unsigned int lines = 0;
		bool named = false;
		FILE *p;
		int n;

		assert_non_null(bin);
		n = snprintf(cmd, sizeof(cmd), "%s -s /tmp/vhd-scsi-it-%d.sock", bin,
			     (int)getpid());
		for (i = 0; i < SCSI_MAX_LUNS_IT + 1; i++)
			n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " ram:4K");
		snprintf(cmd + n, sizeof(cmd) - (size_t)n, " 2>&1 >/dev/null");
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p) != NULL) {
			if (strncmp(line, "EAL: ", 5) == 0 || strncmp(line, "TELEMETRY: ", 11) == 0)
				continue;
			lines++;
			named = named || strstr(line, "256") != NULL;
		}
		n = pclose(p);
		assert_true(WIFEXITED(n) && WEXITSTATUS(n) == 1);
		assert_int_equal(lines, 1);
		assert_true(named);
	}
}

int
main(void)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_classes_interrupt),
		T(test_classes_poll),
		T(test_read_only),
		T(test_random_interrupt),
		T(test_random_poll),
		T(test_tmf_in_flight),
		T(test_malformed),
		T(test_hotplug),
		T(test_features_renegotiated),
		T(test_frontend_after_frontend),
		T(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
