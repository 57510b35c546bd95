#include "CImageCodecs.h"
int probe_codecs_version(void) { return 2; }
