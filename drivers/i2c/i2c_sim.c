/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i2c_sim.h"

enum i2c_sim_type {
	I2C_SIM_EEPROM,
	I2C_SIM_REGS,
};

struct i2c_sim_client {
	enum i2c_sim_type type;
	uint8_t mem[I2C_SIM_MEM_SIZE];
	uint8_t ptr;          /* address pointer; uint8_t wraps at 256 by itself */
	bool latched;         /* EEPROM: page bytes waiting for a STOP */
	uint8_t page;         /* EEPROM: first byte of the latched page */
	uint8_t latch[I2C_SIM_EEPROM_PAGE];
	uint8_t latch_mask;   /* EEPROM: which latch bytes were written */
	int fd;               /* EEPROM image, or -1 */
};

struct i2c_sim {
	struct i2c_adapter ad;
	struct i2c_sim_client *clients[I2C_ADDR_MAX + 1];
};

static const struct i2c_adapter_ops i2c_sim_ops;

static struct i2c_sim *
i2c_sim_of(const struct i2c_adapter *ad)
{
	return ad->ops == &i2c_sim_ops ? ad->priv : NULL;
}

static void
i2c_sim_write(struct i2c_sim_client *c, const uint8_t *buf, uint16_t len)
{
	uint16_t i;

	/* a write with no byte is a probe: it selects nothing */
	if (len == 0)
		return;
	c->ptr = buf[0];
	for (i = 1; i < len; i++) {
		if (c->type == I2C_SIM_REGS) {
			c->mem[c->ptr++] = buf[i];
			continue;
		}
		if (!c->latched) {
			c->latched = true;
			c->page = c->ptr & ~(I2C_SIM_EEPROM_PAGE - 1);
			c->latch_mask = 0;
		}
		c->latch[c->ptr % I2C_SIM_EEPROM_PAGE] = buf[i];
		c->latch_mask |= 1u << (c->ptr % I2C_SIM_EEPROM_PAGE);
		/* the 24c02 increments only the low address bits during a page write */
		c->ptr = c->page | ((c->ptr + 1) % I2C_SIM_EEPROM_PAGE);
	}
}

static void
i2c_sim_read(struct i2c_sim_client *c, uint8_t *buf, uint16_t len)
{
	uint16_t i;

	for (i = 0; i < len; i++)
		buf[i] = c->mem[c->ptr++];
}

/* STOP: the EEPROM programs its latched page. */
static int
i2c_sim_stop(struct i2c_sim_client *c)
{
	unsigned int i;

	if (!c->latched)
		return 0;
	c->latched = false;
	for (i = 0; i < I2C_SIM_EEPROM_PAGE; i++)
		if (c->latch_mask & (1u << i))
			c->mem[c->page + i] = c->latch[i];
	if (c->fd >= 0 && pwrite(c->fd, &c->mem[c->page], I2C_SIM_EEPROM_PAGE, c->page) !=
			  I2C_SIM_EEPROM_PAGE)
		return -EIO;
	return 0;
}

static void
i2c_sim_abort(struct i2c_sim *s)
{
	unsigned int i;

	for (i = 0; i <= I2C_ADDR_MAX; i++)
		if (s->clients[i] != NULL)
			s->clients[i]->latched = false;
}

static int
i2c_sim_xfer(struct i2c_adapter *ad, struct i2c_xfer_msg *msgs, unsigned int n,
	     unsigned int *done)
{
	struct i2c_sim *s = ad->priv;
	unsigned int i;
	int rc = 0;

	*done = 0;
	for (i = 0; i < n; i++) {
		struct i2c_sim_client *c = msgs[i].addr <= I2C_ADDR_MAX ?
			s->clients[msgs[i].addr] : NULL;

		/* a repeated START aborts any page write that saw no STOP */
		i2c_sim_abort(s);
		if (c == NULL) {
			rc = -ENXIO;
			break;
		}
		if (msgs[i].read)
			i2c_sim_read(c, msgs[i].buf, msgs[i].len);
		else
			i2c_sim_write(c, msgs[i].buf, msgs[i].len);
		*done = i + 1;
	}
	/* every client sees the STOP, also after a NAK */
	for (i = 0; i <= I2C_ADDR_MAX; i++) {
		if (s->clients[i] != NULL && i2c_sim_stop(s->clients[i]) != 0 && rc == 0) {
			rc = -EIO;
			*done = 0;
		}
	}
	return rc;
}

static void
i2c_sim_destroy(struct i2c_adapter *ad)
{
	struct i2c_sim *s = ad->priv;
	unsigned int i;

	for (i = 0; i <= I2C_ADDR_MAX; i++) {
		if (s->clients[i] == NULL)
			continue;
		if (s->clients[i]->fd >= 0)
			close(s->clients[i]->fd);
		free(s->clients[i]);
	}
	free(s);
}

static int
i2c_sim_claim(struct i2c_adapter *ad, uint16_t addr)
{
	struct i2c_sim *s = ad->priv;

	if (addr > I2C_ADDR_MAX || s->clients[addr] == NULL) {
		fprintf(stderr, "error: %s: no simulated client at address %u (see --sim-client)\n",
			ad->name, addr);
		return -ENODEV;
	}
	return 0;
}

static const struct i2c_adapter_ops i2c_sim_ops = {
	.xfer = i2c_sim_xfer,
	.claim = i2c_sim_claim,
	.destroy = i2c_sim_destroy,
};

struct i2c_adapter *
i2c_sim_create(const char *name)
{
	struct i2c_sim *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	i2c_adapter_init(&s->ad, &i2c_sim_ops, name, s);
	return &s->ad;
}

/* Loads an EEPROM image, creating it erased when missing or empty. */
static int
i2c_sim_open_image(struct i2c_sim_client *c, const char *file)
{
	struct stat st;
	int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "error: cannot open EEPROM image %s: %s\n", file, strerror(errno));
		goto fail;
	}
	if (st.st_size == 0) {
		if (pwrite(fd, c->mem, sizeof(c->mem), 0) != (ssize_t)sizeof(c->mem)) {
			fprintf(stderr, "error: cannot write EEPROM image %s\n", file);
			goto fail;
		}
	} else if (st.st_size != (off_t)sizeof(c->mem) ||
		   pread(fd, c->mem, sizeof(c->mem), 0) != (ssize_t)sizeof(c->mem)) {
		fprintf(stderr, "error: EEPROM image %s must be %u bytes\n", file,
			I2C_SIM_MEM_SIZE);
		goto fail;
	}
	c->fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int
i2c_sim_add_client(struct i2c_adapter *ad, uint16_t addr, const char *type, const char *file)
{
	struct i2c_sim *s = i2c_sim_of(ad);
	struct i2c_sim_client *c;

	if (s == NULL) {
		fprintf(stderr, "error: %s is not a simulated bus\n", ad->name);
		return -1;
	}
	if (addr > I2C_ADDR_MAX || s->clients[addr] != NULL) {
		fprintf(stderr, "error: %s: address %u %s\n", ad->name, addr,
			addr > I2C_ADDR_MAX ? "out of range" : "has a client already");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	c->fd = -1;
	if (strcmp(type, "24c02") == 0) {
		c->type = I2C_SIM_EEPROM;
		memset(c->mem, 0xff, sizeof(c->mem));
	} else if (strcmp(type, "regs") == 0) {
		c->type = I2C_SIM_REGS;
	} else {
		fprintf(stderr, "error: unknown simulated client type '%s' (24c02, regs)\n", type);
		free(c);
		return -1;
	}
	if (file != NULL) {
		if (c->type != I2C_SIM_EEPROM) {
			fprintf(stderr, "error: only 24c02 clients take an image file\n");
			free(c);
			return -1;
		}
		if (i2c_sim_open_image(c, file) != 0) {
			free(c);
			return -1;
		}
	}
	s->clients[addr] = c;
	return 0;
}

const uint8_t *
i2c_sim_client_mem(const struct i2c_adapter *ad, uint16_t addr)
{
	struct i2c_sim *s = i2c_sim_of(ad);

	if (s == NULL || addr > I2C_ADDR_MAX || s->clients[addr] == NULL)
		return NULL;
	return s->clients[addr]->mem;
}
