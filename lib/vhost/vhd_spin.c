/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>

#include "vhd_spin.h"

void
vhd_spin_init(struct vhd_spin *s, uint64_t hz, uint64_t cap_ns)
{
	memset(s, 0, sizeof(*s));
	s->cap = hz / 1000000 * cap_ns / 1000;
	s->seed = hz / 1000000 * VHD_SPIN_SEED_NS / 1000;
	s->min = hz / 1000000 * VHD_SPIN_MIN_NS / 1000;
	s->short_gap = hz / 1000000 * VHD_SPIN_SHORT_NS / 1000;
	if (s->seed > s->cap)
		s->seed = s->cap;
}

void
vhd_spin_work(struct vhd_spin *s, uint64_t now)
{
	uint64_t gap = now - s->last_work;

	if (s->have_work && s->idle && s->cap != 0) {
		if (!s->slept) {
			/* caught while spinning: size the window from the real gap */
			s->caught++;
			s->avg_gap = s->avg_gap == 0 ? gap : (3 * s->avg_gap + gap) / 4;
			s->window = 2 * s->avg_gap;
			if (s->window < s->min)
				s->window = s->min;
		} else if (gap <= s->short_gap) {
			/* came soon after we slept: a longer window would have caught it */
			s->missed++;
			s->window = s->window < s->seed ? s->seed : 2 * s->window;
		} else {
			/* a long idle stretch: spin less, down to not at all */
			s->long_gaps++;
			s->window /= 2;
			s->avg_gap = 0;
			if (s->window < s->min)
				s->window = 0;
		}
		if (s->window > s->cap)
			s->window = s->cap;
	}
	s->last_work = now;
	s->have_work = true;
	s->idle = false;
	s->slept = false;
}
