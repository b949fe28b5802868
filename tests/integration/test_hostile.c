/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A hostile frontend against every app: malformed memory tables and rings,
 * requests of features never offered, fds attached where none belong, bad
 * sizes and indexes, messages before SET_OWNER, connections cut mid-message,
 * held requests across a memory table change, NOFD kicks, 1000 hostile
 * connections, and a seeded protocol fuzzer. After every case the backend
 * is alive, has exactly the fds it had before the case, and serves a fresh
 * well-formed connection on the same socket.
 *
 * Run as: test_it_hostile <app> [cmocka filter]. Adding an app is one line in
 * apps[]. VHD_HOSTILE_FUZZ=N sets the fuzzer's message count (default 3000),
 * VHD_IT_SEED replays a fuzzer run.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "vhd_fe_raw.h"
#include "vhd_it.h"

#define QSZ 64
#define WAIT_MS 3000
#define NEED_REPLY (VHD_FE_MSG_VERSION | VHD_FE_MSG_NEED_REPLY)
#define PAYLOAD_MAX 632 /* rte_vhost 22.11's largest payload */

/*
 * What a request of the app's probe looks like: a readable part, a writable
 * part (0: none), on queue probe_q (0 unless given). A device whose queue 0
 * only completes when data flows (vsock, console rx) is probed on its tx
 * queue instead.
 */
struct app_desc {
	const char *name;
	const char *const *args; /* "%ctl" is replaced by a control socket path,
				  * "%uds" by another path in the app's directory */
	uint16_t nq;
	uint32_t probe_rd, probe_wr;
	void (*extra)(void);     /* device-specific cases, or NULL */
	bool plain_sock;         /* -s PATH used as given (vhd_fe_app.plain_sock) */
	uint16_t probe_q;
};

static void gpio_cases(void);
static void vsock_cases(void);

static const char *const rng_args[] = {NULL};
static const char *const gpio_args[] = {"-l", "s4", "--sim-control", "%ctl", NULL};
static const char *const i2c_args[] = {"-l", "sim0:32", "--sim-client", "32=regs", NULL};
static const char *const can_args[] = {"-d", "sim:h", NULL};
static const char *const spi_args[] = {"-l", "sim:loopback", NULL};
static const char *const input_args[] = {"-e", "sim-keyboard", "--sim-control", "%ctl", NULL};

static const char *const template_args[] = {NULL};
static const char *const gpu_args[] = {NULL};
static const char *const scsi_args[] = {"ram:1M", NULL};
static const char *const scmi_args[] = {"-d", "fake,kind=temperature", "--sim-control", "%ctl",
					 NULL};
static const char *const sound_args[] = {"--backend", "null", "--jacks", "--controls", NULL};
static const char *const rtc_args[] = {NULL};
static const char *const vsock_args[] = {"--uds-path", "%uds", NULL};
static const char *const console_args[] = {"--port", "0=null", NULL};

static const struct app_desc apps[] = {
	{"rng", rng_args, 1, 0, 64, NULL},
	{"gpio", gpio_args, 2, 8, 2, gpio_cases},
	{"i2c", i2c_args, 1, 8, 1, NULL},
	/* A zeroed frame (message type 0) on tx: answered NOT_OK. */
	{"can", can_args, 3, 24, 1, NULL},
	/* A zeroed transfer head, no tx or rx buffer: answered PARAM_ERR. */
	{"spi", spi_args, 1, 32, 1, NULL},
	/* A well-formed eventq buffer is held until an event: probe with a bad one, returned empty. */
	{"input", input_args, 2, 8, 1, NULL},
	{"template", template_args, 1, 8, 1, NULL, true},
	/* A zeroed command header (type 0) on the controlq: answered ERR_UNSPEC. */
	{"gpu", gpu_args, 2, 24, 24, NULL, true},
	{"scsi", scsi_args, 3, 24, 1, NULL, true},
	/* A zeroed header (protocol 0): answered NOT_SUPPORTED, header and status. */
	{"scmi", scmi_args, 2, 4, 8, NULL, true},
	/* A zeroed control request (code 0) on controlq: answered BAD_MSG. */
	{"sound", sound_args, 4, 4, 4, NULL, true},
	/* A zeroed request (message type 0) on requestq: answered EOPNOTSUPP. */
	{"rtc", rtc_args, 2, 8, 16, NULL, true},
	/* rx completes only when data flows: a zeroed packet on tx (CID 0, not the
	 * guest's) is dropped, counted and returned. */
	{"vsock", vsock_args, 3, 44, 0, vsock_cases, false, 1},
	/* Port 0 receiveq completes only on input: output on transmitq to a null port. */
	{"console", console_args, 4, 8, 0, NULL, false, 1},
};

static const struct app_desc *app;
static struct vhd_fe_app the_app;
static struct vhd_fe_app *A = &the_app;
static char sock_path[256];
static char ctl_sock[256];
static char uds_path[256];
static int base_fds;

/* ---- the backend's health ---- */

static int
count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The backend notices a hang-up asynchronously: give it a moment. */
static int
settled_fds(int want)
{
	int64_t deadline = vhd_fe_app_now_ms() + WAIT_MS;
	int n;

	do {
		n = count_fds(A->pid);
		if (n == want)
			return n;
		vhd_fe_app_sleep_ms(5);
	} while (vhd_fe_app_now_ms() < deadline);
	return n;
}

static void
alive(const char *what)
{
	if (!vhd_fe_app_alive(A))
		fail_msg("%s: backend died (status 0x%x)", what, A->status);
}

/* Post the app's probe request on its probe queue (zeroed buffers). */
static int
post_probe(struct vhd_fe *fe, bool kick)
{
	struct vhd_fe_buf b[2];
	unsigned int n = 0;

	if (app->probe_rd != 0) {
		b[n].ptr = vhd_fe_mem_alloc(vhd_fe_mem(fe), app->probe_rd, 8, NULL);
		b[n++].len = app->probe_rd;
	}
	if (app->probe_wr != 0) {
		b[n].ptr = vhd_fe_mem_alloc(vhd_fe_mem(fe), app->probe_wr, 8, NULL);
		b[n++].len = app->probe_wr;
	}
	return vhd_fe_post(fe, app->probe_q, b, app->probe_rd != 0 ? 1 : 0,
			   app->probe_wr != 0 ? 1 : 0, false, NULL, kick);
}

/* A fresh, well-formed frontend gets a request served on the probe queue. */
static void
probe(const char *what)
{
	struct vhd_fe *fe = vhd_fe_app_connect(A, 0, ~0ULL, app->nq, QSZ);
	uint32_t len;
	uint16_t id;
	int head;

	if (fe == NULL)
		fail_msg("%s: a well-formed frontend cannot connect", what);
	head = post_probe(fe, true);
	assert_true(head >= 0);
	if (vhd_fe_wait_used(fe, app->probe_q, WAIT_MS) <= 0)
		fail_msg("%s: a well-formed request is not served", what);
	assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, app->probe_q), &id, &len,
					      NULL), 1);
	assert_int_equal(id, head);
	vhd_fe_destroy(fe);
}

/* The three assertions after every case. */
static void
healthy(const char *what)
{
	int n;

	alive(what);
	n = settled_fds(base_fds);
	if (n != base_fds)
		fail_msg("%s: backend has %d fds, %d before", what, n, base_fds);
	probe(what);
	n = settled_fds(base_fds);
	if (n != base_fds)
		fail_msg("%s: backend has %d fds after the probe, %d before", what, n, base_fds);
	alive(what);
}

/* ---- building blocks ---- */

static struct vhd_fe *
session(void)
{
	struct vhd_fe *fe = vhd_it_fe_track(vhd_fe_create(NULL));

	assert_non_null(fe);
	if (vhd_fe_app_attach(A, 0, fe, ~0ULL, false) != 0)
		fail_msg("negotiation failed: %s", vhd_fe_error(fe));
	return fe;
}

static int
new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void
close_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * Send @p req with NEED_REPLY on @p sock. @return the REPLY_ACK value or the
 * reply body size, -ECONNRESET when the backend hung up instead, -ETIMEDOUT.
 * @p n_back counts fds that came back.
 */
static int64_t
ask(int sock, uint32_t req, uint32_t size, const void *payload, uint32_t len, const int *fds,
    unsigned int n_fds, unsigned int *n_back)
{
	struct vhd_fe_raw_msg m = {req, NEED_REPLY, size, payload, len, fds, n_fds};
	uint8_t body[PAYLOAD_MAX];
	uint32_t rreq;
	uint64_t v;
	int rc;

	if (n_back != NULL)
		*n_back = 0;
	rc = vhd_fe_raw_send(sock, &m);
	if (rc < 0)
		return rc == -EPIPE ? -ECONNRESET : rc;
	for (;;) {
		rc = vhd_fe_raw_recv(sock, &rreq, NULL, body, sizeof(body), n_back, WAIT_MS);
		if (rc < 0)
			return rc;
		if (rreq == req)
			break;
	}
	if (rc == 8) {
		memcpy(&v, body, 8);
		return (int64_t)v;
	}
	return rc;
}

/* The backend must refuse: a non-zero REPLY_ACK or hanging up; no fd back. */
static void
refused(const char *what, uint32_t req, uint32_t size, const void *payload, uint32_t len,
	const int *fds, unsigned int n_fds)
{
	struct vhd_fe *fe = session();
	unsigned int back;
	int64_t r = ask(vhd_fe_socket(fe), req, size, payload, len, fds, n_fds, &back);

	if (r == 0 || r == -ETIMEDOUT)
		fail_msg("%s: request %u accepted (%" PRId64 ")", what, req, r);
	assert_int_equal(back, 0);
	vhd_it_fe_done(fe);
	alive(what);
	if (getenv("VHD_HOSTILE_DEBUG") != NULL)
		fprintf(stderr, "# %s: %d fds\n", what, settled_fds(base_fds));
}

/* ---- cases ---- */

struct region {
	uint64_t gpa, size, uva, off;
};

/* SET_MEM_TABLE of @p n regions with @p fds: must be refused. */
static void
bad_table(const char *what, const struct region *r, uint32_t n, const int *fds,
	  unsigned int n_fds)
{
	uint8_t t[8 + 8 * 32] = {0};

	memcpy(t, &n, 4);
	memcpy(t + 8, r, n * sizeof(*r));
	refused(what, VHD_FE_SET_MEM_TABLE, 8 + n * 32, t, 8 + n * 32, fds, n_fds);
}

static void
test_mem_region_vs_file(void **state)
{
	const uint64_t MB = 1 << 20, G = VHD_FE_GPA_BASE;
	const struct {
		const char *what;
		struct region r;
	} cases[] = {
		{"16 MiB region on a 1 MiB file", {G, 16 * MB, 0x7f0000000000, 0}},
		{"offset beyond the end", {G, MB / 2, 0x7f0000000000, 2 * MB}},
		{"offset + size past the end", {G, MB, 0x7f0000000000, 4096}},
		{"offset near 2^64", {G, MB, 0x7f0000000000, ~0ULL - 4095}},
		{"size 0", {G, 0, 0x7f0000000000, 0}},
		{"size near 2^64", {G, ~0ULL - 4095, 0x7f0000000000, 0}},
		{"gpa wraps", {~0ULL - 4095, MB, 0x7f0000000000, 0}},
		{"uva wraps", {G, MB, ~0ULL - 4095, 0}},
	};
	unsigned int i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = vhd_fe_raw_memfd(MB);
		assert_true(fd >= 0);
		bad_table(cases[i].what, &cases[i].r, 1, &fd, 1);
		close(fd);
		healthy(cases[i].what);
	}
}

static void
test_mem_region_bad_fds(void **state)
{
	const uint64_t MB = 1 << 20;
	struct region r[9], one = {VHD_FE_GPA_BASE, MB, 0x7f0000000000, 0};
	char path[64];
	int p[2], fds[9], ro, mfd, i;

	(void)state;
	mfd = vhd_fe_raw_memfd(MB);
	assert_true(mfd >= 0);
	assert_int_equal(pipe(p), 0);
	bad_table("a pipe", &one, 1, &p[0], 1);
	close_all(p, 2);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	bad_table("a read-only file", &one, 1, &ro, 1);
	close(ro);
	fds[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
	bad_table("a character device", &one, 1, fds, 1);
	close(fds[0]);
	fds[0] = new_eventfd();
	bad_table("an eventfd", &one, 1, fds, 1);
	close(fds[0]);
	fds[0] = mfd;
	fds[1] = new_eventfd();
	bad_table("two fds for one region", &one, 1, fds, 2);
	close(fds[1]);
	bad_table("no fd for one region", &one, 1, NULL, 0);
	for (i = 0; i < 9; i++) {
		r[i] = one;
		r[i].gpa += (uint64_t)i * MB;
		r[i].uva += (uint64_t)i * MB;
		fds[i] = mfd;
	}
	{
		uint8_t t[8 + 9 * 32] = {0};
		uint32_t n = 9;

		memcpy(t, &n, 4);
		memcpy(t + 8, r, sizeof(r));
		refused("9 regions", VHD_FE_SET_MEM_TABLE, sizeof(t), t, sizeof(t), fds, 8);
	}
	close(mfd);
	healthy("bad region fds");
}

static void
test_mem_overlap(void **state)
{
	const uint64_t MB = 1 << 20;
	struct region r[2] = {{VHD_FE_GPA_BASE, 2 * MB, 0x7f0000000000, 0},
			      {VHD_FE_GPA_BASE + MB, 2 * MB, 0x7f1000000000, 0}};
	int fds[2];

	(void)state;
	fds[0] = fds[1] = vhd_fe_raw_memfd(4 * MB);
	bad_table("guest addresses overlap", r, 2, fds, 2);
	r[1].gpa = VHD_FE_GPA_BASE + 4 * MB;
	r[1].uva = 0x7f0000000000 + MB;
	bad_table("frontend addresses overlap", r, 2, fds, 2);
	close(fds[0]);
	healthy("overlapping regions");
}

/* Start queue 0 by hand with rings at @p desc/@p avail/@p used (frontend addresses). */
static int64_t
rings_at(struct vhd_fe *fe, uint64_t desc, uint64_t avail, uint64_t used)
{
	int s = vhd_fe_socket(fe);
	uint32_t st[2] = {0, QSZ};
	uint64_t addr[5] = {0, desc, used, avail, 0};
	uint64_t u = 0;
	int kick = new_eventfd(), call = new_eventfd();
	int64_t r;

	r = ask(s, VHD_FE_SET_VRING_NUM, 8, st, 8, NULL, 0, NULL);
	st[1] = 0;
	if (r == 0)
		r = ask(s, VHD_FE_SET_VRING_BASE, 8, st, 8, NULL, 0, NULL);
	if (r == 0)
		r = ask(s, VHD_FE_SET_VRING_ADDR, 40, addr, 40, NULL, 0, NULL);
	if (r == 0)
		r = ask(s, VHD_FE_SET_VRING_KICK, 8, &u, 8, &kick, 1, NULL);
	if (r == 0)
		r = ask(s, VHD_FE_SET_VRING_CALL, 8, &u, 8, &call, 1, NULL);
	st[1] = 1;
	if (r == 0)
		r = ask(s, VHD_FE_SET_VRING_ENABLE, 8, st, 8, NULL, 0, NULL);
	if (r == 0) {
		uint64_t one = 1;

		if (write(kick, &one, 8) != 8)
			r = -EIO;
	}
	close(kick);
	close(call);
	return r;
}

/* Frontend address @p uva inside the arena of @p fe, or NULL. */
static uint8_t *
in_arena(struct vhd_fe *fe, uint64_t uva, uint64_t len)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	uint64_t base = (uint64_t)(uintptr_t)m->base;

	return uva >= base && uva - base + len <= m->size ? (uint8_t *)(uintptr_t)uva : NULL;
}

/*
 * Publish QSZ chains of one writable 64-byte buffer each, writing only what
 * lies inside the arena: a backend that serves through such a ring reads or
 * writes past the memory it was given.
 */
static void
fill_ring(struct vhd_fe *fe, uint64_t desc, uint64_t avail)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	uint8_t *buf = vhd_fe_mem_alloc(m, 64 * QSZ, 64, NULL);
	uint16_t i, qsz = QSZ;
	uint8_t *p;

	assert_non_null(buf);
	for (i = 0; i < QSZ; i++) {
		uint64_t gpa = vhd_fe_mem_gpa(m, buf + 64 * i);
		uint32_t len = 64;
		uint16_t flags = 2 /* WRITE */, next = 0;

		p = in_arena(fe, desc + 16ULL * i, 16);
		if (p != NULL) {
			memcpy(p, &gpa, 8);
			memcpy(p + 8, &len, 4);
			memcpy(p + 12, &flags, 2);
			memcpy(p + 14, &next, 2);
		}
		p = in_arena(fe, avail + 4 + 2ULL * i, 2);
		if (p != NULL)
			memcpy(p, &i, 2);
	}
	p = in_arena(fe, avail + 2, 2);
	if (p != NULL)
		memcpy(p, &qsz, 2);
}

/* The used index the backend published at @p used, 0 when outside the arena. */
static uint16_t
used_idx(struct vhd_fe *fe, uint64_t used)
{
	const volatile uint8_t *p = in_arena(fe, used + 2, 2);

	return p != NULL ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

static void
test_rings_outside_memory(void **state)
{
	struct vhd_fe *fe;
	uint64_t base, end;
	int64_t r;
	unsigned int i;
	const char *names[] = {"used ring 100 bytes before the end", "avail ring straddles the end",
			       "desc ring straddles the end", "desc ring outside memory",
			       "rings at address 0"};

	(void)state;
	for (i = 0; i < 5; i++) {
		fe = session();
		base = (uint64_t)(uintptr_t)vhd_fe_mem(fe)->base;
		end = base + vhd_fe_mem(fe)->size;
		uint64_t d[5][3] = {{base, base + 4096, end - 100}, {base, end - 64, base + 8192},
				    {end - 512, base, base + 8192}, {end + 4096, base, base + 8192},
				    {0, 0, 0}};

		fill_ring(fe, d[i][0], d[i][1]);
		r = rings_at(fe, d[i][0], d[i][1], d[i][2]);
		(void)r; /* refused now, or accepted and the ring never started */
		vhd_fe_app_sleep_ms(100);
		alive(names[i]);
		if (used_idx(fe, d[i][2]) != 0)
			fail_msg("%s: served through it", names[i]);
		vhd_it_fe_done(fe);
		healthy(names[i]);
	}
}

/* The same arena as two regions: a ring across their boundary is refused. */
static void
test_ring_across_regions(void **state)
{
	struct vhd_fe *fe = session();
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	uint64_t half = m->size / 2, base = (uint64_t)(uintptr_t)m->base;
	struct region r[2] = {{m->gpa_base, half, base, 0},
			      {m->gpa_base + half, half, base + half, half}};
	uint8_t t[8 + 2 * 32] = {0};
	uint32_t n = 2;
	int fds[2] = {m->fd, m->fd};

	(void)state;
	memcpy(t, &n, 4);
	memcpy(t + 8, r, sizeof(r));
	assert_int_equal(ask(vhd_fe_socket(fe), VHD_FE_SET_MEM_TABLE, sizeof(t), t, sizeof(t), fds,
			     2, NULL), 0);
	fill_ring(fe, base + half - 256, base);
	rings_at(fe, base + half - 256, base, base + 8192);
	vhd_fe_app_sleep_ms(100);
	alive("ring across two regions");
	if (used_idx(fe, base + 8192) != 0)
		fail_msg("ring across two regions: served through it");
	vhd_it_fe_done(fe);
	healthy("ring across two regions");
}

/*
 * Packed rings: QEMU's SET_VRING_BASE carries the used index and its wrap
 * counter in bits 16..31 (0x80008000 for a fresh ring); it must pass.
 */
static void
packed_vring_base(void)
{
	struct vhd_fe *fe = vhd_it_fe_track(vhd_fe_create(NULL));
	uint32_t st[2] = {0, 0x80008000u};
	bool was_packed = vhd_fe_app_packed();
	int64_t r;
	int rc;

	assert_non_null(fe);
	/* vhd_fe_app_attach() takes the ring layout from VHD_IT_PACKED. */
	setenv("VHD_IT_PACKED", "1", 1);
	rc = vhd_fe_app_attach(A, 0, fe, ~0ULL, false);
	if (was_packed)
		setenv("VHD_IT_PACKED", "1", 1);
	else
		unsetenv("VHD_IT_PACKED");
	if (rc != 0)
		fail_msg("negotiation failed: %s", vhd_fe_error(fe));
	if ((vhd_fe_features(fe) & VHD_BIT(VHD_F_RING_PACKED)) == 0)
		fail_msg("packed vring base: VIRTIO_F_RING_PACKED not negotiated");
	r = ask(vhd_fe_socket(fe), VHD_FE_SET_VRING_BASE, 8, st, 8, NULL, 0, NULL);
	if (r != 0)
		fail_msg("packed vring base 0x80008000 refused (%" PRId64 ")", r);
	vhd_it_fe_done(fe);
	alive("packed vring base");
}

static void
test_queue_index_and_size(void **state)
{
	const uint32_t idx[] = {0xff, 0x100, 300, 0xffffffff};
	const uint32_t nums[] = {0, 3, 65536, 0x80000000, 4096 * 16};
	uint32_t st[2];
	uint64_t u;
	unsigned int i;
	int fds[2];

	(void)state;
	for (i = 0; i < 4; i++) {
		st[0] = idx[i];
		st[1] = 64;
		refused("queue index", VHD_FE_SET_VRING_NUM, 8, st, 8, NULL, 0);
		fds[0] = new_eventfd();
		refused("queue index with an fd", VHD_FE_SET_VRING_NUM, 8, st, 8, fds, 1);
		refused("queue index with an fd", VHD_FE_GET_VRING_BASE, 8, st, 8, fds, 1);
		refused("queue index with an fd", VHD_FE_SET_VRING_ENABLE, 8, st, 8, fds, 1);
		close(fds[0]);
	}
	st[0] = app->nq;
	refused("first index past the device's queues", VHD_FE_SET_VRING_NUM, 8, st, 8, NULL, 0);
	for (i = 0; i < 5; i++) {
		st[0] = 0;
		st[1] = nums[i];
		refused("queue size", VHD_FE_SET_VRING_NUM, 8, st, 8, NULL, 0);
	}
	/* On packed rings bits 16..31 are the used index: a split-ring case. */
	st[1] = 0x10000;
	if (!vhd_fe_app_packed())
		refused("vring base", VHD_FE_SET_VRING_BASE, 8, st, 8, NULL, 0);
	packed_vring_base();
	st[1] = 2;
	refused("vring enable 2", VHD_FE_SET_VRING_ENABLE, 8, st, 8, NULL, 0);
	fds[0] = new_eventfd();
	fds[1] = new_eventfd();
	u = app->nq;
	refused("kick index", VHD_FE_SET_VRING_KICK, 8, &u, 8, fds, 1);
	u = 0x200;
	refused("kick junk bits", VHD_FE_SET_VRING_KICK, 8, &u, 8, fds, 1);
	u = 0;
	refused("kick without fd", VHD_FE_SET_VRING_KICK, 8, &u, 8, NULL, 0);
	refused("call with two fds", VHD_FE_SET_VRING_CALL, 8, &u, 8, fds, 2);
	u = 0x100;
	refused("NOFD kick with an fd", VHD_FE_SET_VRING_KICK, 8, &u, 8, fds, 1);
	close_all(fds, 2);
	healthy("queue indexes and sizes");
}

static void
test_never_offered(void **state)
{
	struct {
		uint64_t size, off;
		uint16_t nq, qs;
		uint8_t pad[4];
	} inf = {0, 0, 64, 32768, {0}};
	uint64_t log[2] = {1 << 20, 0}, u = ~0ULL;
	int fd, sp[2];

	(void)state;
	/* In-flight tracking is offered, but these sessions did not agree it. */
	refused("GET_INFLIGHT_FD 64 x 32768", 31, sizeof(inf), &inf, sizeof(inf), NULL, 0);
	fd = vhd_fe_raw_memfd(4096);
	inf.size = 1ULL << 30;
	inf.nq = 1;
	inf.qs = 64;
	refused("SET_INFLIGHT_FD 1 GiB on 4 KiB", 32, sizeof(inf), &inf, sizeof(inf), &fd, 1);
	inf.nq = 0;
	refused("SET_INFLIGHT_FD 0 queues", 32, sizeof(inf), &inf, sizeof(inf), &fd, 1);
	refused("POSTCOPY_ADVISE", 28, 0, NULL, 0, NULL, 0);
	refused("POSTCOPY_LISTEN", 29, 0, NULL, 0, NULL, 0);
	refused("POSTCOPY_END", 30, 0, NULL, 0, NULL, 0);
	refused("SET_LOG_BASE", 6, 16, log, 16, &fd, 1);
	refused("SET_LOG_FD", 7, 0, NULL, 0, &fd, 1);
	refused("SEND_RARP", 19, 8, &u, 8, NULL, 0);
	refused("NET_SET_MTU", 20, 8, &u, 8, NULL, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	{
		/* Offered by devices with a config space (config-change notices). */
		struct vhd_fe *fe = session();
		bool offered = (vhd_fe_protocol_features(fe) & VHD_BIT(5)) != 0;

		vhd_it_fe_done(fe);
		if (!offered)
			refused("SET_BACKEND_REQ_FD", 21, 0, NULL, 0, &sp[0], 1);
	}
	close_all(sp, 2);
	refused("IOTLB_MSG", 22, 8, &u, 8, NULL, 0);
	refused("CREATE_CRYPTO_SESSION", 26, 8, &u, 8, NULL, 0);
	refused("CLOSE_CRYPTO_SESSION", 27, 8, &u, 8, NULL, 0);
	refused("SET_STATUS", 39, 8, &u, 8, NULL, 0);
	refused("GET_STATUS", 40, 0, NULL, 0, NULL, 0);
	refused("SET_PROTOCOL_FEATURES all bits", 16, 8, &u, 8, NULL, 0);
	refused("SET_FEATURES all bits", 2, 8, &u, 8, NULL, 0);
	{
		const uint32_t unknown[] = {0, 23, 33, 34, 35, 36, 37, 38, 41, 42, 99, 1000,
					    0xffffffff};
		unsigned int i;

		for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
			refused("unknown request", unknown[i], 8, &u, 8, NULL, 0);
			refused("unknown request with an fd", unknown[i], 8, &u, 8, &fd, 1);
		}
	}
	close(fd);
	healthy("features never offered");
}

/* 3000 messages we answer ourselves, 8 fds each, on one connection. */
/* Like refused(), on a session that agreed in-flight tracking (offered now). */
static void
inflight_refused(const char *what, uint32_t req, const void *payload, uint32_t len,
		 const int *fds, unsigned int n_fds)
{
	struct vhd_fe *fe = vhd_it_fe_track(vhd_fe_create(NULL));
	int64_t end = vhd_fe_app_now_ms() + WAIT_MS;
	unsigned int back;
	int64_t r;

	assert_non_null(fe);
	/* The backend may not have seen the last session hang up: it refuses then. */
	while (vhd_fe_connect(fe, sock_path, WAIT_MS) != 0 ||
	       vhd_fe_negotiate(fe, ~0ULL, VHD_FE_PROTO_DEFAULT |
					   VHD_BIT(VHD_FE_PROTO_F_INFLIGHT_SHMFD)) != 0) {
		if (vhd_fe_app_now_ms() > end)
			fail_msg("negotiation failed: %s", vhd_fe_error(fe));
		vhd_fe_disconnect(fe);
		vhd_fe_app_sleep_ms(20);
	}
	assert_true(vhd_fe_protocol_features(fe) & VHD_BIT(VHD_FE_PROTO_F_INFLIGHT_SHMFD));
	r = ask(vhd_fe_socket(fe), req, len, payload, len, fds, n_fds, &back);
	if (r == 0 || r == -ETIMEDOUT || r == 24)
		fail_msg("%s: request %u accepted (%" PRId64 ")", what, req, r);
	assert_int_equal(back, 0);
	vhd_it_fe_done(fe);
	alive(what);
}

/* In-flight areas are sized by our limits, never by the frontend's numbers. */
static void
test_inflight_limits(void **state)
{
	struct {
		uint64_t size, off;
		uint16_t nq, qs;
		uint8_t pad[4];
	} inf = {0, 0, 64, 32768, {0}};
	int fd;

	(void)state;
	inflight_refused("GET_INFLIGHT_FD 64 x 32768", 31, &inf, sizeof(inf), NULL, 0);
	inf.nq = (uint16_t)(app->nq + 1);
	inf.qs = QSZ;
	inflight_refused("GET_INFLIGHT_FD one queue too many", 31, &inf, sizeof(inf), NULL, 0);
	inf.nq = 1;
	inf.qs = 0xffff;
	inflight_refused("GET_INFLIGHT_FD 65535 descriptors", 31, &inf, sizeof(inf), NULL, 0);
	inf.qs = 0;
	inflight_refused("GET_INFLIGHT_FD 0 descriptors", 31, &inf, sizeof(inf), NULL, 0);
	inf.qs = QSZ;
	inflight_refused("GET_INFLIGHT_FD 20 bytes", 31, &inf, 20, NULL, 0);
	fd = vhd_fe_raw_memfd(4096);
	inf.nq = app->nq;
	inf.qs = 256; /* 4 KiB and more per queue */
	inf.size = 4096;
	inflight_refused("SET_INFLIGHT_FD area smaller than its queues", 32, &inf, sizeof(inf),
			 &fd, 1);
	inf.qs = QSZ;
	inf.size = 1ULL << 30;
	inflight_refused("SET_INFLIGHT_FD 1 GiB on 4 KiB", 32, &inf, sizeof(inf), &fd, 1);
	inf.size = 4096;
	inf.off = 4096;
	inflight_refused("SET_INFLIGHT_FD past the file's end", 32, &inf, sizeof(inf), &fd, 1);
	inf.off = 0;
	inflight_refused("SET_INFLIGHT_FD without its fd", 32, &inf, sizeof(inf), NULL, 0);
	inf.nq = 0;
	inflight_refused("SET_INFLIGHT_FD 0 queues", 32, &inf, sizeof(inf), &fd, 1);
	close(fd);
	healthy("in-flight limits");
}

static void
test_fd_flood(void **state)
{
	struct vhd_fe *fe = session();
	uint8_t cfg[12 + 4] = {0};
	int fds[8], i, s = vhd_fe_socket(fe), peak = 0, n;
	const uint32_t reqs[] = {VHD_FE_GET_QUEUE_NUM, VHD_FE_GET_CONFIG, VHD_FE_SET_CONFIG};

	(void)state;
	cfg[4] = 4; /* size */
	for (i = 0; i < 8; i++)
		fds[i] = new_eventfd();
	for (i = 0; i < 3000; i++) {
		uint32_t req = reqs[i % 3];
		int64_t r = ask(s, req, req == VHD_FE_GET_QUEUE_NUM ? 0 : sizeof(cfg), cfg,
				req == VHD_FE_GET_QUEUE_NUM ? 0 : sizeof(cfg), fds, 8, NULL);

		if (r == -ECONNRESET) { /* refused by hanging up: go on, on a new one */
			vhd_it_fe_done(fe);
			fe = session();
			s = vhd_fe_socket(fe);
		} else {
			assert_true(r != -ETIMEDOUT);
		}
		if (i % 100 == 0) {
			n = count_fds(A->pid);
			peak = n > peak ? n : peak;
		}
	}
	close_all(fds, 8);
	/* One connection open: its socket and at most a few of rte_vhost's. */
	if (peak > base_fds + 4)
		fail_msg("backend held %d fds during the flood, %d at rest", peak, base_fds);
	vhd_it_fe_done(fe);
	healthy("fd flood");
}

/* Every request number with zero, short, long and oversized payloads. */
static void
test_payload_sizes(void **state)
{
	const uint32_t sizes[] = {0, 4, 7, 9, 48, PAYLOAD_MAX, PAYLOAD_MAX + 1, 4096};
	static uint8_t junk[4096];
	uint32_t req, i;

	(void)state;
	memset(junk, 0xa5, sizeof(junk));
	for (req = 1; req <= 41; req++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct vhd_fe *fe = session();

			ask(vhd_fe_socket(fe), req, sizes[i], junk, sizes[i], NULL, 0, NULL);
			vhd_it_fe_done(fe);
			alive("payload sizes");
		}
	}
	healthy("payload sizes");
}

/* Every request number with one and with eight fds attached. */
static void
test_fds_on_every_type(void **state)
{
	static uint8_t zero[64];
	int fds[8], i;
	uint32_t req;

	(void)state;
	for (i = 0; i < 8; i++)
		fds[i] = new_eventfd();
	for (req = 0; req <= 41; req++) {
		struct vhd_fe *fe = session();
		int s = vhd_fe_socket(fe);

		ask(s, req, 8, zero, 8, fds, 1, NULL);
		vhd_it_fe_done(fe);
		fe = session();
		ask(vhd_fe_socket(fe), req, 40, zero, 40, fds, 8, NULL);
		vhd_it_fe_done(fe);
		alive("fds on every type");
		if (getenv("VHD_HOSTILE_DEBUG") != NULL)
			fprintf(stderr, "# fds on %u: %d fds\n", req, settled_fds(base_fds));
	}
	close_all(fds, 8);
	healthy("fds on every type");
}

/*
 * State-changing requests on a bare connection, before SET_OWNER. They are
 * taken (QEMU 7.2 reconnects without SET_OWNER), each under its own checks:
 * the backend must survive every one and leave no fd behind.
 */
static void
test_before_owner(void **state)
{
	const uint32_t reqs[] = {VHD_FE_SET_FEATURES, VHD_FE_SET_MEM_TABLE, VHD_FE_SET_VRING_NUM,
				 VHD_FE_SET_VRING_ADDR, VHD_FE_SET_VRING_BASE,
				 VHD_FE_GET_VRING_BASE, VHD_FE_SET_VRING_KICK,
				 VHD_FE_SET_VRING_CALL, VHD_FE_SET_VRING_ENABLE, VHD_FE_GET_CONFIG,
				 VHD_FE_SET_CONFIG};
	uint8_t p[48] = {0};
	struct region r = {VHD_FE_GPA_BASE, 1 << 20, 0x7f0000000000, 0};
	unsigned int i;
	int fd = vhd_fe_raw_memfd(1 << 20);

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int s = vhd_fe_raw_connect(sock_path, WAIT_MS);
		uint32_t size = 8;
		int64_t v;
		bool with_fd = false;

		assert_true(s >= 0);
		memset(p, 0, sizeof(p));
		if (reqs[i] == VHD_FE_SET_MEM_TABLE) {
			p[0] = 1;
			memcpy(p + 8, &r, sizeof(r));
			size = 40;
			with_fd = true;
		} else if (reqs[i] == VHD_FE_SET_VRING_ADDR) {
			size = 40;
		} else if (reqs[i] == VHD_FE_SET_VRING_KICK || reqs[i] == VHD_FE_SET_VRING_CALL) {
			with_fd = true;
		} else if (reqs[i] == VHD_FE_GET_CONFIG || reqs[i] == VHD_FE_SET_CONFIG) {
			p[4] = 4;
			size = 16;
		}
		v = ask(s, reqs[i], size, p, size, with_fd ? &fd : NULL, with_fd ? 1 : 0, NULL);
		close(s);
		(void)v;
		alive("before SET_OWNER");
		settled_fds(base_fds);
	}
	close(fd);
	healthy("before SET_OWNER");
}

/* Connections cut in the middle of a message, fds in flight. */
static void
test_close_mid_message(void **state)
{
	uint32_t h[3] = {VHD_FE_SET_MEM_TABLE, VHD_FE_MSG_VERSION, 40};
	uint8_t part[20] = {1};
	unsigned int i;
	int fds[8];

	(void)state;
	for (i = 0; i < 8; i++)
		fds[i] = new_eventfd();
	for (i = 0; i < 6; i++) {
		struct vhd_fe *fe = i < 3 ? NULL : session();
		int s = fe != NULL ? vhd_fe_socket(fe) : vhd_fe_raw_connect(sock_path, WAIT_MS);

		assert_true(s >= 0);
		switch (i % 3) {
		case 0: /* half a header, with fds */
			vhd_fe_raw_send_bytes(s, h, 6, fds, 8);
			break;
		case 1: /* a header promising 40 bytes, 20 sent */
			vhd_fe_raw_send_bytes(s, h, 12, fds, 8);
			vhd_fe_raw_send_bytes(s, part, sizeof(part), NULL, 0);
			break;
		default: { /* a header promising 4 GiB */
			uint32_t big[3] = {VHD_FE_SET_VRING_NUM, VHD_FE_MSG_VERSION, 0xffffffff};

			vhd_fe_raw_send_bytes(s, big, 12, fds, 3);
			break;
		}
		}
		if (fe != NULL)
			vhd_it_fe_done(fe);
		else
			close(s);
		alive("closing mid-message");
		settled_fds(base_fds);
	}
	close_all(fds, 8);
	healthy("closing mid-message");
}

/* A ring whose kick is NOFD is polled, whatever the mode (interrupt here). */
static void
test_nofd_kick(void **state)
{
	struct vhd_fe *fe = vhd_it_fe_up(A, 0, ~0ULL, app->nq, QSZ);
	uint64_t u = VHD_BIT(8) | app->probe_q; /* the probe queue, NOFD */

	(void)state;
	assert_int_equal(ask(vhd_fe_socket(fe), VHD_FE_SET_VRING_KICK, 8, &u, 8, NULL, 0, NULL),
			 0);
	vhd_fe_app_sleep_ms(20);
	assert_true(post_probe(fe, false) >= 0);
	if (vhd_fe_poll_used(fe, app->probe_q, WAIT_MS) <= 0)
		fail_msg("a NOFD ring is not polled");
	vhd_it_fe_done(fe);
	healthy("NOFD kick");
}

/* A few cheap hostile connections, in turn. */
static void
hostile_conn(unsigned int i)
{
	static const uint8_t zero[40];
	int s = vhd_fe_raw_connect(sock_path, WAIT_MS), fds[4], k;

	assert_true(s >= 0);
	for (k = 0; k < 4; k++)
		fds[k] = new_eventfd();
	switch (i % 4) {
	case 0:
		ask(s, 1000 + i, 8, zero, 8, fds, 4, NULL);
		break;
	case 1:
		ask(s, VHD_FE_GET_QUEUE_NUM, 0, NULL, 0, fds, 4, NULL);
		break;
	case 2:
		vhd_fe_raw_send_bytes(s, zero, 7, fds, 4);
		break;
	default: {
		struct region r = {VHD_FE_GPA_BASE, 1 << 24, 0x7f0000000000, 0};
		uint8_t t[40] = {1};

		memcpy(t + 8, &r, sizeof(r));
		ask(s, VHD_FE_SET_OWNER, 0, NULL, 0, NULL, 0, NULL);
		ask(s, VHD_FE_SET_MEM_TABLE, 40, t, 40, fds, 1, NULL);
		break;
	}
	}
	close_all(fds, 4);
	close(s);
	settled_fds(base_fds);
}

static void
test_thousand_connections(void **state)
{
	long rss1, rss1000;
	int fd1, fd1000;
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++)
		hostile_conn(i);
	fd1 = settled_fds(base_fds);
	rss1 = rss_kib(A->pid);
	for (i = 0; i < 1000; i++)
		hostile_conn(i);
	fd1000 = settled_fds(base_fds);
	rss1000 = rss_kib(A->pid);
	printf("# %s: after 4 hostile connections %d fds, %ld KiB RSS; after 1004: %d fds, "
	       "%ld KiB RSS\n", app->name, fd1, rss1, fd1000, rss1000);
	assert_int_equal(fd1000, fd1);
	/* Allocator noise is a few pages; a per-connection leak would be megabytes. */
	if (rss1000 > rss1 + 256)
		fail_msg("RSS grew from %ld to %ld KiB over 1000 connections", rss1, rss1000);
	healthy("1000 hostile connections");
}

/* ---- the fuzzer ---- */

static uint64_t rnd_state;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* One message from the vocabulary, mostly well-formed, then mutated. */
static void
fuzz_one(struct vhd_fe *fe, int s)
{
	static const uint32_t vocab[] = {1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
					 24, 25, 6, 7, 28, 31, 32, 39, 40, 55};
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	uint64_t base = (uint64_t)(uintptr_t)m->base;
	uint8_t p[PAYLOAD_MAX + 16] = {0};
	uint32_t req = vocab[rnd() % (sizeof(vocab) / sizeof(vocab[0]))], size = 8, i;
	int fds[8], nfds = 0;
	uint64_t v;

	switch (req) {
	case VHD_FE_SET_MEM_TABLE: {
		struct region r = {m->gpa_base, m->size, base, 0};

		p[0] = 1;
		memcpy(p + 8, &r, sizeof(r));
		size = 40;
		fds[nfds++] = fcntl(m->fd, F_DUPFD_CLOEXEC, 0);
		break;
	}
	case VHD_FE_SET_VRING_ADDR: {
		uint64_t a[5] = {rnd() % 3, base + (rnd() % 64) * 4096, base + 0x80000,
				 base + 0x40000, 0};

		memcpy(p, a, 40);
		size = 40;
		break;
	}
	case VHD_FE_SET_VRING_KICK:
	case VHD_FE_SET_VRING_CALL:
	case 14: /* SET_VRING_ERR */
		v = rnd() % 3 | (rnd() % 4 == 0 ? 0x100 : 0);
		memcpy(p, &v, 8);
		if (!(v & 0x100))
			fds[nfds++] = new_eventfd();
		break;
	case VHD_FE_SET_VRING_NUM:
	case VHD_FE_SET_VRING_BASE:
	case VHD_FE_GET_VRING_BASE:
	case VHD_FE_SET_VRING_ENABLE: {
		uint32_t st[2] = {(uint32_t)(rnd() % 3), (uint32_t)(1u << (rnd() % 9))};

		if (req == VHD_FE_SET_VRING_ENABLE)
			st[1] = rnd() % 2;
		memcpy(p, st, 8);
		break;
	}
	case VHD_FE_GET_CONFIG:
	case VHD_FE_SET_CONFIG:
		p[0] = (uint8_t)(rnd() % 8);
		p[4] = (uint8_t)(rnd() % 16);
		size = 12 + p[4];
		break;
	case VHD_FE_SET_FEATURES:
		v = vhd_fe_offered_features(fe) & ~VHD_FE_NEVER_FEATURES;
		memcpy(p, &v, 8);
		break;
	case VHD_FE_SET_PROTOCOL_FEATURES:
		v = VHD_FE_PROTO_DEFAULT;
		memcpy(p, &v, 8);
		break;
	default:
		size = rnd() % 2 ? 0 : 8;
		break;
	}
	/* mutations */
	switch (rnd() % 8) {
	case 0: /* flip a payload byte */
		p[rnd() % (size + 1)] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1: /* another size */
		size = (uint32_t)(rnd() % (PAYLOAD_MAX + 8));
		break;
	case 2: /* an extra fd or two */
		fds[nfds++] = new_eventfd();
		if (rnd() % 2)
			fds[nfds++] = vhd_fe_raw_memfd(4096);
		break;
	case 3: /* an index out of range */
		v = rnd();
		memcpy(p, &v, 4);
		break;
	default:
		break;
	}
	ask(s, req, size, p, size > sizeof(p) ? sizeof(p) : size, fds, (unsigned int)nfds, NULL);
	for (i = 0; i < (uint32_t)nfds; i++)
		close(fds[i]);
}

static void
test_fuzz(void **state)
{
	const char *env = getenv("VHD_HOSTILE_FUZZ");
	unsigned long total = env != NULL ? strtoul(env, NULL, 0) : 3000, i;
	struct vhd_fe *fe = NULL;
	unsigned int conns = 0;
	int s = -1;

	(void)state;
	rnd_state = vhd_it_seed("protocol fuzzer");
	for (i = 0; i < total; i++) {
		if (fe == NULL || rnd() % 64 == 0) {
			if (fe != NULL)
				vhd_it_fe_done(fe);
			fe = session();
			s = vhd_fe_socket(fe);
			conns++;
		}
		fuzz_one(fe, s);
		if (i % 256 == 0)
			alive("fuzzer");
		/* A refused message may end the connection: start a new one. */
		{
			char c;
			ssize_t n = recv(s, &c, 1, MSG_PEEK | MSG_DONTWAIT);

			if (n == 0) {
				vhd_it_fe_done(fe);
				fe = NULL;
			}
		}
	}
	if (fe != NULL)
		vhd_it_fe_done(fe);
	printf("# %s: %lu fuzzed messages over %u connections\n", app->name, total, conns);
	healthy("fuzzer");
}

/* ---- gpio: held eventq buffers across a memory table change ---- */

/* A command to the simulated chip; without @p wait, the reply is not awaited
 * (the backend defers its driver fds while a queue is paused). */
static int
gpio_ctl_send(const char *cmd, bool wait)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 3};
	char buf[64];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	if (strlen(ctl_sock) + 2 > sizeof(sa.sun_path))
		fail_msg("control socket path too long: %s", ctl_sock);
	memcpy(sa.sun_path, ctl_sock, strlen(ctl_sock));
	sa.sun_path[strlen(ctl_sock)] = '0';
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
	if (!wait) {
		vhd_fe_app_sleep_ms(50);
		close(fd);
		return 0;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	return n > 0 && strncmp(buf, "ok", 2) == 0 ? 0 : -1;
}

static int
gpio_ctl(const char *cmd)
{
	return gpio_ctl_send(cmd, true);
}

static uint8_t
gpio_req(struct vhd_fe *fe, uint16_t type, uint16_t line, uint32_t value)
{
	uint8_t *rq = vhd_fe_mem_alloc(vhd_fe_mem(fe), 8, 8, NULL);
	uint8_t *resp = vhd_fe_mem_alloc(vhd_fe_mem(fe), 2, 2, NULL);
	struct vhd_fe_buf b[2] = {{rq, 8}, {resp, 2}};
	uint32_t len;
	uint16_t id;

	memcpy(rq, &type, 2);
	memcpy(rq + 2, &line, 2);
	memcpy(rq + 4, &value, 4);
	resp[0] = 0xee;
	assert_true(vhd_fe_post(fe, 0, b, 1, 1, false, NULL, true) >= 0);
	assert_true(vhd_fe_wait_used(fe, 0, WAIT_MS) > 0);
	assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, 0), &id, &len, NULL), 1);
	return resp[0];
}

/* Line @p line in, rising edge; its eventq buffer posted. Returns the status byte. */
static uint8_t *
gpio_arm(struct vhd_fe *fe, uint16_t line)
{
	uint16_t *rq = vhd_fe_mem_alloc(vhd_fe_mem(fe), 2, 2, NULL);
	uint8_t *st = vhd_fe_mem_alloc(vhd_fe_mem(fe), 1, 1, NULL);
	struct vhd_fe_buf b[2] = {{rq, 2}, {st, 1}};

	assert_int_equal(gpio_ctl("set 1 0\n"), 0);
	assert_int_equal(gpio_req(fe, 4 /* SET_DIRECTION */, line, 2 /* IN */), 0);
	assert_int_equal(gpio_req(fe, 6 /* SET_IRQ_TYPE */, line, 1 /* RISING */), 0);
	*rq = line;
	*st = 0xee;
	assert_true(vhd_fe_post(fe, 1, b, 1, 1, false, NULL, true) >= 0);
	assert_int_equal(vhd_fe_wait_used(fe, 1, 100), 0); /* held */
	return st;
}

static void
gpio_held_across_remap(bool empty)
{
	struct vhd_fe *fe = vhd_it_fe_up(A, 0, ~0ULL, 2, QSZ);
	uint8_t *st = gpio_arm(fe, 1);
	int64_t r;

	if (empty) {
		uint8_t t[8] = {0};

		r = ask(vhd_fe_socket(fe), VHD_FE_SET_MEM_TABLE, 8, t, 8, NULL, 0, NULL);
	} else {
		/* Same guest addresses, another file: the rings are not in it. */
		struct vhd_fe_mem *m = vhd_fe_mem(fe);
		struct region rg = {m->gpa_base, 1 << 20, 0x7e0000000000, 0};
		uint8_t t[40] = {1};
		int fd = vhd_fe_raw_memfd(1 << 20);
		uint8_t *nm;
		unsigned int i;

		memcpy(t + 8, &rg, sizeof(rg));
		r = ask(vhd_fe_socket(fe), VHD_FE_SET_MEM_TABLE, 40, t, 40, &fd, 1, NULL);
		assert_int_equal(r, 0);
		gpio_ctl_send("set 1 1\n", false);
		vhd_fe_app_sleep_ms(100);
		alive("held buffer, new table without the rings");
		nm = mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, 0);
		assert_true(nm != MAP_FAILED);
		for (i = 0; i < 1 << 20; i++)
			if (nm[i] != 0)
				fail_msg("backend wrote at offset %u of the new guest memory", i);
		munmap(nm, 1 << 20);
		close(fd);
	}
	assert_int_equal(r, 0);
	if (empty) {
		gpio_ctl_send("set 1 1\n", false);
		vhd_fe_app_sleep_ms(100);
		alive("held buffer, empty table");
	}
	/* Nothing was completed through the dead table. */
	assert_int_equal(*st, 0xee);
	vhd_it_fe_done(fe);
	gpio_ctl("set 1 0\n");
	healthy(empty ? "held buffer across an empty table" : "held buffer across a new table");
}

/* What one frontend set up is gone for the next: interrupts masked again. */
static void
gpio_reset_on_connect(void)
{
	struct vhd_fe *fe = vhd_it_fe_up(A, 0, ~0ULL, 2, QSZ);
	uint16_t *rq;
	uint8_t *st;
	struct vhd_fe_buf b[2];

	st = gpio_arm(fe, 1);
	(void)st;
	vhd_it_fe_done(fe);
	settled_fds(base_fds);
	fe = vhd_it_fe_up(A, 0, ~0ULL, 2, QSZ);
	rq = vhd_fe_mem_alloc(vhd_fe_mem(fe), 2, 2, NULL);
	st = vhd_fe_mem_alloc(vhd_fe_mem(fe), 1, 1, NULL);
	b[0] = (struct vhd_fe_buf){rq, 2};
	b[1] = (struct vhd_fe_buf){st, 1};
	*rq = 1;
	*st = 0xee;
	assert_true(vhd_fe_post(fe, 1, b, 1, 1, false, NULL, true) >= 0);
	/* The spec: an eventq buffer of a line whose interrupt is not enabled
	 * comes back INVALID at once. */
	if (vhd_fe_wait_used(fe, 1, WAIT_MS) <= 0)
		fail_msg("line interrupt still enabled from the last connection");
	assert_int_equal(*st, 0 /* INVALID */);
	vhd_it_fe_done(fe);
	healthy("gpio reset on a new connection");
}

static void
gpio_cases(void)
{
	gpio_held_across_remap(true);
	gpio_held_across_remap(false);
	gpio_reset_on_connect();
}

/* ---- vsock: malformed packets from the guest's own CID each get a RST ---- */

struct vsock_pkt {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

static void
vsock_bad(struct vhd_fe *fe, uint8_t *txb, uint8_t *rxb, const struct vsock_pkt *p,
	  uint32_t rd_len, bool want_rst, const char *what)
{
	struct vhd_fe_buf b = {txb, rd_len};
	struct vhd_fe_buf r = {rxb, 4096};
	struct vsock_pkt got;
	uint32_t len;
	uint16_t id;

	memset(txb, 0, 4096);
	memcpy(txb, p, rd_len < sizeof(*p) ? rd_len : sizeof(*p));
	assert_true(vhd_fe_post(fe, 1, &b, 1, 0, false, NULL, true) >= 0);
	if (vhd_fe_wait_used(fe, 1, WAIT_MS) <= 0)
		fail_msg("vsock %s: tx chain not returned", what);
	assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, 1), &id, &len, NULL), 1);
	assert_true(vhd_fe_post(fe, 0, &r, 0, 1, false, NULL, true) >= 0);
	if (!want_rst) {
		vhd_fe_app_sleep_ms(50);
		if (vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, 0), &id, &len, NULL) == 1)
			fail_msg("vsock %s: answered, should be dropped", what);
		return;
	}
	if (vhd_fe_wait_used(fe, 0, WAIT_MS) <= 0)
		fail_msg("vsock %s: no RST", what);
	assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, 0), &id, &len, NULL), 1);
	assert_int_equal(len, sizeof(got));
	memcpy(&got, rxb, sizeof(got));
	if (le16toh(got.op) != 3 || le32toh(got.dst_port) != le32toh(p->src_port) ||
	    le32toh(got.src_port) != le32toh(p->dst_port))
		fail_msg("vsock %s: op %u to port %u, want RST to %u", what, le16toh(got.op),
			 le32toh(got.dst_port), le32toh(p->src_port));
}

static void
vsock_cases(void)
{
	struct vhd_fe *fe = vhd_it_fe_up(A, 0, ~0ULL, 2, QSZ);
	uint8_t *txb = vhd_fe_mem_alloc(vhd_fe_mem(fe), 4096, 8, NULL);
	uint8_t *rxb = vhd_fe_mem_alloc(vhd_fe_mem(fe), 4096, 8, NULL);
	struct vsock_pkt p = {htole64(3), htole64(2), htole32(5000), htole32(80), 0, htole16(1),
			      0, 0, htole32(65536), 0};
	static const uint16_t ops[] = {0, 2, 4, 5, 6, 7, 8, 0xffff};
	unsigned int i;

	assert_non_null(txb);
	assert_non_null(rxb);
	/* Every op but REQUEST and RST on a connection never opened, and junk ops. */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		p.op = htole16(ops[i]);
		p.src_port = htole32(5000 + i);
		vsock_bad(fe, txb, rxb, &p, sizeof(p), true, "op on no connection");
	}
	/* A length beyond the chain, beyond any buffer; an unknown type. */
	p.op = htole16(5);
	p.len = htole32(3000);
	vsock_bad(fe, txb, rxb, &p, sizeof(p) + 10, true, "length beyond the chain");
	p.len = htole32(0xffffffff);
	vsock_bad(fe, txb, rxb, &p, sizeof(p), true, "length 2^32-1");
	p.len = 0;
	p.op = htole16(1);
	p.type = htole16(77);
	vsock_bad(fe, txb, rxb, &p, sizeof(p), true, "unknown type");
	/* Not from the guest's CID, a short header, a RST for nothing: dropped. */
	p.type = htole16(1);
	p.src_cid = htole64(9);
	vsock_bad(fe, txb, rxb, &p, sizeof(p), false, "foreign source CID");
	p.src_cid = htole64(3);
	vsock_bad(fe, txb, rxb, &p, 20, false, "short header");
	p.op = htole16(3);
	vsock_bad(fe, txb, rxb, &p, sizeof(p), false, "RST on no connection");
	vhd_it_fe_done(fe);
	healthy("vsock malformed packets");
}

static void
test_device_specific(void **state)
{
	(void)state;
	if (app->extra == NULL)
		skip();
	app->extra();
}

/* ---- setup ---- */

static int
group_setup(void **state)
{
	const char *args[16];
	unsigned int i, n = 0;

	(void)state;
	if (vhd_fe_app_init(A, app->name) != 0)
		return -1;
	A->plain_sock = app->plain_sock;
	if (strlen(A->dir) + 5 > sizeof(ctl_sock))
		return -1;
	strcpy(ctl_sock, A->dir);
	strcat(ctl_sock, "/ctl");
	strcpy(uds_path, A->dir);
	strcat(uds_path, "/uds");
	args[n++] = "-s";
	args[n++] = A->sock;
	args[n++] = "--mode";
	args[n++] = "interrupt";
	for (i = 0; app->args[i] != NULL && n < 15; i++)
		args[n++] = strcmp(app->args[i], "%ctl") == 0	? ctl_sock
			    : strcmp(app->args[i], "%uds") == 0 ? uds_path
								: app->args[i];
	args[n] = NULL;
	if (vhd_fe_app_start(A, args) != 0 || vhd_fe_app_wait_socket(A, 0, VHD_FE_APP_TIMEOUT_MS))
		return -1;
	vhd_fe_app_sock(A, 0, sock_path, sizeof(sock_path));
	/* The baseline is taken after one served connection: rte_vhost sets
	 * up some things at the first one. */
	probe("first connection");
	vhd_fe_app_sleep_ms(100);
	base_fds = count_fds(A->pid);
	base_fds = settled_fds(base_fds);
	return 0;
}

static int
group_teardown(void **state)
{
	int rc;

	(void)state;
	rc = vhd_fe_app_stop(A);
	if (rc != 0) {
		char buf[4096];

		vhd_fe_app_output(A, false, buf, sizeof(buf));
		fprintf(stderr, "%s exited with %d:\n%s\n", app->name, rc, buf);
	}
	vhd_fe_app_fini(A);
	return rc == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_mem_region_vs_file),
		VHD_IT_TEST(test_mem_region_bad_fds),
		VHD_IT_TEST(test_mem_overlap),
		VHD_IT_TEST(test_rings_outside_memory),
		VHD_IT_TEST(test_ring_across_regions),
		VHD_IT_TEST(test_queue_index_and_size),
		VHD_IT_TEST(test_never_offered),
		VHD_IT_TEST(test_inflight_limits),
		VHD_IT_TEST(test_fd_flood),
		VHD_IT_TEST(test_payload_sizes),
		VHD_IT_TEST(test_fds_on_every_type),
		VHD_IT_TEST(test_before_owner),
		VHD_IT_TEST(test_close_mid_message),
		VHD_IT_TEST(test_nofd_kick),
		VHD_IT_TEST(test_device_specific),
		VHD_IT_TEST(test_thousand_connections),
		VHD_IT_TEST(test_fuzz),
	};
	unsigned int i;

	for (i = 0; argc > 1 && i < sizeof(apps) / sizeof(apps[0]); i++)
		if (strcmp(argv[1], apps[i].name) == 0)
			app = &apps[i];
	if (app == NULL) {
		fprintf(stderr, "usage: %s <app>: no hostile-frontend description for '%s'\n",
			argv[0], argc > 1 ? argv[1] : "");
		return 77; /* skipped */
	}
	if (argc > 2)
		cmocka_set_test_filter(argv[2]); /* e.g. 'test_mem*' */
	return cmocka_run_group_tests_name(app->name, tests, group_setup, group_teardown);
}
