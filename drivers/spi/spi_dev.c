/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spi_dev.h"

/* A transfer handed to the offload helper, or a release of a held chip select. */
struct spi_pending {
	struct spi_dev *d;
	struct spi_target *t;
	struct spi_xfer x;
	bool release_only;
	bool orphan;           /* answered by queue_stop(): drop the result */
	unsigned int cs;
	uint16_t id;
	uint16_t n_wr;
	uint32_t wr_len;
	uint32_t rx_len;
	struct iovec *wr_iov;  /* copy of the request's writable iovecs */
	uint8_t *buf;          /* tx bytes then rx bytes */
};

static const char *const check_names[SPI_CHECK_COUNT] = {
	[SPI_CHECK_OK] = "ok",
	[SPI_CHECK_SHORT_HEAD] = "short_head",
	[SPI_CHECK_CS] = "cs",
	[SPI_CHECK_BPW] = "bpw",
	[SPI_CHECK_WORDS] = "words",
	[SPI_CHECK_CS_CHANGE] = "cs_change",
	[SPI_CHECK_NBITS] = "nbits",
	[SPI_CHECK_MODE] = "mode",
	[SPI_CHECK_FREQ] = "freq",
	[SPI_CHECK_DELAY] = "delay",
	[SPI_CHECK_DUPLEX_LEN] = "duplex_len",
	[SPI_CHECK_ZERO_LEN] = "zero_len",
	[SPI_CHECK_TOO_LONG] = "too_long",
};

const char *
spi_check_name(enum spi_check c)
{
	return (unsigned int)c < SPI_CHECK_COUNT ? check_names[c] : "?";
}

static uint32_t
min_limit(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* max_freq_hz: 0 means no limit, so the smallest non-zero one wins */
static uint32_t
min_freq(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void
spi_dev_make_config(const struct spi_caps *caps, unsigned int n, struct spi_config *cfg)
{
	uint32_t bpw = ~0u;
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cs_max_number = (uint8_t)n;
	cfg->cs_change_supported = 1;
	cfg->tx_nbits_supported = VIRTIO_SPI_NBITS_ALL;
	cfg->rx_nbits_supported = VIRTIO_SPI_NBITS_ALL;
	cfg->mode_func_supported = VIRTIO_SPI_MF_ALL;
	cfg->max_word_delay_ns = ~0u;
	cfg->max_cs_setup_ns = ~0u;
	cfg->max_cs_hold_ns = ~0u;
	cfg->max_cs_inactive_ns = ~0u;
	for (i = 0; i < n; i++) {
		const struct spi_caps *c = &caps[i];

		cfg->tx_nbits_supported &= c->tx_nbits;
		cfg->rx_nbits_supported &= c->rx_nbits;
		bpw &= c->bpw_mask != 0 ? c->bpw_mask : ~0u;
		cfg->mode_func_supported &= c->mode_func;
		cfg->max_freq_hz = min_freq(cfg->max_freq_hz, c->max_freq_hz);
		cfg->max_word_delay_ns = min_limit(cfg->max_word_delay_ns, c->max_word_delay_ns);
		cfg->max_cs_setup_ns = min_limit(cfg->max_cs_setup_ns, c->max_cs_setup_ns);
		cfg->max_cs_hold_ns = min_limit(cfg->max_cs_hold_ns, c->max_cs_hold_ns);
		cfg->max_cs_inactive_ns = min_limit(cfg->max_cs_inactive_ns,
						    c->max_cs_inactive_ns);
	}
	cfg->bits_per_word_mask = bpw == ~0u ? 0 : bpw;
	/* the spec wants one setting of each of CPHA and CPOL at least */
	if ((cfg->mode_func_supported & (VIRTIO_SPI_MF_CPHA_0 | VIRTIO_SPI_MF_CPHA_1)) == 0)
		cfg->mode_func_supported |= VIRTIO_SPI_MF_CPHA_0;
	if ((cfg->mode_func_supported & (VIRTIO_SPI_MF_CPOL_0 | VIRTIO_SPI_MF_CPOL_1)) == 0)
		cfg->mode_func_supported |= VIRTIO_SPI_MF_CPOL_0;
}

/* nbits value 0/1/2/4/8 against the supported mask */
static bool
nbits_ok(uint8_t v, uint8_t supported)
{
	switch (v) {
	case 0:
	case 1:
		return true;
	case 2:
		return (supported & VIRTIO_SPI_NBITS_DUAL) != 0;
	case 4:
		return (supported & VIRTIO_SPI_NBITS_QUAD) != 0;
	case 8:
		return (supported & VIRTIO_SPI_NBITS_OCTAL) != 0;
	default:
		return false;
	}
}

static bool
mode_ok(uint32_t mode, uint32_t mf)
{
	if (mode & ~VIRTIO_SPI_MODE_ALL)
		return false;
	if (!(mf & ((mode & VIRTIO_SPI_CPHA) ? VIRTIO_SPI_MF_CPHA_1 : VIRTIO_SPI_MF_CPHA_0)))
		return false;
	if (!(mf & ((mode & VIRTIO_SPI_CPOL) ? VIRTIO_SPI_MF_CPOL_1 : VIRTIO_SPI_MF_CPOL_0)))
		return false;
	if ((mode & VIRTIO_SPI_CS_HIGH) && !(mf & VIRTIO_SPI_MF_CS_HIGH))
		return false;
	if ((mode & VIRTIO_SPI_LSB_FIRST) && !(mf & VIRTIO_SPI_MF_LSB_FIRST))
		return false;
	if ((mode & VIRTIO_SPI_LOOP) && !(mf & VIRTIO_SPI_MF_LOOP))
		return false;
	return true;
}

/* bytes per word in memory, as Linux lays words out (u8, u16, u32) */
static uint32_t
word_bytes(uint8_t bpw)
{
	return bpw <= 8 ? 1 : bpw <= 16 ? 2 : 4;
}

enum spi_check
spi_dev_check(const struct spi_config *cfg, const struct spi_xfer_head *h, uint32_t tx_len,
	      uint32_t rx_len)
{
	uint32_t len = tx_len > rx_len ? tx_len : rx_len;

	/* chip select ids are 0-based: cs_max_number itself is out of range */
	if (h->chip_select_id >= cfg->cs_max_number)
		return SPI_CHECK_CS;
	if (h->bits_per_word == 0 || h->bits_per_word > 32 ||
	    (cfg->bits_per_word_mask != 0 &&
	     !(cfg->bits_per_word_mask & (1u << (h->bits_per_word - 1)))))
		return SPI_CHECK_BPW;
	if (h->cs_change > 1 || (h->cs_change == 1 && !cfg->cs_change_supported))
		return SPI_CHECK_CS_CHANGE;
	if (!nbits_ok(h->tx_nbits, cfg->tx_nbits_supported) ||
	    !nbits_ok(h->rx_nbits, cfg->rx_nbits_supported))
		return SPI_CHECK_NBITS;
	if (!mode_ok(h->mode, cfg->mode_func_supported))
		return SPI_CHECK_MODE;
	if (cfg->max_freq_hz != 0 && h->freq > cfg->max_freq_hz)
		return SPI_CHECK_FREQ;
	if (h->word_delay_ns > cfg->max_word_delay_ns || h->cs_setup_ns > cfg->max_cs_setup_ns ||
	    h->cs_delay_hold_ns > cfg->max_cs_hold_ns ||
	    h->cs_change_delay_inactive_ns > cfg->max_cs_inactive_ns)
		return SPI_CHECK_DELAY;
	if (tx_len != 0 && rx_len != 0 && tx_len != rx_len)
		return SPI_CHECK_DUPLEX_LEN;
	if (len == 0)
		return SPI_CHECK_ZERO_LEN;
	if (len > SPI_XFER_MAX_LEN)
		return SPI_CHECK_TOO_LONG;
	if (len % word_bytes(h->bits_per_word) != 0)
		return SPI_CHECK_WORDS;
	return SPI_CHECK_OK;
}

static void
pending_free(struct spi_pending *p)
{
	if (p == NULL)
		return;
	free(p->buf);
	free(p->wr_iov);
	free(p);
}

/* Result of a transfer into counters, the held chip select and the result byte. */
static uint8_t
account(struct spi_dev *d, unsigned int cs, const struct spi_xfer *x, int rc)
{
	if (rc == 0) {
		d->stats.trans_ok++;
		d->stats.bytes += x->len;
		if (x->cs_release) {
			d->held_cs = -1;
		} else {
			d->held_cs = (int)cs;
			d->stats.cs_held++;
		}
		return VIRTIO_SPI_TRANS_OK;
	}
	/* a failed transfer leaves the chip select deasserted (spi_target.h) */
	d->held_cs = -1;
	d->stats.trans_err++;
	if (rc == -EBUSY)
		d->stats.busy++;
	return VIRTIO_SPI_TRANS_ERR;
}

/* Writes rx data (on success) and the result byte; returns the used length. */
static uint32_t
reply_iov(const struct iovec *iov, unsigned int n, uint32_t wr_len, const uint8_t *rx,
	  uint32_t rx_len, uint8_t st)
{
	if (st == VIRTIO_SPI_TRANS_OK && rx != NULL && rx_len > 0)
		vhd_iov_from_buf(iov, n, 0, rx, rx_len);
	vhd_iov_from_buf(iov, n, wr_len - 1, &st, 1);
	return st == VIRTIO_SPI_TRANS_OK ? wr_len : 1;
}

static int
release_work(void *arg)
{
	struct spi_pending *p = arg;

	p->t->ops->release(p->t);
	return 0;
}

static int
xfer_work(void *arg)
{
	struct spi_pending *p = arg;

	return p->t->ops->xfer(p->t, &p->x);
}

static void
release_done(void *arg, int res)
{
	(void)res;
	pending_free(arg);
}

static void
xfer_done(void *arg, int res)
{
	struct spi_pending *p = arg;
	struct spi_dev *d = p->d;
	uint8_t st;
	uint32_t used;

	if (p->orphan) {
		/* already answered by queue_stop(); the target's state is its own business */
		pending_free(p);
		return;
	}
	st = account(d, p->cs, &p->x, res);
	used = reply_iov(p->wr_iov, p->n_wr, p->wr_len, p->x.rx, p->rx_len, st);
	d->pending = NULL;
	if (d->vq != NULL) {
		vhd_vq_push(d->vq, p->id, used);
		vhd_vq_notify(d->vq);
	}
	pending_free(p);
	/* requests left on the ring while this one was in flight */
	if (d->host != NULL && d->host->wake != NULL)
		d->host->wake(d->host);
}

/* End the frame left open on the held chip select, if any. A blocking target's release
 * goes through the helper when @p ordered (a transfer of it may still be there; the helper
 * keeps submission order), else it runs here: a short ioctl, from queue_stop() (the control
 * thread) or when the host has no helper.
 */
static void
release_held(struct spi_dev *d, bool ordered)
{
	struct spi_target *t;
	struct spi_pending *p;

	if (d->held_cs < 0)
		return;
	t = d->targets[d->held_cs];
	d->held_cs = -1;
	d->stats.cs_forced++;
	if (t->blocking && ordered && d->host != NULL && d->host->offload != NULL) {
		p = calloc(1, sizeof(*p));
		if (p != NULL) {
			p->t = t;
			p->release_only = true;
			if (d->host->offload(d->host, release_work, release_done, p) == 0)
				return;
			free(p);
		}
	}
	t->ops->release(t);
}

static int
reply_now(struct spi_dev *d, struct vhd_req *req, uint8_t st)
{
	vhd_req_write(req, req->wr_len - 1, &st, 1);
	if (st == VIRTIO_SPI_PARAM_ERR)
		d->stats.param_err++;
	return 1;
}

static void
fill_xfer(struct spi_xfer *x, const struct spi_xfer_head *h, uint8_t *buf, uint32_t tx_len,
	  uint32_t rx_len)
{
	memset(x, 0, sizeof(*x));
	x->len = tx_len > rx_len ? tx_len : rx_len;
	x->tx = tx_len > 0 ? buf : NULL;
	x->rx = rx_len > 0 ? buf + tx_len : NULL;
	x->mode = h->mode;
	x->speed_hz = h->freq;
	x->bpw = h->bits_per_word;
	x->tx_nbits = h->tx_nbits == 0 ? 1 : h->tx_nbits;
	x->rx_nbits = h->rx_nbits == 0 ? 1 : h->rx_nbits;
	x->cs_release = h->cs_change == 1;
	x->word_delay_ns = h->word_delay_ns;
	x->cs_setup_ns = h->cs_setup_ns;
	x->cs_hold_ns = h->cs_delay_hold_ns;
	x->cs_inactive_ns = h->cs_change_delay_inactive_ns;
}

static int
spi_dev_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct spi_dev *d = priv;
	struct spi_xfer_head h;
	struct spi_pending *p;
	struct spi_target *t;
	enum spi_check c;
	uint32_t tx_len, rx_len;
	uint8_t *buf;
	int rc;

	(void)q;
	d->vq = vq;
	if (d->pending != NULL) {
		/* one transfer at a time, in ring order */
		d->stats.retries++;
		return VHD_REQ_RETRY;
	}
	d->stats.requests++;
	if (req->wr_len == 0) {
		d->stats.no_status++;
		return 0;
	}
	if (req->rd_len < SPI_XFER_HEAD_LEN) {
		d->stats.check[SPI_CHECK_SHORT_HEAD]++;
		return reply_now(d, req, VIRTIO_SPI_PARAM_ERR);
	}
	vhd_req_read(req, 0, &h, sizeof(h));
	tx_len = req->rd_len - SPI_XFER_HEAD_LEN;
	rx_len = req->wr_len - 1;
	c = spi_dev_check(&d->cfg, &h, tx_len, rx_len);
	if (c != SPI_CHECK_OK) {
		d->stats.check[c]++;
		return reply_now(d, req, VIRTIO_SPI_PARAM_ERR);
	}
	if (d->held_cs >= 0 && d->held_cs != h.chip_select_id)
		release_held(d, true);
	t = d->targets[h.chip_select_id];
	/* zeroed: a backend that fills less than asked must not leak our heap */
	buf = calloc(1, (size_t)tx_len + rx_len);
	if (buf == NULL) {
		d->stats.trans_err++;
		return reply_now(d, req, VIRTIO_SPI_TRANS_ERR);
	}
	vhd_req_read(req, SPI_XFER_HEAD_LEN, buf, tx_len);
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		free(buf);
		d->stats.trans_err++;
		return reply_now(d, req, VIRTIO_SPI_TRANS_ERR);
	}
	p->d = d;
	p->t = t;
	p->cs = h.chip_select_id;
	p->buf = buf;
	p->rx_len = rx_len;
	fill_xfer(&p->x, &h, buf, tx_len, rx_len);
	if (t->blocking && d->host != NULL && d->host->offload != NULL) {
		p->wr_iov = malloc(sizeof(struct iovec) * req->n_wr);
		if (p->wr_iov != NULL) {
			memcpy(p->wr_iov, vhd_req_wr_iov(req), sizeof(struct iovec) * req->n_wr);
			p->n_wr = req->n_wr;
			p->wr_len = req->wr_len;
			p->id = req->id;
			/* set first: a host may run done() before offload() returns */
			d->pending = p;
			rc = d->host->offload(d->host, xfer_work, xfer_done, p);
			if (rc == 0) {
				d->stats.offloaded++;
				return VHD_REQ_HELD;
			}
			d->pending = NULL;
			if (rc == -EAGAIN) {
				/* seen again later: not a new request */
				d->stats.requests--;
				d->stats.retries++;
				pending_free(p);
				return VHD_REQ_RETRY;
			}
			if (rc != -ENOSYS) {
				pending_free(p);
				d->stats.trans_err++;
				return reply_now(d, req, VIRTIO_SPI_TRANS_ERR);
			}
		}
		d->stats.offload_inline++;
	}
	rc = t->ops->xfer(t, &p->x);
	rc = (int)reply_iov(vhd_req_wr_iov(req), req->n_wr, req->wr_len, p->x.rx, rx_len,
			    account(d, p->cs, &p->x, rc));
	pending_free(p);
	return rc;
}

static int
spi_dev_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	const struct spi_dev *d = priv;

	if (off > sizeof(d->cfg) || len > sizeof(d->cfg) - off)
		return -1;
	memcpy(buf, (const uint8_t *)&d->cfg + off, len);
	return 0;
}

static void
spi_dev_attach(void *priv, struct vhd_host *host)
{
	((struct spi_dev *)priv)->host = host;
}

static int
spi_dev_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct spi_dev *d = priv;

	(void)q;
	d->vq = vq;
	return 0;
}

static void
spi_dev_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct spi_dev *d = priv;
	struct spi_pending *p = d->pending;
	bool ordered = false;

	(void)q;
	/* Our host drains offloaded calls before a queue stop, so nothing is pending here.
	 * A host that does not: the request's iovecs die with this call, so the guest gets
	 * TRANS_ERR now, the helper's late result is dropped, and the frame it may have
	 * opened is released after it.
	 */
	if (p != NULL) {
		uint8_t st = VIRTIO_SPI_TRANS_ERR;

		vhd_iov_from_buf(p->wr_iov, p->n_wr, p->wr_len - 1, &st, 1);
		vhd_vq_push(vq, p->id, 1);
		vhd_vq_notify(vq);
		d->stats.trans_err++;
		p->orphan = true;
		d->pending = NULL;
		d->held_cs = (int)p->cs;
		ordered = true;
	}
	release_held(d, ordered);
	d->vq = NULL;
}

static void
spi_dev_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct spi_dev_stats *st = &((const struct spi_dev *)priv)->stats;
	char name[32];
	unsigned int i;

	put(ctx, "requests", st->requests);
	put(ctx, "trans_ok", st->trans_ok);
	put(ctx, "param_err", st->param_err);
	put(ctx, "trans_err", st->trans_err);
	put(ctx, "busy", st->busy);
	put(ctx, "no_status", st->no_status);
	put(ctx, "bytes", st->bytes);
	put(ctx, "cs_held", st->cs_held);
	put(ctx, "cs_forced", st->cs_forced);
	put(ctx, "offloaded", st->offloaded);
	put(ctx, "offload_inline", st->offload_inline);
	put(ctx, "retries", st->retries);
	for (i = 1; i < SPI_CHECK_COUNT; i++) {
		snprintf(name, sizeof(name), "param_%s", check_names[i]);
		put(ctx, name, st->check[i]);
	}
}

const struct vhd_device_ops spi_dev_ops = {
	.name = "spi",
	.virtio_id = VIRTIO_ID_SPI,
	.num_queues = 1,
	.max_queue_size = SPI_QUEUE_SIZE,
	.features = 0,
	.config_size = SPI_CONFIG_SIZE,
	.attach = spi_dev_attach,
	.get_config = spi_dev_get_config,
	.queue_start = spi_dev_queue_start,
	.queue_stop = spi_dev_queue_stop,
	.handle = spi_dev_handle,
	.get_stats = spi_dev_get_stats,
};

int
spi_dev_init(struct spi_dev *d, struct spi_target *const *targets, unsigned int n)
{
	struct spi_caps caps[SPI_MAX_CS];
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->held_cs = -1;
	if (n == 0 || n > SPI_MAX_CS)
		return -1;
	for (i = 0; i < n; i++) {
		d->targets[i] = targets[i];
		caps[i] = targets[i]->caps;
	}
	d->n_cs = n;
	spi_dev_make_config(caps, n, &d->cfg);
	return 0;
}

void
spi_dev_fini(struct spi_dev *d)
{
	unsigned int i;

	/* the workers are stopped: nothing is in flight any more */
	if (d->held_cs >= 0) {
		d->targets[d->held_cs]->ops->release(d->targets[d->held_cs]);
		d->held_cs = -1;
	}
	for (i = 0; i < d->n_cs; i++) {
		spi_target_destroy(d->targets[i]);
		d->targets[i] = NULL;
	}
	d->n_cs = 0;
}
