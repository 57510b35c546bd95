#ifndef PROBE_JPEG_DECODE_H
#define PROBE_JPEG_DECODE_H
// JPEG decoding through libjpeg-turbo. libjpeg reports fatal errors with longjmp, which
// Swift cannot unwind through, so every function here owns a setjmp and turns an error
// into a non-zero return code plus a one-line message (probe_jpeg_message).
//
// Use: create -> read_header -> (check the pixel limit) -> start -> read_rgb -> destroy.
#include <stddef.h>
#include <stdint.h>

typedef struct probe_jpeg_decoder probe_jpeg_decoder;

/// What the header says, before any pixel is allocated.
typedef struct {
    int width;         // stored width in pixels
    int height;        // stored height in pixels
    int components;    // 1 (gray), 3 (YCbCr/RGB) or 4 (CMYK/YCCK)
    int progressive;   // 1 when the file is progressive
} probe_jpeg_header;

/// A decoder over `size` bytes at `data` (the bytes must outlive the decoder). NULL if out of memory.
/// Opens libjpeg on first use; if it cannot, read_header fails with the reason as its message.
probe_jpeg_decoder *probe_jpeg_create(const uint8_t *data, size_t size);
void probe_jpeg_destroy(probe_jpeg_decoder *decoder);

/// Reads the markers up to the first scan. 0 on success.
int probe_jpeg_read_header(probe_jpeg_decoder *decoder, probe_jpeg_header *header);

/// Starts decompression at scale `scale_numerator`/8 (1...8; 8 = full size, smaller values use
/// libjpeg's DCT-domain downscaling) and reports the output size. `fast_integer_idct` 1 uses
/// libjpeg's JDCT_IFAST (TensorFlow's default), 0 the accurate JDCT_ISLOW (Pillow's). 0 on success.
int probe_jpeg_start(probe_jpeg_decoder *decoder, int scale_numerator, int fast_integer_idct, int *out_width,
                     int *out_height);

/// Decodes every row as packed RGB (3 bytes per pixel, rows `out_width * 3` bytes apart) into
/// `rgb`, which holds out_width * out_height * 3 bytes. Gray is replicated; CMYK/YCCK (Adobe
/// polarity, as Pillow assumes for every 4-channel JPEG) is converted the way Pillow's
/// convert("RGB") does. A premature end of data is an error. 0 on success.
int probe_jpeg_read_rgb(probe_jpeg_decoder *decoder, uint8_t *rgb);

/// The last error, one line, no trailing newline.
const char *probe_jpeg_message(const probe_jpeg_decoder *decoder);

#endif
