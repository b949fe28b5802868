/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * spidev_test-style transfers for the guest side of spi.sh, built static
 * on the host. One SPI_IOC_MESSAGE of the transfers given:
 *
 *   spi-xfer [-s HZ] [-m MODE] [-b BITS] [-k] DEV SEG...
 *     SEG: w:HEX   write bytes           r:N    read N bytes
 *          x:HEX   full duplex           p:N    write N pattern bytes
 *          P:N     full duplex N pattern bytes
 *   The bytes read are printed in hex, space separated, one line.
 *   A guest's cs_change goes to the device unchanged; the device reads it
 *   the virtio way (1: deselect after this transfer), so the last transfer
 *   gets cs_change = 1 unless -k keeps the chip select asserted.
 *   spi-xfer -E N       print the pattern (byte i = 7 * i + 3)
 *   spi-xfer -C N DEV   full-duplex N pattern bytes; exit 0 when rx == tx
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/spi/spidev.h>

#define MAX_SEGS 16

static uint8_t
pat(size_t i)
{
	return (uint8_t)(7 * i + 3);
}

static int
hex_bytes(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), i;

	if (n == 0 || n % 2 != 0)
		return -1;
	*len = n / 2;
	*out = malloc(*len);
	if (*out == NULL)
		return -1;
	for (i = 0; i < *len; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		(*out)[i] = (uint8_t)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct spi_ioc_transfer tr[MAX_SEGS];
	uint8_t *bufs[MAX_SEGS][2];
	unsigned long speed = 0, mode = 0, bits = 0, n;
	int keep = 0, c, fd, nseg = 0, i, rc, check = -1;

	while ((c = getopt(argc, argv, "s:m:b:kE:C:")) != -1) {
		switch (c) {
		case 's': speed = strtoul(optarg, NULL, 0); break;
		case 'm': mode = strtoul(optarg, NULL, 0); break;
		case 'b': bits = strtoul(optarg, NULL, 0); break;
		case 'k': keep = 1; break;
		case 'E':
			n = strtoul(optarg, NULL, 0);
			for (size_t j = 0; j < n; j++)
				printf("%s%02x", j ? " " : "", pat(j));
			printf("\n");
			return 0;
		case 'C': check = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc)
		return 2;
	fd = open(argv[optind++], O_RDWR);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	if (mode != 0) {
		uint32_t m = (uint32_t)mode;

		if (ioctl(fd, SPI_IOC_WR_MODE32, &m) < 0) {
			perror("SPI_IOC_WR_MODE32");
			return 1;
		}
	}
	if (bits != 0) {
		uint8_t b = (uint8_t)bits;

		if (ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &b) < 0) {
			perror("SPI_IOC_WR_BITS_PER_WORD");
			return 1;
		}
	}
	memset(tr, 0, sizeof(tr));
	memset(bufs, 0, sizeof(bufs));
	if (check >= 0) {
		char seg[32];

		snprintf(seg, sizeof(seg), "P:%d", check);
		argv[optind] = seg;
		argc = optind + 1;
	}
	for (; optind < argc && nseg < MAX_SEGS; optind++, nseg++) {
		const char *a = argv[optind];
		size_t len = 0;
		uint8_t *tx = NULL, *rx = NULL;

		if (strlen(a) < 3 || a[1] != ':') {
			fprintf(stderr, "bad segment '%s'\n", a);
			return 2;
		}
		switch (a[0]) {
		case 'w':
		case 'x':
			if (hex_bytes(a + 2, &tx, &len) != 0) {
				fprintf(stderr, "bad hex '%s'\n", a);
				return 2;
			}
			break;
		case 'r':
		case 'p':
		case 'P':
			len = strtoul(a + 2, NULL, 0);
			if (a[0] != 'r') {
				tx = malloc(len);
				for (size_t j = 0; tx != NULL && j < len; j++)
					tx[j] = pat(j);
			}
			break;
		default:
			fprintf(stderr, "bad segment '%s'\n", a);
			return 2;
		}
		if (a[0] == 'r' || a[0] == 'x' || a[0] == 'P')
			rx = calloc(1, len);
		bufs[nseg][0] = tx;
		bufs[nseg][1] = rx;
		tr[nseg].tx_buf = (uintptr_t)tx;
		tr[nseg].rx_buf = (uintptr_t)rx;
		tr[nseg].len = (uint32_t)len;
		tr[nseg].speed_hz = (uint32_t)speed;
	}
	if (nseg == 0)
		return 2;
	tr[nseg - 1].cs_change = keep ? 0 : 1;
	rc = ioctl(fd, SPI_IOC_MESSAGE(nseg), tr);
	if (rc < 0) {
		fprintf(stderr, "SPI_IOC_MESSAGE: %s\n", strerror(errno));
		return 1;
	}
	if (check >= 0) {
		if (memcmp(bufs[0][0], bufs[0][1], (size_t)check) != 0) {
			fprintf(stderr, "rx differs from tx\n");
			return 1;
		}
		printf("ok %d\n", check);
		return 0;
	}
	for (i = 0, c = 0; i < nseg; i++)
		for (size_t j = 0; bufs[i][1] != NULL && j < tr[i].len; j++)
			printf("%s%02x", c++ ? " " : "", bufs[i][1][j]);
	printf("\n");
	close(fd);
	return 0;
}
