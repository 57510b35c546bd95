import ProbeCore
import XCTest
import ProbeTestSupport
import ProbeTensor

/// The Winograd F(4×4, 3×3) kernel `conv2dWinograd` against the naive direct loop `conv2dReference`.
///
/// Tolerance: max |Δ| / max |ref| ≤ 2e-5. Both sides round in float32 (ε ≈ 6e-8), but Winograd sums
/// different, larger intermediate values: the transform matrices have entries up to 5 (Bᵀ) and 8 (Aᵀ),
/// and Aᵀ M A adds 36 products back with cancellation. Measured: ≤ 4.5e-6 over the random shapes and
/// 4.7e-6 at inC = 64. The bound leaves 4× headroom and still fails on any indexing or transform
/// mistake, which gives errors of order 1.
final class WinogradConvolutionTests: XCTestCase {
    func layer3x3(_ rng: inout SplitMix64, inC: Int, outC: Int, padding: ConvPadding, activation: Activation,
                  batchNorm: Bool) -> Conv2DWeights {
        let shape = [outC, inC, 3, 3]
        let bn = batchNorm ? BatchNormParams(gamma: rng.floats(outC).map { $0 * 0.25 + 1 }, beta: rng.floats(outC),
                                             mean: rng.floats(outC), variance: rng.floats(outC).map { $0 * 0.5 + 1 }, eps: 1e-3) : nil
        return Conv2DWeights(weight: rng.floats(shape.reduce(1, *)), shape: shape, bias: batchNorm ? nil : rng.floats(outC),
                             stride: 1, padding: padding, depthwise: false, batchNorm: bn, activation: activation)
    }

    let tolerance: Float = 2e-5


    /// Runs both kernels; `initial` (when given) is the output both start from and accumulate onto.
    func run(_ layer: Conv2DWeights, batch: Int, height: Int, width: Int, input: [Float], initial: [Float]?,
             threads: Int, blockTiles: Int? = nil) -> (winograd: [Float], naive: [Float]) {
        let winogradWeights = WinogradWeights(layer)!
        let g = layer.geometry(height: height, width: width)
        let outCount = batch * g.outHeight * g.outWidth * layer.outChannels
        var fast = initial ?? [Float](repeating: .nan, count: outCount)
        var naive = initial ?? [Float](repeating: .nan, count: outCount)
        let perThread = winogradScratchCount(winogradWeights, g, batch: batch, blockTiles: blockTiles)
        var scratch = [Float](repeating: .nan, count: threads * perThread)
        input.withUnsafeBufferPointer { x in
            fast.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { s in
                    withSingleThreadedBLAS {
                        conv2dWinograd(winogradWeights, g, batch: batch, input: x.baseAddress!, output: out.baseAddress!,
                                       accumulate: initial != nil, scratch: s.baseAddress!, threads: threads, blockTiles: blockTiles)
                    }
                }
            }
            naive.withUnsafeMutableBufferPointer { out in
                conv2dReference(layer, g, batch: batch, input: x.baseAddress!, output: out.baseAddress!, accumulate: initial != nil)
            }
        }
        return (fast, naive)
    }

    func testWinogradMatchesNaiveOnOddAndEvenSizes() {
        var rng = SplitMix64(seed: 15)
        // inC and outC include values below 8, non-multiples of 8 and ≥ 8 (SIMD path plus tail).
        let channelChoices = [1, 3, 5, 8, 13, 19, 24, 37]
        for trial in 0..<48 {
            let inC = channelChoices[rng.int(0...7)], outC = channelChoices[rng.int(0...7)]
            let batch = rng.int(1...3)
            // Heights and widths alternate odd/even by trial so both edge cases always occur.
            let height = 2 * rng.int(0...8) + 1 + trial % 2, width = 2 * rng.int(0...8) + 1 + (trial / 2) % 2
            let padding: ConvPadding = [.symmetric(1, 1), .tfSame, .symmetric(1, 1), .symmetric(2, 0)][trial % 4]
            let activation = [Activation.identity, .relu, .relu6, .silu][(trial / 4) % 4]
            let layer = layer3x3(&rng, inC: inC, outC: outC, padding: padding, activation: activation, batchNorm: trial % 3 == 0)
            let g = layer.geometry(height: height, width: width)
            if g.outHeight < 1 || g.outWidth < 1 { continue }
            let input = rng.floats(batch * height * width * inC)
            let threads = 1 + trial % 2
            // Small blocks for some trials so the tiles span several blocks and both threads.
            let blockTiles: Int? = trial % 5 == 0 ? rng.int(1...7) : nil
            let (fast, naive) = run(layer, batch: batch, height: height, width: width, input: input, initial: nil,
                                    threads: threads, blockTiles: blockTiles)
            XCTAssertLessThan(maxRelativeError(fast, naive), tolerance,
                              "trial \(trial): \(inC)->\(outC) \(height)x\(width) b\(batch) \(padding) \(activation) t\(threads)")
        }
    }

    func testWinogradAccumulatesOntoTheOutputBeforeTheActivation() {
        var rng = SplitMix64(seed: 12)
        for (trial, activation) in [Activation.identity, .relu, .relu6].enumerated() {
            let layer = layer3x3(&rng, inC: 13, outC: 20, padding: .symmetric(1, 1), activation: activation, batchNorm: true)
            let input = rng.floats(2 * 9 * 10 * 13)
            let residual = rng.floats(2 * 9 * 10 * 20)
            let (fast, naive) = run(layer, batch: 2, height: 9, width: 10, input: input, initial: residual,
                                    threads: 1 + trial % 2)
            XCTAssertLessThan(maxRelativeError(fast, naive), tolerance, "\(activation)")
        }
    }

    func testWideLayerStaysWithinTolerance() {
        // VGG-like channel counts on a small odd map, with ReLU: the SIMD transforms on every lane.
        var rng = SplitMix64(seed: 13)
        let layer = layer3x3(&rng, inC: 64, outC: 72, padding: .symmetric(1, 1), activation: .relu, batchNorm: false)
        let input = rng.floats(2 * 15 * 13 * 64)
        for threads in [1, 2] {
            let (fast, naive) = run(layer, batch: 2, height: 15, width: 13, input: input, initial: nil, threads: threads)
            XCTAssertLessThan(maxRelativeError(fast, naive), tolerance, "threads \(threads)")
        }
    }

    /// Blocks do not depend on the thread count, so neither does any output bit (an image's embedding
    /// must be the same bits alone on two threads as in a batch on one).
    func testWinogradGivesTheSameBitsOnOneAndTwoThreads() {
        var rng = SplitMix64(seed: 16)
        let layer = layer3x3(&rng, inC: 16, outC: 24, padding: .symmetric(1, 1), activation: .relu, batchNorm: true)
        // 36 tiles: two blocks of up to 32, so both threads get one.
        let height = 23, width = 21
        let input = rng.floats(height * width * 16)
        let one = run(layer, batch: 1, height: height, width: width, input: input, initial: nil, threads: 1)
        let two = run(layer, batch: 1, height: height, width: width, input: input, initial: nil, threads: 2)
        XCTAssertEqual(one.winograd, two.winograd)
        XCTAssertLessThan(maxRelativeError(two.winograd, two.naive), tolerance)
    }

    func testWinogradWeightsExistOnlyFor3x3Stride1GroupsOne() {
        var rng = SplitMix64(seed: 14)
        func layer(kernel: Int, stride: Int, depthwise: Bool) -> Conv2DWeights {
            let shape = [4, depthwise ? 1 : 4, kernel, kernel]
            return Conv2DWeights(weight: rng.floats(shape.reduce(1, *)), shape: shape, bias: nil, stride: stride,
                                 padding: .symmetric(kernel / 2, kernel / 2), depthwise: depthwise, batchNorm: nil, activation: .relu)
        }
        XCTAssertNotNil(WinogradWeights(layer(kernel: 3, stride: 1, depthwise: false)))
        XCTAssertNil(WinogradWeights(layer(kernel: 3, stride: 2, depthwise: false)))
        XCTAssertNil(WinogradWeights(layer(kernel: 3, stride: 1, depthwise: true)))
        XCTAssertNil(WinogradWeights(layer(kernel: 1, stride: 1, depthwise: false)))
        XCTAssertNil(WinogradWeights(layer(kernel: 5, stride: 1, depthwise: false)))
    }
}
