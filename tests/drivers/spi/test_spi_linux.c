/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The spidev backend against a fake spidev behind struct spi_linux_sys. */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/spi/spi.h>
#include <linux/spi/spidev.h>

#include "spi_linux.h"
#include "spi_proto.h"
#include "spi_test_xf.h"

/* One spidev node; each open() gets its own fd, flock is per fd as for real. */
static struct {
	uint32_t mode;          /* current mode */
	uint32_t accept;        /* mode bits the controller accepts */
	uint8_t bpw;            /* current bits per word (0 = 8) */
	uint32_t bpw_ok;        /* accepted word sizes, bit n-1 */
	uint32_t speed;
	int open_fds;
	int next_fd;
	int lock_fd;            /* fd holding the flock, -1 for none */
	int fail_open;
	bool not_spidev;
	int msg_errno;          /* SPI_IOC_MESSAGE fails with this */
	int msg_short;          /* ... or reports this many bytes less */
	unsigned int n_msgs;
	struct spi_ioc_transfer last;
	uint8_t last_tx[16];
	unsigned int n_wr_mode;
	uint32_t mode_at_msg;
	unsigned int sleeps;
} fk;

static void
fk_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.accept = SPI_CPHA | SPI_CPOL | SPI_LSB_FIRST | SPI_3WIRE | SPI_TX_DUAL | SPI_RX_DUAL |
		    SPI_RX_QUAD;
	fk.mode = SPI_3WIRE | SPI_CPOL;
	fk.bpw = 0;
	fk.bpw_ok = (1u << 7) | (1u << 15);
	fk.speed = 10000000;
	fk.next_fd = 10;
	fk.lock_fd = -1;
}

static int
fk_open(const char *path, int flags)
{
	(void)flags;
	if (fk.fail_open || strcmp(path, "/dev/spidev0.0") != 0) {
		errno = ENOENT;
		return -1;
	}
	fk.open_fds++;
	return fk.next_fd++;
}

static int
fk_close(int fd)
{
	if (fk.lock_fd == fd)
		fk.lock_fd = -1;
	fk.open_fds--;
	return 0;
}

static int
fk_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	if (fk.not_spidev) {
		errno = ENOTTY;
		return -1;
	}
	switch (req) {
	case SPI_IOC_RD_MODE32:
		*(uint32_t *)arg = fk.mode;
		return 0;
	case SPI_IOC_WR_MODE32: {
		uint32_t m = *(uint32_t *)arg;

		fk.n_wr_mode++;
		if (m & ~fk.accept) {
			errno = EINVAL;
			return -1;
		}
		fk.mode = m;
		return 0;
	}
	case SPI_IOC_RD_BITS_PER_WORD:
		*(uint8_t *)arg = fk.bpw;
		return 0;
	case SPI_IOC_WR_BITS_PER_WORD: {
		uint8_t n = *(uint8_t *)arg;

		if (n != 0 && !(fk.bpw_ok & (1u << (n - 1)))) {
			errno = EINVAL;
			return -1;
		}
		fk.bpw = n;
		return 0;
	}
	case SPI_IOC_RD_MAX_SPEED_HZ:
		*(uint32_t *)arg = fk.speed;
		return 0;
	default:
		break;
	}
	if (req == SPI_IOC_MESSAGE(1)) {
		struct spi_ioc_transfer *t = arg;

		fk.n_msgs++;
		fk.last = *t;
		fk.mode_at_msg = fk.mode;
		if (t->tx_buf != 0)
			memcpy(fk.last_tx, (void *)(uintptr_t)t->tx_buf, t->len < 16 ? t->len : 16);
		if (fk.msg_errno != 0) {
			errno = fk.msg_errno;
			return -1;
		}
		if (t->rx_buf != 0)
			memset((void *)(uintptr_t)t->rx_buf, 0x5a, t->len);
		return (int)t->len - fk.msg_short;
	}
	errno = ENOTTY;
	return -1;
}

static int
fk_flock(int fd, int op)
{
	if (op & LOCK_UN) {
		if (fk.lock_fd == fd)
			fk.lock_fd = -1;
		return 0;
	}
	if (fk.lock_fd != -1 && fk.lock_fd != fd) {
		errno = EWOULDBLOCK;
		return -1;
	}
	fk.lock_fd = fd;
	return 0;
}

static void
fk_sleep(unsigned int ms)
{
	fk.sleeps += ms;
}

static const struct spi_linux_sys fk_sys = {
	.open = fk_open,
	.close = fk_close,
	.ioctl = fk_ioctl,
	.flock = fk_flock,
	.sleep_ms = fk_sleep,
};

/* one transfer, mode 0 */
static int
xf(struct spi_target *t, const uint8_t *tx, uint8_t *rx, uint32_t len, bool release)
{
	return spi_test_xf(t, tx, rx, len, release, 0);
}

static void
test_probe(void **state)
{
	struct spi_caps c;

	(void)state;
	fk_reset();
	fk.bpw = 16;
	assert_int_equal(spi_linux_probe(&fk_sys, "/dev/spidev0.0", &c), 0);
	assert_int_equal(c.mode_func, VIRTIO_SPI_MF_CPHA_0 | VIRTIO_SPI_MF_CPHA_1 |
				      VIRTIO_SPI_MF_CPOL_0 | VIRTIO_SPI_MF_CPOL_1 |
				      VIRTIO_SPI_MF_LSB_FIRST);
	assert_int_equal(c.tx_nbits, VIRTIO_SPI_NBITS_DUAL);
	assert_int_equal(c.rx_nbits, VIRTIO_SPI_NBITS_DUAL | VIRTIO_SPI_NBITS_QUAD);
	assert_int_equal(c.bpw_mask, (1u << 7) | (1u << 15));
	assert_int_equal(c.max_freq_hz, 10000000);
	assert_int_equal(c.max_word_delay_ns, 255000);
	assert_int_equal(c.max_cs_hold_ns, 65535000);
	assert_int_equal(c.max_cs_setup_ns, 0);
	assert_int_equal(c.max_cs_inactive_ns, 0);
	/* the node is left as found */
	assert_int_equal(fk.mode, SPI_3WIRE | SPI_CPOL);
	assert_int_equal(fk.bpw, 16);
	assert_int_equal(fk.open_fds, 0);
	/* no node, not a spidev */
	assert_int_equal(spi_linux_probe(&fk_sys, "/dev/spidev9.9", &c), -1);
	fk.not_spidev = true;
	assert_int_equal(spi_linux_probe(&fk_sys, "/dev/spidev0.0", &c), -1);
	assert_int_equal(fk.open_fds, 0);
	/* LOOP and CS_HIGH are found when the controller has them */
	fk_reset();
	fk.accept |= SPI_LOOP | SPI_CS_HIGH | SPI_TX_OCTAL;
	assert_int_equal(spi_linux_probe(&fk_sys, "/dev/spidev0.0", &c), 0);
	assert_true(c.mode_func & VIRTIO_SPI_MF_LOOP);
	assert_true(c.mode_func & VIRTIO_SPI_MF_CS_HIGH);
	assert_int_equal(c.tx_nbits, VIRTIO_SPI_NBITS_DUAL | VIRTIO_SPI_NBITS_OCTAL);
}

static void
test_mode_mapping(void **state)
{
	static const struct {
		uint32_t v, s;
	} m[] = {
		{VIRTIO_SPI_CPHA, SPI_CPHA},
		{VIRTIO_SPI_CPOL, SPI_CPOL},
		{VIRTIO_SPI_CS_HIGH, SPI_CS_HIGH},
		{VIRTIO_SPI_LSB_FIRST, SPI_LSB_FIRST},
		{VIRTIO_SPI_LOOP, SPI_LOOP}, /* bit 4 -> bit 5: bit 4 is SPI_3WIRE */
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		assert_int_equal(spi_linux_mode_to_spidev(m[i].v), m[i].s);
		assert_int_equal(spi_linux_mode_from_spidev(m[i].s), m[i].v);
	}
	assert_int_equal(spi_linux_mode_to_spidev(VIRTIO_SPI_MODE_ALL),
			 SPI_CPHA | SPI_CPOL | SPI_CS_HIGH | SPI_LSB_FIRST | SPI_LOOP);
	assert_int_equal(spi_linux_mode_from_spidev(SPI_3WIRE | SPI_NO_CS | SPI_TX_DUAL), 0);
	assert_int_equal(spi_linux_nbits_to_spidev(1, 1), 0);
	assert_int_equal(spi_linux_nbits_to_spidev(2, 4), SPI_TX_DUAL | SPI_RX_QUAD);
	assert_int_equal(spi_linux_nbits_to_spidev(4, 2), SPI_TX_QUAD | SPI_RX_DUAL);
	assert_int_equal(spi_linux_nbits_to_spidev(8, 8), SPI_TX_OCTAL | SPI_RX_OCTAL);
}

/* virtio cs_change inverted onto spidev's; mode, delays and buffers passed on. */
static void
test_xfer(void **state)
{
	struct spi_caps c;
	struct spi_target *t;
	struct spi_xfer x;
	uint8_t rx[4];

	(void)state;
	fk_reset();
	assert_int_equal(spi_linux_probe(&fk_sys, "/dev/spidev0.0", &c), 0);
	t = spi_linux_open(&fk_sys, "/dev/spidev0.0", &c);
	assert_non_null(t);
	assert_true(t->blocking);
	memset(&x, 0, sizeof(x));
	x.tx = (const uint8_t *)"\x9f\x00\x00\x00";
	x.rx = rx;
	x.len = 4;
	x.bpw = 8;
	x.speed_hz = 4000000;
	x.mode = VIRTIO_SPI_CPHA | VIRTIO_SPI_LSB_FIRST;
	x.tx_nbits = 2;
	x.rx_nbits = 1;
	x.cs_hold_ns = 1001;
	x.word_delay_ns = 1;
	x.cs_release = true;
	assert_int_equal(t->ops->xfer(t, &x), 0);
	assert_int_equal(fk.n_msgs, 1);
	assert_int_equal(fk.last.cs_change, 0); /* virtio 1 = deselect after = spidev 0 */
	assert_int_equal(fk.last.len, 4);
	assert_int_equal(fk.last.speed_hz, 4000000);
	assert_int_equal(fk.last.bits_per_word, 8);
	assert_int_equal(fk.last.tx_nbits, 2);
	assert_int_equal(fk.last.rx_nbits, 1);
	assert_int_equal(fk.last.delay_usecs, 2);
	assert_int_equal(fk.last.word_delay_usecs, 1);
	assert_memory_equal(fk.last_tx, "\x9f\x00\x00\x00", 4);
	assert_memory_equal(rx, "\x5a\x5a\x5a\x5a", 4);
	/* the node's own 3WIRE bit kept, its CPOL replaced by the guest's choice */
	assert_int_equal(fk.mode_at_msg, SPI_3WIRE | SPI_CPHA | SPI_LSB_FIRST | SPI_TX_DUAL);
	assert_int_equal(fk.lock_fd, -1);
	/* virtio cs_change 0: stay selected = spidev 1 on the message's last transfer */
	assert_int_equal(xf(t, (const uint8_t *)"\x03", NULL, 1, false), 0);
	assert_int_equal(fk.last.cs_change, 1);
	assert_int_equal(fk.last.rx_buf, 0);
	assert_int_equal(fk.last.rx_nbits, 0);
	assert_true(fk.lock_fd >= 0);
	/* same mode within a frame: not set again */
	fk.n_wr_mode = 0;
	assert_int_equal(xf(t, NULL, rx, 2, true), 0);
	assert_int_equal(fk.n_wr_mode, 0);
	assert_int_equal(fk.last.tx_buf, 0);
	assert_int_equal(fk.last.tx_nbits, 0);
	assert_int_equal(fk.lock_fd, -1);
	/* failures: errno, short count; the lock goes with them */
	fk.msg_errno = ETIMEDOUT;
	assert_int_equal(xf(t, (const uint8_t *)"\x01", NULL, 1, false), -ETIMEDOUT);
	assert_int_equal(fk.lock_fd, -1);
	fk.msg_errno = 0;
	fk.msg_short = 1;
	assert_int_equal(xf(t, (const uint8_t *)"\x01\x02", NULL, 2, false), -EIO);
	assert_int_equal(fk.lock_fd, -1);
	fk.msg_short = 0;
	/* a mode the controller refuses */
	x.mode = VIRTIO_SPI_CS_HIGH;
	x.tx_nbits = 1;
	assert_int_equal(t->ops->xfer(t, &x), -EINVAL);
	assert_int_equal(fk.lock_fd, -1);
	spi_target_destroy(t);
	assert_int_equal(fk.open_fds, 0);
}

/* Two sockets on one node: a held frame keeps the other waiting, boundedly. */
static void
test_flock(void **state)
{
	struct spi_caps c;
	struct spi_target *a, *b;
	unsigned int msgs;

	(void)state;
	fk_reset();
	assert_int_equal(spi_linux_probe(&fk_sys, "/dev/spidev0.0", &c), 0);
	a = spi_linux_open(&fk_sys, "/dev/spidev0.0", &c);
	b = spi_linux_open(&fk_sys, "/dev/spidev0.0", &c);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(xf(a, (const uint8_t *)"\x06", NULL, 1, false), 0);
	msgs = fk.n_msgs;
	assert_int_equal(xf(b, (const uint8_t *)"\x05", NULL, 1, true), -EBUSY);
	assert_int_equal(fk.n_msgs, msgs); /* nothing reached the bus */
	assert_int_equal(fk.sleeps, SPI_LINUX_LOCK_WAIT_MS);
	/* a release deselects with an empty message and lets go */
	a->ops->release(a);
	assert_int_equal(fk.n_msgs, msgs + 1);
	assert_int_equal(fk.last.len, 0);
	assert_int_equal(fk.last.cs_change, 0);
	assert_int_equal(fk.lock_fd, -1);
	a->ops->release(a);
	assert_int_equal(fk.n_msgs, msgs + 1); /* nothing held: nothing sent */
	/* b takes the node; its mode is set again since a may have changed it */
	fk.n_wr_mode = 0;
	assert_int_equal(xf(b, (const uint8_t *)"\x05", NULL, 1, false), 0);
	assert_int_equal(fk.n_wr_mode, 1);
	/* destroying a target with a frame open deselects and closes */
	spi_target_destroy(b);
	assert_int_equal(fk.lock_fd, -1);
	assert_int_equal(fk.last.len, 0);
	spi_target_destroy(a);
	assert_int_equal(fk.open_fds, 0);
	/* open failures */
	assert_null(spi_linux_open(&fk_sys, "/dev/spidev7.0", &c));
	fk.not_spidev = true;
	assert_null(spi_linux_open(&fk_sys, "/dev/spidev0.0", &c));
	assert_int_equal(fk.open_fds, 0);
}

/* The real flock() on a real file: another process holding the node's lock is waited for. */
static char node_path[64];

static int
file_open(const char *path, int flags)
{
	(void)path;
	fk.open_fds++;
	return open(node_path, flags);
}

static int
file_close(int fd)
{
	fk.open_fds--;
	return close(fd);
}

static void
test_flock_other_process(void **state)
{
	const struct spi_linux_sys sys = {
		.open = file_open,
		.close = file_close,
		.ioctl = fk_ioctl,
		.flock = flock,
		.sleep_ms = fk_sleep,
	};
	char dir[] = "/tmp/vhd-spi-lock-XXXXXX";
	int go[2], held[2], fd, status;
	struct spi_caps c;
	struct spi_target *t;
	pid_t pid;
	char b;

	(void)state;
	fk_reset();
	assert_non_null(mkdtemp(dir));
	snprintf(node_path, sizeof(node_path), "%s/spidev0.0", dir);
	fd = open(node_path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(held), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int lfd = open(node_path, O_RDWR);

		/* another process using the node: holds its lock until told */
		if (lfd < 0 || flock(lfd, LOCK_EX) != 0)
			_exit(1);
		if (write(held[1], "h", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(held[0], &b, 1), 1);
	assert_int_equal(spi_linux_probe(&sys, "/dev/spidev0.0", &c), 0);
	t = spi_linux_open(&sys, "/dev/spidev0.0", &c);
	assert_non_null(t);
	assert_int_equal(xf(t, (const uint8_t *)"\x9f", NULL, 1, true), -EBUSY);
	assert_int_equal(fk.sleeps, SPI_LINUX_LOCK_WAIT_MS);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(xf(t, (const uint8_t *)"\x9f", NULL, 1, false), 0);
	/* and while we hold the chip select, the lock is ours for another process too */
	fd = open(node_path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	t->ops->release(t);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	spi_target_destroy(t);
	assert_int_equal(fk.open_fds, 0);
	close(go[0]);
	close(go[1]);
	close(held[0]);
	close(held[1]);
	unlink(node_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_mode_mapping),
		cmocka_unit_test(test_xfer),
		cmocka_unit_test(test_flock),
		cmocka_unit_test(test_flock_other_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
