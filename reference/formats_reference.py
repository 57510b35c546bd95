#!/usr/bin/env python3
"""Writes the BMP/GIF/WebP/TIFF/PNM samples and Pillow's decoded RGB for them (Tests/Fixtures/formats/).

The reference is what torchvision's ImageFolder loader does with a file: Image.open(path).convert("RGB").
Each sample is small (48x32 or less), made from a real photo of shared/datasets shrunk with Pillow, in
Pillow's own writers where Pillow can write the variant, else by the small hand writers below (16-bit
RGB, big-endian and planar TIFF, bit-field, RLE and top-down BMP, PNM with unusual maximum values).

    python reference/formats_reference.py [SHARED_DATASETS]   # rewrite the samples and the expected bytes
    python reference/formats_reference.py --expected-only    # keep the samples, recompute only Pillow's bytes

Needs Pillow with WebP and libtiff support (the PyPI wheels have both) and numpy; run it from any venv
outside the repository. Writes index.json ({file, format, width, height, pillow_mode, rgb}) and one
<sample>.rgb per sample (height * width * 3 bytes, row-major RGB) that ProbeImagesTests compare with
Probe's decoders bit for bit, and <sample>.crop32.rgb, torchvision's Resize(37) + CenterCrop(32) of it
(the preprocessed crop, held to the same bound as the JPEG/PNG crops of images_fixtures.py).
"""
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
import PIL
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures", "formats")
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
SHARED = (ARGS[0] if ARGS else
          os.environ.get("PROBE_SHARED_DATASETS", os.path.join(os.path.dirname(REPO), "shared", "datasets")))
PHOTO = "cats_dogs/cat/cat.1005.jpg"
PHOTO2 = "flowers/sunflowers/13095941995_9a66faa713_n.jpg"
W, H = 48, 32


def base(path=PHOTO, size=(W, H)):
    return Image.open(os.path.join(SHARED, path)).convert("RGB").resize(size, Image.BILINEAR)


def with_alpha(rgb):
    """RGBA with a diagonal alpha gradient that reaches 0, so transparent pixels exist."""
    a = np.fromfunction(lambda y, x: np.clip((x * 6 + y * 4) - 20, 0, 255), (rgb.height, rgb.width)).astype(np.uint8)
    image = rgb.copy()
    image.putalpha(Image.fromarray(a, "L"))
    return image


def saved(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


# ---- hand writers for the variants Pillow cannot write ------------------------------------------

def tiff_bytes(width, height, photometric, bits, planes, big_endian=False, planar=1, extra=()):
    """Uncompressed single-strip TIFF. `planes` is a list of per-sample numpy arrays (height x width)."""
    e = ">" if big_endian else "<"
    spp = len(planes)
    dtype = np.dtype(e + ("u2" if bits == 16 else "u1"))
    if bits < 8:  # one sample per pixel, packed MSB first, rows padded to a byte
        pixels = b"".join(np.packbits(np.unpackbits(row.astype(np.uint8)[:, None], axis=1)[:, 8 - bits:].reshape(-1)).tobytes()
                          for row in planes[0])
    elif planar == 1:
        pixels = np.stack(planes, axis=-1).astype(dtype).tobytes()
    else:
        pixels = b"".join(p.astype(dtype).tobytes() for p in planes)
    entries = []  # (tag, type, count, value bytes)

    def short(tag, values):
        entries.append((tag, 3, len(values), struct.pack(e + "%dH" % len(values), *values)))

    def long(tag, values):
        entries.append((tag, 4, len(values), struct.pack(e + "%dI" % len(values), *values)))

    header_size = 8
    long(256, [width])
    long(257, [height])
    short(258, [bits] * spp)
    short(259, [1])
    short(262, [photometric])
    if planar == 1:
        long(273, [0])  # patched below
        long(279, [len(pixels)])
    else:
        long(273, [0] * spp)
        long(279, [len(pixels) // spp] * spp)
    short(277, [spp])
    long(278, [height])
    short(284, [planar])
    if extra:
        short(338, list(extra))
    entries.sort()
    ifd_size = 2 + 12 * len(entries) + 4
    data_start = header_size + ifd_size
    # Out-of-line values after the IFD, then the pixels.
    blobs = b""
    offsets = {}
    for tag, typ, count, value in entries:
        if len(value) > 4:
            offsets[tag] = data_start + len(blobs)
            blobs += value + (b"\0" if len(value) % 2 else b"")
    pixel_start = data_start + len(blobs)
    if planar == 1:
        strip_offsets = [pixel_start]
    else:
        strip_offsets = [pixel_start + i * (len(pixels) // spp) for i in range(spp)]
    # Patch the strip offsets, then lay out again (sizes do not change).
    entries = [(t, ty, c, struct.pack(e + "%dI" % c, *strip_offsets) if t == 273 else v) for t, ty, c, v in entries]
    blobs = b""
    for tag, typ, count, value in entries:
        if len(value) > 4:
            offsets[tag] = data_start + len(blobs)
            blobs += value + (b"\0" if len(value) % 2 else b"")
    ifd = struct.pack(e + "H", len(entries))
    for tag, typ, count, value in entries:
        field = struct.pack(e + "I", offsets[tag]) if len(value) > 4 else value.ljust(4, b"\0")
        ifd += struct.pack(e + "HHI", tag, typ, count) + field
    ifd += struct.pack(e + "I", 0)
    magic = b"MM\0*" if big_endian else b"II*\0"
    return magic + struct.pack(e + "I", header_size) + ifd + blobs + pixels


def tiled_tiff_bytes(rgb, tile=16):
    """Uncompressed little-endian RGB TIFF in tile x tile tiles (the last row and column of tiles padded)."""
    height, width, _ = rgb.shape
    across, down = -(-width // tile), -(-height // tile)
    padded = np.zeros((down * tile, across * tile, 3), np.uint8)
    padded[:height, :width] = rgb
    tiles = [padded[ty * tile:(ty + 1) * tile, tx * tile:(tx + 1) * tile].tobytes()
             for ty in range(down) for tx in range(across)]
    n = len(tiles)
    tags = [(256, 4, [width]), (257, 4, [height]), (258, 3, [8, 8, 8]), (259, 3, [1]), (262, 3, [2]),
            (277, 3, [3]), (284, 3, [1]), (322, 4, [tile]), (323, 4, [tile]), (324, 4, [0] * n),
            (325, 4, [len(t) for t in tiles])]
    ifd_size = 2 + 12 * len(tags) + 4
    blob_start = 8 + ifd_size
    blob_size = sum(len(v) * (2 if ty == 3 else 4) for _, ty, v in tags if len(v) * (2 if ty == 3 else 4) > 4)
    first_tile = blob_start + blob_size
    tags[9] = (324, 4, [first_tile + i * len(tiles[0]) for i in range(n)])
    ifd, blobs = struct.pack("<H", len(tags)), b""
    for tag, ty, values in tags:
        value = struct.pack("<%d%s" % (len(values), "H" if ty == 3 else "I"), *values)
        if len(value) > 4:
            field = struct.pack("<I", blob_start + len(blobs))
            blobs += value
        else:
            field = value.ljust(4, b"\0")
        ifd += struct.pack("<HHI", tag, ty, len(values)) + field
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", 8) + ifd + blobs + b"".join(tiles)


def bmp_bytes(width, height, bits, rows, palette=(), compression=0, masks=(), top_down=False, header_size=40):
    """A BMP from already-packed rows (bottom row first unless top_down), unpadded."""
    stride = (width * bits + 31) // 32 * 4
    if compression in (1, 2):
        pixels = rows  # already RLE-encoded
    else:
        pixels = b"".join(r.ljust(stride, b"\0") for r in rows)
    mask_bytes = b"".join(struct.pack("<I", m) for m in masks) if header_size == 40 else b""
    pal = b"".join(bytes([b, g, r, 0]) for r, g, b in palette)
    offset = 14 + header_size + len(mask_bytes) + len(pal)
    info = struct.pack("<IiiHHIIiiII", header_size, width, -height if top_down else height, 1, bits, compression,
                       len(pixels), 2835, 2835, len(palette), 0)
    if header_size > 40:
        info += b"".join(struct.pack("<I", m) for m in (list(masks) + [0] * 4)[:4])
        info += b"\0" * (header_size - len(info))
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + mask_bytes + pal + pixels


def rle8(indices):
    """RLE8 rows (bottom-up) with runs and absolute runs, ending each line and the bitmap."""
    out = bytearray()
    for row in indices[::-1]:
        row = list(row)
        x = 0
        while x < len(row):
            run = 1
            while x + run < len(row) and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 2:
                out += bytes([run, row[x]])
                x += run
            else:
                n = 1
                while x + n < len(row) and n < 255 and (x + n + 1 >= len(row) or row[x + n] != row[x + n + 1]):
                    n += 1
                if n >= 3:
                    out += bytes([0, n]) + bytes(row[x:x + n]) + (b"\0" if n % 2 else b"")
                else:
                    for v in row[x:x + n]:
                        out += bytes([1, v])
                x += n
        out += b"\0\0"
    out += b"\0\1"
    return bytes(out)


def gif_with_offset_frame(data, grow=(10, 6), at=(4, 3)):
    """A Pillow GIF whose logical screen is made larger than its first frame, the frame moved to `at`
    (Pillow fills the rest with the transparent index, else index 0)."""
    data = bytearray(data)
    width, height = struct.unpack("<HH", data[6:10])
    data[6:10] = struct.pack("<HH", width + grow[0], height + grow[1])
    flags = data[10]
    i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while data[i] == 0x21:  # skip extensions: introducer, label, sub-blocks
        i += 2
        while data[i]:
            i += data[i] + 1
        i += 1
    assert data[i] == 0x2C
    data[i + 1:i + 5] = struct.pack("<HH", *at)
    return bytes(data)


def rle4(indices):
    """RLE4 rows (bottom-up): an absolute run of the first 8 pixels, then 2-pixel encoded runs."""
    out = bytearray()
    for row in indices[::-1]:
        row = [int(v) for v in row]
        out += bytes([0, 8]) + bytes((row[i] << 4) | row[i + 1] for i in range(0, 8, 2))
        for i in range(8, len(row), 2):
            out += bytes([2, (row[i] << 4) | row[i + 1]])
        out += b"\0\0"
    out += b"\0\1"
    return bytes(out)


def pnm_bytes(magic, width, height, maxval, samples):
    header = b"%s\n# made by reference/formats_reference.py\n%d %d\n%d\n" % (magic, width, height, maxval)
    dtype = ">u2" if maxval > 255 else "u1"
    return header + samples.astype(dtype).tobytes()


def plain_pnm_bytes(magic, width, height, maxval, samples):
    """Plain-text P1/P2/P3: decimal samples, a few per line, with a comment in the data."""
    values = [int(v) for v in samples.reshape(-1)]
    header = b"%s\n%d %d\n" % (magic, width, height) + (b"%d\n" % maxval if magic != b"P1" else b"")
    sep = b"" if magic == b"P1" else b" "
    lines = [sep.join(b"%d" % v for v in values[i:i + 24]) for i in range(0, len(values), 24)]
    lines.insert(1, b"# a comment between samples")
    return header + b"\n".join(lines) + b"\n"


def samples():
    rgb = base()
    rgba = with_alpha(rgb)
    arr = np.asarray(rgb)
    gray = rgb.convert("L")
    pal64 = rgb.quantize(64)
    pal16 = rgb.quantize(16)
    bw = gray.convert("1")
    out = {}
    # BMP
    out["bmp_rgb24.bmp"] = saved(rgb, "BMP")
    out["bmp_rgba32.bmp"] = saved(rgba, "BMP")
    out["bmp_palette8.bmp"] = saved(pal64, "BMP")
    out["bmp_gray8.bmp"] = saved(gray, "BMP")
    out["bmp_1bit.bmp"] = saved(bw, "BMP")
    rows24 = [arr[y, :, ::-1].tobytes() for y in range(H)]
    out["bmp_rgb24_topdown.bmp"] = bmp_bytes(W, H, 24, rows24, top_down=True)
    px = arr.astype(np.uint32)
    v565 = ((px[..., 0] >> 3) << 11) | ((px[..., 1] >> 2) << 5) | (px[..., 2] >> 3)
    out["bmp_565.bmp"] = bmp_bytes(W, H, 16, [v565[y].astype("<u2").tobytes() for y in range(H)][::-1],
                                   compression=3, masks=(0xF800, 0x07E0, 0x001F))
    v555 = ((px[..., 0] >> 3) << 10) | ((px[..., 1] >> 3) << 5) | (px[..., 2] >> 3)
    out["bmp_555.bmp"] = bmp_bytes(W, H, 16, [v555[y].astype("<u2").tobytes() for y in range(H)][::-1])
    idx16 = np.asarray(pal16)
    pal16_rgb = [tuple(pal16.getpalette()[3 * i:3 * i + 3]) for i in range(16)]
    rows4 = [bytes((int(r[2 * i]) << 4) | int(r[2 * i + 1]) for i in range(W // 2)) for r in idx16][::-1]
    out["bmp_palette4.bmp"] = bmp_bytes(W, H, 4, rows4, palette=pal16_rgb)
    out["bmp_rle4.bmp"] = bmp_bytes(W, H, 4, rle4(idx16), palette=pal16_rgb, compression=2)
    idx64 = np.asarray(pal64)
    pal64_rgb = [tuple(pal64.getpalette()[3 * i:3 * i + 3]) for i in range(64)]
    out["bmp_rle8.bmp"] = bmp_bytes(W, H, 8, rle8(idx64), palette=pal64_rgb, compression=1)
    out["bmp_v5_bgrx32.bmp"] = bmp_bytes(W, H, 32, [np.concatenate([arr[y, :, ::-1], np.full((W, 1), 7, np.uint8)], axis=1).tobytes()
                                                     for y in range(H)][::-1],
                                          compression=3, masks=(0xFF0000, 0xFF00, 0xFF, 0), header_size=124)
    # GIF
    out["gif_palette.gif"] = saved(pal64, "GIF", interlace=False)
    out["gif_interlaced.gif"] = saved(pal64, "GIF", interlace=True)
    out["gif_gray.gif"] = saved(gray, "GIF")
    out["gif_transparent.gif"] = saved(pal64, "GIF", transparency=3)
    out["gif_offset_frame.gif"] = gif_with_offset_frame(saved(pal64, "GIF", interlace=False))
    out["gif_offset_frame_transparent.gif"] = gif_with_offset_frame(saved(pal64, "GIF", transparency=5))
    second = base(PHOTO2).quantize(32)
    out["gif_animated.gif"] = saved(pal64.convert("RGB").quantize(64), "GIF", save_all=True, append_images=[second],
                                    duration=100, loop=0)
    # WebP
    out["webp_lossy.webp"] = saved(rgb, "WEBP", quality=80)
    out["webp_lossless.webp"] = saved(rgb, "WEBP", lossless=True)
    out["webp_lossy_alpha.webp"] = saved(rgba, "WEBP", quality=80)
    out["webp_lossless_alpha.webp"] = saved(rgba, "WEBP", lossless=True, exact=True)
    out["webp_animated.webp"] = saved(rgb, "WEBP", save_all=True, append_images=[base(PHOTO2)], duration=100, lossless=True)
    # TIFF (Pillow writes the compressed ones through libtiff)
    out["tiff_rgb.tif"] = saved(rgb, "TIFF")
    out["tiff_rgb_lzw.tif"] = saved(rgb, "TIFF", compression="tiff_lzw")
    out["tiff_rgb_deflate.tif"] = saved(rgb, "TIFF", compression="tiff_adobe_deflate")
    out["tiff_rgb_packbits.tif"] = saved(rgb, "TIFF", compression="packbits")
    out["tiff_rgb_jpeg.tif"] = saved(rgb, "TIFF", compression="jpeg", quality=90)
    out["tiff_rgba_lzw.tif"] = saved(rgba, "TIFF", compression="tiff_lzw")
    out["tiff_gray.tif"] = saved(gray, "TIFF")
    out["tiff_gray_alpha.tif"] = saved(gray.convert("LA"), "TIFF")
    out["tiff_1bit.tif"] = saved(bw, "TIFF")
    out["tiff_1bit_g4.tif"] = saved(bw, "TIFF", compression="group4")
    out["tiff_palette.tif"] = saved(pal64, "TIFF")
    out["tiff_palette_lzw.tif"] = saved(pal64, "TIFF", compression="tiff_lzw")
    out["tiff_cmyk.tif"] = saved(rgb.convert("CMYK"), "TIFF")
    out["tiff_cmyk_lzw.tif"] = saved(rgb.convert("CMYK"), "TIFF", compression="tiff_lzw")
    g16 = (np.asarray(gray).astype(np.uint16) * 3 + np.arange(W, dtype=np.uint16)[None, :] * 7)  # spans 0...~1000
    out["tiff_gray16.tif"] = saved(Image.fromarray(g16.astype("<u2")), "TIFF")
    out["tiff_gray16_deflate.tif"] = saved(Image.fromarray(g16.astype("<u2")), "TIFF", compression="tiff_adobe_deflate")
    wide = arr.astype(np.uint16) * 257 + np.arange(W, dtype=np.uint16)[None, :, None]
    out["tiff_rgb16.tif"] = tiff_bytes(W, H, 2, 16, [wide[..., c] for c in range(3)])
    out["tiff_rgb16_bigendian.tif"] = tiff_bytes(W, H, 2, 16, [wide[..., c] for c in range(3)], big_endian=True)
    out["tiff_rgb_planar.tif"] = tiff_bytes(W, H, 2, 8, [arr[..., c] for c in range(3)], planar=2)
    out["tiff_gray4.tif"] = tiff_bytes(W, H, 1, 4, [np.asarray(gray) >> 4])
    out["tiff_gray2_miniswhite.tif"] = tiff_bytes(W, H, 0, 2, [np.asarray(gray) >> 6], big_endian=True)
    out["tiff_gray_miniswhite.tif"] = tiff_bytes(W, H, 0, 8, [np.asarray(gray)])
    out["tiff_tiled.tif"] = tiled_tiff_bytes(np.asarray(base(size=(40, 28))))
    # PNM
    out["pnm_rgb.ppm"] = saved(rgb, "PPM")
    out["pnm_gray.pgm"] = saved(gray, "PPM")
    out["pnm_bitmap.pbm"] = saved(bw, "PPM")
    out["pnm_gray16.pgm"] = saved(Image.fromarray(g16.astype("<u2")), "PPM")
    out["pnm_rgb16.ppm"] = pnm_bytes(b"P6", W, H, 65535, wide)
    out["pnm_rgb_max1000.ppm"] = pnm_bytes(b"P6", W, H, 1000, (arr.astype(np.uint32) * 1000 // 255))
    out["pnm_gray_max100.pgm"] = pnm_bytes(b"P5", W, H, 100, (np.asarray(gray).astype(np.uint32) * 100 // 255))
    out["pnm_plain_rgb.ppm"] = plain_pnm_bytes(b"P3", W, H, 255, arr)
    out["pnm_plain_gray_max100.pgm"] = plain_pnm_bytes(b"P2", W, H, 100, np.asarray(gray).astype(np.uint32) * 100 // 255)
    out["pnm_plain_bitmap.pbm"] = plain_pnm_bytes(b"P1", W, H, 1, (np.asarray(bw) == 0).astype(np.uint8))
    out["pnm_gray_max4000.pgm"] = pnm_bytes(b"P5", W, H, 4000, g16.astype(np.uint32) * 4)
    return out


CROP = 32  # the preprocessed crop checked for every sample: torchvision's Resize(37) + CenterCrop(32)


def torchvision_crop(image, size=CROP):
    """T.Resize(round(size * 256 / 224)) then T.CenterCrop(size) on a PIL image, spelt in Pillow calls
    (torchvision resizes PIL images with Image.resize(..., BILINEAR) and crops at round((h - size) / 2))."""
    resize = round(size * 256 / 224)
    w, h = image.size
    if w <= h:
        new = (resize, int(resize * h / w))
    else:
        new = (int(resize * w / h), resize)
    image = image.resize(new, Image.BILINEAR)
    top, left = int(round((new[1] - size) / 2.0)), int(round((new[0] - size) / 2.0))
    return image.crop((left, top, left + size, top + size))


def expected(name, data):
    image = Image.open(io.BytesIO(data))
    fmt, mode = image.format, image.mode
    converted = image.convert("RGB")
    return {
        "file": name, "format": fmt, "pillow_mode": mode, "width": converted.width, "height": converted.height,
    }, np.asarray(converted, dtype=np.uint8).tobytes(), np.asarray(torchvision_crop(converted), dtype=np.uint8).tobytes()


# badinputs files that decode since GIF/WebP support: FNV-1a 64 of Pillow's RGB, as images_fixtures.py records.
SHARED_DIGESTS = ["badinputs/b/animated.gif", "badinputs/b/image.webp"]


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--expected-only" in sys.argv:
        names = sorted(n for n in os.listdir(OUT) if not n.endswith((".rgb", ".json")))
        files = {n: open(os.path.join(OUT, n), "rb").read() for n in names}
    else:
        files = samples()
        for name, data in files.items():
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(data)
    entries = []
    for name in sorted(files):
        entry, rgb, crop = expected(name, files[name])
        stem = name.rsplit(".", 1)[0]
        with open(os.path.join(OUT, stem + ".rgb"), "wb") as f:
            f.write(rgb)
        with open(os.path.join(OUT, stem + ".crop%d.rgb" % CROP), "wb") as f:
            f.write(crop)
        entries.append(entry)
    shared = []
    for relative in SHARED_DIGESTS:
        image = Image.open(os.path.join(SHARED, relative)).convert("RGB")
        shared.append({"source": relative, "width": image.width, "height": image.height,
                       "fnv1a64": fnv1a64(np.asarray(image, dtype=np.uint8).tobytes())})
    index = {"pillow": PIL.__version__, "crop_size": CROP, "samples": entries, "shared": shared}
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print("wrote %d samples to %s (Pillow %s)" % (len(entries), OUT, PIL.__version__))


if __name__ == "__main__":
    main()
