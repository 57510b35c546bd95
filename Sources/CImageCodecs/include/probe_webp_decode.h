#ifndef PROBE_WEBP_DECODE_H
#define PROBE_WEBP_DECODE_H
// WebP decoding through libwebp (libwebpdemux for animations). libwebp reports errors as return
// codes; these functions add a one-line message. Use: read_header -> (check the pixel limit) -> read_rgb.
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int width;      // canvas width
    int height;     // canvas height
    int has_alpha;
    int animated;
    int lossless;   // 1 lossless, 0 lossy, -1 mixed or undefined (animations)
} probe_webp_header;

/// Reads the RIFF header and the first chunk. 0 on success, else a message in `message` (also when
/// libwebp, or libwebpdemux for an animation, opened on first use, cannot be).
int probe_webp_read_header(const uint8_t *data, size_t size, probe_webp_header *header, char *message, size_t message_size);

/// Decodes into packed RGB (width * height * 3 bytes) as Pillow's convert("RGB") gives it: alpha is
/// dropped without compositing; an animation gives its first frame on a transparent-black canvas.
int probe_webp_read_rgb(const uint8_t *data, size_t size, const probe_webp_header *header, uint8_t *rgb,
                        char *message, size_t message_size);
#endif
