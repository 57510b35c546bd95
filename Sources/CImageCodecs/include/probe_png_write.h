#ifndef PROBE_PNG_WRITE_H
#define PROBE_PNG_WRITE_H
// PNG writing through libpng (opened on first use; if it cannot be, the reason is the error).
// libpng reports errors with longjmp, which Swift cannot catch: these functions own the setjmp and
// return 0 on success or -1 with a one-line reason in `error` (NUL-terminated, truncated to error_size).
#include <stddef.h>
#include <stdint.h>

// Encodes RGB pixels as PNG into memory. On success *png points to *png_size bytes the caller
// frees with probe_png_free.
int probe_png_encode_rgb8(const uint8_t *rgb, uint32_t width, uint32_t height, uint8_t **png, size_t *png_size,
                          char *error, size_t error_size);

void probe_png_free(void *pointer);
#endif
