/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i2c_config.h"
#include "i2c_sim.h"

/* Largest host adapter number we accept (i2c-dev minors are far below). */
#define I2C_CFG_MAX_NR 1048575u

void
i2c_cfg_init(struct i2c_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void
i2c_cfg_fini(struct i2c_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_clients; i++)
		free(cfg->clients[i].file);
	i2c_cfg_init(cfg);
}

/* Trims blanks in place; returns the first non-blank. */
static char *
i2c_cfg_trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Unsigned decimal (upstream's format) or 0x-prefixed hexadecimal, nothing else. */
static int
i2c_cfg_number(const char *s, unsigned long max, unsigned long *out)
{
	int base = 10;
	const char *p = s;
	char *end;
	unsigned long v;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return -1;
	errno = 0;
	v = strtoul(p, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static bool
i2c_cfg_all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static const char *
i2c_cfg_bus_desc(const struct i2c_cfg_bus *b, char *buf, size_t len)
{
	if (b->kind == I2C_CFG_NUMBER)
		snprintf(buf, len, "%u", b->nr);
	else if (b->kind == I2C_CFG_SIM)
		snprintf(buf, len, "sim%u", b->nr);
	else
		snprintf(buf, len, "%s", b->name);
	return buf;
}

static bool
i2c_cfg_same_bus(const struct i2c_cfg_bus *a, const struct i2c_cfg_bus *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == I2C_CFG_NAME)
		return strcmp(a->name, b->name) == 0;
	return a->nr == b->nr;
}

/* Index of the bus listing @p addr, or -1. */
static int
i2c_cfg_addr_bus(const struct i2c_cfg *cfg, unsigned int addr)
{
	unsigned int i, j;

	for (i = 0; i < cfg->n_buses; i++)
		for (j = 0; j < cfg->buses[i].n_addrs; j++)
			if (cfg->buses[i].addrs[j] == addr)
				return (int)i;
	return -1;
}

static int
i2c_cfg_parse_bus(struct i2c_cfg *cfg, char *entry)
{
	struct i2c_cfg_bus *b = &cfg->buses[cfg->n_buses];
	char *rest = entry, *tok, *id;
	char desc[160];
	unsigned long v;
	unsigned int i;

	memset(b, 0, sizeof(*b));
	/* strsep keeps empty fields, so "1::4" and ":4" are caught */
	id = i2c_cfg_trim(strsep(&rest, ":"));
	if (*id == '\0') {
		fprintf(stderr, "error: --device-list: entry without an adapter\n");
		return -1;
	}
	if (i2c_cfg_all_digits(id)) {
		if (i2c_cfg_number(id, I2C_CFG_MAX_NR, &v) != 0) {
			fprintf(stderr, "error: --device-list: bad adapter number '%s'\n", id);
			return -1;
		}
		b->kind = I2C_CFG_NUMBER;
		b->nr = (unsigned int)v;
	} else if (strncmp(id, "sim", 3) == 0 && i2c_cfg_all_digits(id + 3)) {
		if (i2c_cfg_number(id + 3, I2C_CFG_MAX_NR, &v) != 0) {
			fprintf(stderr, "error: --device-list: bad simulated bus '%s'\n", id);
			return -1;
		}
		b->kind = I2C_CFG_SIM;
		b->nr = (unsigned int)v;
	} else {
		if (strlen(id) >= sizeof(b->name)) {
			fprintf(stderr, "error: --device-list: adapter name too long '%s'\n", id);
			return -1;
		}
		b->kind = I2C_CFG_NAME;
		strcpy(b->name, id);
	}
	i2c_cfg_bus_desc(b, desc, sizeof(desc));
	for (i = 0; i < cfg->n_buses; i++) {
		if (i2c_cfg_same_bus(&cfg->buses[i], b)) {
			fprintf(stderr, "error: --device-list: adapter %s listed twice\n", desc);
			return -1;
		}
	}
	while ((tok = strsep(&rest, ":")) != NULL) {
		int other;

		tok = i2c_cfg_trim(tok);
		if (i2c_cfg_number(tok, I2C_ADDR_MAX, &v) != 0) {
			fprintf(stderr, "error: --device-list: adapter %s: bad address '%s' "
				"(decimal or 0x hex, 0..%u)\n", desc, tok, I2C_ADDR_MAX);
			return -1;
		}
		other = i2c_cfg_addr_bus(cfg, (unsigned int)v);
		for (i = 0; i < b->n_addrs && other < 0; i++)
			if (b->addrs[i] == v)
				other = (int)cfg->n_buses;
		if (other >= 0) {
			fprintf(stderr, "error: --device-list: address %lu listed twice (the guest "
				"sees one bus)\n", v);
			return -1;
		}
		b->addrs[b->n_addrs++] = (uint16_t)v;
	}
	if (b->n_addrs == 0) {
		fprintf(stderr, "error: --device-list: adapter %s lists no address\n", desc);
		return -1;
	}
	cfg->n_buses++;
	return 0;
}

int
i2c_cfg_parse_list(struct i2c_cfg *cfg, const char *list)
{
	char *copy = strdup(list), *rest, *entry;
	int rc = 0;

	if (copy == NULL)
		return -1;
	cfg->n_buses = 0;
	rest = i2c_cfg_trim(copy);
	if (*rest == '\0') {
		fprintf(stderr, "error: --device-list is empty\n");
		free(copy);
		return -1;
	}
	while (rc == 0 && (entry = strsep(&rest, ",")) != NULL) {
		if (*i2c_cfg_trim(entry) == '\0') {
			fprintf(stderr, "error: --device-list: empty entry\n");
			rc = -1;
		} else if (cfg->n_buses == I2C_MAP_MAX_ADAPTERS) {
			fprintf(stderr, "error: --device-list: more than %d adapters\n",
				I2C_MAP_MAX_ADAPTERS);
			rc = -1;
		} else {
			rc = i2c_cfg_parse_bus(cfg, entry);
		}
	}
	if (rc != 0)
		cfg->n_buses = 0;
	free(copy);
	return rc;
}

int
i2c_cfg_parse_sim_client(struct i2c_cfg *cfg, const char *arg)
{
	struct i2c_cfg_client *c;
	char *copy, *eq, *colon, *type;
	unsigned long v;
	unsigned int i;

	if (cfg->n_clients > I2C_ADDR_MAX) {
		fprintf(stderr, "error: --sim-client: too many clients\n");
		return -1;
	}
	copy = strdup(arg);
	if (copy == NULL)
		return -1;
	eq = strchr(copy, '=');
	if (eq == NULL) {
		fprintf(stderr, "error: --sim-client '%s': expected ADDR=TYPE[:FILE]\n", arg);
		goto fail;
	}
	*eq = '\0';
	if (i2c_cfg_number(i2c_cfg_trim(copy), I2C_ADDR_MAX, &v) != 0) {
		fprintf(stderr, "error: --sim-client '%s': bad address "
			"(decimal or 0x hex, 0..%u)\n", arg, I2C_ADDR_MAX);
		goto fail;
	}
	for (i = 0; i < cfg->n_clients; i++) {
		if (cfg->clients[i].addr == v) {
			fprintf(stderr, "error: --sim-client: two clients at address %lu\n", v);
			goto fail;
		}
	}
	type = eq + 1;
	colon = strchr(type, ':');
	if (colon != NULL)
		*colon = '\0';
	if (strcmp(type, "24c02") != 0 && strcmp(type, "regs") != 0) {
		fprintf(stderr, "error: --sim-client '%s': unknown type '%s' (24c02, regs)\n", arg,
			type);
		goto fail;
	}
	if (colon != NULL && (strcmp(type, "24c02") != 0 || colon[1] == '\0')) {
		fprintf(stderr, "error: --sim-client '%s': %s\n", arg,
			colon[1] == '\0' ? "empty file name" : "only 24c02 takes a file");
		goto fail;
	}
	c = &cfg->clients[cfg->n_clients];
	memset(c, 0, sizeof(*c));
	c->addr = (uint16_t)v;
	snprintf(c->type, sizeof(c->type), "%s", type);
	if (colon != NULL) {
		c->file = strdup(colon + 1);
		if (c->file == NULL)
			goto fail;
	}
	cfg->n_clients++;
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

static struct i2c_adapter *
i2c_cfg_open_bus(const struct i2c_cfg *cfg, const struct i2c_cfg_bus *b,
		 const struct i2c_linux_sys *sys)
{
	struct i2c_adapter *ad;
	unsigned int i, nr = b->nr;
	char name[32];

	if (b->kind == I2C_CFG_NAME) {
		if (i2c_linux_find(sys, b->name, &nr) != 0)
			return NULL;
	}
	if (b->kind != I2C_CFG_SIM)
		return i2c_linux_open(sys, nr);
	snprintf(name, sizeof(name), "sim%u", b->nr);
	ad = i2c_sim_create(name);
	if (ad == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return NULL;
	}
	for (i = 0; i < cfg->n_clients; i++) {
		const struct i2c_cfg_client *c = &cfg->clients[i];

		if (&cfg->buses[i2c_cfg_addr_bus(cfg, c->addr)] != b)
			continue;
		if (i2c_sim_add_client(ad, c->addr, c->type, c->file) != 0) {
			i2c_adapter_destroy(ad);
			return NULL;
		}
	}
	return ad;
}

int
i2c_cfg_build(const struct i2c_cfg *cfg, const struct i2c_linux_sys *sys, struct i2c_map *map)
{
	unsigned int i;

	i2c_map_init(map);
	if (cfg->n_buses == 0) {
		fprintf(stderr, "error: no adapter given (--device-list)\n");
		return -1;
	}
	/* check the simulated clients first so that nothing is opened for nothing */
	for (i = 0; i < cfg->n_clients; i++) {
		int b = i2c_cfg_addr_bus(cfg, cfg->clients[i].addr);

		if (b < 0 || cfg->buses[b].kind != I2C_CFG_SIM) {
			fprintf(stderr, "error: --sim-client at address %u: not listed on a "
				"simN bus in --device-list\n", cfg->clients[i].addr);
			return -1;
		}
	}
	for (i = 0; i < cfg->n_buses; i++) {
		const struct i2c_cfg_bus *b = &cfg->buses[i];
		struct i2c_adapter *ad = i2c_cfg_open_bus(cfg, b, sys);

		if (ad == NULL || i2c_map_add(map, ad, b->addrs, b->n_addrs) != 0) {
			i2c_map_fini(map);
			return -1;
		}
	}
	return 0;
}
