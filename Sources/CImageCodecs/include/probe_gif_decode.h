#ifndef PROBE_GIF_DECODE_H
#define PROBE_GIF_DECODE_H
// GIF decoding (first frame) through giflib. giflib reports errors as return codes, and this
// wrapper keeps the same open -> (check the pixel limit) -> read_rgb -> close shape as the others.
#include <stddef.h>
#include <stdint.h>

typedef struct probe_gif_decoder probe_gif_decoder;

/// Opens `size` bytes at `data` (they must outlive the decoder) and reads up to the first frame's
/// image descriptor. Always returns a decoder (NULL only when out of memory); `*status` is 0 on
/// success, else probe_gif_message says why (also when giflib, opened on first use, cannot be).
probe_gif_decoder *probe_gif_open(const uint8_t *data, size_t size, int *status);
void probe_gif_close(probe_gif_decoder *decoder);

/// The picture's size: the logical screen, grown to hold the first frame if that frame is larger
/// (as Pillow sizes it).
void probe_gif_size(const probe_gif_decoder *decoder, int *width, int *height);

/// Decodes the first frame into packed RGB (width * height * 3 bytes) as Pillow's
/// convert("RGB") gives it: the canvas starts as the frame's transparent index (else index 0), the
/// frame's local colour table (else the global one) maps indices to colours, transparency is
/// ignored. Without any colour table the indices are gray levels. 0 on success.
int probe_gif_read_rgb(probe_gif_decoder *decoder, uint8_t *rgb);

const char *probe_gif_message(const probe_gif_decoder *decoder);
#endif
