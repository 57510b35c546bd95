// libpng wrapper: setjmp/longjmp error handling kept inside C, results as return codes.
// libpng is opened on first use (png_library.h); without it every decoder fails with the reason.
#include "probe_png_decode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_library.h"

struct probe_png_decoder {
    png_structp png;   // NULL when libpng could not be loaded: `message` says why
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int header_read;
    int gray16;        // 16-bit gray without alpha: Pillow clips instead of taking the high byte
    char message[256];
};

static void on_error(png_structp png, png_const_charp text) {
    probe_png_decoder *decoder = png_get_error_ptr(png);
    snprintf(decoder->message, sizeof decoder->message, "%s", text ? text : "PNG error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }  // never print

static void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    probe_png_decoder *decoder = png_get_io_ptr(png);
    if (length > decoder->size - decoder->offset) png_error(png, "truncated PNG (premature end of data)");
    memcpy(out, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

probe_png_decoder *probe_png_create(const uint8_t *data, size_t size) {
    probe_png_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    const char *missing = probe_libpng_require();
    if (missing) {
        snprintf(decoder->message, sizeof decoder->message, "%s", missing);
        return decoder;
    }
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, on_error, on_warning);
    if (!decoder->png) { free(decoder); return NULL; }
    decoder->info = png_create_info_struct(decoder->png);
    if (!decoder->info) {
        png_destroy_read_struct(&decoder->png, NULL, NULL);
        free(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, read_from_memory);
    // Width/height are checked against the caller's pixel limit after the header; this only keeps
    // libpng's own per-dimension sanity bound. Text chunks are capped so a zTXt bomb cannot balloon.
    png_set_chunk_malloc_max(decoder->png, 16u << 20);
    return decoder;
}

void probe_png_destroy(probe_png_decoder *decoder) {
    if (!decoder) return;
    if (decoder->png) png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    free(decoder);
}

const char *probe_png_message(const probe_png_decoder *decoder) { return decoder->message; }

int probe_png_read_header(probe_png_decoder *decoder, probe_png_header *header) {
    if (!decoder->png) return 1;
    if (setjmp(png_jmpbuf(decoder->png))) return 1;
    if (decoder->size < 8 || png_sig_cmp(decoder->data, 0, 8) != 0) {
        snprintf(decoder->message, sizeof decoder->message, "not a PNG file (bad signature)");
        return 1;
    }
    png_read_info(decoder->png, decoder->info);
    decoder->header_read = 1;
    header->width = (int)png_get_image_width(decoder->png, decoder->info);
    header->height = (int)png_get_image_height(decoder->png, decoder->info);
    header->color_type = png_get_color_type(decoder->png, decoder->info);
    header->bit_depth = png_get_bit_depth(decoder->png, decoder->info);
    header->interlaced = png_get_interlace_type(decoder->png, decoder->info) != PNG_INTERLACE_NONE;
    return 0;
}

// One decoded row (after libpng's transforms) to packed RGB.
static void row_to_rgb(const uint8_t *in, uint8_t *rgb, int width, int channels, int gray16) {
    if (gray16) {
        // Big-endian 16-bit gray; Pillow's I;16 -> L conversion saturates at 255.
        for (int x = 0; x < width; x++) {
            uint8_t v = in[2 * x] ? 255 : in[2 * x + 1];
            rgb[3 * x] = rgb[3 * x + 1] = rgb[3 * x + 2] = v;
        }
        return;
    }
    switch (channels) {
    case 1:
    case 2:  // gray (+ alpha, dropped)
        for (int x = 0; x < width; x++) {
            uint8_t v = in[channels * x];
            rgb[3 * x] = rgb[3 * x + 1] = rgb[3 * x + 2] = v;
        }
        break;
    case 3:
        memcpy(rgb, in, (size_t)width * 3);
        break;
    default:  // RGBA: alpha dropped without compositing, as Pillow's convert("RGB") does
        for (int x = 0; x < width; x++) {
            rgb[3 * x] = in[4 * x];
            rgb[3 * x + 1] = in[4 * x + 1];
            rgb[3 * x + 2] = in[4 * x + 2];
        }
        break;
    }
}

int probe_png_read_rgb(probe_png_decoder *decoder, uint8_t *rgb) {
    uint8_t *volatile scratch = NULL;
    png_bytep *volatile row_pointers = NULL;
    if (!decoder->png) return 1;
    if (setjmp(png_jmpbuf(decoder->png))) {
        free(scratch);
        free(row_pointers);
        return 1;
    }
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    const int color_type = png_get_color_type(png, info);
    const int bit_depth = png_get_bit_depth(png, info);
    const int width = (int)png_get_image_width(png, info);
    const int height = (int)png_get_image_height(png, info);

    decoder->gray16 = (color_type == PNG_COLOR_TYPE_GRAY && bit_depth == 16);
    if (!decoder->gray16 && bit_depth == 16) png_set_strip_16(png);  // keeps the high byte, like Pillow
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const int channels = png_get_channels(png, info);
    const size_t row_bytes = png_get_rowbytes(png, info);
    const size_t stride = (size_t)width * 3;

    if (passes == 1) {
        scratch = malloc(row_bytes);
        if (!scratch) png_error(png, "out of memory");
        for (int y = 0; y < height; y++) {
            png_read_row(png, scratch, NULL);
            row_to_rgb(scratch, rgb + (size_t)y * stride, width, channels, decoder->gray16);
        }
    } else {
        // Adam7 fills rows over several passes, so the whole transformed image is held once.
        scratch = malloc(row_bytes * (size_t)height);
        row_pointers = malloc(sizeof(png_bytep) * (size_t)height);
        if (!scratch || !row_pointers) png_error(png, "out of memory");
        for (int y = 0; y < height; y++) row_pointers[y] = scratch + (size_t)y * row_bytes;
        png_read_image(png, row_pointers);
        for (int y = 0; y < height; y++)
            row_to_rgb(row_pointers[y], rgb + (size_t)y * stride, width, channels, decoder->gray16);
    }
    free(scratch);
    free(row_pointers);
    scratch = NULL;
    row_pointers = NULL;
    return 0;
}
