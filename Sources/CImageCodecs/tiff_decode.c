// libtiff wrapper: the first page of a TIFF from memory to RGB.
// libtiff is opened on first use (tiff_library.h); without it every open fails with the reason.
#include "probe_tiff_decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiff_library.h"

struct probe_tiff_decoder {
    TIFF *tiff;
    const uint8_t *data;
    size_t size;
    toff_t offset;
    int width, height, bits, spp, photometric, planar, tiled;
    uint16_t *colormap[3];
    int has_message;
    char message[256];
};

static void set_message(probe_tiff_decoder *decoder, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(decoder->message, sizeof decoder->message, format, args);
    va_end(args);
    decoder->has_message = 1;
}

// libtiff's error handler: keep the first message, one line; never print.
static int on_error(TIFF *tiff, void *user, const char *module, const char *format, va_list args) {
    (void)tiff;
    (void)module;
    probe_tiff_decoder *decoder = user;
    if (!decoder->has_message) {
        vsnprintf(decoder->message, sizeof decoder->message, format, args);
        for (char *c = decoder->message; *c; c++) if (*c == '\n' || *c == '\r') *c = ' ';
        decoder->has_message = 1;
    }
    return 1;
}

static int on_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list args) {
    (void)tiff; (void)user; (void)module; (void)format; (void)args;
    return 1;
}

static tmsize_t read_proc(thandle_t handle, void *out, tmsize_t length) {
    probe_tiff_decoder *decoder = handle;
    if (length <= 0 || decoder->offset >= decoder->size) return 0;
    size_t n = (size_t)length, left = decoder->size - (size_t)decoder->offset;
    if (n > left) n = left;
    memcpy(out, decoder->data + decoder->offset, n);
    decoder->offset += n;
    return (tmsize_t)n;
}

static tmsize_t write_proc(thandle_t handle, void *in, tmsize_t length) { (void)handle; (void)in; (void)length; return 0; }

static toff_t seek_proc(thandle_t handle, toff_t offset, int whence) {
    probe_tiff_decoder *decoder = handle;
    toff_t base = whence == SEEK_CUR ? decoder->offset : whence == SEEK_END ? (toff_t)decoder->size : 0;
    decoder->offset = base + offset;
    return decoder->offset;
}

static int close_proc(thandle_t handle) { (void)handle; return 0; }
static toff_t size_proc(thandle_t handle) { return (toff_t)((probe_tiff_decoder *)handle)->size; }
static int map_proc(thandle_t handle, void **base, toff_t *size) { (void)handle; (void)base; (void)size; return 0; }
static void unmap_proc(thandle_t handle, void *base, toff_t size) { (void)handle; (void)base; (void)size; }

// Checks the first directory's layout against what convert_row understands.
static int check_layout(probe_tiff_decoder *decoder, uint16_t compression) {
    TIFF *tiff = decoder->tiff;
    uint16_t format = SAMPLEFORMAT_UINT;
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &format);
    if (format != SAMPLEFORMAT_UINT) {
        set_message(decoder, "unsupported TIFF sample format %d (Probe reads unsigned integer samples)", format);
        return 1;
    }
    const int bits = decoder->bits, spp = decoder->spp;
    int ok = 0;
    switch (decoder->photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK:
        ok = (spp == 1 && (bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16)) ||
             (spp == 2 && (bits == 8 || bits == 16));
        break;
    case PHOTOMETRIC_RGB:
        ok = spp >= 3 && (bits == 8 || bits == 16);
        break;
    case PHOTOMETRIC_PALETTE: {
        ok = spp == 1 && (bits == 1 || bits == 2 || bits == 4 || bits == 8);
        if (ok && !TIFFGetField(tiff, TIFFTAG_COLORMAP, &decoder->colormap[0], &decoder->colormap[1], &decoder->colormap[2])) {
            set_message(decoder, "palette TIFF without a colour map");
            return 1;
        }
        break;
    }
    case PHOTOMETRIC_SEPARATED: {
        uint16_t inkset = INKSET_CMYK;
        TIFFGetFieldDefaulted(tiff, TIFFTAG_INKSET, &inkset);
        ok = inkset == INKSET_CMYK && spp >= 4 && bits == 8;
        break;
    }
    case PHOTOMETRIC_YCBCR:
        // JPEG-compressed YCbCr: libjpeg converts to RGB, as Pillow asks libtiff to.
        if (compression == COMPRESSION_JPEG && spp == 3 && bits == 8) {
            TIFFSetField(tiff, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
            decoder->photometric = PHOTOMETRIC_RGB;
            ok = 1;
        }
        break;
    default:
        break;
    }
    if (!ok) {
        set_message(decoder, "unsupported TIFF layout (photometric %d, %d samples of %d bits)", decoder->photometric, spp, bits);
        return 1;
    }
    if (decoder->planar == PLANARCONFIG_SEPARATE && (decoder->tiled || bits < 8)) {
        set_message(decoder, "unsupported TIFF layout (planar tiles or planar samples under 8 bits)");
        return 1;
    }
    if (decoder->tiled && bits < 8) {
        set_message(decoder, "unsupported TIFF layout (tiles of samples under 8 bits)");
        return 1;
    }
    return 0;
}

probe_tiff_decoder *probe_tiff_open(const uint8_t *data, size_t size, probe_tiff_header *header, int *status) {
    probe_tiff_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    *status = 1;
    if (size < 8 || (memcmp(data, "II*\0", 4) != 0 && memcmp(data, "MM\0*", 4) != 0)) {
        set_message(decoder, "not a TIFF file (bad signature)");
        return decoder;
    }
    const char *missing = probe_libtiff_require();
    if (missing) {
        set_message(decoder, "%s", missing);
        return decoder;
    }
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) { set_message(decoder, "out of memory"); return decoder; }
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, decoder);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, decoder);
    // No single allocation libtiff makes for a strip, tile or tag may exceed 256 MiB.
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)256 << 20);
    decoder->tiff = TIFFClientOpenExt("tiff", "rm", decoder, read_proc, write_proc, seek_proc, close_proc, size_proc,
                                      map_proc, unmap_proc, options);
    TIFFOpenOptionsFree(options);
    if (!decoder->tiff) {
        if (!decoder->has_message) set_message(decoder, "cannot read TIFF header");
        return decoder;
    }
    TIFF *tiff = decoder->tiff;
    uint32_t width = 0, height = 0;
    uint16_t bits = 1, spp = 1, photometric = 0xFFFF, planar = PLANARCONFIG_CONTIG, compression = COMPRESSION_NONE;
    if (!TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height)) {
        if (!decoder->has_message) set_message(decoder, "TIFF without image width or length");
        return decoder;
    }
    TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric)) {
        set_message(decoder, "TIFF without a photometric interpretation");
        return decoder;
    }
    if (width > 0x7FFFFFFF || height > 0x7FFFFFFF) {
        set_message(decoder, "TIFF size out of range (%u x %u)", width, height);
        return decoder;
    }
    decoder->width = (int)width;
    decoder->height = (int)height;
    decoder->bits = bits;
    decoder->spp = spp;
    decoder->photometric = photometric;
    decoder->planar = planar;
    decoder->tiled = TIFFIsTiled(tiff);
    header->width = decoder->width;
    header->height = decoder->height;
    header->bits_per_sample = bits;
    header->samples_per_pixel = spp;
    header->photometric = photometric;
    header->compression = compression;
    if (check_layout(decoder, compression) != 0) return decoder;
    *status = 0;
    return decoder;
}

void probe_tiff_close(probe_tiff_decoder *decoder) {
    if (!decoder) return;
    if (decoder->tiff) TIFFClose(decoder->tiff);
    free(decoder);
}

const char *probe_tiff_message(const probe_tiff_decoder *decoder) { return decoder->message; }

// Pillow's MULDIV255: a * b / 255 rounded, without a division.
static inline int muldiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

// Sample i of a row of packed samples of `bits` bits (MSB first below 8 bits; host order for 16).
static inline int sample(const uint8_t *row, size_t i, int bits) {
    switch (bits) {
    case 8: return row[i];
    case 16: return ((const uint16_t *)(const void *)row)[i];
    case 1: return (row[i >> 3] >> (7 - (i & 7))) & 1;
    case 2: return (row[i >> 2] >> (6 - 2 * (i & 3))) & 3;
    default: return (row[i >> 1] >> (4 - 4 * (i & 1))) & 15;
    }
}

// One row of interleaved samples to packed RGB.
static void convert_row(const probe_tiff_decoder *decoder, const uint8_t *row, uint8_t *rgb) {
    const int width = decoder->width, spp = decoder->spp, bits = decoder->bits;
    switch (decoder->photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK: {
        const int invert = decoder->photometric == PHOTOMETRIC_MINISWHITE;
        const int maximum = bits == 16 ? 65535 : (1 << bits) - 1;
        for (int x = 0; x < width; x++) {
            int v = sample(row, (size_t)x * spp, bits);
            if (invert) v = maximum - v;
            int g = bits == 16 ? (v > 255 ? 255 : v) : bits == 8 ? v : v * 255 / maximum;
            rgb[3 * x] = rgb[3 * x + 1] = rgb[3 * x + 2] = (uint8_t)g;
        }
        break;
    }
    case PHOTOMETRIC_RGB:
        for (int x = 0; x < width; x++)
            for (int c = 0; c < 3; c++) {
                int v = sample(row, (size_t)x * spp + c, bits);
                rgb[3 * x + c] = (uint8_t)(bits == 16 ? v >> 8 : v);
            }
        break;
    case PHOTOMETRIC_PALETTE:
        for (int x = 0; x < width; x++) {
            int index = sample(row, (size_t)x, bits);
            for (int c = 0; c < 3; c++) rgb[3 * x + c] = (uint8_t)(decoder->colormap[c][index] >> 8);
        }
        break;
    default: {  // CMYK, Pillow's cmyk2rgb
        for (int x = 0; x < width; x++) {
            const uint8_t *p = row + (size_t)x * spp;
            int not_k = 255 - p[3];
            for (int c = 0; c < 3; c++) {
                int v = not_k - muldiv255(p[c], not_k);
                rgb[3 * x + c] = (uint8_t)(v < 0 ? 0 : v);
            }
        }
        break;
    }
    }
}

int probe_tiff_read_rgb(probe_tiff_decoder *decoder, uint8_t *rgb) {
    TIFF *tiff = decoder->tiff;
    const size_t stride = (size_t)decoder->width * 3;
    const int bytes = decoder->bits / 8;  // 0 below 8 bits
    const size_t row_bytes = decoder->bits < 8
        ? ((size_t)decoder->width * decoder->spp * decoder->bits + 7) / 8
        : (size_t)decoder->width * decoder->spp * bytes;
    uint8_t *row = malloc(row_bytes);
    if (!row) { set_message(decoder, "out of memory"); return 1; }
    int failed = 0;

    if (decoder->tiled) {
        uint32_t tile_width = 0, tile_height = 0;
        TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &tile_width);
        TIFFGetField(tiff, TIFFTAG_TILELENGTH, &tile_height);
        tmsize_t tile_size = TIFFTileSize(tiff);
        size_t pixel_bytes = (size_t)decoder->spp * bytes;
        uint8_t *tile = tile_width && tile_height && tile_size > 0 ? malloc((size_t)tile_size) : NULL;
        // One band of tile_height rows at a time, so only a band and a tile are held.
        uint8_t *band = tile ? malloc(row_bytes * tile_height) : NULL;
        if (!tile || !band) {
            if (!decoder->has_message) set_message(decoder, tile_width && tile_height ? "out of memory" : "bad TIFF tile size");
            free(tile); free(band); free(row);
            return 1;
        }
        for (uint32_t top = 0; top < (uint32_t)decoder->height && !failed; top += tile_height) {
            for (uint32_t left = 0; left < (uint32_t)decoder->width; left += tile_width) {
                if (TIFFReadTile(tiff, tile, left, top, 0, 0) < 0) { failed = 1; break; }
                uint32_t columns = (uint32_t)decoder->width - left < tile_width ? (uint32_t)decoder->width - left : tile_width;
                for (uint32_t r = 0; r < tile_height; r++)
                    memcpy(band + r * row_bytes + left * pixel_bytes, tile + (size_t)r * tile_width * pixel_bytes, columns * pixel_bytes);
            }
            for (uint32_t r = 0; r < tile_height && top + r < (uint32_t)decoder->height && !failed; r++)
                convert_row(decoder, band + r * row_bytes, rgb + (size_t)(top + r) * stride);
        }
        free(tile);
        free(band);
    } else if (decoder->planar == PLANARCONFIG_SEPARATE) {
        size_t plane_bytes = (size_t)decoder->width * bytes;
        uint8_t *plane = malloc(plane_bytes);
        if (!plane) { set_message(decoder, "out of memory"); free(row); return 1; }
        for (int y = 0; y < decoder->height && !failed; y++) {
            for (int s = 0; s < decoder->spp; s++) {
                if (TIFFReadScanline(tiff, plane, (uint32_t)y, (uint16_t)s) < 0) { failed = 1; break; }
                for (int x = 0; x < decoder->width; x++)
                    memcpy(row + ((size_t)x * decoder->spp + s) * bytes, plane + (size_t)x * bytes, bytes);
            }
            if (!failed) convert_row(decoder, row, rgb + (size_t)y * stride);
        }
        free(plane);
    } else {
        if ((size_t)TIFFScanlineSize(tiff) > row_bytes) {
            set_message(decoder, "unexpected TIFF scanline size");
            free(row);
            return 1;
        }
        for (int y = 0; y < decoder->height; y++) {
            if (TIFFReadScanline(tiff, row, (uint32_t)y, 0) < 0) { failed = 1; break; }
            convert_row(decoder, row, rgb + (size_t)y * stride);
        }
    }
    free(row);
    if (failed && !decoder->has_message) set_message(decoder, "corrupt or truncated TIFF data");
    return failed;
}
