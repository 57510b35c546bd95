import Foundation

/// A rectangle of a decoded picture: what the Keras pipelines resize (the whole picture, or the centred
/// crop with the target's aspect ratio).
public struct SourceWindow: Sendable, Hashable {
    public let left: Int
    public let top: Int
    public let width: Int
    public let height: Int

    public init(left: Int, top: Int, width: Int, height: Int) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
    }
}

/// The Keras pipelines' geometry and resamplers.
///
/// `keras-directory`: `tf.image.resize(images, (S, S))`, i.e. TensorFlow's ResizeBilinear with
/// `half_pixel_centers=True`, no antialiasing, on the uint8 picture converted to float32. Per axis, for
/// output index i: `in = (float(i) + 0.5) * scale - 0.5` with `scale = float(inSize) / float(outSize)`
/// (all float32), `lower = max(floor(in), 0)`, `upper = min(ceil(in), inSize - 1)`, `lerp = in - floor(in)`;
/// then per channel `top = tl + (tr - tl) * xlerp`, `bottom = bl + (br - bl) * xlerp`,
/// `out = top + (bottom - top) * ylerp`, in float32 in that order (no fused multiply-add), unrounded.
///
/// `keras-load-img`: Pillow's `resize(size, NEAREST, box)`, an affine scaling sampled at pixel centres:
/// with `a = boxWidth / outWidth` (double), the source column of output column x is `int(xo)` where `xo`
/// starts at `box.left + a * 0.5` and grows by `a` per column (the running sum in double, as Pillow adds it),
/// rows likewise.
public enum KerasResize {
    /// The window Keras resizes for an S x S target: the whole picture, or with `cropToAspectRatio` its
    /// largest centred square, computed as Keras's `smart_resize` does on tensors
    /// (`crop = int32(float32(width * S) / S)`, clamped to [1, height]; `start = int32(float32(height - crop) / 2)`),
    /// which for a square target is the shorter side, centred, the odd pixel left on the bottom/right.
    /// `load_img(keep_aspect_ratio=True)` computes the same box with integer division.
    public static func window(width: Int, height: Int, imageSize s: Int, cropToAspectRatio: Bool) -> SourceWindow {
        guard cropToAspectRatio else { return SourceWindow(left: 0, top: 0, width: width, height: height) }
        let cropHeight = max(min(height, Int(Float(width * s) / Float(s))), 1)
        let cropWidth = max(min(width, Int(Float(height * s) / Float(s))), 1)
        return SourceWindow(left: Int(Float(width - cropWidth) / 2), top: Int(Float(height - cropHeight) / 2),
                            width: cropWidth, height: cropHeight)
    }

    /// One axis of TensorFlow's half-pixel bilinear: lower and upper source index and the weight of upper.
    struct BilinearAxis {
        var lower: [Int]
        var upper: [Int]
        var lerp: [Float]

        init(inSize: Int, outSize: Int) {
            let scale = Float(inSize) / Float(outSize)
            lower = [Int](repeating: 0, count: outSize)
            upper = [Int](repeating: 0, count: outSize)
            lerp = [Float](repeating: 0, count: outSize)
            for i in 0..<outSize {
                let position = (Float(i) + 0.5) * scale - 0.5
                let below = position.rounded(.down)
                lower[i] = max(Int(below), 0)
                upper[i] = min(Int(position.rounded(.up)), inSize - 1)
                lerp[i] = position - below
            }
        }
    }

    /// TensorFlow's bilinear resize of `window` of `image` to S x S, written as float32 HWC
    /// (S rows of S pixels of R, G, B) into `out` (3 * S * S values). The axis tables are computed once
    /// per picture; every output value is then the three lerps above.
    public static func tensorflowBilinear(_ image: RGBImage, window: SourceWindow, size s: Int,
                                          into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= 3 * s * s, "KerasResize.tensorflowBilinear: output holds \(out.count) floats, needs \(3 * s * s)")
        let xs = BilinearAxis(inSize: window.width, outSize: s)
        let ys = BilinearAxis(inSize: window.height, outSize: s)
        let rowBytes = image.width * 3
        image.pixels.withUnsafeBufferPointer { pixels in
            let base = pixels.baseAddress! + window.top * rowBytes + window.left * 3
            for y in 0..<s {
                let top = base + ys.lower[y] * rowBytes, bottom = base + ys.upper[y] * rowBytes
                let yLerp = ys.lerp[y]
                let row = out.baseAddress! + y * s * 3
                for x in 0..<s {
                    let left = xs.lower[x] * 3, right = xs.upper[x] * 3
                    let xLerp = xs.lerp[x]
                    for c in 0..<3 {
                        let topLeft = Float(top[left + c]), topRight = Float(top[right + c])
                        let bottomLeft = Float(bottom[left + c]), bottomRight = Float(bottom[right + c])
                        let upperValue = topLeft + (topRight - topLeft) * xLerp
                        let lowerValue = bottomLeft + (bottomRight - bottomLeft) * xLerp
                        row[x * 3 + c] = upperValue + (lowerValue - upperValue) * yLerp
                    }
                }
            }
        }
    }

    /// Naive reference for `tensorflowBilinear`: the source coordinate of every output pixel computed
    /// on its own from the formula, no tables. Kept to test the fast path.
    public static func tensorflowBilinearReference(_ image: RGBImage, window: SourceWindow, size s: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * s * s)
        func sample(_ x: Int, _ y: Int, _ c: Int) -> Float {
            Float(image.pixels[((window.top + y) * image.width + window.left + x) * 3 + c])
        }
        func coordinate(_ i: Int, inSize: Int) -> (Int, Int, Float) {
            let position = (Float(i) + 0.5) * (Float(inSize) / Float(s)) - 0.5
            let below = position.rounded(.down)
            return (max(Int(below), 0), min(Int(position.rounded(.up)), inSize - 1), position - below)
        }
        for y in 0..<s {
            let (y0, y1, wy) = coordinate(y, inSize: window.height)
            for x in 0..<s {
                let (x0, x1, wx) = coordinate(x, inSize: window.width)
                for c in 0..<3 {
                    let top = sample(x0, y0, c) + (sample(x1, y0, c) - sample(x0, y0, c)) * wx
                    let bottom = sample(x0, y1, c) + (sample(x1, y1, c) - sample(x0, y1, c)) * wx
                    out[(y * s + x) * 3 + c] = top + (bottom - top) * wy
                }
            }
        }
        return out
    }

    /// The source index of each output index along one axis of Pillow's nearest scaling (see above).
    static func nearestIndices(start: Int, length: Int, outSize: Int) -> [Int] {
        let step = Double(length) / Double(outSize)
        var position = Double(start) + step * 0.5
        var indices = [Int](repeating: 0, count: outSize)
        for i in 0..<outSize {
            indices[i] = min(max(Int(position), 0), start + length - 1)
            position += step
        }
        return indices
    }

    /// Pillow's `resize((S, S), NEAREST, box=window)` as `load_img` calls it: an S x S uint8 picture.
    /// A picture already S x S with the whole-picture window is returned as it is (load_img skips the resize).
    public static func pillowNearest(_ image: RGBImage, window: SourceWindow, size s: Int) -> RGBImage {
        if image.width == s, image.height == s, window == SourceWindow(left: 0, top: 0, width: s, height: s) { return image }
        let columns = nearestIndices(start: window.left, length: window.width, outSize: s)
        let rows = nearestIndices(start: window.top, length: window.height, outSize: s)
        var out = [UInt8](repeating: 0, count: s * s * 3)
        image.pixels.withUnsafeBufferPointer { pixels in
            out.withUnsafeMutableBufferPointer { output in
                for (y, sourceRow) in rows.enumerated() {
                    let from = pixels.baseAddress! + sourceRow * image.width * 3
                    let to = output.baseAddress! + y * s * 3
                    for (x, sourceColumn) in columns.enumerated() {
                        to[x * 3] = from[sourceColumn * 3]
                        to[x * 3 + 1] = from[sourceColumn * 3 + 1]
                        to[x * 3 + 2] = from[sourceColumn * 3 + 2]
                    }
                }
            }
        }
        return RGBImage(width: s, height: s, pixels: out)
    }
}
