/* SPDX-License-Identifier: MIT */
/* QR code rendering to PNG and SVG. */
#include "server/qr.h"

#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/common.h>

struct qr_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int failed;
};

static void
qr_buf_free(struct qr_buf *b)
{
	mfa_free_secret(b->data, b->cap);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Grow by copying, so no unwiped copy of the secret is left behind by realloc. */
static int
qr_buf_append(struct qr_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap == 0 ? 4096 : b->cap;
		uint8_t *data;

		while (cap < b->len + n)
			cap *= 2;
		data = malloc(cap);
		if (data == NULL) {
			b->failed = 1;
			return -1;
		}
		if (b->len > 0)
			memcpy(data, b->data, b->len);
		mfa_free_secret(b->data, b->cap);
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static void
qr_png_write(png_structp png, png_bytep data, png_size_t n)
{
	(void)qr_buf_append(png_get_io_ptr(png), data, n);
}

static void
qr_png_flush(png_structp png)
{
	(void)png;
}

static QRcode *
qr_encode(const char *text)
{
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

static void
qr_png_rows(png_structp png, const QRcode *qr, png_bytep row, size_t side)
{
	for (size_t y = 0; y < side; y++) {
		size_t my = y / QR_SCALE;
		for (size_t x = 0; x < side; x++) {
			size_t mx = x / QR_SCALE;
			int dark = mx >= QR_MARGIN && my >= QR_MARGIN &&
			    mx < QR_MARGIN + (size_t)qr->width && my < QR_MARGIN + (size_t)qr->width &&
			    (qr->data[(my - QR_MARGIN) * (size_t)qr->width + (mx - QR_MARGIN)] & 1);
			row[x] = dark ? 0 : 255;
		}
		png_write_row(png, row);
	}
}

/* libpng reports errors by longjmp, so nothing here changes after setjmp. */
static int
qr_png_write_all(png_structp png, png_infop info, const QRcode *qr, png_bytep row, size_t side,
    struct qr_buf *buf)
{
	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_write_fn(png, buf, qr_png_write, qr_png_flush);
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	qr_png_rows(png, qr, row, side);
	png_write_end(png, NULL);
	return buf->failed ? -1 : 0;
}

int
qr_png(const char *text, uint8_t **ret_png, size_t *ret_len)
{
	struct qr_buf buf = { 0 };
	QRcode *qr = NULL;
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep row = NULL;
	size_t side;
	int r = -1;

	qr = qr_encode(text);
	if (qr == NULL)
		goto out;
	side = ((size_t)qr->width + 2 * QR_MARGIN) * QR_SCALE;
	row = malloc(side);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (row == NULL || png == NULL || (info = png_create_info_struct(png)) == NULL)
		goto out;
	if (qr_png_write_all(png, info, qr, row, side, &buf) != 0)
		goto out;
	*ret_png = buf.data;
	*ret_len = buf.len;
	buf.data = NULL;
	buf.cap = 0;
	r = 0;
out:
	if (png != NULL)
		png_destroy_write_struct(&png, info != NULL ? &info : NULL);
	free(row);
	QRcode_free(qr);
	qr_buf_free(&buf);
	return r;
}

static int
qr_svg_module(struct qr_buf *b, int x, int y)
{
	char tmp[48];
	int n = snprintf(tmp, sizeof(tmp), "M%d %dh1v1h-1z", x, y);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return qr_buf_append(b, tmp, (size_t)n);
}

static int
qr_svg_header(struct qr_buf *b, int side)
{
	char tmp[256];
	int n = snprintf(tmp, sizeof(tmp), "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\"><rect width=\"100%%\" "
	    "height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"", side, side);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return qr_buf_append(b, tmp, (size_t)n);
}

int
qr_svg(const char *text, char **ret_svg)
{
	struct qr_buf buf = { 0 };
	QRcode *qr = NULL;
	int side;
	int r = -1;

	qr = qr_encode(text);
	if (qr == NULL)
		goto out;
	side = qr->width + 2 * QR_MARGIN;
	if (qr_svg_header(&buf, side) != 0)
		goto out;
	/* One unit square per dark module: "M x y h1v1h-1z". */
	for (int y = 0; y < qr->width; y++) {
		for (int x = 0; x < qr->width; x++) {
			if ((qr->data[y * qr->width + x] & 1) &&
			    qr_svg_module(&buf, x + QR_MARGIN, y + QR_MARGIN) != 0)
				goto out;
		}
	}
	if (qr_buf_append(&buf, "\"/></svg>", 10) != 0)
		goto out;
	*ret_svg = (char *)buf.data;
	buf.data = NULL;
	buf.cap = 0;
	r = 0;
out:
	QRcode_free(qr);
	qr_buf_free(&buf);
	return r;
}
