#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H
// Umbrella header: the C wrappers around the image libraries (libjpeg's and libpng's setjmp/longjmp
// error handling, libtiff's error handlers, giflib's and libwebp's return codes) for ProbeImages.
// The libraries themselves are opened on first use (probe_codec_libraries.h).
#include "probe_codec_libraries.h"
#include "probe_jpeg_decode.h"
#include "probe_png_decode.h"
#include "probe_gif_decode.h"
#include "probe_webp_decode.h"
#include "probe_tiff_decode.h"
int probe_codecs_version(void);
#endif
