/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Host adapters through Linux's i2c-dev (/dev/i2c-N).
 *
 * At open the adapter's functionality (I2C_FUNCS) decides how transactions
 * run: with I2C_FUNC_I2C, a whole transaction is one I2C_RDWR ioctl; an
 * SMBus-only adapter gets the transactions that match one SMBus command
 * (quick, byte, byte data, word data, I2C block) through I2C_SMBUS, the
 * reverse of the kernel's SMBus-over-I2C emulation; other transactions fail
 * with -EOPNOTSUPP.
 *
 * Every system call goes through struct i2c_linux_sys so that unit tests can
 * put a fake adapter behind it.
 */

#ifndef I2C_LINUX_H
#define I2C_LINUX_H

#include "i2c_adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

/** System calls and paths the backend uses. */
struct i2c_linux_sys {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	/** ioctl(); returns -1 with errno set on failure, like the real one. */
	int (*ioctl)(int fd, unsigned long req, unsigned long arg);
	const char *dev_dir;   /**< holds i2c-N nodes: "/dev" */
	const char *sysfs_dir; /**< holds i2c-N/name: "/sys/bus/i2c/devices" */
};

/** The real system. */
extern const struct i2c_linux_sys i2c_linux_sys_default;

/**
 * Find the bus number of the adapter called @p name (as in
 * sysfs_dir/i2c-N/name, surrounding blanks ignored).
 * @return 0 with @p nr set, or -1 with one error line printed (no such
 * adapter, or several have that name).
 */
int i2c_linux_find(const struct i2c_linux_sys *sys, const char *name, unsigned int *nr);

/**
 * Open dev_dir/i2c-@p nr and read its functionality.
 * @p sys must outlive the adapter.
 * @return the adapter, or NULL with one error line printed.
 */
struct i2c_adapter *i2c_linux_open(const struct i2c_linux_sys *sys, unsigned int nr);

/** I2C_FUNCS of a Linux adapter, 0 for other adapters. */
unsigned long i2c_linux_funcs(const struct i2c_adapter *ad);

#ifdef __cplusplus
}
#endif

#endif /* I2C_LINUX_H */
