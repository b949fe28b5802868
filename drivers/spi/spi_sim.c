/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spi_proto.h"
#include "spi_sim.h"

enum sim_type { SIM_LOOPBACK, SIM_REGS, SIM_FLASH };

/* flash opcodes */
enum {
	OP_WRSR = 0x01, OP_PP = 0x02, OP_READ = 0x03, OP_WRDI = 0x04, OP_RDSR = 0x05,
	OP_WREN = 0x06, OP_FAST_READ = 0x0b, OP_SE = 0x20, OP_BE32 = 0x52, OP_CE2 = 0x60,
	OP_RDID = 0x9f, OP_CE = 0xc7, OP_BE64 = 0xd8,
};

struct spi_sim {
	enum sim_type type;
	pthread_mutex_t lock;     /* sockets on other workers share the device */
	const void *owner;        /* target whose frame is open, NULL when deselected */
	uint32_t pos;             /* bytes clocked in the current frame */
	uint64_t (*now)(void *arg);
	void *now_arg;
	/* regs */
	uint8_t cmd;
	uint8_t reg;
	/* flash */
	uint8_t *mem;
	size_t mem_size;
	bool mapped;
	uint8_t op;
	bool ignored;             /* command dropped: busy or unknown */
	uint32_t addr;
	uint8_t sr;               /* bits 2..7; WIP and WEL are computed/kept apart */
	bool wel;
	uint64_t busy_until;
	uint8_t wrsr_val;
	uint8_t latch[SPI_SIM_FLASH_PAGE];
	uint8_t latched[SPI_SIM_FLASH_PAGE]; /* 1 where latch[] holds a byte */
	bool any_latched;
};

static uint64_t
mono_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint8_t
rev8(uint8_t b)
{
	b = (uint8_t)((b & 0xf0) >> 4 | (b & 0x0f) << 4);
	b = (uint8_t)((b & 0xcc) >> 2 | (b & 0x33) << 2);
	return (uint8_t)((b & 0xaa) >> 1 | (b & 0x55) << 1);
}

static bool
flash_busy(struct spi_sim *s)
{
	return s->now(s->now_arg) < s->busy_until;
}

uint8_t
spi_sim_flash_status(struct spi_sim *s)
{
	return (uint8_t)(s->sr | (s->wel ? SPI_SIM_SR_WEL : 0) |
			 (flash_busy(s) ? SPI_SIM_SR_WIP : 0));
}

static void
flash_busy_for(struct spi_sim *s, uint64_t ns)
{
	s->busy_until = s->now(s->now_arg) + ns;
	s->wel = false;
}

static uint8_t
flash_byte(struct spi_sim *s, uint8_t in)
{
	static const uint8_t id[] = SPI_SIM_FLASH_ID;
	uint32_t p = s->pos;
	uint8_t out = 0xff;

	if (p == 0) {
		s->op = in;
		s->addr = 0;
		/* a busy part only answers status reads */
		s->ignored = flash_busy(s) && in != OP_RDSR;
		return out;
	}
	if (s->ignored)
		return out;
	switch (s->op) {
	case OP_RDID:
		if (p <= sizeof(id))
			out = id[p - 1];
		break;
	case OP_RDSR:
		out = spi_sim_flash_status(s);
		break;
	case OP_WRSR:
		if (p == 1)
			s->wrsr_val = in;
		break;
	case OP_READ:
	case OP_FAST_READ:
	case OP_PP:
	case OP_SE:
	case OP_BE32:
	case OP_BE64:
		if (p <= 3) {
			s->addr = (s->addr << 8 | in) & (uint32_t)(s->mem_size - 1);
			break;
		}
		if (s->op == OP_READ || (s->op == OP_FAST_READ && p > 4)) {
			out = s->mem[s->addr];
			s->addr = (s->addr + 1) & (uint32_t)(s->mem_size - 1);
		} else if (s->op == OP_PP) {
			/* the page latch wraps: bytes past the page end go to its start */
			uint32_t i = (s->addr + p - 4) % SPI_SIM_FLASH_PAGE;

			s->latch[i] = in;
			s->latched[i] = 1;
			s->any_latched = true;
		}
		break;
	default:
		s->ignored = true;
		break;
	}
	return out;
}

static void
flash_erase(struct spi_sim *s, uint32_t size, uint64_t t)
{
	uint32_t base = s->addr & ~(size - 1);

	memset(s->mem + base, 0xff, size);
	flash_busy_for(s, t);
}

/* Chip select deasserted: commands that act at the end of their frame run now. */
static void
flash_end(struct spi_sim *s)
{
	uint32_t i, page;

	if (s->pos == 0 || s->ignored)
		goto out;
	switch (s->op) {
	case OP_WREN:
		if (s->pos == 1)
			s->wel = true;
		break;
	case OP_WRDI:
		if (s->pos == 1)
			s->wel = false;
		break;
	case OP_WRSR:
		if (s->pos == 2 && s->wel) {
			s->sr = s->wrsr_val & 0xfc;
			flash_busy_for(s, SPI_SIM_T_WRSR);
		}
		break;
	case OP_PP:
		if (s->pos > 4 && s->any_latched && s->wel) {
			page = s->addr & ~(uint32_t)(SPI_SIM_FLASH_PAGE - 1);
			/* programming can only clear bits; erasing sets them */
			for (i = 0; i < SPI_SIM_FLASH_PAGE; i++)
				if (s->latched[i])
					s->mem[page + i] &= s->latch[i];
			flash_busy_for(s, SPI_SIM_T_PROGRAM);
		}
		break;
	case OP_SE:
		if (s->pos == 4 && s->wel)
			flash_erase(s, 4096, SPI_SIM_T_SECTOR);
		break;
	case OP_BE32:
		if (s->pos == 4 && s->wel)
			flash_erase(s, 32768, SPI_SIM_T_BLOCK32);
		break;
	case OP_BE64:
		if (s->pos == 4 && s->wel)
			flash_erase(s, 65536, SPI_SIM_T_BLOCK64);
		break;
	case OP_CE:
	case OP_CE2:
		if (s->pos == 1 && s->wel) {
			memset(s->mem, 0xff, s->mem_size);
			flash_busy_for(s, SPI_SIM_T_CHIP);
		}
		break;
	default:
		break;
	}
out:
	memset(s->latched, 0, sizeof(s->latched));
	s->any_latched = false;
	s->ignored = false;
}

static uint8_t
regs_byte(struct spi_sim *s, uint8_t in)
{
	uint8_t out = 0xff;

	if (s->pos == 0) {
		s->cmd = in;
		s->reg = in & 0x7f;
		return out;
	}
	if (s->cmd & 0x80)
		out = s->mem[s->reg];
	else
		s->mem[s->reg] = in;
	s->reg = (uint8_t)((s->reg + 1) % SPI_SIM_REGS);
	return out;
}

static void
frame_end(struct spi_sim *s)
{
	if (s->type == SIM_FLASH)
		flash_end(s);
	s->pos = 0;
	s->owner = NULL;
}

static void
loopback(const struct spi_xfer *x)
{
	uint32_t i, wb = x->bpw <= 8 ? 1 : x->bpw <= 16 ? 2 : 4;

	if (x->tx == NULL) {
		memset(x->rx, 0, x->len);
		return;
	}
	memcpy(x->rx, x->tx, x->len);
	if (x->bpw == 8 || x->bpw == 16 || x->bpw == 32)
		return;
	/* only bpw bits of each word exist on the wire (words are little-endian here) */
	for (i = 0; i < x->len; i += wb) {
		uint32_t w = 0;

		memcpy(&w, x->rx + i, wb);
		w &= (1u << x->bpw) - 1;
		memcpy(x->rx + i, &w, wb);
	}
}

static int
sim_xfer(struct spi_target *t, struct spi_xfer *x)
{
	struct spi_sim *s = t->priv;
	bool lsb = (x->mode & VIRTIO_SPI_LSB_FIRST) != 0;
	uint32_t i;

	pthread_mutex_lock(&s->lock);
	if (s->owner != NULL && s->owner != t) {
		pthread_mutex_unlock(&s->lock);
		return -EBUSY;
	}
	if (s->type == SIM_LOOPBACK || (x->mode & VIRTIO_SPI_LOOP)) {
		/* a looped-back controller does not clock the device: no frame opens */
		if (x->rx != NULL)
			loopback(x);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	s->owner = t;
	for (i = 0; i < x->len; i++) {
		uint8_t in = x->tx != NULL ? x->tx[i] : 0;
		uint8_t out;

		if (lsb)
			in = rev8(in);
		out = s->type == SIM_FLASH ? flash_byte(s, in) : regs_byte(s, in);
		if (lsb)
			out = rev8(out);
		if (x->rx != NULL)
			x->rx[i] = out;
		s->pos++;
	}
	if (x->cs_release)
		frame_end(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void
sim_release(struct spi_target *t)
{
	struct spi_sim *s = t->priv;

	pthread_mutex_lock(&s->lock);
	if (s->owner == t)
		frame_end(s);
	pthread_mutex_unlock(&s->lock);
}

static void
sim_target_destroy(struct spi_target *t)
{
	sim_release(t);
	free(t);
}

static const struct spi_target_ops sim_ops = {
	.xfer = sim_xfer,
	.release = sim_release,
	.destroy = sim_target_destroy,
};

struct spi_target *
spi_sim_target(struct spi_sim *s)
{
	struct spi_target *t = calloc(1, sizeof(*t));
	static const char *const names[] = {"sim:loopback", "sim:regs", "sim:flash"};

	if (t == NULL)
		return NULL;
	t->ops = &sim_ops;
	t->priv = s;
	t->blocking = false;
	snprintf(t->name, sizeof(t->name), "%s", names[s->type]);
	t->caps.mode_func = VIRTIO_SPI_MF_ALL;
	if (s->type == SIM_LOOPBACK) {
		t->caps.tx_nbits = VIRTIO_SPI_NBITS_ALL;
		t->caps.rx_nbits = VIRTIO_SPI_NBITS_ALL;
		t->caps.bpw_mask = 0;
	} else {
		t->caps.bpw_mask = 1u << 7;
		/* a typical NOR part's limit; the register file claims the same */
		t->caps.max_freq_hz = 50000000;
	}
	return t;
}

/* Map @p file (created erased when missing or empty) as the flash array. */
static int
flash_map(struct spi_sim *s, const char *file)
{
	struct stat st;
	uint8_t *m;
	int fd;

	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "error: sim:flash image %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || (st.st_size != 0 && st.st_size != SPI_SIM_FLASH_SIZE)) {
		fprintf(stderr, "error: sim:flash image %s must be %u bytes (or empty)\n", file,
			SPI_SIM_FLASH_SIZE);
		close(fd);
		return -1;
	}
	if (st.st_size == 0 && ftruncate(fd, SPI_SIM_FLASH_SIZE) != 0) {
		fprintf(stderr, "error: sim:flash image %s: %s\n", file, strerror(errno));
		close(fd);
		return -1;
	}
	m = mmap(NULL, SPI_SIM_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "error: sim:flash image %s: mmap: %s\n", file, strerror(errno));
		return -1;
	}
	if (st.st_size == 0)
		memset(m, 0xff, SPI_SIM_FLASH_SIZE);
	s->mem = m;
	s->mapped = true;
	return 0;
}

struct spi_sim *
spi_sim_create(const char *type, const char *file)
{
	struct spi_sim *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->now = mono_now;
	if (strcmp(type, "loopback") == 0) {
		s->type = SIM_LOOPBACK;
	} else if (strcmp(type, "regs") == 0) {
		s->type = SIM_REGS;
		s->mem_size = SPI_SIM_REGS;
		s->mem = calloc(1, SPI_SIM_REGS);
	} else if (strcmp(type, "flash") == 0) {
		s->type = SIM_FLASH;
		s->mem_size = SPI_SIM_FLASH_SIZE;
		if (file != NULL) {
			if (flash_map(s, file) != 0) {
				free(s);
				return NULL;
			}
		} else {
			s->mem = malloc(SPI_SIM_FLASH_SIZE);
			if (s->mem != NULL)
				memset(s->mem, 0xff, SPI_SIM_FLASH_SIZE);
		}
	} else {
		fprintf(stderr, "error: unknown simulated device 'sim:%s' "
			"(flash, loopback, regs)\n", type);
		free(s);
		return NULL;
	}
	if (file != NULL && s->type != SIM_FLASH) {
		fprintf(stderr, "error: sim:%s takes no image file\n", type);
		spi_sim_destroy(s);
		return NULL;
	}
	if (s->type != SIM_LOOPBACK && s->mem == NULL) {
		fprintf(stderr, "error: out of memory\n");
		free(s);
		return NULL;
	}
	return s;
}

void
spi_sim_destroy(struct spi_sim *s)
{
	if (s == NULL)
		return;
	if (s->mapped)
		munmap(s->mem, s->mem_size);
	else
		free(s->mem);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void
spi_sim_set_clock(struct spi_sim *s, uint64_t (*now)(void *arg), void *arg)
{
	s->now = now;
	s->now_arg = arg;
}

const uint8_t *
spi_sim_mem(const struct spi_sim *s)
{
	return s->mem;
}
