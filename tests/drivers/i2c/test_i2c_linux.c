/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The /dev/i2c-N backend against a fake i2c-dev behind the system-call layer. */

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

#include <linux/i2c-dev.h>
#include <linux/i2c.h>

#include "i2c_linux.h"

#define FAKE_FD 42

/* The fake adapter: a register file client at every address, like i2c_sim's "regs". */
static struct {
	unsigned long funcs;
	int funcs_errno;
	int open_errno;
	unsigned int opens, closes;
	char opened[256];
	uint8_t regs[256];
	uint8_t ptr;
	int slave;                 /* last I2C_SLAVE */
	unsigned int n_slave;
	int busy_addr;             /* I2C_SLAVE answers EBUSY for it */
	unsigned int n_rdwr;
	unsigned int rdwr_nmsgs;
	struct i2c_msg rdwr_msgs[I2C_RDWR_IOCTL_MAX_MSGS];
	int rdwr_ret;              /* > 0: return this count instead of nmsgs */
	unsigned int n_smbus;
	struct i2c_smbus_ioctl_data smbus;  /* last command */
	int fail_errno;            /* next RDWR/SMBUS fails with it */
} fk;

static int
fake_open(const char *path, int flags)
{
	(void)flags;
	fk.opens++;
	snprintf(fk.opened, sizeof(fk.opened), "%s", path);
	if (fk.open_errno != 0) {
		errno = fk.open_errno;
		return -1;
	}
	return FAKE_FD;
}

static int
fake_close(int fd)
{
	assert_int_equal(fd, FAKE_FD);
	fk.closes++;
	return 0;
}

static void
fake_regs_write(const uint8_t *buf, unsigned int len)
{
	if (len == 0)
		return;
	fk.ptr = buf[0];
	for (unsigned int i = 1; i < len; i++)
		fk.regs[fk.ptr++] = buf[i];
}

static int
fake_smbus(struct i2c_smbus_ioctl_data *a)
{
	union i2c_smbus_data *d = a->data;
	uint8_t c = a->command;
	bool r = a->read_write == I2C_SMBUS_READ;

	fk.smbus = *a;
	fk.n_smbus++;
	switch (a->size) {
	case I2C_SMBUS_QUICK:
		assert_null(d);
		return 0;
	case I2C_SMBUS_BYTE:
		if (r)
			d->byte = fk.regs[fk.ptr++];
		else
			fk.ptr = c;
		return 0;
	case I2C_SMBUS_BYTE_DATA:
		if (r)
			d->byte = fk.regs[c];
		else
			fk.regs[c] = d->byte;
		return 0;
	case I2C_SMBUS_WORD_DATA:
		if (r)
			d->word = (uint16_t)(fk.regs[c] | fk.regs[(uint8_t)(c + 1)] << 8);
		else {
			fk.regs[c] = (uint8_t)d->word;
			fk.regs[(uint8_t)(c + 1)] = (uint8_t)(d->word >> 8);
		}
		return 0;
	case I2C_SMBUS_I2C_BLOCK_DATA:
		assert_true(d->block[0] >= 1 && d->block[0] <= I2C_SMBUS_BLOCK_MAX);
		for (unsigned int i = 0; i < d->block[0]; i++) {
			if (r)
				d->block[1 + i] = fk.regs[(uint8_t)(c + i)];
			else
				fk.regs[(uint8_t)(c + i)] = d->block[1 + i];
		}
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int
fake_ioctl(int fd, unsigned long req, unsigned long arg)
{
	assert_int_equal(fd, FAKE_FD);
	switch (req) {
	case I2C_FUNCS:
		if (fk.funcs_errno != 0) {
			errno = fk.funcs_errno;
			return -1;
		}
		*(unsigned long *)arg = fk.funcs;
		return 0;
	case I2C_SLAVE:
		fk.n_slave++;
		if ((int)arg == fk.busy_addr) {
			errno = EBUSY;
			return -1;
		}
		fk.slave = (int)arg;
		return 0;
	case I2C_RDWR: {
		struct i2c_rdwr_ioctl_data *d = (void *)arg;

		fk.n_rdwr++;
		fk.rdwr_nmsgs = d->nmsgs;
		assert_true(d->nmsgs <= I2C_RDWR_IOCTL_MAX_MSGS);
		memcpy(fk.rdwr_msgs, d->msgs, d->nmsgs * sizeof(*d->msgs));
		if (fk.fail_errno != 0) {
			errno = fk.fail_errno;
			return -1;
		}
		for (unsigned int i = 0; i < d->nmsgs; i++) {
			if (d->msgs[i].flags & I2C_M_RD)
				for (unsigned int j = 0; j < d->msgs[i].len; j++)
					d->msgs[i].buf[j] = fk.regs[fk.ptr++];
			else
				fake_regs_write(d->msgs[i].buf, d->msgs[i].len);
		}
		return fk.rdwr_ret > 0 ? fk.rdwr_ret : (int)d->nmsgs;
	}
	case I2C_SMBUS:
		if (fk.fail_errno != 0) {
			errno = fk.fail_errno;
			return -1;
		}
		return fake_smbus((void *)arg);
	}
	errno = ENOTTY;
	return -1;
}

static char sysfs[64];

static const struct i2c_linux_sys fake_sys = {
	.open = fake_open,
	.close = fake_close,
	.ioctl = fake_ioctl,
	.dev_dir = "/fake/dev",
	.sysfs_dir = sysfs,
};

static int
reset(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.busy_addr = -1;
	fk.slave = -1;
	for (int i = 0; i < 256; i++)
		fk.regs[i] = (uint8_t)(0x80 + i);
	return 0;
}

static struct i2c_adapter *
open_with(unsigned long funcs)
{
	struct i2c_adapter *ad;

	fk.funcs = funcs;
	ad = i2c_linux_open(&fake_sys, 3);
	assert_non_null(ad);
	assert_string_equal(fk.opened, "/fake/dev/i2c-3");
	assert_string_equal(ad->name, "/fake/dev/i2c-3");
	assert_int_equal(i2c_linux_funcs(ad), funcs);
	return ad;
}

/* a transaction is one I2C_RDWR carrying every message */
static void
test_rdwr_one_ioctl(void **state)
{
	struct i2c_adapter *ad = open_with(I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL);
	uint8_t off = 0x10, b[3];
	struct i2c_xfer_msg m[2] = { { 0x20, false, 1, &off }, { 0x20, true, 3, b } };
	unsigned int done;

	(void)state;
	assert_int_equal(i2c_adapter_xfer(ad, m, 2, &done), 0);
	assert_int_equal(done, 2);
	assert_int_equal(fk.n_rdwr, 1);
	assert_int_equal(fk.n_smbus, 0);
	assert_int_equal(fk.rdwr_nmsgs, 2);
	assert_int_equal(fk.rdwr_msgs[0].addr, 0x20);
	assert_int_equal(fk.rdwr_msgs[0].flags, 0);
	assert_int_equal(fk.rdwr_msgs[0].len, 1);
	assert_int_equal(fk.rdwr_msgs[1].flags, I2C_M_RD);
	assert_int_equal(fk.rdwr_msgs[1].len, 3);
	assert_memory_equal(b, "\x90\x91\x92", 3);
	/* zero-length messages go through as they are */
	m[0].len = 0;
	assert_int_equal(i2c_adapter_xfer(ad, m, 1, &done), 0);
	assert_int_equal(fk.rdwr_msgs[0].len, 0);
	i2c_adapter_destroy(ad);
	assert_int_equal(fk.closes, 1);
}

static void
test_rdwr_errors(void **state)
{
	struct i2c_adapter *ad = open_with(I2C_FUNC_I2C);
	uint8_t b[2] = { 1, 2 };
	struct i2c_xfer_msg m[2] = { { 0x20, false, 1, b }, { 0x21, false, 1, b + 1 } };
	unsigned int done;

	(void)state;
	fk.fail_errno = EREMOTEIO;
	assert_int_equal(i2c_adapter_xfer(ad, m, 2, &done), -EREMOTEIO);
	assert_int_equal(done, 0);
	fk.fail_errno = 0;
	/* a driver reporting fewer messages than asked: the rest failed */
	fk.rdwr_ret = 1;
	assert_int_equal(i2c_adapter_xfer(ad, m, 2, &done), -EIO);
	assert_int_equal(done, 1);
	i2c_adapter_destroy(ad);
}

#define SMBUS_ALL (I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE | I2C_FUNC_SMBUS_BYTE_DATA | \
		   I2C_FUNC_SMBUS_WORD_DATA | I2C_FUNC_SMBUS_I2C_BLOCK)

static int
x1(struct i2c_adapter *ad, uint16_t addr, bool read, uint16_t len, uint8_t *buf)
{
	struct i2c_xfer_msg m = { addr, read, len, buf };
	unsigned int done;

	return i2c_adapter_xfer(ad, &m, 1, &done);
}

static int
x2(struct i2c_adapter *ad, uint16_t addr, uint8_t cmd, uint16_t len, uint8_t *buf)
{
	struct i2c_xfer_msg m[2] = { { addr, false, 1, &cmd }, { addr, true, len, buf } };
	unsigned int done;

	return i2c_adapter_xfer(ad, m, 2, &done);
}

/* single-message transactions become the SMBus write commands they are on the wire */
static void
test_smbus_writes(void **state)
{
	struct i2c_adapter *ad = open_with(SMBUS_ALL);
	uint8_t b[8];

	(void)state;
	assert_int_equal(x1(ad, 0x20, false, 0, NULL), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_QUICK);
	assert_int_equal(fk.smbus.read_write, I2C_SMBUS_WRITE);
	assert_int_equal(fk.slave, 0x20);
	assert_int_equal(x1(ad, 0x20, true, 0, NULL), 0);
	assert_int_equal(fk.smbus.read_write, I2C_SMBUS_READ);

	memcpy(b, "\x05", 1);
	assert_int_equal(x1(ad, 0x20, false, 1, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_BYTE);
	assert_int_equal(fk.smbus.command, 0x05);
	assert_int_equal(fk.ptr, 0x05);

	memcpy(b, "\x06\x66", 2);
	assert_int_equal(x1(ad, 0x20, false, 2, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_BYTE_DATA);
	assert_int_equal(fk.regs[6], 0x66);

	memcpy(b, "\x08\x34\x12", 3);
	assert_int_equal(x1(ad, 0x20, false, 3, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_WORD_DATA);
	assert_int_equal(fk.regs[8], 0x34);
	assert_int_equal(fk.regs[9], 0x12);

	memcpy(b, "\x40\x01\x02\x03\x04", 5);
	assert_int_equal(x1(ad, 0x20, false, 5, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_I2C_BLOCK_DATA);
	assert_memory_equal(&fk.regs[0x40], "\x01\x02\x03\x04", 4);
	/* I2C_SLAVE only when the address changes */
	assert_int_equal(fk.n_slave, 1);
	assert_int_equal(x1(ad, 0x21, false, 0, NULL), 0);
	assert_int_equal(fk.n_slave, 2);
	assert_int_equal(fk.slave, 0x21);
	assert_int_equal(fk.n_rdwr, 0);
	i2c_adapter_destroy(ad);
}

static void
test_smbus_reads(void **state)
{
	struct i2c_adapter *ad = open_with(SMBUS_ALL);
	uint8_t b[32];

	(void)state;
	fk.ptr = 0x30;
	assert_int_equal(x1(ad, 0x20, true, 1, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_BYTE);
	assert_int_equal(b[0], 0xb0);

	assert_int_equal(x2(ad, 0x20, 0x11, 1, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_BYTE_DATA);
	assert_int_equal(fk.smbus.command, 0x11);
	assert_int_equal(b[0], 0x91);

	assert_int_equal(x2(ad, 0x20, 0x12, 2, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_WORD_DATA);
	assert_memory_equal(b, "\x92\x93", 2);

	assert_int_equal(x2(ad, 0x20, 0x20, 32, b), 0);
	assert_int_equal(fk.smbus.size, I2C_SMBUS_I2C_BLOCK_DATA);
	assert_int_equal(b[0], 0xa0);
	assert_int_equal(b[31], 0xbf);
	i2c_adapter_destroy(ad);
}

/* what SMBus cannot express fails without touching the bus */
static void
test_smbus_unsupported(void **state)
{
	struct i2c_adapter *ad = open_with(I2C_FUNC_SMBUS_BYTE_DATA);
	uint8_t b[40] = { 0 };
	struct i2c_xfer_msg m[3] = {
		{ 0x20, false, 1, b }, { 0x20, false, 1, b }, { 0x20, true, 1, b },
	};
	unsigned int done;

	(void)state;
	assert_int_equal(x1(ad, 0x20, true, 2, b), -EOPNOTSUPP);     /* read w/o command */
	assert_int_equal(x1(ad, 0x20, false, 0, NULL), -EOPNOTSUPP); /* no QUICK func */
	assert_int_equal(x1(ad, 0x20, false, 3, b), -EOPNOTSUPP);    /* no WORD func */
	assert_int_equal(x2(ad, 0x20, 0, 2, b), -EOPNOTSUPP);        /* no WORD func */
	assert_int_equal(i2c_adapter_xfer(ad, m, 3, &done), -EOPNOTSUPP);
	m[1].addr = 0x21;
	m[1].read = true;
	assert_int_equal(i2c_adapter_xfer(ad, m, 2, &done), -EOPNOTSUPP); /* two clients */
	assert_int_equal(fk.n_smbus, 0);
	i2c_adapter_destroy(ad);

	ad = open_with(SMBUS_ALL);
	assert_int_equal(x2(ad, 0x20, 0, 33, b), -EOPNOTSUPP);       /* beyond a block */
	assert_int_equal(x1(ad, 0x20, false, 34, b), -EOPNOTSUPP);
	fk.fail_errno = ENXIO;
	assert_int_equal(x2(ad, 0x20, 0, 1, b), -ENXIO);
	assert_int_equal(fk.n_smbus, 0);
	i2c_adapter_destroy(ad);
}

static void
test_open_errors(void **state)
{
	(void)state;
	fk.open_errno = ENOENT;
	assert_null(i2c_linux_open(&fake_sys, 3));
	fk.open_errno = 0;
	fk.funcs_errno = ENOTTY;
	assert_null(i2c_linux_open(&fake_sys, 3));
	assert_int_equal(fk.closes, 1);
	fk.funcs_errno = 0;
	fk.funcs = I2C_FUNC_10BIT_ADDR | I2C_FUNC_SMBUS_PEC;
	assert_null(i2c_linux_open(&fake_sys, 3));
	assert_int_equal(fk.closes, 2);
}

/* start-up claim: an address a kernel driver owns is refused */
static void
test_claim_busy(void **state)
{
	struct i2c_adapter *ad = open_with(I2C_FUNC_I2C);
	struct i2c_map map;
	uint16_t addrs[] = { 0x20, 0x21 };

	(void)state;
	fk.busy_addr = 0x21;
	i2c_map_init(&map);
	assert_int_equal(i2c_map_add(&map, ad, addrs, 2), -1);
	assert_int_equal(fk.closes, 1); /* the map disposed of it */
	assert_null(i2c_map_lookup(&map, 0x20));
	ad = open_with(I2C_FUNC_I2C);
	addrs[1] = 0x22;
	assert_int_equal(i2c_map_add(&map, ad, addrs, 2), 0);
	assert_ptr_equal(i2c_map_lookup(&map, 0x22), ad);
	i2c_map_fini(&map);
	assert_int_equal(fk.closes, 2);
}

static void
mkname(const char *entry, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysfs, entry);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/name", sysfs, entry);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(name, f);
	fclose(f);
}

static void
rmname(const char *entry)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/name", sysfs, entry);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", sysfs, entry);
	rmdir(path);
}

static void
test_find_by_name(void **state)
{
	unsigned int nr = 99;

	(void)state;
	snprintf(sysfs, sizeof(sysfs), "/tmp/i2c-sysfs-XXXXXX");
	assert_non_null(mkdtemp(sysfs));
	mkname("i2c-0", "SMBus I801 adapter at f040\n");
	mkname("i2c-3", "i915 gmbus dpd\n");
	mkname("3-0050", "i915 gmbus dpd\n"); /* a client, not an adapter */
	mkname("i2c-12x", "DPDDC-D\n");        /* not an adapter name pattern */
	assert_int_equal(i2c_linux_find(&fake_sys, "i915 gmbus dpd", &nr), 0);
	assert_int_equal(nr, 3);
	assert_int_equal(i2c_linux_find(&fake_sys, "SMBus I801 adapter at f040", &nr), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(i2c_linux_find(&fake_sys, "DPDDC-D", &nr), -1);
	assert_int_equal(i2c_linux_find(&fake_sys, "i915", &nr), -1);
	mkname("i2c-7", "  i915 gmbus dpd  \n");
	assert_int_equal(i2c_linux_find(&fake_sys, "i915 gmbus dpd", &nr), -1); /* ambiguous */
	rmname("i2c-0");
	rmname("i2c-3");
	rmname("3-0050");
	rmname("i2c-12x");
	rmname("i2c-7");
	assert_int_equal(rmdir(sysfs), 0);
	assert_int_equal(i2c_linux_find(&fake_sys, "x", &nr), -1); /* no sysfs */
}

/* the real system calls on a node that is not an i2c-dev: refused cleanly at I2C_FUNCS */
static void
test_real_sys_not_an_adapter(void **state)
{
	char dir[] = "/tmp/i2c-dev-XXXXXX", node[64];
	struct i2c_linux_sys sys = i2c_linux_sys_default;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(node, sizeof(node), "%s/i2c-5", dir);
	f = fopen(node, "w");
	assert_non_null(f);
	fclose(f);
	sys.dev_dir = dir;
	assert_null(i2c_linux_open(&sys, 5));
	assert_null(i2c_linux_open(&sys, 6)); /* no node at all */
	unlink(node);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rdwr_one_ioctl, reset),
		cmocka_unit_test_setup(test_rdwr_errors, reset),
		cmocka_unit_test_setup(test_smbus_writes, reset),
		cmocka_unit_test_setup(test_smbus_reads, reset),
		cmocka_unit_test_setup(test_smbus_unsupported, reset),
		cmocka_unit_test_setup(test_open_errors, reset),
		cmocka_unit_test_setup(test_claim_busy, reset),
		cmocka_unit_test_setup(test_find_by_name, reset),
		cmocka_unit_test_setup(test_real_sys_not_an_adapter, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
