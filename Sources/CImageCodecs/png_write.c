// PNG output through libpng with setjmp-based error handling turned into return codes.
// Everything touched after setjmp and needed after a longjmp is volatile or owned by libpng.
#include "probe_png_write.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buffer;
    size_t size;
} probe_png_error_sink;

static void set_error(char *buffer, size_t size, const char *message) {
    if (buffer == NULL || size == 0) return;
    snprintf(buffer, size, "%s", message);
}

static void probe_png_on_error(png_structp png, png_const_charp message) {
    probe_png_error_sink *sink = (probe_png_error_sink *)png_get_error_ptr(png);
    if (sink) set_error(sink->buffer, sink->size, message);
    png_longjmp(png, 1);
}

static void probe_png_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // Warnings do not stop the write; libraries never print.
}


/* Header, 8-bit RGB rows and end of an image; shared by the file and memory writers.
   Must run under the caller's setjmp, since libpng reports errors by longjmp. */
static void write_rgb_rows(png_structp png, png_infop info, const uint8_t *rgb, uint32_t width, uint32_t height) {
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    }
    png_write_end(png, NULL);
}

int probe_png_write_rgb8(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                         char *error, size_t error_size) {
    if (width == 0 || height == 0 || width > 1000000 || height > 1000000) {
        set_error(error, error_size, "image dimensions out of range");
        return -1;
    }
    FILE *volatile file = fopen(path, "wb");
    if (!file) {
        set_error(error, error_size, strerror(errno));
        return -1;
    }
    probe_png_error_sink sink = {error, error_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, probe_png_on_error, probe_png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return -1;
    }
    png_init_io(png, file);
    write_rgb_rows(png, info, rgb, width, height);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) {
        set_error(error, error_size, strerror(errno));
        return -1;
    }
    return 0;
}

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} probe_png_buffer;

static void probe_png_buffer_write(png_structp png, png_bytep bytes, png_size_t length) {
    probe_png_buffer *buffer = (probe_png_buffer *)png_get_io_ptr(png);
    if (buffer->size + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 4096;
        while (capacity < buffer->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(buffer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
}

static void probe_png_buffer_flush(png_structp png) { (void)png; }

int probe_png_encode_rgb8(const uint8_t *rgb, uint32_t width, uint32_t height, uint8_t **out, size_t *out_size,
                          char *error, size_t error_size) {
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > 1000000 || height > 1000000) {
        set_error(error, error_size, "image dimensions out of range");
        return -1;
    }
    probe_png_error_sink sink = {error, error_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, probe_png_on_error, probe_png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    // On the heap, and the pointer is not changed after setjmp, so it is still valid after a longjmp
    // (a local struct modified between setjmp and longjmp would be indeterminate).
    probe_png_buffer *buffer = (probe_png_buffer *)calloc(1, sizeof(probe_png_buffer));
    if (!buffer) {
        png_destroy_write_struct(&png, &info);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(buffer->data);
        free(buffer);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, buffer, probe_png_buffer_write, probe_png_buffer_flush);
    write_rgb_rows(png, info, rgb, width, height);
    png_destroy_write_struct(&png, &info);
    *out = buffer->data;
    *out_size = buffer->size;
    free(buffer);
    return 0;
}

int probe_png_read_rgb8(const char *path, uint8_t **rgb, uint32_t *width, uint32_t *height,
                        char *error, size_t error_size) {
    *rgb = NULL;
    FILE *volatile file = fopen(path, "rb");
    if (!file) {
        set_error(error, error_size, strerror(errno));
        return -1;
    }
    unsigned char signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        set_error(error, error_size, "not a PNG file");
        return -1;
    }
    probe_png_error_sink sink = {error, error_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, probe_png_on_error, probe_png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, NULL, NULL);
        fclose(file);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        if (rows) png_free(png, rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return -1;
    }
    png_init_io(png, file);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w == 0 || h == 0 || (uint64_t)w * h > 100000000ULL) png_error(png, "image dimensions out of range");
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) png_error(png, "unexpected row layout after expansion");
    pixels = (uint8_t *)malloc((size_t)w * h * 3);
    if (!pixels) png_error(png, "out of memory");
    rows = (png_bytep *)png_malloc(png, sizeof(png_bytep) * h);
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * w * 3;
    png_read_image(png, rows);
    png_free(png, rows);
    rows = NULL;
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    *rgb = pixels;
    *width = w;
    *height = h;
    return 0;
}

void probe_png_free(void *pointer) { free(pointer); }
