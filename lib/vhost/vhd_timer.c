/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A binary min-heap of a device's armed timers. The timer's slot is its
 * heap index plus one, so arm, move and cancel are O(log n) without a
 * search, and 0 means "not armed" for a zero-initialised timer.
 */

#include <errno.h>
#include <stdlib.h>

#include "vhd_services.h"

static void
put(struct vhd_timer_heap *h, uint32_t i, struct vhd_timer *t)
{
	h->t[i] = t;
	t->slot = (int32_t)(i + 1);
}

static void
sift_up(struct vhd_timer_heap *h, uint32_t i)
{
	struct vhd_timer *t = h->t[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (h->t[p]->deadline_ns <= t->deadline_ns)
			break;
		put(h, i, h->t[p]);
		i = p;
	}
	put(h, i, t);
}

static void
sift_down(struct vhd_timer_heap *h, uint32_t i)
{
	struct vhd_timer *t = h->t[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->t[c + 1]->deadline_ns < h->t[c]->deadline_ns)
			c++;
		if (t->deadline_ns <= h->t[c]->deadline_ns)
			break;
		put(h, i, h->t[c]);
		i = c;
	}
	put(h, i, t);
}

/* Is @p t armed in this heap (and not in another device's)? */
static bool
owns(const struct vhd_timer_heap *h, const struct vhd_timer *t)
{
	return t->slot > 0 && (uint32_t)t->slot <= h->n && h->t[t->slot - 1] == t;
}

int
vhd_theap_arm(struct vhd_timer_heap *h, struct vhd_timer *t, uint64_t deadline_ns)
{
	if (owns(h, t)) {
		uint32_t i = (uint32_t)t->slot - 1;

		t->deadline_ns = deadline_ns;
		sift_up(h, i);
		sift_down(h, (uint32_t)t->slot - 1);
		return 0;
	}
	if (h->n == h->cap) {
		uint32_t cap = h->cap != 0 ? h->cap * 2 : 16;
		struct vhd_timer **nt = realloc(h->t, cap * sizeof(*nt));

		if (nt == NULL)
			return -ENOMEM;
		h->t = nt;
		h->cap = cap;
	}
	t->deadline_ns = deadline_ns;
	h->t[h->n] = t;
	sift_up(h, h->n++);
	return 0;
}

void
vhd_theap_cancel(struct vhd_timer_heap *h, struct vhd_timer *t)
{
	uint32_t i;

	if (!owns(h, t))
		return;
	i = (uint32_t)t->slot - 1;
	t->slot = 0;
	if (--h->n == i)
		return;
	h->t[i] = h->t[h->n];
	h->t[i]->slot = (int32_t)(i + 1);
	sift_up(h, i);
	sift_down(h, i);
}

uint64_t
vhd_theap_next(const struct vhd_timer_heap *h)
{
	return h->n != 0 ? h->t[0]->deadline_ns : UINT64_MAX;
}

unsigned int
vhd_theap_run(struct vhd_timer_heap *h, uint64_t now, unsigned int max)
{
	unsigned int ran = 0;

	while (ran < max && h->n != 0 && h->t[0]->deadline_ns <= now) {
		struct vhd_timer *t = h->t[0];

		vhd_theap_cancel(h, t);
		ran++;
		t->cb(t->arg); /* may arm or cancel any timer, this one too */
	}
	return ran;
}

void
vhd_theap_fini(struct vhd_timer_heap *h)
{
	uint32_t i;

	for (i = 0; i < h->n; i++)
		h->t[i]->slot = 0;
	free(h->t);
	h->t = NULL;
	h->n = h->cap = 0;
}
