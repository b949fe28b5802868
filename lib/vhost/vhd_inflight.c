/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * In-flight tracking for backend restart (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD),
 * split rings: the engine's hooks (struct vhd_vq_track) drive rte_vhost's
 * in-flight area, which lives in a memfd the frontend keeps across our
 * death. On the next connection rte_vhost reads it back at SET_VRING_KICK:
 * it builds the list of chains still in flight and moves last_avail past
 * them (the frontend resumes from its used index). We hand that list to the
 * engine once per connection, so each of those chains reaches the driver
 * exactly once more.
 *
 * The order per completion is rte_vhost's contract: mark the chain as the
 * last one being completed, write and publish its used entry, then clear
 * it. A death between publishing and clearing is recognised by the area's
 * used index lagging the ring's.
 *
 * Packed rings use the packed layout rte_vhost and QEMU's vhost-user.rst
 * define (struct rte_vhost_inflight_info_packed): a pool of entries on a
 * free list, each taken chain copied into entries (a packed ring's slots
 * are reused for used descriptors, so the copies are what is resubmitted),
 * a used position with its wrap counter committed (old_*) or in progress.
 * We write the area ourselves rather than through rte_vhost's packed
 * helpers: those mark an entry in flight before its copy is complete, and
 * rte_vhost's restart walk guesses the completion in progress from an entry
 * index compared with a ring position; a backend that pops each chain once
 * then gets it twice or never. Our order, so that a kill at any point is
 * recovered exactly (vhd_inflight_attach):
 *  - taken: copy into free entries, then num/last/counter, then inflight;
 *  - completing: store the used position it leads to as the pending one
 *    (used_idx, used_wrap_counter; one 8-byte store with the committed
 *    pair), then the engine publishes that one used descriptor;
 *  - completed: inflight = 0, then commit (old_used_* = pending, same store);
 *  - restart: if pending differs from committed and the ring slot at the
 *    committed position carries a used descriptor of that lap, it reached
 *    the driver: commit it (clearing its chain); otherwise roll back. The
 *    chains still in flight are resubmitted from their copies, oldest first,
 *    and the ring resumes popping past them (used position plus their
 *    descriptors); the free list is rebuilt from what is in flight.
 * rte_vhost's own walk at SET_VRING_KICK is skipped (version 0 on a packed
 * area, vhd_inflight_sanitize()): it would apply its guess first.
 */

/* The in-flight API is experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_vhost.h>

#include "vhd_internal.h"

#define ILOG(dev, lvl, fmt, ...) \
	rte_log(RTE_LOG_##lvl, (dev)->log_type, "%s: " fmt "\n", (dev)->path, ##__VA_ARGS__)

static void
taken(void *ctx, uint16_t head)
{
	const struct vhd_ev *ev = ctx;

	rte_vhost_set_inflight_desc_split(ev->dev->vid, (uint16_t)ev->idx, head);
}

static void
completing(void *ctx, uint16_t head)
{
	const struct vhd_ev *ev = ctx;

	rte_vhost_set_last_inflight_io_split(ev->dev->vid, (uint16_t)ev->idx, head);
}

static void
completed(void *ctx, uint16_t head, uint16_t used_idx)
{
	const struct vhd_ev *ev = ctx;

	rte_vhost_clr_inflight_desc_split(ev->dev->vid, (uint16_t)ev->idx, used_idx, head);
}

void
vhd_inflight_conn_reset(struct vhd_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VHD_MAX_QUEUES; i++) {
		dev->q[i].resubmitted = false;
		dev->q[i].pk_area_used = false;
		dev->q[i].pk_kicked = false;
	}
	dev->state_told = false;
	if (dev->inflight_fd >= 0)
		close(dev->inflight_fd);
	dev->inflight_fd = -1;
}

void
vhd_inflight_sanitize(struct vhd_dev *dev, uint16_t qi)
{
	struct rte_vhost_ring_inflight ri;
	struct rte_vhost_inflight_info_split *in;
	uint16_t n = dev->msg.inflight_qsize;
	uint64_t f = 0;

	if (n == 0 || qi >= dev->msg.inflight_nq ||
	    rte_vhost_get_vhost_ring_inflight(dev->vid, qi, &ri) != 0 || ri.inflight_split == NULL)
		return;
	in = ri.inflight_split;
	/*
	 * A packed area, or one laid out for the other ring format (taken
	 * before SET_FEATURES changed it): version 0 makes rte_vhost skip its
	 * walk (both layouts start with features, version). A packed area is
	 * ours to recover at queue start; remember whether it held anything.
	 */
	if (rte_vhost_get_negotiated_features(dev->vid, &f) != 0 ||
	    !!(f & VHD_BIT(VHD_F_RING_PACKED)) != dev->msg.inflight_packed ||
	    dev->msg.inflight_packed) {
		/* Only the connection's first kick sees the version the area came
		 * with: rte_vhost sets it to 1 after each.
		 */
		if (dev->msg.inflight_packed && dev->q[qi].state == VHD_Q_STOPPED &&
		    !dev->q[qi].resubmitted && !dev->q[qi].pk_kicked)
			dev->q[qi].pk_area_used =
				__atomic_load_n(&in->version, __ATOMIC_RELAXED) != 0;
		dev->q[qi].pk_kicked = true;
		__atomic_store_n(&in->version, 0, __ATOMIC_RELAXED);
		return;
	}
	/*
	 * The area is the frontend's memory: rte_vhost's SET_VRING_KICK walks
	 * desc_num entries and writes at last_inflight_io, both read from it.
	 * Put them back within the size we checked. A frontend that keeps
	 * writing them between this store and rte_vhost's walk still wins the
	 * race: closing it needs rte_vhost to copy the header first.
	 */
	__atomic_store_n(&in->desc_num, n, __ATOMIC_RELAXED);
	if (__atomic_load_n(&in->last_inflight_io, __ATOMIC_RELAXED) >= n)
		__atomic_store_n(&in->last_inflight_io, 0, __ATOMIC_RELAXED);
}

/* ---- packed rings ---- */

#define NO_ENTRY UINT16_MAX

static struct rte_vhost_inflight_info_packed *
pk_area(const struct vhd_ev *ev)
{
	struct rte_vhost_ring_inflight ri;

	if (rte_vhost_get_vhost_ring_inflight(ev->dev->vid, (uint16_t)ev->idx, &ri) != 0)
		return NULL;
	return ri.inflight_packed;
}

/* used_idx, old_used_idx, used_wrap_counter, old_used_wrap_counter (and 2
 * padding bytes) as one aligned 8-byte word: a kill never splits a store.
 */
#define POS_OFF offsetof(struct rte_vhost_inflight_info_packed, used_idx)
_Static_assert(POS_OFF % 8 == 0, "in-flight positions not 8-byte aligned");
_Static_assert(offsetof(struct rte_vhost_inflight_info_packed, old_used_idx) == POS_OFF + 2 &&
	       offsetof(struct rte_vhost_inflight_info_packed, used_wrap_counter) == POS_OFF + 4 &&
	       offsetof(struct rte_vhost_inflight_info_packed, old_used_wrap_counter) ==
		       POS_OFF + 5,
	       "unexpected packed in-flight layout");

struct pk_pos {
	uint16_t pend, commit; /* position | wrap << 15 */
};

static struct pk_pos
pos_load(struct rte_vhost_inflight_info_packed *in)
{
	uint64_t w = __atomic_load_n((uint64_t *)((uint8_t *)in + POS_OFF), __ATOMIC_ACQUIRE);
	uint8_t b[8];
	struct pk_pos p;

	memcpy(b, &w, 8);
	p.pend = (uint16_t)((b[0] | b[1] << 8) & 0x7fff) | (b[4] ? 0x8000 : 0);
	p.commit = (uint16_t)((b[2] | b[3] << 8) & 0x7fff) | (b[5] ? 0x8000 : 0);
	return p;
}

static void
pos_store(struct rte_vhost_inflight_info_packed *in, struct pk_pos p)
{
	uint64_t *wp = (uint64_t *)((uint8_t *)in + POS_OFF);
	uint64_t w = __atomic_load_n(wp, __ATOMIC_RELAXED);
	uint8_t b[8];

	memcpy(b, &w, 8);
	b[0] = (uint8_t)(p.pend & 0xff);
	b[1] = (uint8_t)((p.pend >> 8) & 0x7f);
	b[2] = (uint8_t)(p.commit & 0xff);
	b[3] = (uint8_t)((p.commit >> 8) & 0x7f);
	b[4] = p.pend >> 15;
	b[5] = p.commit >> 15;
	memcpy(&w, b, 8);
	__atomic_store_n(wp, w, __ATOMIC_RELEASE);
}

static void
pk_taken(void *ctx, uint16_t id, uint16_t pos, uint16_t count)
{
	const struct vhd_ev *ev = ctx;
	struct vhd_queue *q = &ev->dev->q[ev->idx];
	struct rte_vhost_inflight_info_packed *in = pk_area(ev);
	uint16_t n = ev->dev->msg.inflight_qsize, e0, e, last = 0, i;

	if (in == NULL || id >= q->pk_nid)
		return;
	if (count == 0) { /* given back unserved: free its entries */
		e0 = q->pk_entry[id];
		q->pk_entry[id] = NO_ENTRY;
		if (e0 >= n)
			return;
		__atomic_store_n(&in->desc[e0].inflight, 0, __ATOMIC_RELEASE);
		in->desc[in->desc[e0].last < n ? in->desc[e0].last : e0].next = in->free_head;
		in->free_head = e0;
		in->old_free_head = e0;
		return;
	}
	e0 = e = in->free_head;
	for (i = 0; i < count; i++) {
		const struct vhd_vring_packed_desc *d = &q->vq.pdesc[(pos + i) % q->vq.size];

		if (e >= n) {
			/* The free list ran out: the area is not what we wrote. */
			q->pk_entry[id] = NO_ENTRY;
			ILOG(ev->dev, WARNING, "queue %u: in-flight area corrupt, chain %u untracked",
			     ev->idx, id);
			return;
		}
		in->desc[e].addr = d->addr;
		in->desc[e].len = d->len;
		in->desc[e].id = d->id;
		in->desc[e].flags = d->flags;
		last = e;
		e = in->desc[e].next;
	}
	in->desc[e0].num = count;
	in->desc[e0].last = last;
	in->desc[e0].counter = q->pk_counter++;
	__atomic_store_n(&in->desc[e0].inflight, 1, __ATOMIC_RELEASE);
	in->free_head = e;
	in->old_free_head = e;
	q->pk_entry[id] = e0;
}

static void
pk_completing(void *ctx, int id, uint16_t next)
{
	const struct vhd_ev *ev = ctx;
	struct rte_vhost_inflight_info_packed *in = pk_area(ev);
	struct pk_pos p;

	(void)id;
	if (in == NULL)
		return;
	p = pos_load(in);
	p.pend = next;
	pos_store(in, p);
}

static void
pk_completed(void *ctx, int id, uint16_t next)
{
	const struct vhd_ev *ev = ctx;
	struct vhd_queue *q = &ev->dev->q[ev->idx];
	struct rte_vhost_inflight_info_packed *in = pk_area(ev);
	uint16_t n = ev->dev->msg.inflight_qsize;

	if (in == NULL)
		return;
	if (id >= 0 && id < q->pk_nid && q->pk_entry[id] < n) {
		uint16_t e0 = q->pk_entry[id], last = in->desc[e0].last;

		q->pk_entry[id] = NO_ENTRY;
		__atomic_store_n(&in->desc[e0].inflight, 0, __ATOMIC_RELEASE);
		in->desc[last < n ? last : e0].next = in->free_head;
		in->free_head = e0;
		in->old_free_head = e0;
	}
	pos_store(in, (struct pk_pos){next, next});
}

/* Slots from @a to @b (position | wrap << 15) on a ring of @size; 0 when
 * @b is not ahead of @a by 1..size.
 */
static uint32_t
pk_dist(uint16_t a, uint16_t b, uint16_t size)
{
	uint32_t pa = a & 0x7fff, pb = b & 0x7fff;

	if (pa >= size || pb >= size)
		return 0;
	if ((a >> 15) == (b >> 15))
		return pb > pa ? pb - pa : 0;
	return pb + size - pa;
}

static uint16_t
pk_add(uint16_t a, uint32_t k, uint16_t size)
{
	uint32_t p = (a & 0x7fff) + k;
	uint16_t w = a >> 15;

	while (p >= size) {
		p -= size;
		w ^= 1;
	}
	return (uint16_t)(p | w << 15);
}

struct pk_chain {
	uint16_t e0;
	uint64_t counter;
};

static int
by_counter(const void *a, const void *b)
{
	const struct pk_chain *x = a, *y = b;

	return x->counter < y->counter ? -1 : x->counter > y->counter;
}

/* The buffer id of the chain at head entry @e0 (its last descriptor's),
 * or -1 when its entry list is not sane (@seen marks entries taken).
 */
static int
pk_chain_id(struct rte_vhost_inflight_info_packed *in, uint16_t n, uint16_t e0, uint8_t *seen,
	    uint16_t size)
{
	uint16_t num = in->desc[e0].num, e = e0, i;

	if (num == 0 || num > size)
		return -1;
	for (i = 0; i < num; i++) {
		if (e >= n || seen[e])
			return -1;
		seen[e] = 1;
		if (i + 1 < num)
			e = in->desc[e].next;
	}
	return e == in->desc[e0].last ? in->desc[e].id : -1;
}

/*
 * Recover the area after a restart (see the top of this file) and hand
 * what was in flight to the engine; @return 0 or -1.
 */
static int
pk_recover(struct vhd_dev *dev, struct vhd_queue *q, struct rte_vhost_inflight_info_packed *in)
{
	uint16_t n = dev->msg.inflight_qsize, size = q->vq.size, i, k = 0, *counts = NULL;
	struct vhd_vring_packed_desc *descs = NULL;
	struct pk_chain *ch = NULL;
	uint8_t *seen = calloc(n, 1), *keep = calloc(n, 1);
	struct pk_pos p = pos_load(in);
	uint16_t used = p.commit, avail, free_head = n, prev = n;
	uint32_t total = 0, d = 0;
	int rc = -1;

	ch = calloc(n, sizeof(*ch));
	if (seen == NULL || keep == NULL || ch == NULL)
		goto out;
	if ((used & 0x7fff) >= size) {
		ILOG(dev, WARNING, "queue %u: in-flight area used position %#x past the ring",
		     q->ev.idx, used);
		used = vhd_vq_used_idx(&q->vq);
		memset(in->desc, 0, (size_t)n * sizeof(in->desc[0]));
		p.pend = p.commit = used;
	}
	/* A completion in progress: did its used descriptor reach the ring? */
	if (p.pend != p.commit && (d = pk_dist(p.commit, p.pend, size)) != 0) {
		const struct vhd_vring_packed_desc *s = &q->vq.pdesc[used & 0x7fff];
		uint16_t fl = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);

		if (!!(fl & VHD_DESC_F_USED) == (used >> 15)) {
			uint16_t sid = s->id;

			for (i = 0; i < n; i++)
				if (in->desc[i].inflight == 1 && in->desc[i].num == d &&
				    in->desc[i].last < n && in->desc[in->desc[i].last].id == sid) {
					in->desc[i].inflight = 0;
					break;
				}
			used = p.pend;
		}
	}
	/* What is still in flight, oldest first. */
	for (i = 0; i < n; i++) {
		int id;

		if (in->desc[i].inflight != 1)
			continue;
		id = pk_chain_id(in, n, i, seen, size);
		if (id < 0 || id >= size || q->pk_entry[id] != NO_ENTRY ||
		    total + in->desc[i].num > size) {
			in->desc[i].inflight = 0; /* not a chain we could have written */
			continue;
		}
		q->pk_entry[id] = i;
		total += in->desc[i].num;
		ch[k++] = (struct pk_chain){i, in->desc[i].counter};
	}
	qsort(ch, k, sizeof(*ch), by_counter);
	counts = calloc(k + 1, sizeof(*counts));
	descs = calloc(total + 1, sizeof(*descs));
	if (counts == NULL || descs == NULL)
		goto out;
	total = 0;
	for (i = 0; i < k; i++) {
		uint16_t e = ch[i].e0, j;

		counts[i] = in->desc[e].num;
		for (j = 0; j < counts[i]; j++) {
			descs[total++] = (struct vhd_vring_packed_desc){
				.addr = in->desc[e].addr, .len = in->desc[e].len,
				.id = in->desc[e].id, .flags = in->desc[e].flags};
			keep[e] = 1;
			if (j + 1 < counts[i])
				e = in->desc[e].next;
		}
	}
	q->pk_counter = k > 0 ? ch[k - 1].counter + 1 : 0;
	/* Free list: every entry not holding a chain in flight, in order. */
	for (i = n; i-- > 0;) {
		if (keep[i])
			continue;
		in->desc[i].inflight = 0;
		in->desc[i].next = prev;
		prev = i;
	}
	free_head = prev;
	in->free_head = free_head;
	in->old_free_head = free_head;
	pos_store(in, (struct pk_pos){used, used});
	avail = pk_add(used, total, size);
	if (k > 0)
		ILOG(dev, NOTICE, "queue %u: %u requests in flight before the restart", q->ev.idx,
		     k);
	if (vhd_vq_track_set_packed(&q->vq, &q->track, avail, used, descs, counts, k) != 0)
		goto out;
	dev->resubmitted += k;
	rc = 0;
out:
	free(seen);
	free(keep);
	free(ch);
	free(counts);
	free(descs);
	return rc;
}

/* A fresh area, or one a running connection handed back: start it empty at
 * the ring's position.
 */
static int
pk_fresh(struct vhd_dev *dev, struct vhd_queue *q, struct rte_vhost_inflight_info_packed *in)
{
	uint16_t n = dev->msg.inflight_qsize, i, used = vhd_vq_used_idx(&q->vq);

	for (i = 0; i < n; i++) {
		in->desc[i].inflight = 0;
		in->desc[i].next = (uint16_t)(i + 1);
	}
	in->free_head = 0;
	in->old_free_head = 0;
	pos_store(in, (struct pk_pos){used, used});
	q->pk_counter = 0;
	return vhd_vq_track_set_packed(&q->vq, &q->track, vhd_vq_last_avail(&q->vq), used, NULL,
				       NULL, 0) == 0 ? 0 : -1;
}

static int
pk_attach(struct vhd_dev *dev, uint16_t qi, struct rte_vhost_inflight_info_packed *in)
{
	struct vhd_queue *q = &dev->q[qi];
	uint16_t i;
	int rc;

	if (q->pk_nid < q->vq.size) {
		uint16_t *m = realloc(q->pk_entry, q->vq.size * sizeof(*m));

		if (m == NULL)
			return -1;
		q->pk_entry = m;
		q->pk_nid = q->vq.size;
	}
	for (i = 0; i < q->pk_nid; i++)
		q->pk_entry[i] = NO_ENTRY;
	__atomic_store_n(&in->desc_num, dev->msg.inflight_qsize, __ATOMIC_RELAXED);
	q->track = (struct vhd_vq_track){.ctx = &q->ev, .p_taken = pk_taken,
					 .p_completing = pk_completing,
					 .p_completed = pk_completed};
	if (!q->resubmitted && q->pk_area_used)
		rc = pk_recover(dev, q, in);
	else
		rc = pk_fresh(dev, q, in);
	if (rc != 0)
		return -1;
	q->resubmitted = true;
	q->pk_area_used = false;
	return 0;
}

int
vhd_inflight_attach(struct vhd_dev *dev, uint16_t qi)
{
	struct vhd_queue *q = &dev->q[qi];
	struct rte_vhost_ring_inflight ri;
	uint16_t *heads = NULL, n = 0;
	uint64_t pf = 0;
	int rc;

	if (q->vq.track != NULL) /* a paused ring resumed: tracked already */
		return q->vq.size <= dev->msg.inflight_qsize ? 0 : -1;
	if (rte_vhost_get_negotiated_protocol_features(dev->vid, &pf) != 0 ||
	    !(pf & VHD_BIT(VHU_PF_INFLIGHT_SHMFD)))
		return 0;
	/* Negotiated, but this frontend gave no area (or one laid out for the
	 * other ring format): nothing to track into.
	 */
	if (dev->msg.inflight_qsize == 0 || qi >= dev->msg.inflight_nq ||
	    q->vq.packed != dev->msg.inflight_packed ||
	    rte_vhost_get_vhost_ring_inflight(dev->vid, qi, &ri) != 0 ||
	    ri.inflight_split == NULL)
		return 0;
	/* The area holds as many descriptors as it was sized for. */
	if (q->vq.size > dev->msg.inflight_qsize) {
		ILOG(dev, ERR, "queue %u: ring of %u entries, in-flight area for %u", qi,
		     q->vq.size, dev->msg.inflight_qsize);
		return -1;
	}
	if (q->vq.packed)
		return pk_attach(dev, qi, ri.inflight_packed);
	if (!q->resubmitted && ri.resubmit_inflight != NULL &&
	    ri.resubmit_inflight->resubmit_num > 0) {
		const struct rte_vhost_resubmit_info *rs = ri.resubmit_inflight;
		uint32_t i;

		heads = calloc(rs->resubmit_num, sizeof(*heads));
		if (heads == NULL)
			return -1;
		/* Sorted newest first by rte_vhost: hand them back oldest first. */
		for (i = 0; i < rs->resubmit_num && n < q->vq.size; i++)
			heads[n++] = rs->resubmit_list[rs->resubmit_num - 1 - i].index;
		ILOG(dev, NOTICE, "queue %u: %u requests in flight before the restart", qi, n);
	}
	q->track = (struct vhd_vq_track){taken, completing, completed, &q->ev};
	rc = vhd_vq_track_set(&q->vq, &q->track, heads, n);
	free(heads);
	if (rc != 0)
		return -1;
	q->resubmitted = true;
	dev->resubmitted += n;
	return 0;
}

/* ---- driver state kept in the area (vhd_device_ops.restart_state) ---- */

/*
 * After the queues' areas (rte_vhost's layout, which rte_vhost maps as a
 * whole at SET_INFLIGHT_FD), when the driver asks for it: a header naming
 * the device, then its state. The frontend keeps the area as opaque bytes.
 */
struct state_hdr {
	char magic[8];
	uint32_t virtio_id;
	uint32_t size;
};

static const char state_magic[8] = "vhdstate";

static uint64_t
queues_bytes(const struct vhd_dev *dev, uint16_t nq, uint16_t qs, bool packed)
{
	(void)dev;
	return nq * (packed ? vhd_msg_inflight_packed_size(qs) : vhd_msg_inflight_split_size(qs));
}

static uint64_t
state_bytes(const struct vhd_dev *dev)
{
	return (sizeof(struct state_hdr) + dev->ops->restart_state_size + 63) & ~63ULL;
}

static bool
keeps_state(const struct vhd_dev *dev)
{
	return dev->ops->restart_state != NULL && dev->ops->restart_state_size > 0 &&
	       dev->ops->restart_state_size <= VHD_RESTART_STATE_MAX;
}

int
vhd_inflight_get(struct vhd_dev *dev, struct vhu_ctx *ctx)
{
	struct vhu_inflight *in = &ctx->msg.payload.inflight;
	uint64_t f = 0, size;
	int fd;

	if (!keeps_state(dev))
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED; /* rte_vhost makes it */
	if (rte_vhost_get_negotiated_features(dev->vid, &f) != 0)
		return RTE_VHOST_MSG_RESULT_ERR;
	size = queues_bytes(dev, in->num_queues, in->queue_size,
			    (f & VHD_BIT(VHD_F_RING_PACKED)) != 0) + state_bytes(dev);
	/* Zeroed: a fresh area for either layout (version 0, nothing in
	 * flight; packed free lists are built at queue start), no state.
	 */
	fd = memfd_create("vhost-device-inflight", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
		ILOG(dev, ERR, "GET_INFLIGHT_FD: no area of %" PRIu64 " bytes", size);
		if (fd >= 0)
			close(fd);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (dev->inflight_fd >= 0)
		close(dev->inflight_fd);
	dev->inflight_fd = fd; /* rte_vhost sends it and keeps no copy */
	in->mmap_size = size;
	in->mmap_offset = 0;
	ctx->msg.size = sizeof(*in);
	ctx->fds[0] = fd;
	ctx->fd_num = 1;
	return RTE_VHOST_MSG_RESULT_REPLY;
}

void
vhd_inflight_state(struct vhd_dev *dev)
{
	struct rte_vhost_ring_inflight ri;
	struct state_hdr *h;
	uint64_t off;
	bool restored;

	if (dev->state_told || !keeps_state(dev) || dev->msg.inflight_qsize == 0 ||
	    rte_vhost_get_vhost_ring_inflight(dev->vid, 0, &ri) != 0 || ri.inflight_split == NULL)
		return;
	off = queues_bytes(dev, dev->msg.inflight_nq, dev->msg.inflight_qsize,
			   dev->msg.inflight_packed);
	/* An area without room for it (another backend's, or a frontend's own). */
	if (dev->msg.inflight_size < off + state_bytes(dev))
		return;
	h = (struct state_hdr *)((uint8_t *)ri.inflight_split + off);
	restored = memcmp(h->magic, state_magic, sizeof(state_magic)) == 0 &&
		   h->virtio_id == dev->ops->virtio_id && h->size == dev->ops->restart_state_size;
	if (!restored) {
		memset(h + 1, 0, dev->ops->restart_state_size);
		h->virtio_id = dev->ops->virtio_id;
		h->size = dev->ops->restart_state_size;
		memcpy(h->magic, state_magic, sizeof(state_magic));
	} else {
		ILOG(dev, NOTICE, "device state restored from the in-flight area");
	}
	dev->state_told = true;
	dev->ops->restart_state(dev->priv, h + 1, restored);
}

void
vhd_inflight_state_end(struct vhd_dev *dev)
{
	if (!dev->state_told)
		return;
	pthread_mutex_lock(&dev->ctl);
	vhd_dev_pause(dev);
	dev->state_told = false;
	dev->ops->restart_state(dev->priv, NULL, false);
	vhd_dev_resume(dev);
	pthread_mutex_unlock(&dev->ctl);
}
