// PNG output through libpng with setjmp-based error handling turned into return codes.
// Everything touched after setjmp and needed after a longjmp is volatile or owned by libpng.
// libpng is opened on first use (png_library.h); without it encoding fails with the reason.
#include "probe_png_write.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_library.h"

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


/* Header, 8-bit RGB rows and end of an image; used by the memory writer.
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
    const char *missing = probe_libpng_require();
    if (missing) {
        set_error(error, error_size, missing);
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

void probe_png_free(void *pointer) { free(pointer); }
