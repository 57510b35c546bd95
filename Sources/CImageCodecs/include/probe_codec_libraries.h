#ifndef PROBE_CODEC_LIBRARIES_H
#define PROBE_CODEC_LIBRARIES_H
// The image libraries behind the decoders (libjpeg-turbo, libpng, giflib, libwebp, libwebpdemux,
// libtiff) are opened with dlopen on first use, not linked: a library in the executable's NEEDED
// list is mapped and relocated at every start, and these six, with what libtiff pulls in (libLerc,
// a C++ library, libzstd, liblzma, libjbig, libdeflate), took an empty C program's start from
// about 1.4 ms to 4 ms (perf stat), paid by every command, most of which decode no image.
//
// Each decoder asks for its library when it first needs it; the first caller opens it (once per
// process, pthread_once, since extraction decodes on several threads) and fills a table of
// function pointers, each typed like the function it names (the private *_library.h headers, which
// also point the decoders' calls at the table). A missing library or function is not a crash: the
// decoder fails as for a bad file, with the reason in its message, e.g.
// "libtiff.so.6 not found (Debian package libtiff6)". The library headers (Debian -dev packages)
// are still used, for the types.
#include <stddef.h>

/// The sonames the loaders open (those the -dev packages link against) and their Debian packages.
#define PROBE_JPEG_SONAME "libjpeg.so.62"
#define PROBE_JPEG_PACKAGE "libjpeg62-turbo"
#define PROBE_PNG_SONAME "libpng16.so.16"
#define PROBE_PNG_PACKAGE "libpng16-16"
#define PROBE_GIF_SONAME "libgif.so.7"
#define PROBE_GIF_PACKAGE "libgif7"
#define PROBE_WEBP_SONAME "libwebp.so.7"
#define PROBE_WEBP_PACKAGE "libwebp7"
#define PROBE_WEBPDEMUX_SONAME "libwebpdemux.so.2"
#define PROBE_WEBPDEMUX_PACKAGE "libwebpdemux2"
#define PROBE_TIFF_SONAME "libtiff.so.6"
#define PROBE_TIFF_PACKAGE "libtiff6"

typedef enum {
    PROBE_CODEC_JPEG,
    PROBE_CODEC_PNG,
    PROBE_CODEC_GIF,
    PROBE_CODEC_WEBP,
    PROBE_CODEC_WEBPDEMUX,
    PROBE_CODEC_TIFF,
} probe_codec_library;

/// Opens `soname` as `library` and resolves every function the decoders call from it, into a
/// table of its own (the decoders' table is not touched; the library stays open). 0, or -1 with a
/// one-line reason in `error` naming the soname and the Debian package. For tests and diagnostics:
/// the decoders load their libraries themselves.
int probe_codec_library_load(probe_codec_library library, const char *_Nonnull soname,
                             char *_Nonnull error, size_t error_size);
#endif
