#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H
// Placeholder: the JPEG/PNG wrappers land with the image pipeline (issue 2).
int probe_codecs_version(void);
#endif
