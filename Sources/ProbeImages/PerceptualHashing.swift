import Foundation
import ProbeCore

extension PerceptualHash {
    /// The 64-bit DCT perceptual hash of a decoded picture. The definition, step by step
    /// (`reference/phash_reference.py` is the same steps in plain Python and writes the goldens):
    ///
    /// 1. Grey: each pixel's luma is the integer `299 R + 587 G + 114 B` (ITU-R BT.601 weights × 1000).
    /// 2. Box-resize to 32 × 32: cell (i, j) (row i, column j) is the mean luma of the source pixels
    ///    with `y` in `[i*H/32, max(i*H/32 + 1, (i+1)*H/32))` and `x` in `[j*W/32, max(j*W/32 + 1, (j+1)*W/32))`
    ///    (integer division; sums taken over y, then x, in increasing order; mean = Double(sum) / Double(count)).
    ///    For pictures at least 32 pixels each way the cells tile the picture exactly.
    /// 3. 2-D DCT-II without normalisation, only the 8 × 8 lowest frequencies:
    ///    `D[u][v] = Σ_y cos(π u (2y+1) / 64) · Σ_x cos(π v (2x+1) / 64) · cell[y][x]`
    ///    (inner sums over x first, both in increasing order, in Double).
    /// 4. Threshold: `m` = the median of the 64 values `D[u][v]` (the mean of the 32nd and 33rd
    ///    smallest); bit `63 - (8u + v)` of the hash is 1 when `D[u][v] > m`. So the hash's hex
    ///    digits read the 8 × 8 block row by row, as the `imagehash` package prints its pHash
    ///    (which resizes with Lanczos instead, so its values differ from these).
    ///
    /// Cost: one pass over the pixels (three integer multiply-adds a pixel, less work than the
    /// decode that produced them) plus 32·32·8 + 8·8·32 multiply-adds. Hash the picture the extractor decoded, so no extra
    /// decode is spent; with `--fast-decode` a large JPEG is hashed from its DCT-downscaled decode,
    /// a few bits away from the full decode's hash at most.
    public static func compute(_ image: RGBImage) -> UInt64 {
        let side = 32, low = 8
        let width = image.width, height = image.height
        var cells = [Double](repeating: 0, count: side * side)
        image.pixels.withUnsafeBufferPointer { pixels in
            for i in 0..<side {
                let y0 = i * height / side, y1 = max(y0 + 1, (i + 1) * height / side)
                for j in 0..<side {
                    let x0 = j * width / side, x1 = max(x0 + 1, (j + 1) * width / side)
                    var sum: Int64 = 0
                    for y in y0..<y1 {
                        var p = (y * width + x0) * 3
                        for _ in x0..<x1 {
                            sum += 299 * Int64(pixels[p]) + 587 * Int64(pixels[p + 1]) + 114 * Int64(pixels[p + 2])
                            p += 3
                        }
                    }
                    cells[i * side + j] = Double(sum) / Double((y1 - y0) * (x1 - x0))
                }
            }
        }
        // cosines[k * side + n] = cos(π k (2n+1) / (2·side)), the DCT-II basis for frequency k < 8.
        var cosines = [Double](repeating: 0, count: low * side)
        for k in 0..<low {
            for n in 0..<side { cosines[k * side + n] = cos(Double.pi * Double(k) * Double(2 * n + 1) / Double(2 * side)) }
        }
        // rowsByFrequency[y * low + v] = Σ_x cos(π v (2x+1)/64) · cell[y][x]
        var rowsByFrequency = [Double](repeating: 0, count: side * low)
        for y in 0..<side {
            for v in 0..<low {
                var sum = 0.0
                for x in 0..<side { sum += cosines[v * side + x] * cells[y * side + x] }
                rowsByFrequency[y * low + v] = sum
            }
        }
        var block = [Double](repeating: 0, count: low * low)
        for u in 0..<low {
            for v in 0..<low {
                var sum = 0.0
                for y in 0..<side { sum += cosines[u * side + y] * rowsByFrequency[y * low + v] }
                block[u * low + v] = sum
            }
        }
        let sorted = block.sorted()
        let median = (sorted[low * low / 2 - 1] + sorted[low * low / 2]) / 2
        var hash: UInt64 = 0
        for k in 0..<(low * low) where block[k] > median { hash |= 1 << UInt64(63 - k) }
        return hash
    }
}
