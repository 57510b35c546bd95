// giflib's functions as the GIF decoder calls them: through a table that codec_libraries.c fills
// with dlopen/dlsym on first use (why: include/probe_codec_libraries.h).
#ifndef PROBE_GIF_LIBRARY_H
#define PROBE_GIF_LIBRARY_H
#include <stddef.h>

#include <gif_lib.h>

#define PROBE_GIF_FUNCTIONS(X)                                                                     \
    X(DGifOpen)                                                                                    \
    X(DGifCloseFile)                                                                               \
    X(DGifGetRecordType)                                                                           \
    X(DGifGetImageDesc)                                                                            \
    X(DGifGetExtension)                                                                            \
    X(DGifGetExtensionNext)                                                                        \
    X(DGifGetLine)                                                                                 \
    X(GifErrorString)

typedef struct {
#define PROBE_FIELD(name) __typeof__(name) *name;
    PROBE_GIF_FUNCTIONS(PROBE_FIELD)
#undef PROBE_FIELD
} probe_gif_library;

/// Opens `soname` and fills `table`; 0, or -1 with a one-line reason naming the soname and the
/// Debian package.
int probe_gif_library_load(const char *soname, probe_gif_library *table, char *error, size_t error_size);

/// The process's table, filled once by the first caller of probe_libgif_require (NULL: usable;
/// else the reason it is not).
extern probe_gif_library probe_libgif;
const char *probe_libgif_require(void);

#ifndef PROBE_CODEC_LOADER
#define DGifOpen (probe_libgif.DGifOpen)
#define DGifCloseFile (probe_libgif.DGifCloseFile)
#define DGifGetRecordType (probe_libgif.DGifGetRecordType)
#define DGifGetImageDesc (probe_libgif.DGifGetImageDesc)
#define DGifGetExtension (probe_libgif.DGifGetExtension)
#define DGifGetExtensionNext (probe_libgif.DGifGetExtensionNext)
#define DGifGetLine (probe_libgif.DGifGetLine)
#define GifErrorString (probe_libgif.GifErrorString)
#endif
#endif
