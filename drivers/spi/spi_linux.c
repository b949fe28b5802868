/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/spi/spi.h>
#include <linux/spi/spidev.h>

#include "spi_linux.h"
#include "spi_proto.h"

/* The spidev mode bits a guest's transfer decides; the node keeps its others (3WIRE...). */
#define SPIDEV_GUEST_BITS (SPI_CPHA | SPI_CPOL | SPI_CS_HIGH | SPI_LSB_FIRST | SPI_LOOP | \
			   SPI_TX_DUAL | SPI_TX_QUAD | SPI_TX_OCTAL | SPI_RX_DUAL | \
			   SPI_RX_QUAD | SPI_RX_OCTAL)

struct spi_linux {
	struct spi_target t;
	const struct spi_linux_sys *sys;
	int fd;
	uint32_t base_mode;  /* the node's own bits outside SPIDEV_GUEST_BITS */
	bool locked;         /* flock held: chip select left asserted */
	bool mode_known;     /* cur_mode is what the node has (only while locked) */
	uint32_t cur_mode;
};

static int
sys_open(const char *path, int flags)
{
	return open(path, flags);
}

static int
sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static void
sys_sleep_ms(unsigned int ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

const struct spi_linux_sys spi_linux_sys_default = {
	.open = sys_open,
	.close = close,
	.ioctl = sys_ioctl,
	.flock = flock,
	.sleep_ms = sys_sleep_ms,
};

uint32_t
spi_linux_mode_to_spidev(uint32_t v)
{
	uint32_t m = 0;

	if (v & VIRTIO_SPI_CPHA)
		m |= SPI_CPHA;
	if (v & VIRTIO_SPI_CPOL)
		m |= SPI_CPOL;
	if (v & VIRTIO_SPI_CS_HIGH)
		m |= SPI_CS_HIGH;
	if (v & VIRTIO_SPI_LSB_FIRST)
		m |= SPI_LSB_FIRST;
	/* not the same bit: spidev's bit 4 is SPI_3WIRE */
	if (v & VIRTIO_SPI_LOOP)
		m |= SPI_LOOP;
	return m;
}

uint32_t
spi_linux_mode_from_spidev(uint32_t m)
{
	uint32_t v = 0;

	if (m & SPI_CPHA)
		v |= VIRTIO_SPI_CPHA;
	if (m & SPI_CPOL)
		v |= VIRTIO_SPI_CPOL;
	if (m & SPI_CS_HIGH)
		v |= VIRTIO_SPI_CS_HIGH;
	if (m & SPI_LSB_FIRST)
		v |= VIRTIO_SPI_LSB_FIRST;
	if (m & SPI_LOOP)
		v |= VIRTIO_SPI_LOOP;
	return v;
}

uint32_t
spi_linux_nbits_to_spidev(uint8_t tx, uint8_t rx)
{
	uint32_t m = 0;

	m |= tx == 2 ? SPI_TX_DUAL : tx == 4 ? SPI_TX_QUAD : tx == 8 ? SPI_TX_OCTAL : 0;
	m |= rx == 2 ? SPI_RX_DUAL : rx == 4 ? SPI_RX_QUAD : rx == 8 ? SPI_RX_OCTAL : 0;
	return m;
}

static int
rd_mode(const struct spi_linux_sys *sys, int fd, uint32_t *mode)
{
	return sys->ioctl(fd, SPI_IOC_RD_MODE32, mode);
}

/* Whether the node accepts @p mode: set and read back. */
static bool
try_mode(const struct spi_linux_sys *sys, int fd, uint32_t mode)
{
	uint32_t got = 0;

	if (sys->ioctl(fd, SPI_IOC_WR_MODE32, &mode) < 0)
		return false;
	return rd_mode(sys, fd, &got) == 0 && got == mode;
}

int
spi_linux_probe(const struct spi_linux_sys *sys, const char *path, struct spi_caps *caps)
{
	static const struct {
		uint32_t bit;
		uint32_t mf_set, mf_clear;
		uint8_t tx, rx;
	} bits[] = {
		{SPI_CPHA, VIRTIO_SPI_MF_CPHA_1, VIRTIO_SPI_MF_CPHA_0, 0, 0},
		{SPI_CPOL, VIRTIO_SPI_MF_CPOL_1, VIRTIO_SPI_MF_CPOL_0, 0, 0},
		{SPI_CS_HIGH, VIRTIO_SPI_MF_CS_HIGH, 0, 0, 0},
		{SPI_LSB_FIRST, VIRTIO_SPI_MF_LSB_FIRST, 0, 0, 0},
		{SPI_LOOP, VIRTIO_SPI_MF_LOOP, 0, 0, 0},
		{SPI_TX_DUAL, 0, 0, VIRTIO_SPI_NBITS_DUAL, 0},
		{SPI_TX_QUAD, 0, 0, VIRTIO_SPI_NBITS_QUAD, 0},
		{SPI_TX_OCTAL, 0, 0, VIRTIO_SPI_NBITS_OCTAL, 0},
		{SPI_RX_DUAL, 0, 0, 0, VIRTIO_SPI_NBITS_DUAL},
		{SPI_RX_QUAD, 0, 0, 0, VIRTIO_SPI_NBITS_QUAD},
		{SPI_RX_OCTAL, 0, 0, 0, VIRTIO_SPI_NBITS_OCTAL},
	};
	uint32_t mode, speed = 0;
	uint8_t bpw = 0, n;
	unsigned int i;
	int fd, rc = -1;

	memset(caps, 0, sizeof(*caps));
	fd = sys->open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (rd_mode(sys, fd, &mode) < 0 ||
	    sys->ioctl(fd, SPI_IOC_RD_BITS_PER_WORD, &bpw) < 0 ||
	    sys->ioctl(fd, SPI_IOC_RD_MAX_SPEED_HZ, &speed) < 0) {
		fprintf(stderr, "error: %s is not a spidev node: %s\n", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (try_mode(sys, fd, mode | bits[i].bit)) {
			caps->mode_func |= bits[i].mf_set;
			caps->tx_nbits |= bits[i].tx;
			caps->rx_nbits |= bits[i].rx;
		}
		if (bits[i].mf_clear != 0 && try_mode(sys, fd, mode & ~bits[i].bit))
			caps->mode_func |= bits[i].mf_clear;
	}
	if (sys->ioctl(fd, SPI_IOC_WR_MODE32, &mode) < 0) {
		fprintf(stderr, "error: %s: cannot restore mode 0x%x: %s\n", path, mode,
			strerror(errno));
		goto out;
	}
	for (n = 1; n <= 32; n++)
		if (sys->ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &n) == 0)
			caps->bpw_mask |= 1u << (n - 1);
	if (sys->ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bpw) < 0) {
		fprintf(stderr, "error: %s: cannot restore %u bits per word: %s\n", path, bpw,
			strerror(errno));
		goto out;
	}
	if (caps->bpw_mask == 0) {
		fprintf(stderr, "error: %s accepts no word size\n", path);
		goto out;
	}
	/* the node's speed is the most a guest may ask for (the controller clamps anyway) */
	caps->max_freq_hz = speed;
	caps->max_word_delay_ns = 255 * 1000;
	caps->max_cs_hold_ns = 65535u * 1000;
	rc = 0;
out:
	sys->close(fd);
	return rc;
}

/* flock with a bounded wait: a guest holding the chip select elsewhere must not wedge us */
static int
lock_node(struct spi_linux *l)
{
	unsigned int waited = 0;

	while (l->sys->flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return errno > 0 ? -errno : -EIO;
		if (waited >= SPI_LINUX_LOCK_WAIT_MS)
			return -EBUSY;
		l->sys->sleep_ms(1);
		waited++;
	}
	l->locked = true;
	/* another user may have changed the mode while we did not hold the node */
	l->mode_known = false;
	return 0;
}

static void
unlock_node(struct spi_linux *l)
{
	if (!l->locked)
		return;
	l->sys->flock(l->fd, LOCK_UN);
	l->locked = false;
}

static uint8_t
usecs_up(uint32_t ns, uint32_t max)
{
	uint32_t us = (ns + 999) / 1000;

	return (uint8_t)(us > max ? max : us);
}

static int
linux_xfer(struct spi_target *t, struct spi_xfer *x)
{
	struct spi_linux *l = t->priv;
	struct spi_ioc_transfer tr;
	uint32_t mode;
	int rc;

	if (!l->locked) {
		rc = lock_node(l);
		if (rc != 0)
			return rc;
	}
	mode = l->base_mode | spi_linux_mode_to_spidev(x->mode) |
	       spi_linux_nbits_to_spidev(x->tx_nbits, x->rx_nbits);
	if (!l->mode_known || mode != l->cur_mode) {
		if (l->sys->ioctl(l->fd, SPI_IOC_WR_MODE32, &mode) < 0) {
			rc = errno > 0 ? -errno : -EIO;
			l->mode_known = false;
			goto fail;
		}
		l->cur_mode = mode;
		l->mode_known = true;
	}
	memset(&tr, 0, sizeof(tr));
	tr.tx_buf = (uint64_t)(uintptr_t)x->tx;
	tr.rx_buf = (uint64_t)(uintptr_t)x->rx;
	tr.len = x->len;
	tr.speed_hz = x->speed_hz;
	tr.bits_per_word = x->bpw;
	tr.tx_nbits = x->tx != NULL ? x->tx_nbits : 0;
	tr.rx_nbits = x->rx != NULL ? x->rx_nbits : 0;
	tr.delay_usecs = (uint16_t)((x->cs_hold_ns + 999) / 1000);
	tr.word_delay_usecs = usecs_up(x->word_delay_ns, 255);
	/* on the last transfer of a message spidev's cs_change means "stay selected" */
	tr.cs_change = x->cs_release ? 0 : 1;
	rc = l->sys->ioctl(l->fd, SPI_IOC_MESSAGE(1), &tr);
	if (rc < 0) {
		rc = errno > 0 ? -errno : -EIO;
		goto fail;
	}
	if ((uint32_t)rc != x->len) {
		rc = -EIO;
		goto fail;
	}
	if (x->cs_release)
		unlock_node(l);
	return 0;
fail:
	/* the kernel deselects after a failed message: the frame is over */
	unlock_node(l);
	return rc;
}

static void
linux_release(struct spi_target *t)
{
	struct spi_linux *l = t->priv;
	struct spi_ioc_transfer tr;

	if (!l->locked)
		return;
	/* an empty message deselects at its end */
	memset(&tr, 0, sizeof(tr));
	l->sys->ioctl(l->fd, SPI_IOC_MESSAGE(1), &tr);
	unlock_node(l);
}

static void
linux_destroy(struct spi_target *t)
{
	struct spi_linux *l = t->priv;

	linux_release(t);
	l->sys->close(l->fd);
	free(l);
}

static const struct spi_target_ops linux_ops = {
	.xfer = linux_xfer,
	.release = linux_release,
	.destroy = linux_destroy,
};

struct spi_target *
spi_linux_open(const struct spi_linux_sys *sys, const char *path, const struct spi_caps *caps)
{
	struct spi_linux *l;
	uint32_t mode = 0;
	int fd;

	fd = sys->open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (rd_mode(sys, fd, &mode) < 0) {
		fprintf(stderr, "error: %s: SPI_IOC_RD_MODE32: %s\n", path, strerror(errno));
		sys->close(fd);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		fprintf(stderr, "error: out of memory\n");
		sys->close(fd);
		return NULL;
	}
	l->sys = sys;
	l->fd = fd;
	l->base_mode = mode & ~(uint32_t)SPIDEV_GUEST_BITS;
	l->t.ops = &linux_ops;
	l->t.caps = *caps;
	l->t.blocking = true;
	l->t.priv = l;
	snprintf(l->t.name, sizeof(l->t.name), "%s", path);
	return &l->t;
}
