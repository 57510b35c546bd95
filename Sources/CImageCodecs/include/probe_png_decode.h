#ifndef PROBE_PNG_DECODE_H
#define PROBE_PNG_DECODE_H
// PNG decoding through libpng. libpng reports fatal errors with longjmp, so every function here
// owns a setjmp and turns an error into a non-zero return code plus a one-line message.
//
// Use: create -> read_header -> (check the pixel limit) -> read_rgb -> destroy.
#include <stddef.h>
#include <stdint.h>

typedef struct probe_png_decoder probe_png_decoder;

typedef struct {
    int width;
    int height;
    int color_type;   // PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int bit_depth;    // 1, 2, 4, 8 or 16
    int interlaced;   // 1 for Adam7
} probe_png_header;

/// A decoder over `size` bytes at `data` (the bytes must outlive the decoder). NULL if out of memory.
/// Opens libpng on first use; if it cannot, read_header fails with the reason as its message.
probe_png_decoder *probe_png_create(const uint8_t *data, size_t size);
void probe_png_destroy(probe_png_decoder *decoder);

/// Checks the signature and reads the chunks before the image data. 0 on success.
int probe_png_read_header(probe_png_decoder *decoder, probe_png_header *header);

/// Decodes into packed 8-bit RGB (width * height * 3 bytes at `rgb`), matching Pillow's
/// convert("RGB"): alpha is dropped without compositing, gray is replicated, palettes are
/// expanded, 16-bit samples keep their high byte, except 16-bit gray without alpha, which
/// Pillow clips to 255 (its I;16 -> L conversion). 0 on success.
int probe_png_read_rgb(probe_png_decoder *decoder, uint8_t *rgb);

const char *probe_png_message(const probe_png_decoder *decoder);

#endif
