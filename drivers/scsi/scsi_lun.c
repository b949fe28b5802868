/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "scsi_lun.h"

/* Largest RAM image: it is process memory. */
#define RAM_MAX (16ULL << 30)

static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': mul = 1ULL << 10; end++; break;
	case 'M': case 'm': mul = 1ULL << 20; end++; break;
	case 'G': case 'g': mul = 1ULL << 30; end++; break;
	default: break;
	}
	if (*end != '\0' || v == 0 || v > RAM_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
scsi_lun_parse(const char *arg, struct scsi_lun_spec *s, char *err, size_t errlen)
{
	char buf[sizeof(s->path) + 64];
	char *opt, *save = NULL;

	if (strlen(arg) >= sizeof(buf) - 1) {
		snprintf(err, errlen, "image argument too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	opt = strchr(buf, ',');
	if (opt != NULL)
		*opt++ = '\0';
	if (buf[0] == '\0') {
		snprintf(err, errlen, "empty image path in '%s'", arg);
		return -1;
	}
	if (strlen(buf) >= sizeof(s->path)) {
		snprintf(err, errlen, "image path too long");
		return -1;
	}
	snprintf(s->path, sizeof(s->path), "%s", buf);
	for (opt = opt != NULL ? strtok_r(opt, ",", &save) : NULL; opt != NULL;
	     opt = strtok_r(NULL, ",", &save)) {
		if (strcmp(opt, "read-only") == 0 || strcmp(opt, "ro") == 0) {
			s->read_only = true;
		} else if (strcmp(opt, "block-size=512") == 0) {
			s->block_size = 512;
		} else if (strcmp(opt, "block-size=4096") == 0) {
			s->block_size = 4096;
		} else {
			snprintf(err, errlen, "image '%s': unknown option '%s' "
				 "(block-size=512|4096, read-only)", s->path, opt);
			return -1;
		}
	}
	return 0;
}

/* FNV-1a: a stable id from the image's real path, the same after a restart. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
scsi_lun_set_identity(struct scsi_lun *l, const char *key)
{
	/* NAA 3 (locally assigned): 4 bits of NAA, 60 of our hash */
	l->naa = (3ULL << 60) | (fnv1a(key) & ((1ULL << 60) - 1));
	snprintf(l->serial, sizeof(l->serial), "%016llx", (unsigned long long)l->naa);
}

static struct scsi_lun *
open_ram(struct scsi_lun *l, char *err, size_t errlen)
{
	uint64_t size;

	if (parse_size(l->spec.path + 4, &size) != 0) {
		snprintf(err, errlen, "image '%s': ram:SIZE takes 1..16G (K, M, G suffixes)",
			 l->spec.path);
		goto fail;
	}
	if (size % l->bs != 0) {
		snprintf(err, errlen, "image '%s': %llu bytes is not a multiple of the block "
			 "size %u", l->spec.path, (unsigned long long)size, l->bs);
		goto fail;
	}
	l->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (l->ram == MAP_FAILED) {
		l->ram = NULL;
		snprintf(err, errlen, "image '%s': %s", l->spec.path, strerror(errno));
		goto fail;
	}
	l->bytes = size;
	l->nblocks = size / l->bs;
	return l;
fail:
	free(l);
	return NULL;
}

struct scsi_lun *
scsi_lun_open(const struct scsi_lun_spec *s, char *err, size_t errlen)
{
	struct scsi_lun *l = calloc(1, sizeof(*l));
	char real[PATH_MAX];
	struct stat st;
	int flags;

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->spec = *s;
	l->fd = -1;
	l->fd_buffered = -1;
	l->bs = s->block_size != 0 ? s->block_size : 512;
	if (l->bs != 512 && l->bs != 4096) {
		snprintf(err, errlen, "image '%s': block size %u (512 or 4096)", s->path, l->bs);
		free(l);
		return NULL;
	}
	if (strncmp(s->path, "ram:", 4) == 0) {
		scsi_lun_set_identity(l, s->path);
		return open_ram(l, err, errlen);
	}
	flags = (s->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	l->fd = open(s->path, flags | (s->direct ? O_DIRECT : 0));
	if (l->fd < 0) {
		snprintf(err, errlen, "image '%s': %s", s->path, strerror(errno));
		goto fail;
	}
	if (fstat(l->fd, &st) != 0) {
		snprintf(err, errlen, "image '%s': %s", s->path, strerror(errno));
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		l->blkdev = true;
		if (ioctl(l->fd, BLKGETSIZE64, &l->bytes) != 0) {
			snprintf(err, errlen, "image '%s': BLKGETSIZE64: %s", s->path,
				 strerror(errno));
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		l->bytes = (uint64_t)st.st_size;
	} else {
		snprintf(err, errlen, "image '%s': not a regular file or block device", s->path);
		goto fail;
	}
	if (l->bytes == 0 || l->bytes % l->bs != 0) {
		snprintf(err, errlen, "image '%s': size %llu is not a non-zero multiple of the "
			 "block size %u", s->path, (unsigned long long)l->bytes, l->bs);
		goto fail;
	}
	if (s->direct) {
		l->fd_buffered = open(s->path, flags);
		if (l->fd_buffered < 0) {
			snprintf(err, errlen, "image '%s': %s", s->path, strerror(errno));
			goto fail;
		}
	}
	l->nblocks = l->bytes / l->bs;
	scsi_lun_set_identity(l, realpath(s->path, real) != NULL ? real : s->path);
	return l;
fail:
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return NULL;
}

void
scsi_lun_close(struct scsi_lun *l)
{
	if (l == NULL)
		return;
	if (l->ram != NULL)
		munmap(l->ram, l->bytes);
	if (l->fd >= 0)
		close(l->fd);
	if (l->fd_buffered >= 0)
		close(l->fd_buffered);
	free(l);
}
