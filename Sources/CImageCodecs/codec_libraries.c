// Opens the image libraries with dlopen and fills the decoders' function tables (why:
// include/probe_codec_libraries.h). The function lists are the X-macros in the *_library.h headers,
// so a table's fields and what is resolved into them cannot disagree.
#define PROBE_CODEC_LOADER 1  // the tables' fields keep the functions' names (no redirect macros)
#include "probe_codec_libraries.h"
#include "gif_library.h"
#include "jpeg_library.h"
#include "png_library.h"
#include "tiff_library.h"
#include "webp_library.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static void *open_library(const char *soname, const char *package, char *error, size_t error_size) {
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!library) snprintf(error, error_size, "%s not found (Debian package %s)", soname, package);
    return library;
}

static int missing(void *library, const char *soname, const char *package, const char *name, char *error,
                   size_t error_size) {
    snprintf(error, error_size, "%s has no %s (Debian package %s, wrong version?)", soname, name, package);
    dlclose(library);
    return -1;
}

// In a loader below: resolves `name` into table->name, or returns the reason it cannot.
#define RESOLVE(name)                                                                              \
    if (!(table->name = (__typeof__(table->name))dlsym(library, #name)))                           \
        return missing(library, soname, package, #name, error, error_size);

// probe_<codec>_library_load: opens `soname` and resolves every function of PROBE_<CODEC>_FUNCTIONS.
#define LOADER(codec, CODEC)                                                                       \
    int probe_##codec##_library_load(const char *soname, probe_##codec##_library *table, char *error, \
                                     size_t error_size) {                                          \
        const char *package = PROBE_##CODEC##_PACKAGE;                                             \
        void *library = open_library(soname, package, error, error_size);                          \
        if (!library) return -1;                                                                   \
        PROBE_##CODEC##_FUNCTIONS(RESOLVE)                                                         \
        return 0;                                                                                  \
    }

LOADER(jpeg, JPEG)
LOADER(png, PNG)
LOADER(gif, GIF)
LOADER(webp, WEBP)
LOADER(webpdemux, WEBPDEMUX)
LOADER(tiff, TIFF)
#undef LOADER
#undef RESOLVE

// The process's table for one library, and its require function: the first caller loads it under
// pthread_once (which also makes the filled table visible to every thread that returns from it);
// a failure is kept, so every later decode reports the same reason without trying again.
#define PROCESS_TABLE(library, type, soname)                                                       \
    type probe_##library;                                                                          \
    static pthread_once_t library##_once = PTHREAD_ONCE_INIT;                                      \
    static int library##_status;                                                                   \
    static char library##_reason[256];                                                             \
    static void load_##library(void) {                                                             \
        library##_status = type##_load(soname, &probe_##library, library##_reason,                 \
                                       sizeof library##_reason);                                   \
    }                                                                                              \
    const char *probe_##library##_require(void) {                                                  \
        pthread_once(&library##_once, load_##library);                                             \
        return library##_status == 0 ? NULL : library##_reason;                                    \
    }

PROCESS_TABLE(libjpeg, probe_jpeg_library, PROBE_JPEG_SONAME)
PROCESS_TABLE(libpng, probe_png_library, PROBE_PNG_SONAME)
PROCESS_TABLE(libgif, probe_gif_library, PROBE_GIF_SONAME)
PROCESS_TABLE(libwebp, probe_webp_library, PROBE_WEBP_SONAME)
PROCESS_TABLE(libwebpdemux, probe_webpdemux_library, PROBE_WEBPDEMUX_SONAME)
PROCESS_TABLE(libtiff, probe_tiff_library, PROBE_TIFF_SONAME)
#undef PROCESS_TABLE

int probe_codec_library_load(probe_codec_library library, const char *soname, char *error, size_t error_size) {
    switch (library) {
    case PROBE_CODEC_JPEG: {
        probe_jpeg_library table;
        return probe_jpeg_library_load(soname, &table, error, error_size);
    }
    case PROBE_CODEC_PNG: {
        probe_png_library table;
        return probe_png_library_load(soname, &table, error, error_size);
    }
    case PROBE_CODEC_GIF: {
        probe_gif_library table;
        return probe_gif_library_load(soname, &table, error, error_size);
    }
    case PROBE_CODEC_WEBP: {
        probe_webp_library table;
        return probe_webp_library_load(soname, &table, error, error_size);
    }
    case PROBE_CODEC_WEBPDEMUX: {
        probe_webpdemux_library table;
        return probe_webpdemux_library_load(soname, &table, error, error_size);
    }
    case PROBE_CODEC_TIFF: {
        probe_tiff_library table;
        return probe_tiff_library_load(soname, &table, error, error_size);
    }
    }
    snprintf(error, error_size, "unknown image library %d", (int)library);
    return -1;
}
