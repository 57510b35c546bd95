// libtiff's functions as the TIFF decoder calls them: through a table that codec_libraries.c fills
// with dlopen/dlsym on first use (why: include/probe_codec_libraries.h).
#ifndef PROBE_TIFF_LIBRARY_H
#define PROBE_TIFF_LIBRARY_H
#include <stddef.h>

#include <tiffio.h>

#define PROBE_TIFF_FUNCTIONS(X)                                                                    \
    X(TIFFOpenOptionsAlloc)                                                                        \
    X(TIFFOpenOptionsFree)                                                                         \
    X(TIFFOpenOptionsSetErrorHandlerExtR)                                                          \
    X(TIFFOpenOptionsSetWarningHandlerExtR)                                                        \
    X(TIFFOpenOptionsSetMaxSingleMemAlloc)                                                         \
    X(TIFFClientOpenExt)                                                                           \
    X(TIFFClose)                                                                                   \
    X(TIFFGetField)                                                                                \
    X(TIFFGetFieldDefaulted)                                                                       \
    X(TIFFSetField)                                                                                \
    X(TIFFIsTiled)                                                                                 \
    X(TIFFTileSize)                                                                                \
    X(TIFFReadTile)                                                                                \
    X(TIFFScanlineSize)                                                                            \
    X(TIFFReadScanline)

typedef struct {
#define PROBE_FIELD(name) __typeof__(name) *name;
    PROBE_TIFF_FUNCTIONS(PROBE_FIELD)
#undef PROBE_FIELD
} probe_tiff_library;

/// Opens `soname` and fills `table`; 0, or -1 with a one-line reason naming the soname and the
/// Debian package.
int probe_tiff_library_load(const char *soname, probe_tiff_library *table, char *error, size_t error_size);

/// The process's table, filled once by the first caller of probe_libtiff_require (NULL: usable;
/// else the reason it is not).
extern probe_tiff_library probe_libtiff;
const char *probe_libtiff_require(void);

#ifndef PROBE_CODEC_LOADER
#define TIFFOpenOptionsAlloc (probe_libtiff.TIFFOpenOptionsAlloc)
#define TIFFOpenOptionsFree (probe_libtiff.TIFFOpenOptionsFree)
#define TIFFOpenOptionsSetErrorHandlerExtR (probe_libtiff.TIFFOpenOptionsSetErrorHandlerExtR)
#define TIFFOpenOptionsSetWarningHandlerExtR (probe_libtiff.TIFFOpenOptionsSetWarningHandlerExtR)
#define TIFFOpenOptionsSetMaxSingleMemAlloc (probe_libtiff.TIFFOpenOptionsSetMaxSingleMemAlloc)
#define TIFFClientOpenExt (probe_libtiff.TIFFClientOpenExt)
#define TIFFClose (probe_libtiff.TIFFClose)
#define TIFFGetField (probe_libtiff.TIFFGetField)
#define TIFFGetFieldDefaulted (probe_libtiff.TIFFGetFieldDefaulted)
#define TIFFSetField (probe_libtiff.TIFFSetField)
#define TIFFIsTiled (probe_libtiff.TIFFIsTiled)
#define TIFFTileSize (probe_libtiff.TIFFTileSize)
#define TIFFReadTile (probe_libtiff.TIFFReadTile)
#define TIFFScanlineSize (probe_libtiff.TIFFScanlineSize)
#define TIFFReadScanline (probe_libtiff.TIFFReadScanline)
#endif
#endif
