/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-spi driven by our vhost-user frontend on simulated devices:
 * the config space, the flash through cs_change sequences, every PARAM_ERR
 * case, interleaved chip selects, full duplex on loopback, malformed chains,
 * two sockets on one device, the flash image across restarts, a queue stop
 * with a frame open, poll mode, and bad command lines.
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
#define WAIT_MS 15000 /* a bound for a lost request, not a latency: ASan on a loaded machine is slow */
#define F_ALL (~0ULL)

#define OK 0
#define PARAM_ERR 1
#define TRANS_ERR 2

struct head {
	uint8_t cs, bpw, cs_change, tx_nbits, rx_nbits, reserved[3];
	uint32_t mode, freq, word_delay_ns, cs_setup_ns, cs_hold_ns, cs_inactive_ns;
};

struct cfg {
	uint8_t cs_max, cs_change_supported, tx_nbits, rx_nbits;
	uint32_t bpw_mask, mode_func, max_freq, max_word_delay, max_setup, max_hold,
		max_inactive;
};

/* One virtio-spi request as Linux lays it out: head, tx, rx, result. */
struct rq {
	struct head *h;
	uint8_t *tx, *rx, *st;
	int head;
	uint32_t used;
	bool done;
};

static struct head
hd(uint8_t cs, uint8_t cs_change)
{
	struct head h;

	memset(&h, 0, sizeof(h));
	h.cs = cs;
	h.bpw = 8;
	h.cs_change = cs_change;
	h.freq = 1000000;
	return h;
}

static void
rq_post(struct vhd_fe *fe, struct rq *r, const struct head *h, const void *tx, uint32_t tx_len,
	uint32_t rx_len, bool kick)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	struct vhd_fe_buf b[4];
	unsigned int n = 0, n_rd;

	memset(r, 0, sizeof(*r));
	r->h = vhd_fe_mem_alloc(m, sizeof(*r->h), 8, NULL);
	r->st = vhd_fe_mem_alloc(m, 1, 1, NULL);
	assert_non_null(r->h);
	assert_non_null(r->st);
	*r->h = *h;
	*r->st = 0xee;
	b[n++] = (struct vhd_fe_buf){r->h, sizeof(*r->h)};
	if (tx_len > 0) {
		r->tx = vhd_fe_mem_alloc(m, tx_len, 8, NULL);
		assert_non_null(r->tx);
		if (tx != NULL)
			memcpy(r->tx, tx, tx_len);
		b[n++] = (struct vhd_fe_buf){r->tx, tx_len};
	}
	n_rd = n;
	if (rx_len > 0) {
		r->rx = vhd_fe_mem_alloc(m, rx_len, 8, NULL);
		assert_non_null(r->rx);
		memset(r->rx, 0x55, rx_len);
		b[n++] = (struct vhd_fe_buf){r->rx, rx_len};
	}
	b[n++] = (struct vhd_fe_buf){r->st, 1};
	r->head = vhd_fe_post(fe, 0, b, n_rd, n - n_rd, false, NULL, kick);
	assert_true(r->head >= 0);
}

static void
rq_wait(struct vhd_fe *fe, struct rq *rs, unsigned int n, bool poll)
{
	struct vhd_it_wait w[32];
	unsigned int i;

	assert_true(n <= 32);
	for (i = 0; i < n; i++)
		w[i] = (struct vhd_it_wait){.head = rs[i].head, .done = rs[i].done};
	vhd_it_wait_used(fe, 0, w, n, poll, WAIT_MS);
	for (i = 0; i < n; i++) {
		if (!rs[i].done)
			rs[i].used = w[i].used;
		rs[i].done = true;
	}
}

/* One transfer; returns its result byte, rx copied to @p rx. */
static uint8_t
xfer(struct vhd_fe *fe, const struct head *h, const void *tx, uint32_t tx_len, void *rx,
     uint32_t rx_len)
{
	struct rq r;

	rq_post(fe, &r, h, tx, tx_len, rx_len, true);
	rq_wait(fe, &r, 1, false);
	if (*r.st == OK && rx_len > 0) {
		assert_int_equal(r.used, rx_len + 1);
		memcpy(rx, r.rx, rx_len);
	}
	if (tx_len > 0 && tx != NULL)
		assert_memory_equal(r.tx, tx, tx_len); /* the device must not touch tx */
	return *r.st;
}

/* A flash command in two requests: opcode+address held, then data read, deselect. */
static void
flash_cmd(struct vhd_fe *fe, uint8_t cs, const void *c, uint32_t clen, void *rx, uint32_t rlen)
{
	struct head h = hd(cs, rlen == 0);

	assert_int_equal(xfer(fe, &h, c, clen, NULL, 0), OK);
	if (rlen > 0) {
		h = hd(cs, 1);
		assert_int_equal(xfer(fe, &h, NULL, 0, rx, rlen), OK);
	}
}

static void
flash_wait(struct vhd_fe *fe, uint8_t cs)
{
	uint8_t sr[2];
	int i;
	struct head h = hd(cs, 1);

	for (i = 0; i < 1000; i++) {
		assert_int_equal(xfer(fe, &h, "\x05\x00", 2, sr, 2), OK);
		if (!(sr[1] & 1))
			return;
		usleep(100);
	}
	fail_msg("flash still busy");
}

static void
flash_program(struct vhd_fe *fe, uint8_t cs, uint32_t a, const void *d, uint32_t n)
{
	uint8_t c[4] = {0x02, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
	struct head h = hd(cs, 0);

	flash_cmd(fe, cs, "\x06", 1, NULL, 0);
	assert_int_equal(xfer(fe, &h, c, 4, NULL, 0), OK);
	h = hd(cs, 1);
	assert_int_equal(xfer(fe, &h, d, n, NULL, 0), OK);
	flash_wait(fe, cs);
}

static void
flash_read(struct vhd_fe *fe, uint8_t cs, uint32_t a, void *out, uint32_t n)
{
	uint8_t c[4] = {0x03, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};

	flash_cmd(fe, cs, c, 4, out, n);
}

static void
test_config(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:loopback,sim:flash,sim:regs", NULL};
	struct vhd_fe *fe;
	struct cfg c;
	uint8_t raw[32];

	(void)state;
	assert_int_equal(sizeof(c), 32);
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_int_equal(vhd_fe_get_config(fe, 0, &c, sizeof(c)), 0);
	assert_int_equal(c.cs_max, 3);
	assert_int_equal(c.cs_change_supported, 1);
	assert_int_equal(c.tx_nbits, 0);
	assert_int_equal(c.rx_nbits, 0);
	assert_int_equal(c.bpw_mask, 0x80);
	assert_int_equal(c.mode_func, 0x7f);
	assert_int_equal(c.max_freq, 50000000);
	assert_int_equal(c.max_word_delay, 0);
	assert_int_equal(c.max_setup, 0);
	assert_int_equal(c.max_hold, 0);
	assert_int_equal(c.max_inactive, 0);
	/* byte-wise reads agree; one past the end is refused and the backend lives on */
	assert_int_equal(vhd_fe_get_config(fe, 31, raw, 1), 0);
	assert_int_equal(raw[0], 0);
	assert_int_not_equal(vhd_fe_get_config(fe, 30, raw, 4), 0);
	vhd_it_fe_done(fe);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_int_equal(vhd_fe_get_config(fe, 0, raw, 1), 0);
	assert_int_equal(raw[0], 3);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* JEDEC id, program, status polling and read-back, each command over cs_change sequences */
static void
test_flash(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:flash", NULL};
	struct vhd_fe *fe;
	uint8_t b[300], d[256];
	unsigned int i;

	(void)state;
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	flash_cmd(fe, 0, "\x9f", 1, b, 3);
	assert_memory_equal(b, "\xef\x40\x14", 3);
	/* the same in one full-duplex transfer */
	{
		struct head h = hd(0, 1);

		assert_int_equal(xfer(fe, &h, "\x9f\0\0\0", 4, b, 4), OK);
		assert_memory_equal(b, "\xff\xef\x40\x14", 4);
	}
	for (i = 0; i < 256; i++)
		d[i] = (uint8_t)(i ^ 0x5a);
	flash_program(fe, 0, 0x3000, d, 256);
	flash_read(fe, 0, 0x2fff, b, 258);
	assert_int_equal(b[0], 0xff);
	assert_memory_equal(b + 1, d, 256);
	assert_int_equal(b[257], 0xff);
	/* a command spread over three requests with the chip select held */
	{
		struct head h = hd(0, 0);

		assert_int_equal(xfer(fe, &h, "\x03\x00", 2, NULL, 0), OK);
		assert_int_equal(xfer(fe, &h, "\x30\x10", 2, NULL, 0), OK);
		h = hd(0, 1);
		assert_int_equal(xfer(fe, &h, NULL, 0, b, 2), OK);
		assert_memory_equal(b, d + 0x10, 2);
	}
	/* program without erase only clears bits; a sector erase restores 0xff */
	flash_program(fe, 0, 0x3000, "\x0f", 1);
	flash_read(fe, 0, 0x3000, b, 1);
	assert_int_equal(b[0], 0x0f & d[0]);
	flash_cmd(fe, 0, "\x06", 1, NULL, 0);
	flash_cmd(fe, 0, "\x20\x00\x30\x00", 4, NULL, 0);
	flash_wait(fe, 0);
	flash_read(fe, 0, 0x3000, b, 4);
	assert_memory_equal(b, "\xff\xff\xff\xff", 4);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* Every PARAM_ERR case: answered on its own, the next valid request still served. */
static void
test_param_err(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:flash,sim:regs", NULL};
	struct vhd_fe *fe;
	struct vhd_fe_buf fb[2];
	struct head h;
	struct rq r[20];
	unsigned int n = 0, i;
	uint8_t *p;

	(void)state;
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, 256);
	h = hd(2, 1); /* cs == cs_max_number: upstream's off-by-one accepts it */
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.bpw = 0; /* upstream overflows */
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h.bpw = 16;
	rq_post(fe, &r[n++], &h, "\x9f\x00", 2, 0, false);
	h = hd(0, 2);
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.tx_nbits = 2;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.rx_nbits = 3;
	rq_post(fe, &r[n++], &h, NULL, 0, 1, false);
	h = hd(0, 1);
	h.mode = 1u << 7;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.freq = 50000001;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.word_delay_ns = 1;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.cs_setup_ns = 1;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.cs_hold_ns = 1;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	h.cs_inactive_ns = 1;
	rq_post(fe, &r[n++], &h, "\x9f", 1, 0, false);
	h = hd(0, 1);
	rq_post(fe, &r[n++], &h, "\x9f\0\0\0", 4, 3, false); /* upstream kills its queue */
	rq_post(fe, &r[n++], &h, NULL, 0, 0, false);         /* zero length */
	rq_post(fe, &r[n++], &h, NULL, (1u << 20) + 1, 0, false); /* longer than 1 MiB */
	/* short head */
	p = vhd_fe_mem_alloc(vhd_fe_mem(fe), 33, 8, NULL);
	memset(p, 0, 33);
	memset(&r[n], 0, sizeof(r[n]));
	r[n].st = p + 32;
	*r[n].st = 0xee;
	fb[0] = (struct vhd_fe_buf){p, 20};
	fb[1] = (struct vhd_fe_buf){r[n].st, 1};
	r[n].head = vhd_fe_post(fe, 0, fb, 1, 1, false, NULL, false);
	assert_true(r[n].head >= 0);
	n++;
	/* and a valid one behind them all */
	h = hd(0, 1);
	rq_post(fe, &r[n++], &h, "\x9f\0\0\0", 4, 4, true);
	rq_wait(fe, r, n, false);
	for (i = 0; i + 1 < n; i++)
		if (*r[i].st != PARAM_ERR)
			fail_msg("case %u: result %u, used %u", i, *r[i].st, r[i].used);
	assert_int_equal(*r[n - 1].st, OK);
	assert_memory_equal(r[n - 1].rx, "\xff\xef\x40\x14", 4);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* Frames per chip select: another chip select ends the open one first. */
static void
test_interleaved_cs(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:loopback,sim:flash,sim:regs", NULL};
	struct vhd_fe *fe;
	struct head h;
	uint8_t b[4];

	(void)state;
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	/* write registers 0x10.. on cs 2 in one frame spread over two requests */
	h = hd(2, 0);
	assert_int_equal(xfer(fe, &h, "\x10", 1, NULL, 0), OK);
	h = hd(2, 1);
	assert_int_equal(xfer(fe, &h, "\xaa\xbb", 2, NULL, 0), OK);
	/* flash READ ID left open on cs 1, then cs 2 is used */
	h = hd(1, 0);
	assert_int_equal(xfer(fe, &h, "\x9f", 1, NULL, 0), OK);
	h = hd(2, 1);
	assert_int_equal(xfer(fe, &h, "\x90\0\0", 3, b, 3), OK);
	assert_memory_equal(b, "\xff\xaa\xbb", 3);
	/* back on cs 1: a new frame, whose first byte is an opcode, not id bytes */
	h = hd(1, 1);
	assert_int_equal(xfer(fe, &h, NULL, 0, b, 3), OK);
	assert_memory_equal(b, "\xff\xff\xff", 3);
	/* loopback on cs 0 between two halves of a flash frame on cs 1 ends that frame too */
	h = hd(1, 0);
	assert_int_equal(xfer(fe, &h, "\x9f", 1, NULL, 0), OK);
	h = hd(0, 1);
	assert_int_equal(xfer(fe, &h, "\x01\x02", 2, b, 2), OK);
	assert_memory_equal(b, "\x01\x02", 2);
	h = hd(1, 1);
	assert_int_equal(xfer(fe, &h, NULL, 0, b, 3), OK);
	assert_memory_equal(b, "\xff\xff\xff", 3);
	/* and without the interruption the frame continues */
	flash_cmd(fe, 1, "\x9f", 1, b, 3);
	assert_memory_equal(b, "\xef\x40\x14", 3);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* Full duplex and half duplex on loopback; word sizes; split descriptors. */
static void
test_full_duplex(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:loopback", NULL};
	struct vhd_fe *fe;
	struct vhd_fe_mem *m;
	struct head h;
	uint8_t *tx, *rx, *big, *st;
	unsigned int i;

	(void)state;
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	{
		struct cfg c;

		assert_int_equal(vhd_fe_get_config(fe, 0, &c, sizeof(c)), 0);
		assert_int_equal(c.bpw_mask, 0);
		assert_int_equal(c.tx_nbits, 7);
	}
	tx = malloc(4096);
	rx = malloc(4096);
	assert_non_null(tx);
	assert_non_null(rx);
	for (i = 0; i < 4096; i++)
		tx[i] = (uint8_t)(i * 13 + 1);
	h = hd(0, 1);
	assert_int_equal(xfer(fe, &h, tx, 4096, rx, 4096), OK);
	assert_memory_equal(rx, tx, 4096);
	assert_int_equal(xfer(fe, &h, tx, 1, rx, 1), OK);
	assert_int_equal(rx[0], tx[0]);
	/* half-duplex read: nothing goes out, zeros come back */
	assert_int_equal(xfer(fe, &h, NULL, 0, rx, 8), OK);
	assert_memory_equal(rx, "\0\0\0\0\0\0\0\0", 8);
	/* 12-bit words in u16s; quad tx */
	h.bpw = 12;
	h.tx_nbits = 4;
	assert_int_equal(xfer(fe, &h, "\xff\xff\x34\x12", 4, rx, 4), OK);
	assert_memory_equal(rx, "\xff\x0f\x34\x02", 4);
	assert_int_equal(xfer(fe, &h, "\xff\xff\x34", 3, rx, 3), PARAM_ERR);
	/* any split of head, tx and rx over descriptors */
	m = vhd_fe_mem(fe);
	big = vhd_fe_mem_alloc(m, 32 + 10, 8, NULL);
	{
		struct head *hp = (struct head *)big;
		struct vhd_fe_buf fb[6];
		uint8_t *rxg = vhd_fe_mem_alloc(m, 11, 8, NULL);
		struct rq r;

		*hp = hd(0, 1);
		memcpy(big + 32, "0123456789", 10);
		st = rxg + 10;
		*st = 0xee;
		fb[0] = (struct vhd_fe_buf){big, 3};
		fb[1] = (struct vhd_fe_buf){big + 3, 31};
		fb[2] = (struct vhd_fe_buf){big + 34, 8};
		fb[3] = (struct vhd_fe_buf){rxg, 4};
		fb[4] = (struct vhd_fe_buf){rxg + 4, 7};
		memset(&r, 0, sizeof(r));
		r.st = st;
		r.head = vhd_fe_post(fe, 0, fb, 3, 2, false, NULL, true);
		assert_true(r.head >= 0);
		rq_wait(fe, &r, 1, false);
		assert_int_equal(*st, OK);
		assert_int_equal(r.used, 11);
		assert_memory_equal(rxg, "0123456789", 10);
	}
	free(tx);
	free(rx);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* Malformed chains: no result byte, head only; the queue keeps serving. */
static void
test_malformed(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:loopback", NULL};
	struct vhd_fe *fe;
	struct vhd_fe_buf fb[2];
	struct head *h, good = hd(0, 1);
	struct rq r[3];
	uint8_t b[2];

	(void)state;
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	/* head and tx, nothing writable */
	h = vhd_fe_mem_alloc(vhd_fe_mem(fe), sizeof(*h) + 2, 8, NULL);
	*h = good;
	fb[0] = (struct vhd_fe_buf){h, sizeof(*h) + 2};
	memset(&r[0], 0, sizeof(r[0]));
	r[0].head = vhd_fe_post(fe, 0, fb, 1, 0, false, NULL, false);
	assert_true(r[0].head >= 0);
	/* nothing readable: no head at all */
	memset(&r[1], 0, sizeof(r[1]));
	r[1].st = vhd_fe_mem_alloc(vhd_fe_mem(fe), 1, 1, NULL);
	*r[1].st = 0xee;
	fb[0] = (struct vhd_fe_buf){r[1].st, 1};
	r[1].head = vhd_fe_post(fe, 0, fb, 0, 1, false, NULL, false);
	assert_true(r[1].head >= 0);
	rq_post(fe, &r[2], &good, "\x42\x43", 2, 2, true);
	rq_wait(fe, r, 3, false);
	assert_int_equal(r[0].used, 0);
	assert_int_equal(*r[1].st, PARAM_ERR);
	assert_int_equal(*r[2].st, OK);
	assert_memory_equal(r[2].rx, "\x42\x43", 2);
	assert_int_equal(xfer(fe, &good, "\x01\x02", 2, b, 2), OK);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* Two sockets share the flash; a frame open on one makes the other's transfer fail. */
static void
test_two_sockets(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-c", "2", "-l", "sim:flash,sim:regs", NULL};
	struct vhd_fe *fe0, *fe1;
	struct head h;
	uint8_t b[4];

	(void)state;
	vhd_it_app_up(&a, "spi", args, 2);
	fe0 = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	fe1 = vhd_it_fe_up(&a, 1, F_ALL, 1, QSZ);
	flash_program(fe0, 0, 0x100, "two", 3);
	flash_read(fe1, 0, 0x100, b, 3);
	assert_memory_equal(b, "two", 3);
	h = hd(1, 0);
	assert_int_equal(xfer(fe0, &h, "\x20", 1, NULL, 0), OK);
	h = hd(1, 1);
	assert_int_equal(xfer(fe1, &h, "\xa0\0", 2, b, 2), TRANS_ERR);
	assert_int_equal(xfer(fe0, &h, "\x77", 1, NULL, 0), OK);
	assert_int_equal(xfer(fe1, &h, "\xa0\0", 2, b, 2), OK);
	assert_int_equal(b[1], 0x77);
	vhd_it_app_down(&a, 2);
	vhd_it_fe_done(fe0);
	vhd_it_fe_done(fe1);
}

/* The flash image keeps what the guest programmed across a restart. */
static void
test_flash_image(void **state)
{
	static struct vhd_fe_app a;
	char dir[] = "/tmp/vhd-spi-it-XXXXXX", path[64], dev[96];
	const char *args[] = {"-l", dev, NULL};
	struct vhd_fe *fe;
	uint8_t img[8], b[4];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/flash.bin", dir);
	snprintf(dev, sizeof(dev), "sim:loopback,sim:flash:%s", path);
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	flash_program(fe, 1, 0x10, "keep", 4);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, img, 8, 0x0e), 8);
	assert_int_equal(lseek(fd, 0, SEEK_END), 1 << 20);
	close(fd);
	assert_memory_equal(img, "\xff\xffkeep\xff\xff", 8);
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	flash_read(fe, 1, 0x10, b, 4);
	assert_memory_equal(b, "keep", 4);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
	unlink(path);
	rmdir(dir);
}

/* A queue stop ends the frame the guest left open. */
static void
test_stop_with_open_frame(void **state)
{
	static struct vhd_fe_app a;
	static const char *const args[] = {"-l", "sim:flash", NULL};
	struct vhd_fe *fe;
	struct head h = hd(0, 0);
	uint8_t b[3];

	(void)state;
	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_int_equal(xfer(fe, &h, "\x9f", 1, NULL, 0), OK);
	assert_int_equal(vhd_fe_queue_stop(fe, 0, NULL), 0);
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	h = hd(0, 1);
	assert_int_equal(xfer(fe, &h, NULL, 0, b, 3), OK);
	assert_memory_equal(b, "\xff\xff\xff", 3);
	flash_cmd(fe, 0, "\x9f", 1, b, 3);
	assert_memory_equal(b, "\xef\x40\x14", 3);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

static void
mode_case(const char *mode, bool poll)
{
	static struct vhd_fe_app a;
	const char *args[] = {"--mode", mode, "-l", "sim:loopback", NULL};
	struct vhd_fe *fe;
	struct head h = hd(0, 1);
	struct rq r[4];
	unsigned int i;

	vhd_it_app_up(&a, "spi", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	for (i = 0; i < 4; i++)
		rq_post(fe, &r[i], &h, "abcd" + i, 1, 1, !poll && i == 3);
	rq_wait(fe, r, 4, poll);
	for (i = 0; i < 4; i++) {
		assert_int_equal(*r[i].st, OK);
		assert_int_equal(r[i].rx[0], "abcd"[i]);
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
test_bad_options(void **state)
{
	static const char *const nolist[] = {NULL};
	static const char *const badsim[] = {"-l", "sim:eeprom", NULL};
	static const char *const nodev[] = {"-l", "/dev/spidev9.9", NULL};
	static const char *const notspi[] = {"-l", "/dev/null", NULL};
	static const char *const zero[] = {"-c", "0", "-l", "sim:loopback", NULL};
	static const char *const dup[] = {"-l", "sim:flash:/tmp/vhd-spi-x,sim:flash:/tmp/vhd-spi-x",
					  NULL};
	static const char *const empty[] = {"-l", "sim:loopback,,sim:regs", NULL};
	static const char *const file[] = {"-l", "sim:loopback:/tmp/x", NULL};
	char dir[] = "/tmp/vhd-spi-it-XXXXXX", img[64], dev[96];
	const char *badimg[] = {"-l", dev, NULL};
	static const char *const unknown[] = {"--bogus", NULL};
	static const char *const nosock[] = {"-l", "sim:loopback", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline spi = {.name = "spi", .exit_code = 1,
						       .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&spi, "no device", nolist, true, "--device");
	vhd_it_bad_cmdline(&spi, "unknown simulated device", badsim, true, "sim:eeprom");
	vhd_it_bad_cmdline(&spi, "missing spidev", nodev, true, "/dev/spidev9.9");
	vhd_it_bad_cmdline(&spi, "not a spidev", notspi, true, "/dev/null");
	vhd_it_bad_cmdline(&spi, "-c 0", zero, true, "0");
	vhd_it_bad_cmdline(&spi, "device twice", dup, true, "twice");
	vhd_it_bad_cmdline(&spi, "empty entry", empty, true, "empty");
	vhd_it_bad_cmdline(&spi, "file on loopback", file, true, "image file");
	assert_non_null(mkdtemp(dir));
	snprintf(img, sizeof(img), "%s/short.bin", dir);
	snprintf(dev, sizeof(dev), "sim:flash:%s", img);
	{
		int fd = open(img, O_CREAT | O_WRONLY, 0644);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "0123456789", 10), 10);
		close(fd);
	}
	vhd_it_bad_cmdline(&spi, "flash image of the wrong size", badimg, true, "short.bin");
	unlink(img);
	rmdir(dir);
	vhd_it_bad_cmdline(&spi, "unknown option", unknown, true, "bogus");
	vhd_it_bad_cmdline(&spi, "no socket path", nosock, false, "--socket-path");
}

int
main(void)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_config),
		T(test_flash),
		T(test_param_err),
		T(test_interleaved_cs),
		T(test_full_duplex),
		T(test_malformed),
		T(test_two_sockets),
		T(test_flash_image),
		T(test_stop_with_open_frame),
		T(test_poll_mode),
		T(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
