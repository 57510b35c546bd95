// libwebp's and libwebpdemux's functions as the WebP decoder calls them: through two tables that
// codec_libraries.c fills with dlopen/dlsym on first use (why: include/probe_codec_libraries.h).
// libwebpdemux is only opened for animations.
#ifndef PROBE_WEBP_LIBRARY_H
#define PROBE_WEBP_LIBRARY_H
#include <stddef.h>

#include <webp/decode.h>
#include <webp/demux.h>

// The headers' WebPGetFeatures, WebPInitDecoderConfig, WebPAnimDecoderOptionsInit and
// WebPAnimDecoderNew are static inline functions that call these *Internal exports with the
// header's ABI version; the macros at the end of this file stand in for them.
#define PROBE_WEBP_FUNCTIONS(X)                                                                    \
    X(WebPGetFeaturesInternal)                                                                     \
    X(WebPInitDecoderConfigInternal)                                                               \
    X(WebPDecode)                                                                                  \
    X(WebPFreeDecBuffer)

#define PROBE_WEBPDEMUX_FUNCTIONS(X)                                                               \
    X(WebPAnimDecoderOptionsInitInternal)                                                          \
    X(WebPAnimDecoderNewInternal)                                                                  \
    X(WebPAnimDecoderGetInfo)                                                                      \
    X(WebPAnimDecoderGetNext)                                                                      \
    X(WebPAnimDecoderDelete)

typedef struct {
#define PROBE_FIELD(name) __typeof__(name) *name;
    PROBE_WEBP_FUNCTIONS(PROBE_FIELD)
#undef PROBE_FIELD
} probe_webp_library;

typedef struct {
#define PROBE_FIELD(name) __typeof__(name) *name;
    PROBE_WEBPDEMUX_FUNCTIONS(PROBE_FIELD)
#undef PROBE_FIELD
} probe_webpdemux_library;

/// Open `soname` and fill `table`; 0, or -1 with a one-line reason naming the soname and the
/// Debian package.
int probe_webp_library_load(const char *soname, probe_webp_library *table, char *error, size_t error_size);
int probe_webpdemux_library_load(const char *soname, probe_webpdemux_library *table, char *error, size_t error_size);

/// The process's tables, each filled once by the first caller of its require function (NULL:
/// usable; else the reason it is not).
extern probe_webp_library probe_libwebp;
extern probe_webpdemux_library probe_libwebpdemux;
const char *probe_libwebp_require(void);
const char *probe_libwebpdemux_require(void);

#ifndef PROBE_CODEC_LOADER
#define WebPGetFeatures(data, size, features)                                                      \
    (probe_libwebp.WebPGetFeaturesInternal((data), (size), (features), WEBP_DECODER_ABI_VERSION))
#define WebPInitDecoderConfig(config)                                                              \
    (probe_libwebp.WebPInitDecoderConfigInternal((config), WEBP_DECODER_ABI_VERSION))
#define WebPDecode (probe_libwebp.WebPDecode)
#define WebPFreeDecBuffer (probe_libwebp.WebPFreeDecBuffer)
#define WebPAnimDecoderOptionsInit(options)                                                        \
    (probe_libwebpdemux.WebPAnimDecoderOptionsInitInternal((options), WEBP_DEMUX_ABI_VERSION))
#define WebPAnimDecoderNew(data, options)                                                          \
    (probe_libwebpdemux.WebPAnimDecoderNewInternal((data), (options), WEBP_DEMUX_ABI_VERSION))
#define WebPAnimDecoderGetInfo (probe_libwebpdemux.WebPAnimDecoderGetInfo)
#define WebPAnimDecoderGetNext (probe_libwebpdemux.WebPAnimDecoderGetNext)
#define WebPAnimDecoderDelete (probe_libwebpdemux.WebPAnimDecoderDelete)
#endif
#endif
