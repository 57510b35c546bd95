import Foundation

/// Where the resize and the crop land for one picture.
public struct PreprocessGeometry: Sendable, Hashable {
    /// Size of the whole resized picture (torchvision `Resize` output, before the crop).
    public let resizedWidth: Int
    public let resizedHeight: Int
    /// Top-left corner of the S x S crop inside the resized picture.
    public let cropLeft: Int
    public let cropTop: Int
    /// S.
    public let cropSize: Int
}

/// Resize + crop + normalise, reproducing torchvision's transforms on a Pillow image.
///
/// Output layout: one image is 3 * S * S float32 values in CHW order (channel planes of S rows of S),
/// i.e. one item of an NCHW batch; a batch of N images is N such blocks back to back.
public enum Preprocessor {
    /// The resize target and crop offsets for a `sourceWidth` x `sourceHeight` picture.
    /// Crop mode follows torchvision: the shorter side becomes round(S*256/224) and the longer side
    /// `int(short * long / shorter)` (truncated); the crop offset is `int(round((size - S) / 2))` with
    /// Python's round-half-to-even (an offset of 16.5 is 16).
    public static func geometry(sourceWidth: Int, sourceHeight: Int, recipe: PreprocessRecipe) -> PreprocessGeometry {
        let s = recipe.imageSize
        switch recipe.resizeMode {
        case .squash, .cropToAspectRatio:  // torchvision recipes never crop to the aspect (unsupportedReason)
            return PreprocessGeometry(resizedWidth: s, resizedHeight: s, cropLeft: 0, cropTop: 0, cropSize: s)
        case .resizeShorterAndCrop:
            let short = recipe.resizeShorterSide
            let width: Int, height: Int
            if sourceWidth <= sourceHeight {
                width = short
                height = Int(Double(short * sourceHeight) / Double(sourceWidth))
            } else {
                height = short
                width = Int(Double(short * sourceWidth) / Double(sourceHeight))
            }
            return PreprocessGeometry(resizedWidth: width, resizedHeight: height,
                                      cropLeft: centreCropOffset(size: width, crop: s),
                                      cropTop: centreCropOffset(size: height, crop: s), cropSize: s)
        }
    }

    /// torchvision `CenterCrop`: `int(round((size - crop) / 2.0))`, ties to even.
    public static func centreCropOffset(size: Int, crop: Int) -> Int {
        Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
    }

    /// The S x S uint8 picture the network sees before normalisation: Pillow's resize of the whole
    /// picture followed by the crop, computed only over the crop window (same values, less work).
    public static func resizeAndCrop(_ image: RGBImage, recipe: PreprocessRecipe) -> RGBImage {
        let plan = ResizePlan(image: image, recipe: recipe)
        let s = plan.geometry.cropSize
        let filter: ResampleFilter = recipe.interpolation == .bicubic ? .cubic : .triangle
        let axisX = ResampleAxis(inSize: image.width, in0: 0, in1: plan.boxWidth, outSize: plan.geometry.resizedWidth,
                                 outStart: plan.geometry.cropLeft, outCount: s, filter: filter)
        let axisY = ResampleAxis(inSize: image.height, in0: 0, in1: plan.boxHeight, outSize: plan.geometry.resizedHeight,
                                 outStart: plan.geometry.cropTop, outCount: s, filter: filter)
        let rows = plan.filterVertically ? axisY.inputRange : plan.geometry.cropTop..<(plan.geometry.cropTop + s)
        let rowBytes = s * 3
        var stage = [UInt8](repeating: 0, count: rows.count * rowBytes)
        image.pixels.withUnsafeBufferPointer { source in
            stage.withUnsafeMutableBufferPointer { stageBuffer in
                if plan.filterHorizontally {
                    resampleHorizontalRGB(input: source.baseAddress!, inWidth: image.width, rowStart: rows.lowerBound,
                                          rows: rows.count, axis: axisX, output: stageBuffer.baseAddress!)
                } else {
                    for (r, y) in rows.enumerated() {
                        let from = source.baseAddress! + (y * image.width + plan.geometry.cropLeft) * 3
                        (stageBuffer.baseAddress! + r * rowBytes).update(from: from, count: rowBytes)
                    }
                }
            }
        }
        guard plan.filterVertically else { return RGBImage(width: s, height: s, pixels: stage) }
        var out = [UInt8](repeating: 0, count: s * rowBytes)
        let accumulator = UnsafeMutablePointer<Int32>.allocate(capacity: rowBytes)
        defer { accumulator.deallocate() }
        stage.withUnsafeBufferPointer { stageBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer in
                resampleVertical(input: stageBuffer.baseAddress!, rowBytes: rowBytes, inputRowOffset: rows.lowerBound,
                                 axis: axisY, output: outBuffer.baseAddress!, accumulator: accumulator)
            }
        }
        return RGBImage(width: s, height: s, pixels: out)
    }

    /// Naive reference for `resizeAndCrop`: resizes the whole picture exactly as Pillow does (every
    /// output pixel, horizontal then vertical, plain indexing), then crops. Kept to test the fast path.
    public static func resizeAndCropReference(_ image: RGBImage, recipe: PreprocessRecipe) -> RGBImage {
        let plan = ResizePlan(image: image, recipe: recipe)
        let g = plan.geometry
        let filter: ResampleFilter = recipe.interpolation == .bicubic ? .cubic : .triangle
        var current = image.pixels
        var width = image.width, height = image.height
        if plan.filterHorizontally {
            let axis = ResampleAxis(inSize: width, in0: 0, in1: plan.boxWidth, outSize: g.resizedWidth,
                                    outStart: 0, outCount: g.resizedWidth, filter: filter)
            var next = [UInt8](repeating: 0, count: g.resizedWidth * height * 3)
            for y in 0..<height {
                for o in 0..<g.resizedWidth {
                    for c in 0..<3 {
                        var sum = Int32(1 << (resamplePrecisionBits - 1))
                        for t in 0..<Int(axis.count[o]) {
                            sum += Int32(current[(y * width + Int(axis.first[o]) + t) * 3 + c]) * axis.weights[o * axis.stride + t]
                        }
                        next[(y * g.resizedWidth + o) * 3 + c] = clampFixedPointToByte(sum)
                    }
                }
            }
            current = next
            width = g.resizedWidth
        }
        if plan.filterVertically {
            let axis = ResampleAxis(inSize: height, in0: 0, in1: plan.boxHeight, outSize: g.resizedHeight,
                                    outStart: 0, outCount: g.resizedHeight, filter: filter)
            var next = [UInt8](repeating: 0, count: width * g.resizedHeight * 3)
            for o in 0..<g.resizedHeight {
                for x in 0..<(width * 3) {
                    var sum = Int32(1 << (resamplePrecisionBits - 1))
                    for t in 0..<Int(axis.count[o]) {
                        sum += Int32(current[(Int(axis.first[o]) + t) * width * 3 + x]) * axis.weights[o * axis.stride + t]
                    }
                    next[o * width * 3 + x] = clampFixedPointToByte(sum)
                }
            }
            current = next
            height = g.resizedHeight
        }
        var crop = [UInt8](repeating: 0, count: g.cropSize * g.cropSize * 3)
        for y in 0..<g.cropSize {
            for x in 0..<(g.cropSize * 3) {
                crop[(y * g.cropSize) * 3 + x] = current[((g.cropTop + y) * width + g.cropLeft) * 3 + x]
            }
        }
        return RGBImage(width: g.cropSize, height: g.cropSize, pixels: crop)
    }

    /// Writes the normalised CHW floats of an S x S crop into `out` (3 * S * S values).
    /// imagenet: (x / 255 - mean_c) / std_c in float32, as torchvision's ToTensor + Normalize compute it;
    /// caffe: channels reordered to BGR, x - mean_c; tf: x / 127.5 - 1.
    public static func normalize(_ crop: RGBImage, normalization: PreprocessRecipe.Normalization,
                                 into out: UnsafeMutableBufferPointer<Float>) {
        let plane = crop.width * crop.height
        precondition(out.count >= 3 * plane, "Preprocessor.normalize: output holds \(out.count) floats, needs \(3 * plane)")
        let table = normalizationTables[normalization]!
        // Output channel c reads input channel sourceChannel[c] (caffe swaps R and B).
        let sourceChannel = normalization == .caffe ? [2, 1, 0] : [0, 1, 2]
        table.withUnsafeBufferPointer { lut in
            crop.pixels.withUnsafeBufferPointer { pixels in
                for c in 0..<3 {
                    let lutC = lut.baseAddress! + c * 256
                    let src = pixels.baseAddress! + sourceChannel[c]
                    let dst = out.baseAddress! + c * plane
                    for i in 0..<plane { dst[i] = lutC[Int(src[i * 3])] }
                }
            }
        }
    }

    /// Built once: normalising is then one table lookup per value, with no allocation per image.
    static let normalizationTables: [PreprocessRecipe.Normalization: [Float]] = Dictionary(
        uniqueKeysWithValues: PreprocessRecipe.Normalization.allCases.map { ($0, normalizationTable($0)) })

    /// 3 x 256 lookup: output channel c, byte value v -> normalised float (computed in float32).
    static func normalizationTable(_ normalization: PreprocessRecipe.Normalization) -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 { table[c * 256 + v] = normalized(Float(v), outputChannel: c, normalization) }
        }
        return table
    }

    /// One value of output channel c (already in that channel's order: B, G, R for caffe), in float32
    /// and in the order the reference libraries compute it: imagenet `(x / 255 - mean) / std` (torchvision
    /// ToTensor + Normalize); caffe `x - mean` (Keras adds the negated mean, the same float); tf
    /// `x / 127.5 - 1` (Keras divides, then subtracts); raw `x`.
    @inline(__always)
    static func normalized(_ x: Float, outputChannel c: Int, _ normalization: PreprocessRecipe.Normalization) -> Float {
        switch normalization {
        case .imagenet: return (x / 255 - imagenetMean[c]) / imagenetStd[c]
        case .caffe: return x - caffeMeanBGR[c]
        case .tf: return x / 127.5 - 1
        case .raw: return x
        }
    }

    static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
    static let imagenetStd: [Float] = [0.229, 0.224, 0.225]
    static let caffeMeanBGR: [Float] = [103.939, 116.779, 123.68]

    /// Normalises float32 HWC values (S x S pixels of R, G, B, e.g. TensorFlow's unrounded resize output)
    /// into CHW floats in `out`, with the same formulas as the byte path.
    public static func normalize(hwc: UnsafeBufferPointer<Float>, size s: Int, normalization: PreprocessRecipe.Normalization,
                                 into out: UnsafeMutableBufferPointer<Float>) {
        let plane = s * s
        precondition(hwc.count >= 3 * plane && out.count >= 3 * plane, "Preprocessor.normalize: buffers hold fewer than \(3 * plane) floats")
        let sourceChannel = normalization == .caffe ? [2, 1, 0] : [0, 1, 2]
        for c in 0..<3 {
            let src = hwc.baseAddress! + sourceChannel[c]
            let dst = out.baseAddress! + c * plane
            for i in 0..<plane { dst[i] = normalized(src[i * 3], outputChannel: c, normalization) }
        }
    }

    /// Resize, crop and normalise one picture into `out` (3 * S * S floats, CHW), by the recipe's pipeline.
    public static func run(_ image: RGBImage, recipe: PreprocessRecipe, into out: UnsafeMutableBufferPointer<Float>) {
        let s = recipe.imageSize
        switch recipe.pipeline {
        case .torchvision:
            normalize(resizeAndCrop(image, recipe: recipe), normalization: recipe.normalization, into: out)
        case .kerasDirectory:
            let window = KerasResize.window(width: image.width, height: image.height, imageSize: s,
                                            cropToAspectRatio: recipe.resizeMode == .cropToAspectRatio)
            var hwc = [Float](repeating: 0, count: 3 * s * s)
            hwc.withUnsafeMutableBufferPointer { KerasResize.tensorflowBilinear(image, window: window, size: s, into: $0) }
            hwc.withUnsafeBufferPointer { normalize(hwc: $0, size: s, normalization: recipe.normalization, into: out) }
        case .kerasLoadImg:
            normalize(kerasLoadImg(image, recipe: recipe), normalization: recipe.normalization, into: out)
        }
    }

    /// The S x S uint8 picture `keras.utils.load_img(target_size=(S, S))` returns: nearest (optionally
    /// from the centred square, `keep_aspect_ratio=True`), or Pillow's antialiased bilinear/bicubic of
    /// the whole picture.
    public static func kerasLoadImg(_ image: RGBImage, recipe: PreprocessRecipe) -> RGBImage {
        let s = recipe.imageSize
        if recipe.interpolation == .nearest {
            let window = KerasResize.window(width: image.width, height: image.height, imageSize: s,
                                            cropToAspectRatio: recipe.resizeMode == .cropToAspectRatio)
            return KerasResize.pillowNearest(image, window: window, size: s)
        }
        if image.width == s && image.height == s { return image }
        var squash = recipe
        squash.pipeline = .torchvision
        squash.resizeMode = .squash
        return resizeAndCrop(image, recipe: squash)
    }

    /// Resize, crop and normalise one picture: 3 * S * S floats, CHW.
    public static func run(_ image: RGBImage, recipe: PreprocessRecipe) -> [Float] {
        [Float](unsafeUninitializedCapacity: recipe.floatsPerImage) { buffer, initialized in
            run(image, recipe: recipe, into: buffer)
            initialized = recipe.floatsPerImage
        }
    }
}

/// What to filter: the output geometry from the picture's size in the file, and the box of decoded
/// pixels it covers (smaller than the decoded size only after DCT-domain downscaling).
struct ResizePlan {
    let geometry: PreprocessGeometry
    let boxWidth: Float
    let boxHeight: Float
    let filterHorizontally: Bool
    let filterVertically: Bool

    init(image: RGBImage, recipe: PreprocessRecipe) {
        geometry = Preprocessor.geometry(sourceWidth: image.sourceWidth, sourceHeight: image.sourceHeight, recipe: recipe)
        boxWidth = Float(Double(image.sourceWidth) * image.decodeScale)
        boxHeight = Float(Double(image.sourceHeight) * image.decodeScale)
        // Pillow skips an axis whose size and box are unchanged (an identity copy).
        filterHorizontally = geometry.resizedWidth != image.width || boxWidth != Float(geometry.resizedWidth)
        filterVertically = geometry.resizedHeight != image.height || boxHeight != Float(geometry.resizedHeight)
    }
}
