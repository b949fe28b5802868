/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "i2c_adapter.h"

void
i2c_adapter_init(struct i2c_adapter *ad, const struct i2c_adapter_ops *ops, const char *name,
		 void *priv)
{
	ad->ops = ops;
	snprintf(ad->name, sizeof(ad->name), "%s", name);
	pthread_mutex_init(&ad->lock, NULL);
	ad->priv = priv;
}

int
i2c_adapter_xfer(struct i2c_adapter *ad, struct i2c_xfer_msg *msgs, unsigned int n,
		 unsigned int *done)
{
	int rc;

	*done = 0;
	if (n == 0)
		return 0;
	if (n > I2C_XFER_MAX_MSGS)
		return -EINVAL;
	pthread_mutex_lock(&ad->lock);
	rc = ad->ops->xfer(ad, msgs, n, done);
	pthread_mutex_unlock(&ad->lock);
	if (rc == 0)
		*done = n;
	else if (*done >= n)
		*done = n - 1; /* a failed transaction has at least one failed message */
	return rc;
}

void
i2c_adapter_destroy(struct i2c_adapter *ad)
{
	if (ad == NULL)
		return;
	pthread_mutex_destroy(&ad->lock);
	/* the backend frees its own allocation, which may embed @p ad */
	ad->ops->destroy(ad);
}

void
i2c_map_init(struct i2c_map *map)
{
	memset(map, 0, sizeof(*map));
}

int
i2c_map_add(struct i2c_map *map, struct i2c_adapter *ad, const uint16_t *addrs,
	    unsigned int n_addrs)
{
	unsigned int i, j;

	if (map->n_adapters == I2C_MAP_MAX_ADAPTERS) {
		fprintf(stderr, "error: more than %d adapters\n", I2C_MAP_MAX_ADAPTERS);
		i2c_adapter_destroy(ad);
		return -1;
	}
	for (i = 0; i < n_addrs; i++) {
		if (addrs[i] > I2C_ADDR_MAX) {
			fprintf(stderr, "error: %s: address %u out of range (0..%u)\n", ad->name,
				addrs[i], I2C_ADDR_MAX);
			goto fail;
		}
		if (map->owner[addrs[i]] != 0) {
			fprintf(stderr, "error: %s: address %u already used by %s\n", ad->name,
				addrs[i], map->adapters[map->owner[addrs[i]] - 1]->name);
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (addrs[j] == addrs[i]) {
				fprintf(stderr, "error: %s: address %u listed twice\n", ad->name,
					addrs[i]);
				goto fail;
			}
		}
		if (ad->ops->claim != NULL && ad->ops->claim(ad, addrs[i]) != 0)
			goto fail;
	}
	map->adapters[map->n_adapters++] = ad;
	for (i = 0; i < n_addrs; i++)
		map->owner[addrs[i]] = (uint8_t)map->n_adapters;
	return 0;
fail:
	i2c_adapter_destroy(ad);
	return -1;
}

void
i2c_map_fini(struct i2c_map *map)
{
	unsigned int i;

	for (i = 0; i < map->n_adapters; i++)
		i2c_adapter_destroy(map->adapters[i]);
	i2c_map_init(map);
}
