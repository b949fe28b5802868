/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/i2c-dev.h>
#include <linux/i2c.h>

#include "i2c_linux.h"

/* What an SMBus-only adapter must offer for us to use it at all. */
#define I2C_LINUX_SMBUS_ANY (I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE | \
			     I2C_FUNC_SMBUS_BYTE_DATA | I2C_FUNC_SMBUS_WORD_DATA | \
			     I2C_FUNC_SMBUS_I2C_BLOCK)

struct i2c_linux {
	struct i2c_adapter ad;
	const struct i2c_linux_sys *sys;
	int fd;
	unsigned long funcs;
	int cur_addr; /* last I2C_SLAVE address, -1 for none */
};

static int
i2c_linux_sys_open(const char *path, int flags)
{
	return open(path, flags);
}

static int
i2c_linux_sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
	return ioctl(fd, req, arg);
}

const struct i2c_linux_sys i2c_linux_sys_default = {
	.open = i2c_linux_sys_open,
	.close = close,
	.ioctl = i2c_linux_sys_ioctl,
	.dev_dir = "/dev",
	.sysfs_dir = "/sys/bus/i2c/devices",
};

static const struct i2c_adapter_ops i2c_linux_ops;

/* One I2C_RDWR: the kernel runs the messages with repeated STARTs and one STOP. */
static int
i2c_linux_rdwr(struct i2c_linux *l, struct i2c_xfer_msg *msgs, unsigned int n,
	       unsigned int *done)
{
	struct i2c_msg m[I2C_XFER_MAX_MSGS];
	struct i2c_rdwr_ioctl_data data = { .msgs = m, .nmsgs = n };
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		m[i].addr = msgs[i].addr;
		m[i].flags = msgs[i].read ? I2C_M_RD : 0;
		m[i].len = msgs[i].len;
		m[i].buf = msgs[i].buf;
	}
	rc = l->sys->ioctl(l->fd, I2C_RDWR, (unsigned long)&data);
	if (rc < 0)
		return errno > 0 ? -errno : -EIO;
	if ((unsigned int)rc < n) {
		/* some adapter drivers report a partial transfer instead of an error */
		*done = (unsigned int)rc;
		return -EIO;
	}
	return 0;
}

static int
i2c_linux_smbus_cmd(struct i2c_linux *l, uint16_t addr, uint8_t read_write, uint8_t command,
		    uint32_t size, union i2c_smbus_data *data)
{
	struct i2c_smbus_ioctl_data a = {
		.read_write = read_write,
		.command = command,
		.size = size,
		.data = data,
	};

	/* I2C_SMBUS has no address of its own: it talks to the fd's I2C_SLAVE */
	if (l->cur_addr != addr) {
		if (l->sys->ioctl(l->fd, I2C_SLAVE, addr) < 0) {
			l->cur_addr = -1;
			return errno > 0 ? -errno : -EIO;
		}
		l->cur_addr = addr;
	}
	if (l->sys->ioctl(l->fd, I2C_SMBUS, (unsigned long)&a) < 0)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

/* A single-message transaction on an SMBus-only adapter. */
static int
i2c_linux_smbus_one(struct i2c_linux *l, struct i2c_xfer_msg *m)
{
	union i2c_smbus_data d;
	unsigned long f = l->funcs;
	uint16_t len = m->len;
	int rc;

	memset(&d, 0, sizeof(d));
	if (len == 0) {
		if (!(f & I2C_FUNC_SMBUS_QUICK))
			return -EOPNOTSUPP;
		return i2c_linux_smbus_cmd(l, m->addr, m->read ? I2C_SMBUS_READ : I2C_SMBUS_WRITE,
					   0, I2C_SMBUS_QUICK, NULL);
	}
	if (m->read) {
		/* SMBus has no multi-byte read without a command byte */
		if (len != 1 || !(f & I2C_FUNC_SMBUS_READ_BYTE))
			return -EOPNOTSUPP;
		rc = i2c_linux_smbus_cmd(l, m->addr, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE, &d);
		if (rc == 0)
			m->buf[0] = d.byte;
		return rc;
	}
	if (len == 1 && (f & I2C_FUNC_SMBUS_WRITE_BYTE))
		return i2c_linux_smbus_cmd(l, m->addr, I2C_SMBUS_WRITE, m->buf[0], I2C_SMBUS_BYTE,
					   NULL);
	if (len == 2 && (f & I2C_FUNC_SMBUS_WRITE_BYTE_DATA)) {
		d.byte = m->buf[1];
		return i2c_linux_smbus_cmd(l, m->addr, I2C_SMBUS_WRITE, m->buf[0],
					   I2C_SMBUS_BYTE_DATA, &d);
	}
	if (len == 3 && (f & I2C_FUNC_SMBUS_WRITE_WORD_DATA)) {
		/* SMBus words go low byte first, as the guest's bytes do */
		d.word = (uint16_t)(m->buf[1] | (m->buf[2] << 8));
		return i2c_linux_smbus_cmd(l, m->addr, I2C_SMBUS_WRITE, m->buf[0],
					   I2C_SMBUS_WORD_DATA, &d);
	}
	if (len >= 2 && len - 1 <= I2C_SMBUS_BLOCK_MAX && (f & I2C_FUNC_SMBUS_WRITE_I2C_BLOCK)) {
		d.block[0] = (uint8_t)(len - 1);
		memcpy(&d.block[1], &m->buf[1], len - 1);
		return i2c_linux_smbus_cmd(l, m->addr, I2C_SMBUS_WRITE, m->buf[0],
					   I2C_SMBUS_I2C_BLOCK_DATA, &d);
	}
	return -EOPNOTSUPP;
}

/* Command byte written, then read with a repeated START: the SMBus read commands. */
static int
i2c_linux_smbus_two(struct i2c_linux *l, struct i2c_xfer_msg *w, struct i2c_xfer_msg *r)
{
	union i2c_smbus_data d;
	unsigned long f = l->funcs;
	uint16_t len = r->len;
	int rc;

	if (w->read || w->len != 1 || !r->read || r->addr != w->addr || len == 0)
		return -EOPNOTSUPP;
	memset(&d, 0, sizeof(d));
	if (len == 1 && (f & I2C_FUNC_SMBUS_READ_BYTE_DATA)) {
		rc = i2c_linux_smbus_cmd(l, w->addr, I2C_SMBUS_READ, w->buf[0],
					 I2C_SMBUS_BYTE_DATA, &d);
		if (rc == 0)
			r->buf[0] = d.byte;
		return rc;
	}
	if (len == 2 && (f & I2C_FUNC_SMBUS_READ_WORD_DATA)) {
		rc = i2c_linux_smbus_cmd(l, w->addr, I2C_SMBUS_READ, w->buf[0],
					 I2C_SMBUS_WORD_DATA, &d);
		if (rc == 0) {
			r->buf[0] = (uint8_t)(d.word & 0xff);
			r->buf[1] = (uint8_t)(d.word >> 8);
		}
		return rc;
	}
	if (len <= I2C_SMBUS_BLOCK_MAX && (f & I2C_FUNC_SMBUS_READ_I2C_BLOCK)) {
		d.block[0] = (uint8_t)len;
		rc = i2c_linux_smbus_cmd(l, w->addr, I2C_SMBUS_READ, w->buf[0],
					 I2C_SMBUS_I2C_BLOCK_DATA, &d);
		if (rc != 0)
			return rc;
		if (d.block[0] < len)
			return -EIO;
		memcpy(r->buf, &d.block[1], len);
		return 0;
	}
	return -EOPNOTSUPP;
}

static int
i2c_linux_xfer(struct i2c_adapter *ad, struct i2c_xfer_msg *msgs, unsigned int n,
	       unsigned int *done)
{
	struct i2c_linux *l = ad->priv;

	*done = 0;
	if (l->funcs & I2C_FUNC_I2C)
		return i2c_linux_rdwr(l, msgs, n, done);
	/* an SMBus command is one transaction, so the kernel cannot tell us about a part */
	if (n == 1)
		return i2c_linux_smbus_one(l, &msgs[0]);
	if (n == 2)
		return i2c_linux_smbus_two(l, &msgs[0], &msgs[1]);
	return -EOPNOTSUPP;
}

/* I2C_SLAVE refuses an address a kernel driver owns: we leave such clients alone. */
static int
i2c_linux_claim(struct i2c_adapter *ad, uint16_t addr)
{
	struct i2c_linux *l = ad->priv;

	if (l->sys->ioctl(l->fd, I2C_SLAVE, addr) < 0) {
		fprintf(stderr, "error: %s: address %u unusable: %s\n", ad->name, addr,
			strerror(errno));
		l->cur_addr = -1;
		return -1;
	}
	l->cur_addr = addr;
	return 0;
}

static void
i2c_linux_destroy(struct i2c_adapter *ad)
{
	struct i2c_linux *l = ad->priv;

	l->sys->close(l->fd);
	free(l);
}

static const struct i2c_adapter_ops i2c_linux_ops = {
	.xfer = i2c_linux_xfer,
	.claim = i2c_linux_claim,
	.destroy = i2c_linux_destroy,
	.blocking = true, /* a real bus: I2C_RDWR/I2C_SMBUS wait for the wire */
};

struct i2c_adapter *
i2c_linux_open(const struct i2c_linux_sys *sys, unsigned int nr)
{
	char path[PATH_MAX];
	struct i2c_linux *l;
	unsigned long funcs = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/i2c-%u", sys->dev_dir, nr) >= sizeof(path)) {
		fprintf(stderr, "error: adapter path too long\n");
		return NULL;
	}
	fd = sys->open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (sys->ioctl(fd, I2C_FUNCS, (unsigned long)&funcs) < 0) {
		fprintf(stderr, "error: %s: I2C_FUNCS failed: %s\n", path, strerror(errno));
		sys->close(fd);
		return NULL;
	}
	if (!(funcs & (I2C_FUNC_I2C | I2C_LINUX_SMBUS_ANY))) {
		fprintf(stderr, "error: %s supports neither I2C nor SMBus transfers "
			"(funcs 0x%lx)\n", path, funcs);
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
	l->funcs = funcs;
	l->cur_addr = -1;
	i2c_adapter_init(&l->ad, &i2c_linux_ops, path, l);
	return &l->ad;
}

unsigned long
i2c_linux_funcs(const struct i2c_adapter *ad)
{
	if (ad->ops != &i2c_linux_ops)
		return 0;
	return ((const struct i2c_linux *)ad->priv)->funcs;
}

/* Reads sysfs_dir/<entry>/name into @p out without surrounding blanks. */
static int
i2c_linux_read_name(const char *dir, const char *entry, char *out, size_t len)
{
	char path[PATH_MAX];
	size_t n;
	char *s;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/name", dir, entry) >= sizeof(path))
		return -1;
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fgets(out, (int)len, f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strlen(out);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	for (s = out; isspace((unsigned char)*s); s++)
		;
	memmove(out, s, strlen(s) + 1);
	return 0;
}

int
i2c_linux_find(const struct i2c_linux_sys *sys, const char *name, unsigned int *nr)
{
	char found_name[256];
	struct dirent *e;
	unsigned int n, found = 0;
	bool any = false;
	DIR *dir;

	dir = opendir(sys->sysfs_dir);
	if (dir == NULL) {
		fprintf(stderr, "error: cannot list %s: %s\n", sys->sysfs_dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(dir)) != NULL) {
		int end = 0;

		/* client devices ("1-0050") live here too: adapters only */
		if (sscanf(e->d_name, "i2c-%u%n", &n, &end) != 1 || e->d_name[end] != '\0')
			continue;
		if (i2c_linux_read_name(sys->sysfs_dir, e->d_name, found_name,
					sizeof(found_name)) != 0 || strcmp(found_name, name) != 0)
			continue;
		if (any) {
			fprintf(stderr, "error: several adapters are called '%s' "
				"(i2c-%u, i2c-%u)\n", name, found, n);
			closedir(dir);
			return -1;
		}
		any = true;
		found = n;
	}
	closedir(dir);
	if (!any) {
		fprintf(stderr, "error: no adapter called '%s' in %s\n", name, sys->sysfs_dir);
		return -1;
	}
	*nr = found;
	return 0;
}
