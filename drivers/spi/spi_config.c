/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spi_config.h"

static int
parse_entry(struct spi_cfg_cs *cs, const char *s, size_t len)
{
	const char *colon;
	size_t tlen;

	if (len == 0) {
		fprintf(stderr, "error: --device: empty entry\n");
		return -1;
	}
	if (len >= 4 && strncmp(s, "sim:", 4) == 0) {
		cs->sim = true;
		s += 4;
		len -= 4;
		colon = memchr(s, ':', len);
		tlen = colon != NULL ? (size_t)(colon - s) : len;
		if (tlen == 0 || tlen >= sizeof(cs->sim_type)) {
			fprintf(stderr, "error: --device: bad simulated device 'sim:%.*s'\n",
				(int)len, s);
			return -1;
		}
		memcpy(cs->sim_type, s, tlen);
		cs->sim_type[tlen] = '\0';
		if (strcmp(cs->sim_type, "flash") != 0 && strcmp(cs->sim_type, "loopback") != 0 &&
		    strcmp(cs->sim_type, "regs") != 0) {
			fprintf(stderr, "error: --device: unknown simulated device 'sim:%s' "
				"(flash, loopback, regs)\n", cs->sim_type);
			return -1;
		}
		if (colon == NULL)
			return 0;
		s = colon + 1;
		len -= tlen + 1;
		if (strcmp(cs->sim_type, "flash") != 0 || len == 0) {
			fprintf(stderr, "error: --device: only sim:flash takes an image file, "
				"as sim:flash:FILE\n");
			return -1;
		}
	}
	if (len >= sizeof(cs->path)) {
		fprintf(stderr, "error: --device: path too long\n");
		return -1;
	}
	memcpy(cs->path, s, len);
	cs->path[len] = '\0';
	return 0;
}

int
spi_cfg_parse(struct spi_cfg *cfg, const char *list)
{
	const char *s = list, *comma;
	unsigned int i, j;

	memset(cfg, 0, sizeof(*cfg));
	for (;;) {
		size_t len;

		comma = strchr(s, ',');
		len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (cfg->n == SPI_MAX_CS) {
			fprintf(stderr, "error: --device: at most %d chip selects\n", SPI_MAX_CS);
			return -1;
		}
		if (parse_entry(&cfg->cs[cfg->n], s, len) != 0)
			return -1;
		cfg->n++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	/* one device cannot be two chip selects (nor one image two flashes) */
	for (i = 0; i < cfg->n; i++)
		for (j = i + 1; j < cfg->n; j++)
			if (cfg->cs[i].path[0] != '\0' &&
			    strcmp(cfg->cs[i].path, cfg->cs[j].path) == 0) {
				fprintf(stderr, "error: --device: %s listed twice\n",
					cfg->cs[i].path);
				return -1;
			}
	return 0;
}

int
spi_cfg_prepare(struct spi_cfg *cfg, const struct spi_linux_sys *sys)
{
	unsigned int i;

	cfg->sys = sys;
	for (i = 0; i < cfg->n; i++) {
		struct spi_cfg_cs *cs = &cfg->cs[i];
		int rc;

		if (cs->sim) {
			cs->dev = spi_sim_create(cs->sim_type, cs->path[0] != '\0' ? cs->path : NULL);
			rc = cs->dev != NULL ? 0 : -1;
		} else {
			rc = spi_linux_probe(sys, cs->path, &cs->caps);
		}
		if (rc != 0) {
			spi_cfg_fini(cfg);
			return -1;
		}
	}
	return 0;
}

int
spi_cfg_targets(const struct spi_cfg *cfg, struct spi_target **out)
{
	unsigned int i;

	for (i = 0; i < cfg->n; i++) {
		const struct spi_cfg_cs *cs = &cfg->cs[i];

		out[i] = cs->sim ? spi_sim_target(cs->dev) :
				   spi_linux_open(cfg->sys, cs->path, &cs->caps);
		if (out[i] == NULL) {
			if (cs->sim)
				fprintf(stderr, "error: out of memory\n");
			while (i-- > 0)
				spi_target_destroy(out[i]);
			return -1;
		}
	}
	return 0;
}

void
spi_cfg_fini(struct spi_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n; i++) {
		spi_sim_destroy(cfg->cs[i].dev);
		cfg->cs[i].dev = NULL;
	}
}
