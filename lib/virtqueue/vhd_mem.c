/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include "vhd_vq.h"

void *
vhd_mem_translate(const struct vhd_mem *mem, uint64_t gpa, uint64_t len)
{
	uint32_t i;

	if (mem == NULL || gpa + len < gpa)
		return NULL;
	for (i = 0; i < mem->nregions && i < VHD_MEM_MAX_REGIONS; i++) {
		const struct vhd_mem_region *r = &mem->regions[i];

		/* Written so that no sum can overflow: gpa >= r->gpa first. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int
vhd_mem_to_gpa(const struct vhd_mem *mem, const void *hva, uint64_t *gpa)
{
	const uint8_t *p = hva;
	uint32_t i;

	for (i = 0; mem != NULL && i < mem->nregions && i < VHD_MEM_MAX_REGIONS; i++) {
		const struct vhd_mem_region *r = &mem->regions[i];

		if (p >= r->hva && (uint64_t)(p - r->hva) < r->size) {
			*gpa = r->gpa + (uint64_t)(p - r->hva);
			return 0;
		}
	}
	return -1;
}
