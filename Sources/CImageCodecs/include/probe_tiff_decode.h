#ifndef PROBE_TIFF_DECODE_H
#define PROBE_TIFF_DECODE_H
// TIFF decoding (first page) through libtiff. libtiff reports errors through handlers, which here
// are per-file and only record a one-line message (nothing is printed); results are return codes.
// Use: open -> (check the pixel limit) -> read_rgb -> close.
#include <stddef.h>
#include <stdint.h>

typedef struct probe_tiff_decoder probe_tiff_decoder;

typedef struct {
    int width;
    int height;
    int bits_per_sample;   // 1, 2, 4, 8 or 16
    int samples_per_pixel;
    int photometric;       // TIFF PhotometricInterpretation
    int compression;       // TIFF Compression
} probe_tiff_header;

/// Opens `size` bytes at `data` (they must outlive the decoder), reads the first directory and
/// checks that its layout is one Probe converts. NULL only when out of memory; `*status` is 0 on
/// success, else probe_tiff_message says why (also when libtiff, opened on first use, cannot be).
probe_tiff_decoder *probe_tiff_open(const uint8_t *data, size_t size, probe_tiff_header *header, int *status);
void probe_tiff_close(probe_tiff_decoder *decoder);

/// Decodes into packed RGB (width * height * 3 bytes) as Pillow's convert("RGB") gives it: gray
/// (1/2/4/8-bit, min-is-black or min-is-white) replicated, palettes through the colour map's high
/// bytes, alpha and other extra samples dropped, CMYK by Pillow's formula, 16-bit gray clipped at
/// 255 and 16-bit RGB reduced to its high bytes. 0 on success.
int probe_tiff_read_rgb(probe_tiff_decoder *decoder, uint8_t *rgb);

const char *probe_tiff_message(const probe_tiff_decoder *decoder);
#endif
