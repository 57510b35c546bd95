// giflib wrapper: reads the first frame of a GIF from memory into RGB.
// giflib is opened on first use (gif_library.h); without it every open fails with the reason.
#include "probe_gif_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gif_library.h"

struct probe_gif_decoder {
    GifFileType *gif;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int width, height;       // canvas
    int transparent;         // index from the first frame's graphic control extension, or -1
    int ready;               // the first image descriptor has been read
    char message[256];
};

static int read_from_memory(GifFileType *gif, GifByteType *out, int length) {
    probe_gif_decoder *decoder = gif->UserData;
    size_t left = decoder->size - decoder->offset;
    size_t n = length < 0 ? 0 : (size_t)length;
    if (n > left) n = left;
    memcpy(out, decoder->data + decoder->offset, n);
    decoder->offset += n;
    return (int)n;
}

static int fail(probe_gif_decoder *decoder, const char *what) {
    int code = decoder->gif ? decoder->gif->Error : 0;
    const char *text = code ? GifErrorString(code) : NULL;
    if (code == D_GIF_ERR_READ_FAILED || code == D_GIF_ERR_EOF_TOO_SOON) text = "truncated GIF (premature end of data)";
    snprintf(decoder->message, sizeof decoder->message, "%s%s%s", what, text ? ": " : "", text ? text : "");
    return 1;
}

probe_gif_decoder *probe_gif_open(const uint8_t *data, size_t size, int *status) {
    probe_gif_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->transparent = -1;
    *status = 1;
    if (size < 6 || (memcmp(data, "GIF87a", 6) != 0 && memcmp(data, "GIF89a", 6) != 0)) {
        snprintf(decoder->message, sizeof decoder->message, "not a GIF file (bad signature)");
        return decoder;
    }
    const char *missing = probe_libgif_require();
    if (missing) {
        snprintf(decoder->message, sizeof decoder->message, "%s", missing);
        return decoder;
    }
    int error = 0;
    decoder->gif = DGifOpen(decoder, read_from_memory, &error);
    if (!decoder->gif) {
        const char *text = GifErrorString(error);
        if (error == D_GIF_ERR_READ_FAILED || error == D_GIF_ERR_EOF_TOO_SOON) text = "truncated GIF (premature end of data)";
        snprintf(decoder->message, sizeof decoder->message, "%s", text ? text : "cannot read GIF header");
        return decoder;
    }
    GifFileType *gif = decoder->gif;
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(gif, &type) != GIF_OK) { fail(decoder, "cannot read GIF"); return decoder; }
        if (type == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(gif) != GIF_OK) { fail(decoder, "bad GIF image descriptor"); return decoder; }
            break;
        }
        if (type == TERMINATE_RECORD_TYPE) {
            snprintf(decoder->message, sizeof decoder->message, "GIF has no frames");
            return decoder;
        }
        if (type == EXTENSION_RECORD_TYPE) {
            int code = 0;
            GifByteType *block = NULL;
            if (DGifGetExtension(gif, &code, &block) != GIF_OK) { fail(decoder, "bad GIF extension"); return decoder; }
            if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4) {
                decoder->transparent = (block[1] & 1) ? block[4] : -1;
            }
            while (block) {
                if (DGifGetExtensionNext(gif, &block) != GIF_OK) { fail(decoder, "bad GIF extension"); return decoder; }
            }
        }
    }
    const GifImageDesc *frame = &gif->Image;
    long right = (long)frame->Left + frame->Width, bottom = (long)frame->Top + frame->Height;
    decoder->width = gif->SWidth > right ? gif->SWidth : (int)right;
    decoder->height = gif->SHeight > bottom ? gif->SHeight : (int)bottom;
    if (frame->Width <= 0 || frame->Height <= 0) {
        snprintf(decoder->message, sizeof decoder->message, "GIF frame has no pixels (%dx%d)", frame->Width, frame->Height);
        return decoder;
    }
    decoder->ready = 1;
    *status = 0;
    return decoder;
}

void probe_gif_close(probe_gif_decoder *decoder) {
    if (!decoder) return;
    if (decoder->gif) {
        int error = 0;
        DGifCloseFile(decoder->gif, &error);
    }
    free(decoder);
}

void probe_gif_size(const probe_gif_decoder *decoder, int *width, int *height) {
    *width = decoder->width;
    *height = decoder->height;
}

const char *probe_gif_message(const probe_gif_decoder *decoder) { return decoder->message; }

int probe_gif_read_rgb(probe_gif_decoder *decoder, uint8_t *rgb) {
    if (!decoder->ready) return 1;
    GifFileType *gif = decoder->gif;
    const GifImageDesc *frame = &gif->Image;
    const ColorMapObject *map = frame->ColorMap ? frame->ColorMap : gif->SColorMap;
    // Index -> colour for all 256 indices: entries past the table keep a gray ramp, as a fresh
    // Pillow palette does.
    uint8_t table[256][3];
    for (int i = 0; i < 256; i++) table[i][0] = table[i][1] = table[i][2] = (uint8_t)i;
    if (map) {
        for (int i = 0; i < map->ColorCount && i < 256; i++) {
            table[i][0] = map->Colors[i].Red;
            table[i][1] = map->Colors[i].Green;
            table[i][2] = map->Colors[i].Blue;
        }
    }
    const size_t stride = (size_t)decoder->width * 3;
    const int fill = decoder->transparent >= 0 ? decoder->transparent : 0;
    for (int x = 0; x < decoder->width; x++) memcpy(rgb + 3 * (size_t)x, table[fill], 3);
    for (int y = 1; y < decoder->height; y++) memcpy(rgb + (size_t)y * stride, rgb, stride);

    const int w = frame->Width, h = frame->Height;
    GifPixelType *line = malloc((size_t)w);
    if (!line) { snprintf(decoder->message, sizeof decoder->message, "out of memory"); return 1; }
    // Interlaced frames store rows in four passes: every 8th from 0, every 8th from 4, every 4th
    // from 2, every 2nd from 1.
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    const int passes = frame->Interlace ? 4 : 1;
    for (int pass = 0; pass < passes; pass++) {
        int first = frame->Interlace ? start[pass] : 0, every = frame->Interlace ? step[pass] : 1;
        for (int row = first; row < h; row += every) {
            if (DGifGetLine(gif, line, w) != GIF_OK) {
                free(line);
                return fail(decoder, "cannot decode GIF");
            }
            uint8_t *out = rgb + (size_t)(frame->Top + row) * stride + (size_t)frame->Left * 3;
            for (int x = 0; x < w; x++) {
                const uint8_t *colour = table[line[x]];
                out[3 * x] = colour[0];
                out[3 * x + 1] = colour[1];
                out[3 * x + 2] = colour[2];
            }
        }
    }
    free(line);
    return 0;
}
