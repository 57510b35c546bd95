import COpenBLAS

// Winograd F(2×2, 3×3) and F(4×4, 3×3) convolution (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) for 3×3 stride-1 groups-1 layers, NHWC. The naive
// reference they are tested against is `conv2dReference` (Conv2D.swift).
//
// One 2×2 output tile Y comes from the 4×4 input patch d that covers it and the 3×3 filter g as
//     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// with
//     Bᵀ = | 1  0 -1  0 |     G = | 1    0    0   |     Aᵀ = | 1  1  1  0 |
//          | 0  1  1  0 |         | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
//          | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
//          | 0  1  0 -1 |         | 0    0    1   |
// Summed over input channels, the elementwise product at each of the 16 positions t = 4·i + j of
// the 4×4 transformed tile is a matrix product over channels:
//     M[t][tile, co] = Σ_ci V[t][tile, ci] · U[t][ci, co],   V = Bᵀ d B per channel,  U = G g Gᵀ.
// So a block of tiles costs 16 GEMMs [tiles, inC]·[inC, outC], i.e. 16 multiplies per 4 outputs
// where direct convolution needs 36: 2.25× fewer. The transforms are adds only (and the halves in G,
// applied once to the weights).
//
// Layouts (all row-major float32):
//   - weights U: 16 matrices [inC, outC], matrix t at t·inC·outC (`WinogradWeights.transformed`);
//   - per block of T tiles (see `winogradBlockTiles`), V: 16 matrices [T, inC] and M: 16 matrices
//     [T, outC] in per-thread scratch, each matrix followed by one cache line of padding;
//   - tiles are numbered over (n, tile row, tile column); tile (ty, tx) produces output pixels
//     (2ty..2ty+1, 2tx..2tx+1) from input rows 2ty - padTop ..< +4 and columns 2tx - padLeft ..< +4.
//     Taps outside the image read zeros; outputs past the bottom/right edge are dropped, so any
//     output size ≥ 1 (odd included) works.
// The transforms run over channels innermost, 8 at a time in SIMD registers.
//
// F(4×4, 3×3) (same paper) works the same way on 6×6 input patches and 4×4 output tiles, with
//     Bᵀ = | 4  0 -5  0  1  0 |     G = |  1/4     0     0   |     Aᵀ = | 1  1  1  1  1  0 |
//          | 0 -4 -4  1  1  0 |         | -1/6  -1/6  -1/6  |          | 0  1 -1  2 -2  0 |
//          | 0  4 -4 -1  1  0 |         | -1/6   1/6  -1/6  |          | 0  1  1  4  4  0 |
//          | 0 -2 -1  2  1  0 |         |  1/24  1/12  1/6  |          | 0  1 -1  8 -8  1 |
//          | 0  2 -1 -2  1  0 |         |  1/24 -1/12  1/6  |
//          | 0  4  0 -5  0  1 |         |  0     0     1    |
// 36 GEMMs per block, 36 multiplies per 16 outputs: 4× fewer than direct convolution, 1.78× fewer
// than F(2×2, 3×3), at the price of 4× the weight memory (36 matrices instead of 9 taps) and larger
// rounding errors (the transforms scale values by up to ~10², still ~1e-6 relative in float32 here).
// Everything below holds with 4/6 in place of 2/4 and 36 matrices in place of 16.

/// A 3×3 stride-1 groups-1 convolution's weights in the Winograd F(m×m, 3×3) domain (m = 2 or 4),
/// U = G g Gᵀ per (input channel, output channel), with the layer's folded bias and activation.
public struct WinogradWeights: Sendable {
    public let inChannels: Int, outChannels: Int
    /// m: each tile produces m×m output pixels from an (m + 2)×(m + 2) input patch.
    public let outputTile: Int
    public let activation: Activation
    /// (m + 2)² matrices [inC, outC] row-major: element (t, ci, co) at (t·inC + ci)·outC + co,
    /// t = (m + 2)·i + j.
    public let transformed: [Float]
    public let bias: [Float]

    /// True for the layers the Winograd kernels compute: 3×3 kernel, stride 1, groups 1 (any padding).
    public static func supports(_ layer: Conv2DWeights) -> Bool {
        !layer.isDepthwise && layer.kernelHeight == 3 && layer.kernelWidth == 3 && layer.stride == 1
    }

    /// Transforms `layer`'s weights (already batch-norm folded) for F(`outputTile`×`outputTile`, 3×3),
    /// `outputTile` 2 or 4; nil when `supports(layer)` is false.
    public init?(_ layer: Conv2DWeights, outputTile: Int = 2) {
        guard WinogradWeights.supports(layer) else { return nil }
        precondition(outputTile == 2 || outputTile == 4, "WinogradWeights: output tile \(outputTile) (2 or 4)")
        let inC = layer.inChannels, outC = layer.outChannels
        let alpha = outputTile + 2
        let sixth: Double = 1.0 / 6, twelfth: Double = 1.0 / 12, twentyFourth: Double = 1.0 / 24
        let g2: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        let g4: [[Double]] = [[0.25, 0, 0], [-sixth, -sixth, -sixth], [-sixth, sixth, -sixth],
                              [twentyFourth, twelfth, sixth], [twentyFourth, -twelfth, sixth], [0, 0, 1]]
        let gMatrix = outputTile == 2 ? g2 : g4
        // U[t][ci, co] = Σ_{ky,kx} G[i][ky]·G[j][kx]·g[ky,kx][ci, co] for t = α·i + j. `packed` is
        // [ky, kx, ci][co], i.e. a [9, inC·outC] matrix P with row 3·ky + kx, and U is [α², inC·outC],
        // so the whole transform is one GEMM U = K·P with K[t][3·ky + kx] = G[i][ky]·G[j][kx].
        var k = [Float](repeating: 0, count: alpha * alpha * 9)
        for i in 0..<alpha {
            for j in 0..<alpha {
                for ky in 0..<3 { for kx in 0..<3 { k[(i * alpha + j) * 9 + ky * 3 + kx] = Float(gMatrix[i][ky] * gMatrix[j][kx]) } }
            }
        }
        var u = [Float](repeating: 0, count: alpha * alpha * inC * outC)
        let columns = inC * outC
        k.withUnsafeBufferPointer { kBuffer in
            layer.packed.withUnsafeBufferPointer { packed in
                u.withUnsafeMutableBufferPointer { out in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(alpha * alpha), Int32(columns), 9,
                                1, kBuffer.baseAddress!, 9, packed.baseAddress!, Int32(columns), 0, out.baseAddress!, Int32(columns))
                }
            }
        }
        inChannels = inC; outChannels = outC; self.outputTile = outputTile
        activation = layer.activation
        transformed = u; bias = layer.bias
    }
}

/// Tiles per block. Each of a block's GEMMs is [T, inC]·[inC, outC], and two regimes of OpenBLAS
/// (as built here) decide T; measured single-threaded on VGG16's layers (Zen 4, 1 MB L2 per core):
/// - inC·outC ≤ 32768: T = clamp(2¹⁹ / (inC·outC), 16, 32), so that T·inC·outC ≤ 2¹⁹ and OpenBLAS
///   takes its small-matrix kernel (seen in perf), which skips packing; past 2¹⁹ it packs both operands
///   and gets slower (F(4×4), 128→256 at 56×56: 5.7 ms at T = 16, 7.2–7.7 ms at T = 32…256;
///   128→128 at 112×112: 11.9 ms at T = 32, 14.4 at T = 64).
/// - larger layers: OpenBLAS repacks the whole U[t] (inC·outC floats, megabytes from L3) on every
///   call, so T is large to amortise it: 256 for F(2×2), 128 for F(4×4), whose blocks are 2.25×
///   larger and which gains nothing past 128 (F(4×4), 256→256 at 56×56: T = 32 / 64 / 128 / 256
///   took 16.0 / 15.4 / 14.1 / 13.9 ms; F(2×2), 512→512 at 28×28: T = 32 / 64 / 128 / 256 took
///   27 / 23 / 20 / 19 ms).
/// T does not depend on the thread count (blocks are dealt to threads whole), so every GEMM call,
/// and with it every output bit, is the same on any number of threads.
public func winogradBlockTiles(_ w: WinogradWeights, _ g: ConvGeometry, batch: Int) -> Int {
    let m = w.outputTile
    let tiles = batch * ((g.outHeight + m - 1) / m) * ((g.outWidth + m - 1) / m)
    let weightsPerMatrix = w.inChannels * w.outChannels
    let t = weightsPerMatrix <= 32768 ? Swift.max(16, Swift.min(32, 524_288 / Swift.max(weightsPerMatrix, 1)))
                                      : (m == 2 ? 256 : 128)
    return Swift.min(t, Swift.max(tiles, 1))
}

/// Floats of scratch one thread needs for `conv2dWinograd` with blocks of `blockTiles` tiles
/// (default `winogradBlockTiles`): V and M for one block plus a zero row.
public func winogradScratchCount(_ w: WinogradWeights, _ g: ConvGeometry, batch: Int, blockTiles: Int? = nil) -> Int {
    let t = blockTiles ?? winogradBlockTiles(w, g, batch: batch)
    let alpha = w.outputTile + 2
    return alpha * alpha * (t * (w.inChannels + w.outChannels) + 2 * winogradMatrixPad) + w.inChannels
}

/// Floats between consecutive V (and M) matrices of a block beyond their T·C: one cache line, so
/// the 16 or 36 matrices the transforms read or write side by side start in different cache sets
/// (T·C is often a multiple of 4 KB, which would put all of them in the same L1 set).
let winogradMatrixPad = 16

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Winograd F(2×2, 3×3) or F(4×4, 3×3) convolution (per `w.outputTile`), NHWC in and out: the
/// same result as `conv2dReference` / `conv2dGEMM` for a 3×3 stride-1 layer (out = act(conv + bias [+ out when `accumulate`])), up to
/// float rounding (the transforms reassociate the sums). `g` is the layer's geometry for the input
/// size. Tiles are cut into blocks of `winogradBlockTiles` (or `blockTiles` when given) dealt
/// round-robin to `threads` threads; `scratch` holds `threads · winogradScratchCount(...)` floats.
public func conv2dWinograd(_ w: WinogradWeights, _ g: ConvGeometry, batch: Int,
                           input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, accumulate: Bool,
                           scratch: UnsafeMutablePointer<Float>, threads: Int, blockTiles: Int? = nil) {
    let inC = w.inChannels, outC = w.outChannels, tile = w.outputTile
    let matrices = (tile + 2) * (tile + 2)
    let tilesY = (g.outHeight + tile - 1) / tile, tilesX = (g.outWidth + tile - 1) / tile
    let tiles = batch * tilesY * tilesX
    if tiles == 0 { return }
    let blockSize = blockTiles ?? winogradBlockTiles(w, g, batch: batch)
    let blocks = (tiles + blockSize - 1) / blockSize
    let workers = Swift.max(1, Swift.min(threads, blocks))
    let perThread = winogradScratchCount(w, g, batch: batch, blockTiles: blockSize)
    w.transformed.withUnsafeBufferPointer { uBuffer in
        w.bias.withUnsafeBufferPointer { biasBuffer in
            let u = uBuffer.baseAddress!, bias = biasBuffer.baseAddress!
            parallelFor(threads: workers) { slot in
                let v = scratch + slot * perThread
                let vStride = blockSize * inC + winogradMatrixPad, mStride = blockSize * outC + winogradMatrixPad
                let m = v + matrices * vStride
                let zeros = m + matrices * mStride
                zeros.update(repeating: 0, count: inC)
                var block = slot
                while block < blocks {
                    let first = block * blockSize
                    let count = Swift.min(blockSize, tiles - first)
                    if tile == 2 {
                        winogradInputTransform(g, inC: inC, tilesY: tilesY, tilesX: tilesX, input: input, zeros: zeros,
                                               firstTile: first, tileCount: count, matrixStride: vStride, v: v)
                    } else {
                        winograd4InputTransform(g, inC: inC, tilesY: tilesY, tilesX: tilesX, input: input, zeros: zeros,
                                                firstTile: first, tileCount: count, matrixStride: vStride, v: v)
                    }
                    for t in 0..<matrices {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(outC), Int32(inC),
                                    1, v + t * vStride, Int32(inC), u + t * inC * outC, Int32(outC),
                                    0, m + t * mStride, Int32(outC))
                    }
                    if tile == 2 {
                        winogradOutputTransform(g, outC: outC, tilesY: tilesY, tilesX: tilesX, m: m, matrixStride: mStride,
                                                firstTile: first, tileCount: count, bias: bias, activation: w.activation,
                                                accumulate: accumulate, output: output)
                    } else {
                        winograd4OutputTransform(g, outC: outC, tilesY: tilesY, tilesX: tilesX, m: m, matrixStride: mStride,
                                                 firstTile: first, tileCount: count, bias: bias, activation: w.activation,
                                                 accumulate: accumulate, output: output)
                    }
                    block += workers
                }
            }
        }
    }
}

/// V[t][r, c] = (Bᵀ d B)[t] for tile `firstTile + r`, channel c, where d is the tile's 4×4 input
/// patch; matrix t starts at v + t·matrixStride. Taps outside the image read `zeros`.
@inline(__always)
private func winogradInputTransform(_ g: ConvGeometry, inC: Int, tilesY: Int, tilesX: Int,
                                    input: UnsafePointer<Float>, zeros: UnsafePointer<Float>,
                                    firstTile: Int, tileCount: Int, matrixStride: Int, v: UnsafeMutablePointer<Float>) {
    let perImage = tilesY * tilesX
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 16) { taps in
        for r in 0..<tileCount {
            let tile = firstTile + r
            let n = tile / perImage, rem = tile - n * perImage
            let ty = rem / tilesX, tx = rem - ty * tilesX
            let y0 = 2 * ty - g.padTop, x0 = 2 * tx - g.padLeft
            for i in 0..<4 {
                let iy = y0 + i
                for j in 0..<4 {
                    let ix = x0 + j
                    taps[i * 4 + j] = (iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth)
                        ? input + ((n * g.inHeight + iy) * g.inWidth + ix) * inC : zeros
                }
            }
            let d00 = taps[0], d01 = taps[1], d02 = taps[2], d03 = taps[3]
            let d10 = taps[4], d11 = taps[5], d12 = taps[6], d13 = taps[7]
            let d20 = taps[8], d21 = taps[9], d22 = taps[10], d23 = taps[11]
            let d30 = taps[12], d31 = taps[13], d32 = taps[14], d33 = taps[15]
            let out = v + r * inC
            let s = matrixStride
            var c = 0
            while c + 8 <= inC {
                // Bᵀ d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3), column by column.
                let a0 = load8(d00 + c) - load8(d20 + c), a1 = load8(d01 + c) - load8(d21 + c)
                let a2 = load8(d02 + c) - load8(d22 + c), a3 = load8(d03 + c) - load8(d23 + c)
                let b0 = load8(d10 + c) + load8(d20 + c), b1 = load8(d11 + c) + load8(d21 + c)
                let b2 = load8(d12 + c) + load8(d22 + c), b3 = load8(d13 + c) + load8(d23 + c)
                let e0 = load8(d20 + c) - load8(d10 + c), e1 = load8(d21 + c) - load8(d11 + c)
                let e2 = load8(d22 + c) - load8(d12 + c), e3 = load8(d23 + c) - load8(d13 + c)
                let f0 = load8(d10 + c) - load8(d30 + c), f1 = load8(d11 + c) - load8(d31 + c)
                let f2 = load8(d12 + c) - load8(d32 + c), f3 = load8(d13 + c) - load8(d33 + c)
                // (Bᵀ d) B: the same combination along each row.
                store8(a0 - a2, out + c);          store8(a1 + a2, out + s + c)
                store8(a2 - a1, out + 2 * s + c);  store8(a1 - a3, out + 3 * s + c)
                store8(b0 - b2, out + 4 * s + c);  store8(b1 + b2, out + 5 * s + c)
                store8(b2 - b1, out + 6 * s + c);  store8(b1 - b3, out + 7 * s + c)
                store8(e0 - e2, out + 8 * s + c);  store8(e1 + e2, out + 9 * s + c)
                store8(e2 - e1, out + 10 * s + c); store8(e1 - e3, out + 11 * s + c)
                store8(f0 - f2, out + 12 * s + c); store8(f1 + f2, out + 13 * s + c)
                store8(f2 - f1, out + 14 * s + c); store8(f1 - f3, out + 15 * s + c)
                c += 8
            }
            while c < inC {
                let a0 = d00[c] - d20[c], a1 = d01[c] - d21[c], a2 = d02[c] - d22[c], a3 = d03[c] - d23[c]
                let b0 = d10[c] + d20[c], b1 = d11[c] + d21[c], b2 = d12[c] + d22[c], b3 = d13[c] + d23[c]
                let e0 = d20[c] - d10[c], e1 = d21[c] - d11[c], e2 = d22[c] - d12[c], e3 = d23[c] - d13[c]
                let f0 = d10[c] - d30[c], f1 = d11[c] - d31[c], f2 = d12[c] - d32[c], f3 = d13[c] - d33[c]
                out[c] = a0 - a2;          out[s + c] = a1 + a2
                out[2 * s + c] = a2 - a1;  out[3 * s + c] = a1 - a3
                out[4 * s + c] = b0 - b2;  out[5 * s + c] = b1 + b2
                out[6 * s + c] = b2 - b1;  out[7 * s + c] = b1 - b3
                out[8 * s + c] = e0 - e2;  out[9 * s + c] = e1 + e2
                out[10 * s + c] = e2 - e1; out[11 * s + c] = e1 - e3
                out[12 * s + c] = f0 - f2; out[13 * s + c] = f1 + f2
                out[14 * s + c] = f2 - f1; out[15 * s + c] = f1 - f3
                c += 1
            }
        }
    }
}

/// Y = Aᵀ M A + bias (+ the previous output when `accumulate`) for each tile of the block, then the
/// activation, written to the tile's output pixels that lie inside the image.
@inline(__always)
private func winogradOutputTransform(_ g: ConvGeometry, outC: Int, tilesY: Int, tilesX: Int,
                                     m: UnsafePointer<Float>, matrixStride: Int, firstTile: Int, tileCount: Int,
                                     bias: UnsafePointer<Float>, activation: Activation, accumulate: Bool,
                                     output: UnsafeMutablePointer<Float>) {
    let perImage = tilesY * tilesX
    let s = matrixStride
    for r in 0..<tileCount {
        let tile = firstTile + r
        let n = tile / perImage, rem = tile - n * perImage
        let ty = rem / tilesX, tx = rem - ty * tilesX
        let oy = 2 * ty, ox = 2 * tx
        let hasRow1 = oy + 1 < g.outHeight, hasColumn1 = ox + 1 < g.outWidth
        let y00 = output + ((n * g.outHeight + oy) * g.outWidth + ox) * outC
        let y01 = y00 + outC, y10 = y00 + g.outWidth * outC, y11 = y10 + outC
        let src = m + r * outC
        // The SIMD loop handles whole tiles (all four pixels inside the image, no accumulation);
        // edge tiles, accumulation and the channel tail go through the scalar loop, which checks
        // each pixel. ReLU is applied in registers on the SIMD path; other activations (and ReLU
        // after the scalar path, where re-applying it is harmless) run on the written pixels.
        var c = 0
        if hasRow1 && hasColumn1 && !accumulate {
            while c + 8 <= outC {
                let p = src + c
                // Aᵀ M: rows (m0 + m1 + m2, m1 - m2 - m3), column by column.
                let m1j0 = load8(p + 4 * s), m1j1 = load8(p + 5 * s), m1j2 = load8(p + 6 * s), m1j3 = load8(p + 7 * s)
                let m2j0 = load8(p + 8 * s), m2j1 = load8(p + 9 * s), m2j2 = load8(p + 10 * s), m2j3 = load8(p + 11 * s)
                let s00 = load8(p) + m1j0 + m2j0, s01 = load8(p + s) + m1j1 + m2j1
                let s02 = load8(p + 2 * s) + m1j2 + m2j2, s03 = load8(p + 3 * s) + m1j3 + m2j3
                let s10 = m1j0 - m2j0 - load8(p + 12 * s), s11 = m1j1 - m2j1 - load8(p + 13 * s)
                let s12 = m1j2 - m2j2 - load8(p + 14 * s), s13 = m1j3 - m2j3 - load8(p + 15 * s)
                // (Aᵀ M) A: the same combination along each row, plus bias.
                let b = load8(bias + c)
                var o00 = s00 + s01 + s02 + b, o01 = s01 - s02 - s03 + b
                var o10 = s10 + s11 + s12 + b, o11 = s11 - s12 - s13 + b
                if activation == .relu {
                    let zero = SIMD8<Float>(repeating: 0)
                    o00 = o00.replacing(with: zero, where: o00 .< zero); o01 = o01.replacing(with: zero, where: o01 .< zero)
                    o10 = o10.replacing(with: zero, where: o10 .< zero); o11 = o11.replacing(with: zero, where: o11 .< zero)
                }
                store8(o00, y00 + c); store8(o01, y01 + c); store8(o10, y10 + c); store8(o11, y11 + c)
                c += 8
            }
        }
        while c < outC {
            let p = src + c
            let s00 = p[0] + p[4 * s] + p[8 * s], s01 = p[s] + p[5 * s] + p[9 * s]
            let s02 = p[2 * s] + p[6 * s] + p[10 * s], s03 = p[3 * s] + p[7 * s] + p[11 * s]
            let s10 = p[4 * s] - p[8 * s] - p[12 * s], s11 = p[5 * s] - p[9 * s] - p[13 * s]
            let s12 = p[6 * s] - p[10 * s] - p[14 * s], s13 = p[7 * s] - p[11 * s] - p[15 * s]
            let o00 = s00 + s01 + s02 + bias[c], o01 = s01 - s02 - s03 + bias[c]
            let o10 = s10 + s11 + s12 + bias[c], o11 = s11 - s12 - s13 + bias[c]
            if accumulate {
                y00[c] += o00
                if hasColumn1 { y01[c] += o01 }
                if hasRow1 { y10[c] += o10; if hasColumn1 { y11[c] += o11 } }
            } else {
                y00[c] = o00
                if hasColumn1 { y01[c] = o01 }
                if hasRow1 { y10[c] = o10; if hasColumn1 { y11[c] = o11 } }
            }
            c += 1
        }
        if activation != .identity && !(activation == .relu && hasRow1 && hasColumn1 && !accumulate && outC % 8 == 0) {
            applyActivation(activation, y00, count: outC)
            if hasColumn1 { applyActivation(activation, y01, count: outC) }
            if hasRow1 {
                applyActivation(activation, y10, count: outC)
                if hasColumn1 { applyActivation(activation, y11, count: outC) }
            }
        }
    }
}

// MARK: - F(4×4, 3×3) transforms

/// Loads `count` ≤ 8 floats into the low lanes (the rest zero): the channel tail of the SIMD loops.
@inline(__always) private func loadPartial8(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    if count == 8 { return load8(p) }
    var v = SIMD8<Float>(repeating: 0)
    for lane in 0..<count { v[lane] = p[lane] }
    return v
}

@inline(__always) private func storePartial8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == 8 { store8(v, p); return }
    for lane in 0..<count { p[lane] = v[lane] }
}

/// Bᵀ x for F(4×4, 3×3): the 6-point input transform along one axis.
@inline(__always)
private func winograd4B(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>,
                        _ x4: SIMD8<Float>, _ x5: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let y0 = x0 * 4 - x2 * 5 + x4
    let y1 = x3 + x4 - (x1 + x2) * 4
    let y2 = (x1 - x2) * 4 - x3 + x4
    let y3 = (x3 - x1) * 2 - x2 + x4
    let y4 = (x1 - x3) * 2 - x2 + x4
    let y5 = x1 * 4 - x3 * 5 + x5
    return (y0, y1, y2, y3, y4, y5)
}

/// Aᵀ x for F(4×4, 3×3): the 6-point output transform along one axis, 4 results.
@inline(__always)
private func winograd4A(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>,
                        _ x4: SIMD8<Float>, _ x5: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let sum12 = x1 + x2, diff12 = x1 - x2, sum34 = x3 + x4, diff34 = x3 - x4
    return (x0 + sum12 + sum34, diff12 + diff34 * 2, sum12 + sum34 * 4, diff12 + diff34 * 8 + x5)
}

/// V[t][r, c] = (Bᵀ d B)[t] for F(4×4, 3×3): d is tile `firstTile + r`'s 6×6 input patch, t = 6·i + j,
/// matrix t at v + t·matrixStride. Columns first (Bᵀ d into a 6×6 stack block), then rows.
@inline(__always)
private func winograd4InputTransform(_ g: ConvGeometry, inC: Int, tilesY: Int, tilesX: Int,
                                     input: UnsafePointer<Float>, zeros: UnsafePointer<Float>,
                                     firstTile: Int, tileCount: Int, matrixStride: Int, v: UnsafeMutablePointer<Float>) {
    let perImage = tilesY * tilesX
    let s = matrixStride
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 36) { tapBuffer in
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 36) { columnBuffer in
            let taps = tapBuffer.baseAddress!, bd = columnBuffer.baseAddress!
            for r in 0..<tileCount {
                let tile = firstTile + r
                let n = tile / perImage, rem = tile - n * perImage
                let ty = rem / tilesX, tx = rem - ty * tilesX
                let y0 = 4 * ty - g.padTop, x0 = 4 * tx - g.padLeft
                for i in 0..<6 {
                    let iy = y0 + i
                    for j in 0..<6 {
                        let ix = x0 + j
                        taps[i * 6 + j] = (iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth)
                            ? input + ((n * g.inHeight + iy) * g.inWidth + ix) * inC : zeros
                    }
                }
                let out = v + r * inC
                var c = 0
                while c < inC {
                    let lanes = Swift.min(8, inC - c)
                    for j in 0..<6 {
                        let col = winograd4B(loadPartial8(taps[j] + c, lanes), loadPartial8(taps[6 + j] + c, lanes),
                                             loadPartial8(taps[12 + j] + c, lanes), loadPartial8(taps[18 + j] + c, lanes),
                                             loadPartial8(taps[24 + j] + c, lanes), loadPartial8(taps[30 + j] + c, lanes))
                        bd[j] = col.0; bd[6 + j] = col.1; bd[12 + j] = col.2
                        bd[18 + j] = col.3; bd[24 + j] = col.4; bd[30 + j] = col.5
                    }
                    for i in 0..<6 {
                        let row = winograd4B(bd[i * 6], bd[i * 6 + 1], bd[i * 6 + 2], bd[i * 6 + 3], bd[i * 6 + 4], bd[i * 6 + 5])
                        let dst = out + i * 6 * s + c
                        storePartial8(row.0, dst, lanes); storePartial8(row.1, dst + s, lanes)
                        storePartial8(row.2, dst + 2 * s, lanes); storePartial8(row.3, dst + 3 * s, lanes)
                        storePartial8(row.4, dst + 4 * s, lanes); storePartial8(row.5, dst + 5 * s, lanes)
                    }
                    c += 8
                }
            }
        }
    }
}

/// Y = Aᵀ M A + bias (+ the previous output when `accumulate`) for F(4×4, 3×3), then the
/// activation, written to the tile's output pixels inside the image (ReLU in registers, other
/// activations on the written pixels).
@inline(__always)
private func winograd4OutputTransform(_ g: ConvGeometry, outC: Int, tilesY: Int, tilesX: Int,
                                      m: UnsafePointer<Float>, matrixStride: Int, firstTile: Int, tileCount: Int,
                                      bias: UnsafePointer<Float>, activation: Activation, accumulate: Bool,
                                      output: UnsafeMutablePointer<Float>) {
    let perImage = tilesY * tilesX
    let s = matrixStride
    let zero = SIMD8<Float>(repeating: 0)
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 24) { columnBuffer in
        let am = columnBuffer.baseAddress!
        for r in 0..<tileCount {
            let tile = firstTile + r
            let n = tile / perImage, rem = tile - n * perImage
            let ty = rem / tilesX, tx = rem - ty * tilesX
            let oy = 4 * ty, ox = 4 * tx
            let rows = Swift.min(4, g.outHeight - oy), columns = Swift.min(4, g.outWidth - ox)
            let corner = output + ((n * g.outHeight + oy) * g.outWidth + ox) * outC
            let src = m + r * outC
            var c = 0
            while c < outC {
                let lanes = Swift.min(8, outC - c)
                let p = src + c
                for j in 0..<6 {
                    let col = winograd4A(loadPartial8(p + j * s, lanes), loadPartial8(p + (6 + j) * s, lanes),
                                         loadPartial8(p + (12 + j) * s, lanes), loadPartial8(p + (18 + j) * s, lanes),
                                         loadPartial8(p + (24 + j) * s, lanes), loadPartial8(p + (30 + j) * s, lanes))
                    am[j] = col.0; am[6 + j] = col.1; am[12 + j] = col.2; am[18 + j] = col.3
                }
                let b = loadPartial8(bias + c, lanes)
                for a in 0..<rows {
                    let row = winograd4A(am[a * 6], am[a * 6 + 1], am[a * 6 + 2], am[a * 6 + 3], am[a * 6 + 4], am[a * 6 + 5])
                    let values = (row.0 + b, row.1 + b, row.2 + b, row.3 + b)
                    let pixelRow = corner + a * g.outWidth * outC + c
                    for x in 0..<columns {
                        var y: SIMD8<Float>
                        switch x { case 0: y = values.0; case 1: y = values.1; case 2: y = values.2; default: y = values.3 }
                        let dst = pixelRow + x * outC
                        if accumulate { y += loadPartial8(dst, lanes) }
                        if activation == .relu { y = y.replacing(with: zero, where: y .< zero) }
                        storePartial8(y, dst, lanes)
                    }
                }
                c += 8
            }
            if activation != .identity && activation != .relu {
                for a in 0..<rows {
                    applyActivation(activation, corner + a * g.outWidth * outC, count: columns * outC)
                }
            }
        }
    }
}
