import Foundation

// Antialiased separable resampling with Pillow's semantics (Pillow's `Image.resize` on 8-bit images):
//
//   For output index i of an axis mapping the input interval [in0, in1) onto `outSize` samples,
//   scale = (in1 - in0) / outSize, filterScale = max(scale, 1), support = filter.support * filterScale,
//   centre = in0 + (i + 0.5) * scale, taps j in [trunc(centre - support + 0.5), trunc(centre + support + 0.5))
//   clamped to the input, weight_j = filter((j - centre + 0.5) / filterScale), normalised to sum 1.
//   Weights become signed fixed point with 22 fractional bits (rounded half away from zero), and each
//   output is (sum_j in_j * w_j + 2^21) >> 22 clamped to 0...255.
//
// The horizontal pass runs first over the input rows the vertical pass needs and rounds to uint8;
// the vertical pass then runs on that. An axis whose size and box are unchanged is not filtered.

/// Fixed-point fractional bits of the weights (32 bits minus 8 for the sample minus 2 of headroom).
let resamplePrecisionBits = 22

enum ResampleFilter {
    case triangle, cubic

    var support: Double { self == .triangle ? 1 : 2 }

    func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .triangle:
            return x < 1 ? 1 - x : 0
        case .cubic:
            let a = -0.5  // Pillow's (and Keys') cubic convolution parameter
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// The taps of one axis for a run of consecutive output indices.
struct ResampleAxis {
    /// First input index per output index.
    var first: [Int32]
    /// Number of taps per output index.
    var count: [Int32]
    /// `stride` fixed-point weights per output index (unused slots are 0).
    var weights: [Int32]
    var stride: Int

    /// Taps for output indices `outStart ..< outStart + outCount` of an axis mapping `[in0, in1)` of
    /// an `inSize`-sample input onto `outSize` samples. `in0`/`in1` are single precision, as in Pillow.
    init(inSize: Int, in0: Float, in1: Float, outSize: Int, outStart: Int, outCount: Int, filter: ResampleFilter) {
        let scale = Double(in1 - in0) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        first = [Int32](repeating: 0, count: outCount)
        count = [Int32](repeating: 0, count: outCount)
        weights = [Int32](repeating: 0, count: outCount * stride)
        var taps = [Double](repeating: 0, count: stride)
        for o in 0..<outCount {
            let centre = Double(in0) + (Double(outStart + o) + 0.5) * scale
            let lo = max(Int(centre - support + 0.5), 0)
            let hi = min(Int(centre + support + 0.5), inSize)
            let n = max(hi - lo, 0)
            var total = 0.0
            for t in 0..<n {
                let w = filter.weight((Double(t + lo) - centre + 0.5) / filterScale)
                taps[t] = w
                total += w
            }
            for t in 0..<n {
                let w = total != 0 ? taps[t] / total : taps[t]
                let fixed = w * Double(1 << resamplePrecisionBits)
                weights[o * stride + t] = Int32(w < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            first[o] = Int32(lo)
            count[o] = Int32(n)
        }
    }

    /// Input indices the taps touch: first ..< end.
    var inputRange: Range<Int> {
        guard !first.isEmpty else { return 0..<0 }
        var lo = Int.max, hi = 0
        for o in 0..<first.count where count[o] > 0 {
            lo = min(lo, Int(first[o]))
            hi = max(hi, Int(first[o] + count[o]))
        }
        return lo == Int.max ? 0..<0 : lo..<hi
    }
}

@inline(__always) func clampFixedPointToByte(_ sum: Int32) -> UInt8 {
    let v = sum >> Int32(resamplePrecisionBits)
    return UInt8(truncatingIfNeeded: v < 0 ? 0 : v > 255 ? 255 : v)
}

/// Horizontal pass, fast kernel. Layout: packed RGB rows. For each of `rows` rows starting at input row
/// `rowStart` (row stride `inWidth * 3` bytes), writes `axis.first.count` output pixels per row into
/// `output` (row stride `axis.first.count * 3`). out[y][o][c] = clamp((sum_t in[y][first_o + t][c] * w_o,t + 2^21) >> 22).
/// Differs from the naive kernel only in using raw pointers and three running sums.
func resampleHorizontalRGB(input: UnsafePointer<UInt8>, inWidth: Int, rowStart: Int, rows: Int,
                           axis: ResampleAxis, output: UnsafeMutablePointer<UInt8>) {
    let outWidth = axis.first.count
    let half = Int32(1 << (resamplePrecisionBits - 1))
    axis.first.withUnsafeBufferPointer { first in
        axis.count.withUnsafeBufferPointer { count in
            axis.weights.withUnsafeBufferPointer { weights in
                for y in 0..<rows {
                    let inRow = input + (rowStart + y) * inWidth * 3
                    let outRow = output + y * outWidth * 3
                    for o in 0..<outWidth {
                        var r = half, g = half, b = half
                        var p = inRow + Int(first[o]) * 3
                        let w = weights.baseAddress! + o * axis.stride
                        for t in 0..<Int(count[o]) {
                            let k = w[t]
                            r &+= Int32(p[0]) &* k
                            g &+= Int32(p[1]) &* k
                            b &+= Int32(p[2]) &* k
                            p += 3
                        }
                        outRow[o * 3] = clampFixedPointToByte(r)
                        outRow[o * 3 + 1] = clampFixedPointToByte(g)
                        outRow[o * 3 + 2] = clampFixedPointToByte(b)
                    }
                }
            }
        }
    }
}

/// Vertical pass, fast kernel. Layout: rows of `rowBytes` bytes (any interleaving; all bytes of a row are
/// filtered alike). Input row r of `input` is source row `inputRowOffset + r`. For each output row o,
/// out[o][x] = clamp((sum_t in[first_o + t][x] * w_o,t + 2^21) >> 22).
/// Differs from the naive kernel in accumulating whole rows into `accumulator` (rowBytes Int32s), so the
/// inner loop runs over contiguous bytes and vectorises.
func resampleVertical(input: UnsafePointer<UInt8>, rowBytes: Int, inputRowOffset: Int, axis: ResampleAxis,
                      output: UnsafeMutablePointer<UInt8>, accumulator: UnsafeMutablePointer<Int32>) {
    let half = Int32(1 << (resamplePrecisionBits - 1))
    for o in 0..<axis.first.count {
        for x in 0..<rowBytes { accumulator[x] = half }
        let firstRow = Int(axis.first[o]) - inputRowOffset
        for t in 0..<Int(axis.count[o]) {
            let k = axis.weights[o * axis.stride + t]
            let row = input + (firstRow + t) * rowBytes
            for x in 0..<rowBytes { accumulator[x] &+= Int32(row[x]) &* k }
        }
        let outRow = output + o * rowBytes
        for x in 0..<rowBytes { outRow[x] = clampFixedPointToByte(accumulator[x]) }
    }
}
