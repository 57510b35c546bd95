// libwebp wrapper: still and animated WebP from memory to RGB.
// libwebp (and libwebpdemux, for animations) are opened on first use (webp_library.h); without
// them reading the header fails with the reason.
#include "probe_webp_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webp_library.h"

static const char *status_text(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "corrupt WebP bitstream";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported WebP feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "truncated WebP (premature end of data)";
    default: return "unknown WebP error";
    }
}

int probe_webp_read_header(const uint8_t *data, size_t size, probe_webp_header *header, char *message, size_t message_size) {
    if (size < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0) {
        snprintf(message, message_size, "not a WebP file (bad signature)");
        return 1;
    }
    const char *missing = probe_libwebp_require();
    if (missing) {
        snprintf(message, message_size, "%s", missing);
        return 1;
    }
    WebPBitstreamFeatures features;
    VP8StatusCode status = WebPGetFeatures(data, size, &features);
    if (status != VP8_STATUS_OK) {
        snprintf(message, message_size, "bad header: %s", status_text(status));
        return 1;
    }
    if (features.has_animation && (missing = probe_libwebpdemux_require())) {
        snprintf(message, message_size, "%s", missing);
        return 1;
    }
    header->width = features.width;
    header->height = features.height;
    header->has_alpha = features.has_alpha;
    header->animated = features.has_animation;
    header->lossless = features.format == 2 ? 1 : features.format == 1 ? 0 : -1;
    return 0;
}

static int read_animation_first_frame(const uint8_t *data, size_t size, const probe_webp_header *header, uint8_t *rgb,
                                      char *message, size_t message_size) {
    WebPData webp = {data, size};
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) {
        snprintf(message, message_size, "libwebp version mismatch");
        return 1;
    }
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&webp, &options);
    if (!decoder) {
        snprintf(message, message_size, "corrupt or truncated animation");
        return 1;
    }
    WebPAnimInfo info;
    uint8_t *frame = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(decoder, &info) || (int)info.canvas_width != header->width ||
        (int)info.canvas_height != header->height || !WebPAnimDecoderGetNext(decoder, &frame, &timestamp)) {
        WebPAnimDecoderDelete(decoder);
        snprintf(message, message_size, "corrupt or truncated first frame of an animation");
        return 1;
    }
    const size_t pixels = (size_t)header->width * (size_t)header->height;
    for (size_t i = 0; i < pixels; i++) {
        rgb[3 * i] = frame[4 * i];
        rgb[3 * i + 1] = frame[4 * i + 1];
        rgb[3 * i + 2] = frame[4 * i + 2];
    }
    WebPAnimDecoderDelete(decoder);
    return 0;
}

int probe_webp_read_rgb(const uint8_t *data, size_t size, const probe_webp_header *header, uint8_t *rgb,
                        char *message, size_t message_size) {
    // read_header loaded the libraries this header needs; asking again is one pthread_once check.
    const char *missing = header->animated ? probe_libwebpdemux_require() : probe_libwebp_require();
    if (missing) {
        snprintf(message, message_size, "%s", missing);
        return 1;
    }
    if (header->animated) return read_animation_first_frame(data, size, header, rgb, message, message_size);
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        snprintf(message, message_size, "libwebp version mismatch");
        return 1;
    }
    // Straight into the caller's buffer; RGB output leaves the alpha plane out, which is what
    // dropping it after an RGBA decode gives (the colour samples do not depend on alpha).
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = rgb;
    config.output.u.RGBA.stride = header->width * 3;
    config.output.u.RGBA.size = (size_t)header->width * (size_t)header->height * 3;
    VP8StatusCode status = WebPDecode(data, size, &config);
    WebPFreeDecBuffer(&config.output);
    if (status != VP8_STATUS_OK) {
        snprintf(message, message_size, "%s", status_text(status));
        return 1;
    }
    return 0;
}
