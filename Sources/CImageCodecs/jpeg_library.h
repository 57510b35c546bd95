// libjpeg's functions as the JPEG decoder calls them: through a table that codec_libraries.c fills
// with dlopen/dlsym on first use (why the codecs are not linked: include/probe_codec_libraries.h).
// Include after <stdio.h>, as jpeglib.h requires; each name below then reads the table.
#ifndef PROBE_JPEG_LIBRARY_H
#define PROBE_JPEG_LIBRARY_H
#include <stddef.h>
#include <stdio.h>

#include <jpeglib.h>
#include <jerror.h>

// Every function the decoder calls. jpeg_create_decompress is a macro for jpeg_CreateDecompress
// (with the header's JPEG_LIB_VERSION and struct size), so the library exports the latter.
#define PROBE_JPEG_FUNCTIONS(X)                                                                    \
    X(jpeg_std_error)                                                                              \
    X(jpeg_CreateDecompress)                                                                       \
    X(jpeg_destroy_decompress)                                                                     \
    X(jpeg_mem_src)                                                                                \
    X(jpeg_read_header)                                                                            \
    X(jpeg_start_decompress)                                                                       \
    X(jpeg_read_scanlines)                                                                         \
    X(jpeg_abort_decompress)

typedef struct {
#define PROBE_FIELD(name) __typeof__(name) *name;
    PROBE_JPEG_FUNCTIONS(PROBE_FIELD)
#undef PROBE_FIELD
} probe_jpeg_library;

/// Opens `soname` and fills `table`; 0, or -1 with a one-line reason naming the soname and the
/// Debian package.
int probe_jpeg_library_load(const char *soname, probe_jpeg_library *table, char *error, size_t error_size);

/// The process's table, filled once (pthread_once) by the first caller of probe_libjpeg_require,
/// which returns NULL when it is usable, else the reason it is not (the same for every caller).
extern probe_jpeg_library probe_libjpeg;
const char *probe_libjpeg_require(void);

#ifndef PROBE_CODEC_LOADER
#define jpeg_std_error (probe_libjpeg.jpeg_std_error)
#define jpeg_CreateDecompress (probe_libjpeg.jpeg_CreateDecompress)
#define jpeg_destroy_decompress (probe_libjpeg.jpeg_destroy_decompress)
#define jpeg_mem_src (probe_libjpeg.jpeg_mem_src)
#define jpeg_read_header (probe_libjpeg.jpeg_read_header)
#define jpeg_start_decompress (probe_libjpeg.jpeg_start_decompress)
#define jpeg_read_scanlines (probe_libjpeg.jpeg_read_scanlines)
#define jpeg_abort_decompress (probe_libjpeg.jpeg_abort_decompress)
#endif
#endif
