// libpng's functions as the PNG decoder and writer call them: through a table that
// codec_libraries.c fills with dlopen/dlsym on first use (why: include/probe_codec_libraries.h).
#ifndef PROBE_PNG_LIBRARY_H
#define PROBE_PNG_LIBRARY_H
#include <stddef.h>

#include <png.h>

// Every function the decoder and the writer call. png_jmpbuf is a macro that calls
// png_set_longjmp_fn (with libc's longjmp and the size of jmp_buf).
#define PROBE_PNG_FUNCTIONS(X)                                                                     \
    X(png_create_read_struct)                                                                      \
    X(png_create_write_struct)                                                                     \
    X(png_create_info_struct)                                                                      \
    X(png_destroy_read_struct)                                                                     \
    X(png_destroy_write_struct)                                                                    \
    X(png_set_longjmp_fn)                                                                          \
    X(png_longjmp)                                                                                 \
    X(png_error)                                                                                   \
    X(png_get_error_ptr)                                                                           \
    X(png_get_io_ptr)                                                                              \
    X(png_set_read_fn)                                                                             \
    X(png_set_write_fn)                                                                            \
    X(png_set_chunk_malloc_max)                                                                    \
    X(png_sig_cmp)                                                                                 \
    X(png_read_info)                                                                               \
    X(png_get_image_width)                                                                         \
    X(png_get_image_height)                                                                        \
    X(png_get_color_type)                                                                          \
    X(png_get_bit_depth)                                                                           \
    X(png_get_interlace_type)                                                                      \
    X(png_get_channels)                                                                            \
    X(png_get_rowbytes)                                                                            \
    X(png_set_strip_16)                                                                            \
    X(png_set_palette_to_rgb)                                                                      \
    X(png_set_expand_gray_1_2_4_to_8)                                                              \
    X(png_set_interlace_handling)                                                                  \
    X(png_read_update_info)                                                                        \
    X(png_read_row)                                                                                \
    X(png_read_image)                                                                              \
    X(png_set_IHDR)                                                                                \
    X(png_write_info)                                                                              \
    X(png_write_row)                                                                               \
    X(png_write_end)

typedef struct {
#define PROBE_FIELD(name) __typeof__(name) *name;
    PROBE_PNG_FUNCTIONS(PROBE_FIELD)
#undef PROBE_FIELD
} probe_png_library;

/// Opens `soname` and fills `table`; 0, or -1 with a one-line reason naming the soname and the
/// Debian package.
int probe_png_library_load(const char *soname, probe_png_library *table, char *error, size_t error_size);

/// The process's table, filled once by the first caller of probe_libpng_require (NULL: usable;
/// else the reason it is not).
extern probe_png_library probe_libpng;
const char *probe_libpng_require(void);

#ifndef PROBE_CODEC_LOADER
#define png_create_read_struct (probe_libpng.png_create_read_struct)
#define png_create_write_struct (probe_libpng.png_create_write_struct)
#define png_create_info_struct (probe_libpng.png_create_info_struct)
#define png_destroy_read_struct (probe_libpng.png_destroy_read_struct)
#define png_destroy_write_struct (probe_libpng.png_destroy_write_struct)
#define png_set_longjmp_fn (probe_libpng.png_set_longjmp_fn)
#define png_longjmp (probe_libpng.png_longjmp)
#define png_error (probe_libpng.png_error)
#define png_get_error_ptr (probe_libpng.png_get_error_ptr)
#define png_get_io_ptr (probe_libpng.png_get_io_ptr)
#define png_set_read_fn (probe_libpng.png_set_read_fn)
#define png_set_write_fn (probe_libpng.png_set_write_fn)
#define png_set_chunk_malloc_max (probe_libpng.png_set_chunk_malloc_max)
#define png_sig_cmp (probe_libpng.png_sig_cmp)
#define png_read_info (probe_libpng.png_read_info)
#define png_get_image_width (probe_libpng.png_get_image_width)
#define png_get_image_height (probe_libpng.png_get_image_height)
#define png_get_color_type (probe_libpng.png_get_color_type)
#define png_get_bit_depth (probe_libpng.png_get_bit_depth)
#define png_get_interlace_type (probe_libpng.png_get_interlace_type)
#define png_get_channels (probe_libpng.png_get_channels)
#define png_get_rowbytes (probe_libpng.png_get_rowbytes)
#define png_set_strip_16 (probe_libpng.png_set_strip_16)
#define png_set_palette_to_rgb (probe_libpng.png_set_palette_to_rgb)
#define png_set_expand_gray_1_2_4_to_8 (probe_libpng.png_set_expand_gray_1_2_4_to_8)
#define png_set_interlace_handling (probe_libpng.png_set_interlace_handling)
#define png_read_update_info (probe_libpng.png_read_update_info)
#define png_read_row (probe_libpng.png_read_row)
#define png_read_image (probe_libpng.png_read_image)
#define png_set_IHDR (probe_libpng.png_set_IHDR)
#define png_write_info (probe_libpng.png_write_info)
#define png_write_row (probe_libpng.png_write_row)
#define png_write_end (probe_libpng.png_write_end)
#endif
#endif
