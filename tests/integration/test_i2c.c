/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-i2c driven by our vhost-user frontend on simulated buses:
 * EEPROM and register clients, FAIL_NEXT groups, zero-length requests,
 * several sockets on one bus, an EEPROM image kept across restarts,
 * malformed requests, poll mode, and bad command lines.
 */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_it.h"

#define QSZ 64
#define WAIT_MS 3000
#define F_ALL (~0ULL)
#define F_NO_ZLR (~VHD_BIT(0))

#define FN 1u  /* VIRTIO_I2C_FLAGS_FAIL_NEXT */
#define RD 2u  /* VIRTIO_I2C_FLAGS_M_RD */
#define MSG_OK 0
#define MSG_ERR 1

#define EE 0x50
#define RG 0x20

struct hdr {
	uint16_t addr;
	uint16_t padding;
	uint32_t flags;
};

/* One virtio-i2c request as the guest lays it out: header, buffer, status. */
struct rq {
	struct hdr *hdr;
	uint8_t *buf;
	uint8_t *st;
	int head;
	uint32_t used;
	bool done;
};

static void
rq_post(struct vhd_fe *fe, struct rq *r, uint16_t addr, uint32_t flags, uint32_t len,
	const void *wdata, bool kick)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	struct vhd_fe_buf b[3];
	unsigned int n = 0, n_rd = 1;

	memset(r, 0, sizeof(*r));
	r->hdr = vhd_fe_mem_alloc(m, sizeof(*r->hdr), 8, NULL);
	r->st = vhd_fe_mem_alloc(m, 1, 1, NULL);
	assert_non_null(r->hdr);
	assert_non_null(r->st);
	r->hdr->addr = (uint16_t)(addr << 1); /* as Linux's virtio-i2c sends it */
	r->hdr->flags = flags;
	*r->st = 0xee;
	b[n++] = (struct vhd_fe_buf){r->hdr, sizeof(*r->hdr)};
	if (len > 0) {
		r->buf = vhd_fe_mem_alloc(m, len, 8, NULL);
		assert_non_null(r->buf);
		if (wdata != NULL)
			memcpy(r->buf, wdata, len);
		b[n++] = (struct vhd_fe_buf){r->buf, len};
		if (!(flags & RD))
			n_rd++;
	}
	b[n++] = (struct vhd_fe_buf){r->st, 1};
	r->head = vhd_fe_post(fe, 0, b, n_rd, n - n_rd, false, NULL, kick);
	assert_true(r->head >= 0);
}

/* Wait until every request of @p rs is used. */
static void
rq_wait(struct vhd_fe *fe, struct rq *rs, unsigned int n, bool poll)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	unsigned int left = n, i;
	uint16_t id;
	uint32_t len;

	while (left > 0) {
		int got = poll ? vhd_fe_poll_used(fe, 0, WAIT_MS) :
				 vhd_fe_wait_used(fe, 0, WAIT_MS);

		if (got <= 0)
			fail_msg("%u requests not completed within %d ms (frontend: '%s')", left,
				 WAIT_MS, vhd_fe_error(fe));
		while (vhd_fe_ring_get_used(r, &id, &len, NULL) == 1) {
			for (i = 0; i < n; i++)
				if (!rs[i].done && rs[i].head == id)
					break;
			if (i == n)
				fail_msg("used entry %u is none of ours", id);
			rs[i].done = true;
			rs[i].used = len;
			left--;
		}
	}
}

/* Random read: offset written, repeated START, @p len bytes read. */
static void
rd_at(struct vhd_fe *fe, uint16_t addr, uint8_t off, uint8_t *out, uint32_t len)
{
	struct rq r[2];

	rq_post(fe, &r[0], addr, FN, 1, &off, false);
	rq_post(fe, &r[1], addr, RD, len, NULL, true);
	rq_wait(fe, r, 2, false);
	assert_int_equal(*r[0].st, MSG_OK);
	assert_int_equal(*r[1].st, MSG_OK);
	assert_int_equal(r[1].used, len + 1);
	memcpy(out, r[1].buf, len);
}

static void
wr(struct vhd_fe *fe, uint16_t addr, const void *data, uint32_t len)
{
	struct rq r;

	rq_post(fe, &r, addr, 0, len, data, true);
	rq_wait(fe, &r, 1, false);
	assert_int_equal(*r.st, MSG_OK);
	assert_int_equal(r.used, 1);
}

static void
test_eeprom_and_regs(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim0:0x50:0x20", "--sim-client", "0x50=24c02",
					   "--sim-client", "0x20=regs", NULL};
	struct vhd_fe *fe;
	uint8_t b[16];

	(void)state;
	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_true(vhd_fe_offered_features(fe) & VHD_BIT(0)); /* ZERO_LENGTH_REQUEST */
	/* erased EEPROM, then a page write and a random read of it */
	rd_at(fe, EE, 0x10, b, 4);
	assert_memory_equal(b, "\xff\xff\xff\xff", 4);
	wr(fe, EE, "\x10hello", 6);
	rd_at(fe, EE, 0x10, b, 6);
	assert_memory_equal(b, "hello\xff", 6);
	/* registers */
	wr(fe, RG, "\x40\x01\x02\x03", 4);
	rd_at(fe, RG, 0x41, b, 2);
	assert_memory_equal(b, "\x02\x03", 2);
	/* zero-length probes, as i2cdetect -q: present answers, absent fails */
	{
		struct rq r[2];

		rq_post(fe, &r[0], EE, 0, 0, NULL, false);
		rq_post(fe, &r[1], 0x51, RD, 0, NULL, true);
		rq_wait(fe, r, 2, false);
		assert_int_equal(*r[0].st, MSG_OK);
		assert_int_equal(*r[1].st, MSG_ERR);
	}
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* a refused request in a group: what precedes runs, the rest fails without the bus */
static void
test_fail_next_groups(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim3:32", "--sim-client", "32=regs", NULL};
	struct vhd_fe *fe;
	struct rq r[3];
	uint8_t b[2];

	(void)state;
	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	rq_post(fe, &r[0], RG, FN, 2, "\x00\x11", false);
	rq_post(fe, &r[1], 0x33, FN | RD, 1, NULL, false);
	rq_post(fe, &r[2], RG, 0, 2, "\x01\x22", true);
	rq_wait(fe, r, 3, false);
	assert_int_equal(*r[0].st, MSG_OK);
	assert_int_equal(*r[1].st, MSG_ERR);
	assert_int_equal(*r[2].st, MSG_ERR);
	rd_at(fe, RG, 0x00, b, 2);
	assert_memory_equal(b, "\x11\x00", 2);
	/* a group whose head arrives with its own kick is held for the rest */
	rq_post(fe, &r[0], RG, FN, 1, "\x00", true);
	assert_int_equal(vhd_fe_wait_used(fe, 0, 300), 0);
	rq_post(fe, &r[1], RG, RD, 2, NULL, true);
	rq_wait(fe, r, 2, false);
	assert_int_equal(*r[1].st, MSG_OK);
	assert_memory_equal(r[1].buf, "\x11\x00", 2);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* every socket's guest sees the same bus */
static void
test_two_sockets(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-c", "2", "-l", "sim0:32", "--sim-client", "32=regs",
					   NULL};
	struct vhd_fe *fe0, *fe1;
	uint8_t b[3];

	(void)state;
	vhd_it_app_up(&a, "i2c", args, 2);
	fe0 = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	fe1 = vhd_it_fe_up(&a, 1, F_ALL, 1, QSZ);
	wr(fe0, RG, "\x80\xaa\xbb\xcc", 4);
	rd_at(fe1, RG, 0x80, b, 3);
	assert_memory_equal(b, "\xaa\xbb\xcc", 3);
	vhd_it_app_down(&a, 2);
	vhd_it_fe_done(fe0);
	vhd_it_fe_done(fe1);
}

/* the EEPROM image keeps what the guest wrote across a restart */
static void
test_eeprom_image(void **state)
{
	static struct vhd_fe_app a;
	char dir[] = "/tmp/vhd-i2c-it-XXXXXX", path[64], client[96];
	const char *args[] = {"-l", "sim0:80", "--sim-client", client, NULL};
	struct vhd_fe *fe;
	uint8_t img[256], b[3];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ee.bin", dir);
	snprintf(client, sizeof(client), "80=24c02:%s", path);
	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	wr(fe, 80, "\x22" "abc", 4);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, img, sizeof(img)), 256);
	close(fd);
	assert_memory_equal(&img[0x22], "abc", 3);
	assert_int_equal(img[0x25], 0xff);

	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	rd_at(fe, 80, 0x22, b, 3);
	assert_memory_equal(b, "abc", 3);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
	unlink(path);
	rmdir(dir);
}

/* malformed requests get an error (or used length 0); the queue keeps serving */
static void
test_malformed(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim0:32", "--sim-client", "32=regs", NULL};
	struct vhd_fe_mem *m;
	struct vhd_fe *fe;
	struct vhd_fe_buf fb[2];
	struct rq r[3];
	struct hdr *h;
	uint8_t b[1];

	(void)state;
	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_NO_ZLR, 1, QSZ);
	assert_false(vhd_fe_features(fe) & VHD_BIT(0));
	m = vhd_fe_mem(fe);
	/* no status byte at all */
	h = vhd_fe_mem_alloc(m, sizeof(*h) + 1, 8, NULL);
	h->addr = RG << 1;
	fb[0] = (struct vhd_fe_buf){h, sizeof(*h) + 1};
	memset(&r[0], 0, sizeof(r[0]));
	r[0].head = vhd_fe_post(fe, 0, fb, 1, 0, false, NULL, false);
	assert_true(r[0].head >= 0);
	/* zero-length while the feature is not negotiated */
	rq_post(fe, &r[1], RG, 0, 0, NULL, false);
	/* short header */
	h = vhd_fe_mem_alloc(m, 4, 8, NULL);
	r[2].st = vhd_fe_mem_alloc(m, 1, 1, NULL);
	*r[2].st = 0xee;
	fb[0] = (struct vhd_fe_buf){h, 4};
	fb[1] = (struct vhd_fe_buf){r[2].st, 1};
	r[2].done = false;
	r[2].head = vhd_fe_post(fe, 0, fb, 1, 1, false, NULL, true);
	assert_true(r[2].head >= 0);
	rq_wait(fe, r, 3, false);
	assert_int_equal(r[0].used, 0);
	assert_int_equal(*r[1].st, MSG_ERR);
	assert_int_equal(*r[2].st, MSG_ERR);
	/* still serving */
	wr(fe, RG, "\x05\x42", 2);
	rd_at(fe, RG, 0x05, b, 1);
	assert_int_equal(b[0], 0x42);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* stopping the queue in the middle of a group answers what was held, no guest hang */
static void
test_stop_with_open_group(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim0:32", "--sim-client", "32=regs", NULL};
	struct vhd_fe *fe;
	struct vhd_fe_ring *ring;
	struct rq r;
	uint16_t id, last_avail;
	uint32_t len;

	(void)state;
	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	rq_post(fe, &r, RG, FN, 2, "\x09\x44", true);
	assert_int_equal(vhd_fe_wait_used(fe, 0, 300), 0);
	assert_int_equal(vhd_fe_queue_stop(fe, 0, &last_avail), 0);
	assert_int_equal(last_avail, vhd_it_base(fe, 0, 1));
	ring = vhd_fe_queue_ring(fe, 0);
	assert_int_equal(vhd_fe_ring_get_used(ring, &id, &len, NULL), 1);
	assert_int_equal(id, r.head);
	assert_int_equal(*r.st, MSG_ERR);
	/* the write never reached the bus; the queue serves again after a restart */
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	{
		uint8_t b[1];

		rd_at(fe, RG, 0x09, b, 1);
		assert_int_equal(b[0], 0x00);
	}
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* a write+read group in another service mode */
static void
mode_case(const char *mode, bool poll)
{
	static struct vhd_fe_app a;
	const char *args[] = {"--mode", mode, "-l", "sim0:32", "--sim-client", "32=regs", NULL};
	struct vhd_fe *fe;
	struct rq r[2];
	unsigned int i;

	vhd_it_app_up(&a, "i2c", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	for (i = 0; i < 20; i++) {
		uint8_t w[2] = {(uint8_t)i, (uint8_t)(0x80 + i)};

		rq_post(fe, &r[0], RG, FN, 2, w, false);
		rq_post(fe, &r[1], RG, RD, 1, NULL, !poll);
		rq_wait(fe, r, 2, poll);
		assert_int_equal(*r[0].st, MSG_OK);
		assert_int_equal(*r[1].st, MSG_OK);
		/* the pointer moved past the byte written: the next register, still 0 */
		assert_int_equal(r[1].buf[0], 0x00);
		if (i > 0) {
			uint8_t b[1];

			rd_at(fe, RG, (uint8_t)(i - 1), b, 1);
			assert_int_equal(b[0], 0x80 + i - 1);
		}
	}
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static void
test_poll_mode(void **state)
{
	(void)state;
	mode_case("poll", true);
}

static void
test_hybrid_mode(void **state)
{
	(void)state;
	mode_case("hybrid", false);
}

/* Bad command lines: exit 1, no socket left, one error line besides EAL's and telemetry's. */
static void
test_bad_options(void **state)
{
	static const char *const dup[] = {"-l", "sim0:4,sim1:4", NULL};
	static const char *const range[] = {"-l", "sim0:128", NULL};
	static const char *const garbage[] = {"-l", "1:4d", NULL};
	static const char *const zero[] = {"-c", "0", "-l", "sim0:4", NULL};
	static const char *const noclient[] = {"-l", "sim0:80", NULL};
	static const char *const stray[] = {"-l", "sim0:80", "--sim-client", "80=regs",
					    "--sim-client", "81=regs", NULL};
	static const char *const badtype[] = {"-l", "sim0:80", "--sim-client", "80=24c64", NULL};
	static const char *const nohost[] = {"-l", "99:4", NULL};
	static const char *const nolist[] = {NULL};
	static const char *const unknown[] = {"--bogus", NULL};
	static const char *const nodir[] = {"-s", "/nonexistent/dir/i2c.sock", "-l", "sim0:4",
					    "--sim-client", "4=regs", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline i2c = {.name = "i2c", .exit_code = 1,
						       .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&i2c, "duplicate address", dup, true, "4");
	vhd_it_bad_cmdline(&i2c, "address out of range", range, true, "128");
	vhd_it_bad_cmdline(&i2c, "garbage address", garbage, true, "4d");
	vhd_it_bad_cmdline(&i2c, "-c 0", zero, true, "0");
	vhd_it_bad_cmdline(&i2c, "sim address without client", noclient, true, "80");
	vhd_it_bad_cmdline(&i2c, "client on no bus", stray, true, "81");
	vhd_it_bad_cmdline(&i2c, "unknown client type", badtype, true, "24c64");
	vhd_it_bad_cmdline(&i2c, "missing host adapter", nohost, true, "/dev/i2c-99");
	vhd_it_bad_cmdline(&i2c, "no device list", nolist, true, "--device-list");
	vhd_it_bad_cmdline(&i2c, "unknown option", unknown, true, "bogus");
	vhd_it_bad_cmdline(&i2c, "no socket path", noclient, false, "--socket-path");
	vhd_it_bad_cmdline(&i2c, "socket directory missing", nodir, false, "/nonexistent/dir");
}

int
main(void)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_eeprom_and_regs),
		T(test_fail_next_groups),
		T(test_two_sockets),
		T(test_eeprom_image),
		T(test_malformed),
		T(test_stop_with_open_group),
		T(test_poll_mode),
		T(test_hybrid_mode),
		T(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
