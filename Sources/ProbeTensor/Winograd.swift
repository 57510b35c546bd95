import COpenBLAS

// Winograd F(4×4, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for 3×3 stride-1 groups-1 layers, NHWC. The naive reference it is tested against
// is `conv2dReference` (Conv2D.swift).
//
// One 4×4 output tile Y comes from the 6×6 input patch d that covers it and the 3×3 filter g as
//     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// with
//     Bᵀ = | 4  0 -5  0  1  0 |     G = |  1/4     0     0   |     Aᵀ = | 1  1  1  1  1  0 |
//          | 0 -4 -4  1  1  0 |         | -1/6  -1/6  -1/6  |          | 0  1 -1  2 -2  0 |
//          | 0  4 -4 -1  1  0 |         | -1/6   1/6  -1/6  |          | 0  1  1  4  4  0 |
//          | 0 -2 -1  2  1  0 |         |  1/24  1/12  1/6  |          | 0  1 -1  8 -8  1 |
//          | 0  2 -1 -2  1  0 |         |  1/24 -1/12  1/6  |
//          | 0  4  0 -5  0  1 |         |  0     0     1    |
// Summed over input channels, the elementwise product at each of the 36 positions t = 6·i + j of
// the 6×6 transformed tile is a matrix product over channels:
//     M[t][tile, co] = Σ_ci V[t][tile, ci] · U[t][ci, co],   V = Bᵀ d B per channel,  U = G g Gᵀ.
// So a block of tiles costs 36 GEMMs [tiles, inC]·[inC, outC], i.e. 36 multiplies per 16 outputs
// where direct convolution needs 144: 4× fewer, at the price of 4× the weight memory (36 matrices
// instead of 9 taps) and larger rounding errors (the transforms scale values by up to ~10², still
// ~1e-6 relative in float32 here). The transforms are adds and small constant multiplies (the
// fractions of G are applied once, to the weights).
//
// Layouts (all row-major float32):
//   - weights U: 36 matrices [inC, outC], matrix t at t·inC·outC (`WinogradWeights.transformed`);
//   - per block of T tiles (see `winogradBlockTiles`), V: 36 matrices [T, inC] and M: 36 matrices
//     [T, outC] in per-thread scratch, each matrix followed by one cache line of padding;
//   - tiles are numbered over (n, tile row, tile column); tile (ty, tx) produces output pixels
//     (4ty..4ty+3, 4tx..4tx+3) from input rows 4ty - padTop ..< +6 and columns 4tx - padLeft ..< +6.
//     Taps outside the image read zeros; outputs past the bottom/right edge are dropped, so any
//     output size ≥ 1 works.
// The transforms run over channels innermost, 8 at a time in SIMD registers.
//
// F(2×2, 3×3) (16 GEMMs per 4 outputs) was also built and measured on VGG16: F(4×4) was faster on
// every layer but the three 512→512 at 14×14, so only F(4×4) is kept.

/// Output pixels per tile side (m in F(m×m, 3×3)), input patch side, and transformed matrices.
let winogradTile = 4, winogradPatch = 6, winogradMatrices = 36

/// A 3×3 stride-1 groups-1 convolution's weights in the Winograd F(4×4, 3×3) domain,
/// U = G g Gᵀ per (input channel, output channel), with the layer's folded bias and activation.
public struct WinogradWeights: Sendable {
    public let inChannels: Int, outChannels: Int
    public let activation: Activation
    /// 36 matrices [inC, outC] row-major: element (t, ci, co) at (t·inC + ci)·outC + co, t = 6·i + j.
    public let transformed: [Float]
    public let bias: [Float]

    /// True for the layers the Winograd kernels compute: 3×3 kernel, stride 1, groups 1 (any padding).
    public static func supports(_ layer: Conv2DWeights) -> Bool {
        !layer.isDepthwise && layer.kernelHeight == 3 && layer.kernelWidth == 3 && layer.stride == 1
    }

    /// Transforms `layer`'s weights (already batch-norm folded); nil when `supports(layer)` is false.
    public init?(_ layer: Conv2DWeights) {
        guard WinogradWeights.supports(layer) else { return nil }
        let inC = layer.inChannels, outC = layer.outChannels
        let alpha = winogradPatch
        let sixth: Double = 1.0 / 6, twelfth: Double = 1.0 / 12, twentyFourth: Double = 1.0 / 24
        let gMatrix: [[Double]] = [[0.25, 0, 0], [-sixth, -sixth, -sixth], [-sixth, sixth, -sixth],
                                   [twentyFourth, twelfth, sixth], [twentyFourth, -twelfth, sixth], [0, 0, 1]]
        // U[t][ci, co] = Σ_{ky,kx} G[i][ky]·G[j][kx]·g[ky,kx][ci, co] for t = 6·i + j. `packed` is
        // [ky, kx, ci][co], i.e. a [9, inC·outC] matrix P with row 3·ky + kx, and U is [36, inC·outC],
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
        inChannels = inC; outChannels = outC
        activation = layer.activation
        transformed = u; bias = layer.bias
    }
}

/// Tiles per block. Each of a block's GEMMs is [T, inC]·[inC, outC], and two regimes of OpenBLAS
/// (as built here) decide T (timings on VGG16's layers: BENCHMARKS.md, "Engine tuning"):
/// - inC·outC ≤ 32768: T = clamp(2¹⁹ / (inC·outC), 16, 32), so that T·inC·outC ≤ 2¹⁹ and OpenBLAS
///   takes its small-matrix kernel (seen in perf), which skips packing; past 2¹⁹ it packs both operands
///   and gets slower.
/// - larger layers: OpenBLAS repacks the whole U[t] (inC·outC floats, megabytes from L3) on every
///   call, so T is large to amortise it: 128, past which it gains nothing.
/// T does not depend on the thread count (blocks are dealt to threads whole), so every GEMM call,
/// and with it every output bit, is the same on any number of threads.
public func winogradBlockTiles(_ w: WinogradWeights, _ g: ConvGeometry, batch: Int) -> Int {
    let m = winogradTile
    let tiles = batch * ((g.outHeight + m - 1) / m) * ((g.outWidth + m - 1) / m)
    let weightsPerMatrix = w.inChannels * w.outChannels
    let t = weightsPerMatrix <= 32768 ? Swift.max(16, Swift.min(32, 524_288 / Swift.max(weightsPerMatrix, 1)))
                                      : 128
    return Swift.min(t, Swift.max(tiles, 1))
}

/// Floats of scratch one thread needs for `conv2dWinograd` with blocks of `blockTiles` tiles
/// (default `winogradBlockTiles`): V and M for one block plus a zero row.
public func winogradScratchCount(_ w: WinogradWeights, _ g: ConvGeometry, batch: Int, blockTiles: Int? = nil) -> Int {
    let t = blockTiles ?? winogradBlockTiles(w, g, batch: batch)
    return winogradMatrices * (t * (w.inChannels + w.outChannels) + 2 * winogradMatrixPad) + w.inChannels
}

/// Floats between consecutive V (and M) matrices of a block beyond their T·C: one cache line, so
/// the 36 matrices the transforms read or write side by side start in different cache sets
/// (T·C is often a multiple of 4 KB, which would put all of them in the same L1 set).
let winogradMatrixPad = 16

/// Winograd F(4×4, 3×3) convolution, NHWC in and out: the
/// same result as `conv2dReference` / `conv2dGEMM` for a 3×3 stride-1 layer (out = act(conv + bias [+ out when `accumulate`])), up to
/// float rounding (the transforms reassociate the sums). `g` is the layer's geometry for the input
/// size. Tiles are cut into blocks of `winogradBlockTiles` (or `blockTiles` when given) dealt
/// round-robin to `threads` threads; `scratch` holds `threads · winogradScratchCount(...)` floats.
public func conv2dWinograd(_ w: WinogradWeights, _ g: ConvGeometry, batch: Int,
                           input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, accumulate: Bool,
                           scratch: UnsafeMutablePointer<Float>, threads: Int, blockTiles: Int? = nil) {
    let inC = w.inChannels, outC = w.outChannels, tile = winogradTile, matrices = winogradMatrices
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
                    winogradInputTransform(g, inC: inC, tilesY: tilesY, tilesX: tilesX, input: input, zeros: zeros,
                                           firstTile: first, tileCount: count, matrixStride: vStride, v: v)
                    for t in 0..<matrices {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(outC), Int32(inC),
                                    1, v + t * vStride, Int32(inC), u + t * inC * outC, Int32(outC),
                                    0, m + t * mStride, Int32(outC))
                    }
                    winogradOutputTransform(g, outC: outC, tilesY: tilesY, tilesX: tilesX, m: m, matrixStride: mStride,
                                            firstTile: first, tileCount: count, bias: bias, activation: w.activation,
                                            accumulate: accumulate, output: output)
                    block += workers
                }
            }
        }
    }
}

// MARK: - Transforms

/// Loads `count` ≤ 8 floats into the low lanes (the rest zero): the channel tail of the SIMD loops.
@inline(__always) private func loadPartial8(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    if count == 8 { return loadLanes(SIMD8<Float>.self, p) }
    var v = SIMD8<Float>(repeating: 0)
    for lane in 0..<count { v[lane] = p[lane] }
    return v
}

@inline(__always) private func storePartial8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == 8 { storeLanes(v, p); return }
    for lane in 0..<count { p[lane] = v[lane] }
}

/// Bᵀ x: the 6-point input transform along one axis.
@inline(__always)
private func winogradB(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>,
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

/// Aᵀ x: the 6-point output transform along one axis, 4 results.
@inline(__always)
private func winogradA(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>,
                        _ x4: SIMD8<Float>, _ x5: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let sum12 = x1 + x2, diff12 = x1 - x2, sum34 = x3 + x4, diff34 = x3 - x4
    return (x0 + sum12 + sum34, diff12 + diff34 * 2, sum12 + sum34 * 4, diff12 + diff34 * 8 + x5)
}

/// V[t][r, c] = (Bᵀ d B)[t]: d is tile `firstTile + r`'s 6×6 input patch, t = 6·i + j,
/// matrix t at v + t·matrixStride. Columns first (Bᵀ d into a 6×6 stack block), then rows.
@inline(__always)
private func winogradInputTransform(_ g: ConvGeometry, inC: Int, tilesY: Int, tilesX: Int,
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
                        let col = winogradB(loadPartial8(taps[j] + c, lanes), loadPartial8(taps[6 + j] + c, lanes),
                                             loadPartial8(taps[12 + j] + c, lanes), loadPartial8(taps[18 + j] + c, lanes),
                                             loadPartial8(taps[24 + j] + c, lanes), loadPartial8(taps[30 + j] + c, lanes))
                        bd[j] = col.0; bd[6 + j] = col.1; bd[12 + j] = col.2
                        bd[18 + j] = col.3; bd[24 + j] = col.4; bd[30 + j] = col.5
                    }
                    for i in 0..<6 {
                        let row = winogradB(bd[i * 6], bd[i * 6 + 1], bd[i * 6 + 2], bd[i * 6 + 3], bd[i * 6 + 4], bd[i * 6 + 5])
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

/// Y = Aᵀ M A + bias (+ the previous output when `accumulate`) for each tile of the block, then the
/// activation, written to the tile's output pixels inside the image (ReLU in registers, other
/// activations on the written pixels).
@inline(__always)
private func winogradOutputTransform(_ g: ConvGeometry, outC: Int, tilesY: Int, tilesX: Int,
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
                    let col = winogradA(loadPartial8(p + j * s, lanes), loadPartial8(p + (6 + j) * s, lanes),
                                         loadPartial8(p + (12 + j) * s, lanes), loadPartial8(p + (18 + j) * s, lanes),
                                         loadPartial8(p + (24 + j) * s, lanes), loadPartial8(p + (30 + j) * s, lanes))
                    am[j] = col.0; am[6 + j] = col.1; am[12 + j] = col.2; am[18 + j] = col.3
                }
                let b = loadPartial8(bias + c, lanes)
                for a in 0..<rows {
                    let row = winogradA(am[a * 6], am[a * 6 + 1], am[a * 6 + 2], am[a * 6 + 3], am[a * 6 + 4], am[a * 6 + 5])
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
