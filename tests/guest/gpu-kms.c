/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * gpu-kms PATTERN SECONDS: the guest side's display client (static, no
 * libdrm: the guest has none). Opens /dev/dri/card*, takes the first
 * connected connector and its preferred mode, fills a dumb buffer with
 * PATTERN (0 or 1, see fill()), shows it with SETCRTC, prints
 * "VHD-GPU-DRAWN<PATTERN> <w>x<h>" and keeps the display SECONDS seconds
 * (fbcon takes it back when we close). The host compares QEMU's screendump
 * with the same pattern. The ioctl structs are the kernel's uapi ABI
 * (include/uapi/drm/drm_mode.h), restated: Debian's libc headers have none.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct mode_info {
	uint32_t clock;
	uint16_t hdisplay, hsync_start, hsync_end, htotal, hskew;
	uint16_t vdisplay, vsync_start, vsync_end, vtotal, vscan;
	uint32_t vrefresh, flags, type;
	char name[32];
};

struct card_res {
	uint64_t fb_id_ptr, crtc_id_ptr, connector_id_ptr, encoder_id_ptr;
	uint32_t count_fbs, count_crtcs, count_connectors, count_encoders;
	uint32_t min_width, max_width, min_height, max_height;
};

struct get_connector {
	uint64_t encoders_ptr, modes_ptr, props_ptr, prop_values_ptr;
	uint32_t count_modes, count_props, count_encoders;
	uint32_t encoder_id, connector_id, connector_type, connector_type_id;
	uint32_t connection, mm_width, mm_height, subpixel, pad;
};

struct create_dumb {
	uint32_t height, width, bpp, flags, handle, pitch;
	uint64_t size;
};

struct map_dumb {
	uint32_t handle, pad;
	uint64_t offset;
};

struct fb_cmd {
	uint32_t fb_id, width, height, pitch, bpp, depth, handle;
};

struct set_crtc {
	uint64_t set_connectors_ptr;
	uint32_t count_connectors, crtc_id, fb_id, x, y, gamma_size, mode_valid;
	struct mode_info mode;
};

struct fb_dirty {
	uint32_t fb_id, flags, color, num_clips;
	uint64_t clips_ptr;
};

#define IOWR(nr, t) _IOWR('d', nr, t)
#define GETRESOURCES IOWR(0xA0, struct card_res)
#define SETCRTC IOWR(0xA2, struct set_crtc)
#define GETCONNECTOR IOWR(0xA7, struct get_connector)
#define ADDFB IOWR(0xAE, struct fb_cmd)
#define DIRTYFB IOWR(0xB1, struct fb_dirty)
#define CREATE_DUMB IOWR(0xB2, struct create_dumb)
#define MAP_DUMB IOWR(0xB3, struct map_dumb)
#define SET_MASTER _IO('d', 0x1e)

/* Eight regions: four horizontal bands, the right half in the complement
 * colours; pattern 1 swaps the halves. Must match gpu.sh's check.
 */
static uint32_t
colour(unsigned int pattern, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	static const uint32_t band[4] = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff};
	uint32_t c = band[(uint64_t)y * 4 / h];
	int right = x >= w / 2;

	if (right != (pattern == 1))
		c = ~c & 0xffffff;
	return c;
}

static int
open_card(void)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;
	char path[300];
	int fd = -1;

	while (d != NULL && (e = readdir(d)) != NULL && fd < 0)
		if (strncmp(e->d_name, "card", 4) == 0) {
			snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
		}
	if (d != NULL)
		closedir(d);
	return fd;
}

int
main(int argc, char **argv)
{
	uint32_t conns[16], crtcs[16], x, y;
	struct card_res res;
	struct get_connector gc;
	struct mode_info modes[64];
	struct create_dumb cd;
	struct map_dumb md;
	struct fb_cmd fb;
	struct set_crtc sc;
	struct fb_dirty dirty;
	unsigned int pattern, i, secs;
	uint8_t *map;
	int fd;

	if (argc != 3)
		return 2;
	pattern = (unsigned int)atoi(argv[1]);
	secs = (unsigned int)atoi(argv[2]);
	fd = open_card();
	if (fd < 0) {
		perror("gpu-kms: /dev/dri/card*");
		return 1;
	}
	ioctl(fd, SET_MASTER, 0);
	memset(&res, 0, sizeof(res));
	if (ioctl(fd, GETRESOURCES, &res) != 0 || res.count_connectors == 0 ||
	    res.count_crtcs == 0) {
		perror("gpu-kms: GETRESOURCES");
		return 1;
	}
	if (res.count_connectors > 16)
		res.count_connectors = 16;
	if (res.count_crtcs > 16)
		res.count_crtcs = 16;
	res.count_fbs = res.count_encoders = 0;
	res.connector_id_ptr = (uintptr_t)conns;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	if (ioctl(fd, GETRESOURCES, &res) != 0) {
		perror("gpu-kms: GETRESOURCES");
		return 1;
	}
	for (i = 0; i < res.count_connectors; i++) {
		memset(&gc, 0, sizeof(gc));
		gc.connector_id = conns[i];
		if (ioctl(fd, GETCONNECTOR, &gc) != 0)
			continue;
		if (gc.connection != 1 || gc.count_modes == 0)
			continue;
		if (gc.count_modes > 64)
			gc.count_modes = 64;
		gc.count_props = gc.count_encoders = 0;
		gc.modes_ptr = (uintptr_t)modes;
		if (ioctl(fd, GETCONNECTOR, &gc) == 0)
			break;
	}
	if (i == res.count_connectors) {
		fprintf(stderr, "gpu-kms: no connected connector with modes\n");
		return 1;
	}
	memset(&cd, 0, sizeof(cd));
	cd.width = modes[0].hdisplay;
	cd.height = modes[0].vdisplay;
	cd.bpp = 32;
	memset(&md, 0, sizeof(md));
	if (ioctl(fd, CREATE_DUMB, &cd) != 0) {
		perror("gpu-kms: CREATE_DUMB");
		return 1;
	}
	md.handle = cd.handle;
	if (ioctl(fd, MAP_DUMB, &md) != 0) {
		perror("gpu-kms: MAP_DUMB");
		return 1;
	}
	map = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)md.offset);
	if (map == MAP_FAILED) {
		perror("gpu-kms: mmap");
		return 1;
	}
	for (y = 0; y < cd.height; y++)
		for (x = 0; x < cd.width; x++) {
			uint32_t c = colour(pattern, x, y, cd.width, cd.height);

			memcpy(map + (size_t)y * cd.pitch + x * 4u, &c, 4); /* XRGB8888 */
		}
	memset(&fb, 0, sizeof(fb));
	fb.width = cd.width;
	fb.height = cd.height;
	fb.pitch = cd.pitch;
	fb.bpp = 32;
	fb.depth = 24;
	fb.handle = cd.handle;
	if (ioctl(fd, ADDFB, &fb) != 0) {
		perror("gpu-kms: ADDFB");
		return 1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.set_connectors_ptr = (uintptr_t)&gc.connector_id;
	sc.count_connectors = 1;
	sc.crtc_id = crtcs[0];
	sc.fb_id = fb.fb_id;
	sc.mode_valid = 1;
	sc.mode = modes[0];
	if (ioctl(fd, SETCRTC, &sc) != 0) {
		perror("gpu-kms: SETCRTC");
		return 1;
	}
	memset(&dirty, 0, sizeof(dirty));
	dirty.fb_id = fb.fb_id;
	ioctl(fd, DIRTYFB, &dirty); /* the whole frame, once more */
	printf("VHD-GPU-DRAWN%u %ux%u\n", pattern, cd.width, cd.height);
	fflush(stdout);
	sleep(secs);
	close(fd);
	return 0;
}
