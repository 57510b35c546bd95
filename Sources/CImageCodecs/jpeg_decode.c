// libjpeg-turbo wrapper: setjmp/longjmp error handling kept inside C, results as return codes.
// libjpeg is opened on first use (jpeg_library.h); without it every decoder fails with the reason.
#include "probe_jpeg_decode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeg_library.h"

// A progressive JPEG can hold thousands of tiny scans that each make libjpeg walk the whole
// coefficient buffer: a few kilobytes that take minutes. Real encoders write about 10.
enum { MAX_PROGRESSIVE_SCANS = 1000 };

struct probe_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;   // first member: the callbacks cast back to this struct
    struct jpeg_error_mgr error_manager;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    int started;
    int library_missing;   // libjpeg could not be loaded: `message` says why
    char message[JMSG_LENGTH_MAX + 64];
};

static void fail_with_message(probe_jpeg_decoder *decoder, j_common_ptr cinfo) {
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(decoder->message, sizeof decoder->message, "%s", text);
    longjmp(decoder->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) {
    fail_with_message((probe_jpeg_decoder *)cinfo, cinfo);
}

// Warnings (level -1) about corrupt data are tolerated the way Pillow tolerates them, except a
// premature end of data: libjpeg would pad the picture with grey, Pillow refuses it, and so do we.
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
            probe_jpeg_decoder *decoder = (probe_jpeg_decoder *)cinfo;
            snprintf(decoder->message, sizeof decoder->message, "truncated JPEG (premature end of data)");
            longjmp(decoder->jump, 1);
        }
        cinfo->err->num_warnings++;
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }  // a library never prints

static void on_progress(j_common_ptr cinfo) {
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    if (dinfo->input_scan_number > MAX_PROGRESSIVE_SCANS) {
        probe_jpeg_decoder *decoder = (probe_jpeg_decoder *)cinfo;
        snprintf(decoder->message, sizeof decoder->message,
                 "JPEG has more than %d progressive scans (refused as a decoding bomb)", MAX_PROGRESSIVE_SCANS);
        longjmp(decoder->jump, 1);
    }
}

probe_jpeg_decoder *probe_jpeg_create(const uint8_t *data, size_t size) {
    probe_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    const char *missing = probe_libjpeg_require();
    if (missing) {
        snprintf(decoder->message, sizeof decoder->message, "%s", missing);
        decoder->library_missing = 1;
        return decoder;
    }
    decoder->cinfo.err = jpeg_std_error(&decoder->error_manager);
    decoder->error_manager.error_exit = on_error_exit;
    decoder->error_manager.emit_message = on_emit_message;
    decoder->error_manager.output_message = on_output_message;
    if (setjmp(decoder->jump)) {
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->cinfo);
    decoder->progress.progress_monitor = on_progress;
    decoder->cinfo.progress = &decoder->progress;
    return decoder;
}

void probe_jpeg_destroy(probe_jpeg_decoder *decoder) {
    if (!decoder) return;
    // Frees everything libjpeg allocated, even mid-decode.
    if (!decoder->library_missing) jpeg_destroy_decompress(&decoder->cinfo);
    free(decoder);
}

const char *probe_jpeg_message(const probe_jpeg_decoder *decoder) { return decoder->message; }

int probe_jpeg_read_header(probe_jpeg_decoder *decoder, probe_jpeg_header *header) {
    if (decoder->library_missing) return 1;
    if (setjmp(decoder->jump)) return 1;
    if (decoder->size == 0) {
        snprintf(decoder->message, sizeof decoder->message, "empty file");
        return 1;
    }
    jpeg_mem_src(&decoder->cinfo, decoder->data, (unsigned long)decoder->size);
    jpeg_read_header(&decoder->cinfo, TRUE);
    header->width = (int)decoder->cinfo.image_width;
    header->height = (int)decoder->cinfo.image_height;
    header->components = decoder->cinfo.num_components;
    header->progressive = decoder->cinfo.progressive_mode ? 1 : 0;
    return 0;
}

int probe_jpeg_start(probe_jpeg_decoder *decoder, int scale_numerator, int fast_integer_idct, int *out_width,
                     int *out_height) {
    if (decoder->library_missing) return 1;
    if (setjmp(decoder->jump)) return 1;
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    switch (cinfo->jpeg_color_space) {
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;  // libjpeg turns YCCK into (inverted) CMYK
        break;
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo->out_color_space = JCS_EXT_RGB;  // libjpeg-turbo replicates gray into RGB
        break;
    default:
        snprintf(decoder->message, sizeof decoder->message, "unsupported JPEG colour space (%d components)",
                 cinfo->num_components);
        return 1;
    }
    // Pillow's settings, libjpeg's defaults: accurate integer IDCT, fancy (triangle) chroma upsampling.
    // TensorFlow's decode_jpeg/decode_image default to the fast integer IDCT (JDCT_IFAST), also with
    // fancy upsampling: the same libjpeg-turbo method gives its pixels.
    cinfo->dct_method = fast_integer_idct ? JDCT_IFAST : JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;
    if (scale_numerator < 1 || scale_numerator > 8) scale_numerator = 8;
    cinfo->scale_num = (unsigned int)scale_numerator;
    cinfo->scale_denom = 8;
    jpeg_start_decompress(cinfo);
    decoder->started = 1;
    *out_width = (int)cinfo->output_width;
    *out_height = (int)cinfo->output_height;
    return 0;
}

// Pillow's MULDIV255: a * b / 255 rounded, without a division.
static inline int muldiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

// Pillow reads 4-channel JPEGs as "CMYK;I" (c = 255 - stored) and converts CMYK to RGB as
// R = (255 - K) - (C * (255 - K) / 255), same for G and B.
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, int width) {
    for (int x = 0; x < width; x++) {
        int not_k = cmyk[3];  // 255 - K, with K = 255 - stored
        for (int c = 0; c < 3; c++) {
            int value = not_k - muldiv255(255 - cmyk[c], not_k);
            rgb[c] = (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
        }
        cmyk += 4;
        rgb += 3;
    }
}

int probe_jpeg_read_rgb(probe_jpeg_decoder *decoder, uint8_t *rgb) {
    uint8_t *volatile cmyk_row = NULL;
    if (setjmp(decoder->jump)) {
        free(cmyk_row);
        return 1;
    }
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    const size_t stride = (size_t)cinfo->output_width * 3;
    if (cinfo->out_color_space == JCS_CMYK) {
        cmyk_row = malloc((size_t)cinfo->output_width * 4);
        if (!cmyk_row) {
            snprintf(decoder->message, sizeof decoder->message, "out of memory");
            return 1;
        }
        while (cinfo->output_scanline < cinfo->output_height) {
            JSAMPROW rows[1] = { cmyk_row };
            uint8_t *target = rgb + (size_t)cinfo->output_scanline * stride;
            if (jpeg_read_scanlines(cinfo, rows, 1) == 1) cmyk_row_to_rgb(cmyk_row, target, (int)cinfo->output_width);
        }
        free(cmyk_row);
        cmyk_row = NULL;
    } else {
        // Up to 16 rows per call: libjpeg then writes straight into the caller's buffer.
        enum { ROWS = 16 };
        JSAMPROW rows[ROWS];
        while (cinfo->output_scanline < cinfo->output_height) {
            JDIMENSION first = cinfo->output_scanline;
            JDIMENSION count = cinfo->output_height - first;
            if (count > ROWS) count = ROWS;
            for (JDIMENSION i = 0; i < count; i++) rows[i] = rgb + (size_t)(first + i) * stride;
            jpeg_read_scanlines(cinfo, rows, count);
        }
    }
    // Every row is out; jpeg_finish_decompress would only look for the end marker, and a file
    // that lacks just that is complete for our purpose (Pillow decodes it too).
    jpeg_abort_decompress(cinfo);
    return 0;
}
