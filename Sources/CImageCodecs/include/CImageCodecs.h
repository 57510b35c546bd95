#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H
// Umbrella header: the C wrappers that own libjpeg's and libpng's setjmp/longjmp error handling.
#include "probe_jpeg_decode.h"
#include "probe_png_decode.h"
int probe_codecs_version(void);
#endif
