import ProbeCore
import XCTest
import ProbeTestSupport
import ProbeTensor

/// The fast convolution kernels (im2col + sgemm, pointwise GEMM, depthwise, direct) against the naive
/// direct loop `conv2dReference`, on random shapes, paddings, strides and thread counts.
final class ConvolutionKernelTests: XCTestCase {
    func randomLayer(_ rng: inout SplitMix64, depthwise: Bool, kernel: Int, stride: Int, padding: ConvPadding,
                     inC: Int, outC: Int, activation: Activation, batchNorm: Bool) -> Conv2DWeights {
        let shape = [outC, depthwise ? 1 : inC, kernel, kernel]
        let bn = batchNorm ? BatchNormParams(gamma: rng.floats(outC).map { $0 * 0.25 + 1 }, beta: rng.floats(outC),
                                             mean: rng.floats(outC), variance: rng.floats(outC).map { $0 * 0.5 + 1 }, eps: 1e-3) : nil
        return Conv2DWeights(weight: rng.floats(shape.reduce(1, *)), shape: shape, bias: batchNorm ? nil : rng.floats(outC),
                             stride: stride, padding: padding, depthwise: depthwise, batchNorm: bn, activation: activation)
    }


    func run(_ layer: Conv2DWeights, batch: Int, height: Int, width: Int, input: [Float], initial: [Float]?,
             threads: Int) -> (fast: [Float], naive: [Float]) {
        let g = layer.geometry(height: height, width: width)
        let outCount = batch * g.outHeight * g.outWidth * layer.outChannels
        var fast = initial ?? [Float](repeating: .nan, count: outCount)
        var naive = initial ?? [Float](repeating: .nan, count: outCount)
        let scratchCount = threads * conv2dScratchCount(layer, g, batch: batch)
        var scratch = [Float](repeating: 0, count: Swift.max(scratchCount, 1))
        input.withUnsafeBufferPointer { x in
            fast.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { s in
                    withSingleThreadedBLAS {
                        if layer.isDepthwise {
                            depthwiseConv2d(layer, g, batch: batch, input: x.baseAddress!, output: out.baseAddress!, threads: threads)
                        } else {
                            conv2dGEMM(layer, g, batch: batch, input: x.baseAddress!, output: out.baseAddress!,
                                       accumulate: initial != nil, scratch: s.baseAddress!, threads: threads)
                        }
                    }
                }
            }
            naive.withUnsafeMutableBufferPointer { out in
                conv2dReference(layer, g, batch: batch, input: x.baseAddress!, output: out.baseAddress!, accumulate: initial != nil)
            }
        }
        return (fast, naive)
    }

    func testGEMMConvolutionMatchesNaiveOnRandomShapes() {
        var rng = SplitMix64(seed: 1)
        for trial in 0..<40 {
            let kernel = [1, 1, 3, 5, 7][rng.int(0...4)]
            let stride = rng.int(1...2)
            let padding: ConvPadding = rng.int(0...1) == 0 ? .tfSame : .symmetric(rng.int(0...kernel / 2 + 1), rng.int(0...kernel / 2))
            let inC = rng.int(1...19), outC = rng.int(1...37)
            let batch = rng.int(1...3), height = rng.int(kernel + 2...23), width = rng.int(kernel + 2...23)
            let activation = [Activation.identity, .relu, .relu6, .silu][rng.int(0...3)]
            let layer = randomLayer(&rng, depthwise: false, kernel: kernel, stride: stride, padding: padding, inC: inC, outC: outC,
                                    activation: activation, batchNorm: trial % 2 == 0)
            let input = rng.floats(batch * height * width * inC)
            let g = layer.geometry(height: height, width: width)
            let residual = trial % 3 == 0 ? rng.floats(batch * g.outHeight * g.outWidth * outC) : nil
            let (fast, naive) = run(layer, batch: batch, height: height, width: width, input: input, initial: residual,
                                    threads: 1 + trial % 2)
            let error = maxRelativeError(fast, naive)
            XCTAssertLessThan(error, 1e-5, "trial \(trial): k\(kernel) s\(stride) \(padding) \(inC)->\(outC) \(height)x\(width) b\(batch)")
        }
    }

    func testDepthwiseConvolutionMatchesNaiveOnRandomShapes() {
        var rng = SplitMix64(seed: 2)
        for trial in 0..<40 {
            let kernel = [3, 5][rng.int(0...1)]
            let stride = rng.int(1...2)
            let padding: ConvPadding = rng.int(0...1) == 0 ? .tfSame : .symmetric((kernel - 1) / 2, (kernel - 1) / 2)
            let channels = rng.int(1...70)
            let batch = rng.int(1...3), height = rng.int(kernel...21), width = rng.int(kernel...21)
            let activation = [Activation.identity, .relu, .relu6, .silu][rng.int(0...3)]
            let layer = randomLayer(&rng, depthwise: true, kernel: kernel, stride: stride, padding: padding, inC: channels,
                                    outC: channels, activation: activation, batchNorm: true)
            let input = rng.floats(batch * height * width * channels)
            let (fast, naive) = run(layer, batch: batch, height: height, width: width, input: input, initial: nil,
                                    threads: 1 + trial % 2)
            XCTAssertLessThan(maxRelativeError(fast, naive), 1e-5, "trial \(trial): k\(kernel) s\(stride) \(padding) C\(channels)")
        }
    }

    func testDirectConvolutionOfFewInputChannelsMatchesNaive() {
        var rng = SplitMix64(seed: 5)
        for trial in 0..<24 {
            let kernel = [1, 3, 5, 7][trial % 4], stride = 1 + (trial / 4) % 2
            let padding: ConvPadding = trial % 3 == 0 ? .tfSame : .symmetric(rng.int(0...(kernel / 2)), rng.int(0...(kernel / 2)))
            let inC = rng.int(1...4), outC = 16 * rng.int(1...4)
            let batch = rng.int(1...2), height = rng.int(kernel...19), width = rng.int(kernel...19)
            let activation = [Activation.identity, .relu6, .silu][trial % 3]
            let layer = randomLayer(&rng, depthwise: false, kernel: kernel, stride: stride, padding: padding, inC: inC,
                                    outC: outC, activation: activation, batchNorm: trial % 2 == 0)
            XCTAssertTrue(supportsDirectConvolution(layer))
            let g = layer.geometry(height: height, width: width)
            let input = rng.floats(batch * height * width * inC)
            var fast = [Float](repeating: .nan, count: batch * g.outHeight * g.outWidth * outC), naive = fast
            input.withUnsafeBufferPointer { x in
                fast.withUnsafeMutableBufferPointer {
                    conv2dDirect(layer, g, batch: batch, input: x.baseAddress!, output: $0.baseAddress!, threads: 1 + trial % 2)
                }
                naive.withUnsafeMutableBufferPointer {
                    conv2dReference(layer, g, batch: batch, input: x.baseAddress!, output: $0.baseAddress!, accumulate: false)
                }
            }
            XCTAssertLessThan(maxRelativeError(fast, naive), 1e-5, "trial \(trial): k\(kernel) s\(stride) \(padding) \(inC)->\(outC) \(height)x\(width)")
        }
    }

    /// A network runs its early depthwise layers in bands of rows from a buffer that holds only the
    /// input rows those outputs reach; each band must be the same bits as the whole layer's rows.
    func testDepthwiseRowsFromABandAreTheSameBitsAsTheWholeLayer() {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<12 {
            let kernel = [3, 5][trial % 2], stride = 1 + (trial / 2) % 2
            let padding: ConvPadding = trial % 3 == 0 ? .tfSame : .symmetric((kernel - 1) / 2, (kernel - 1) / 2)
            let channels = rng.int(1...40), height = rng.int(kernel...17), width = rng.int(kernel...17)
            let layer = randomLayer(&rng, depthwise: true, kernel: kernel, stride: stride, padding: padding, inC: channels,
                                    outC: channels, activation: .relu6, batchNorm: true)
            let g = layer.geometry(height: height, width: width)
            let input = rng.floats(height * width * channels)
            let rowFloats = g.outWidth * channels
            var whole = [Float](repeating: .nan, count: g.outHeight * rowFloats)
            input.withUnsafeBufferPointer { x in
                whole.withUnsafeMutableBufferPointer {
                    depthwiseConv2d(layer, g, batch: 1, input: x.baseAddress!, output: $0.baseAddress!, threads: 1)
                }
            }
            let bandSize = rng.int(1...4)
            var oy0 = 0
            while oy0 < g.outHeight {
                let oy1 = Swift.min(oy0 + bandSize, g.outHeight)
                let first = Swift.max(0, oy0 * stride - g.padTop)
                let last = Swift.min(height, (oy1 - 1) * stride - g.padTop + kernel)
                let band = Array(input[(first * width * channels)..<(last * width * channels)])
                var rows = [Float](repeating: .nan, count: (oy1 - oy0) * rowFloats)
                band.withUnsafeBufferPointer { x in
                    rows.withUnsafeMutableBufferPointer {
                        depthwiseConv2dRows(layer, g, rows: oy0..<oy1, input: x.baseAddress!, firstInputRow: first,
                                            output: $0.baseAddress!, threads: 1 + trial % 2)
                    }
                }
                XCTAssertEqual(rows, Array(whole[(oy0 * rowFloats)..<(oy1 * rowFloats)]), "trial \(trial): rows \(oy0)..<\(oy1)")
                oy0 = oy1
            }
        }
    }

    func testTFSamePaddingPutsTheExtraRowAtBottomRight() {
        var rng = SplitMix64(seed: 3)
        let s2k3 = randomLayer(&rng, depthwise: true, kernel: 3, stride: 2, padding: .tfSame, inC: 4, outC: 4, activation: .identity, batchNorm: false)
        XCTAssertEqual(s2k3.geometry(height: 224, width: 224),
                       ConvGeometry(inHeight: 224, inWidth: 224, outHeight: 112, outWidth: 112, padTop: 0, padLeft: 0))
        let s2k5 = randomLayer(&rng, depthwise: true, kernel: 5, stride: 2, padding: .tfSame, inC: 4, outC: 4, activation: .identity, batchNorm: false)
        XCTAssertEqual(s2k5.geometry(height: 56, width: 25),
                       ConvGeometry(inHeight: 56, inWidth: 25, outHeight: 28, outWidth: 13, padTop: 1, padLeft: 2))
    }

    func testBatchNormIsFoldedIntoWeightsAndBias() {
        // One 1×1 conv, 1 channel: y = (w·x - mean) / sqrt(var + eps) · gamma + beta.
        let bn = BatchNormParams(gamma: [2], beta: [0.5], mean: [1], variance: [3], eps: 1)
        let layer = Conv2DWeights(weight: [3], shape: [1, 1, 1, 1], bias: nil, stride: 1, padding: .symmetric(0, 0),
                                  depthwise: false, batchNorm: bn, activation: .identity)
        XCTAssertEqual(layer.packed, [3])
        XCTAssertEqual(layer.bias, [-0.5])
        XCTAssertEqual(layer.packed[0] * 2 + layer.bias[0], (3 * 2 - 1) / 2 * 2 + 0.5)
    }

    func testFastExpStaysWithinFourUlpsOfLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let reference = Float(Foundation.exp(Double(x)))
            worst = Swift.max(worst, abs(fastExp(x) - reference) / reference.ulp)
            x += 0.0137
        }
        XCTAssertLessThanOrEqual(worst, 4)
    }

    func testFusedActivationsMatchTheirDefinitions() {
        var rng = SplitMix64(seed: 4)
        let all = rng.floats(1013).map { $0 * 12 }
        // 1013 = 63·16 + 8 + 5: the sixteen-lane loop, the eight-lane step and the scalar tail.
        for (activation, xs) in [Activation.identity, .relu, .relu6, .silu, .sigmoid].flatMap({ a in [(a, all), (a, Array(all.prefix(7)))] }) {
            var values = xs
            values.withUnsafeMutableBufferPointer { applyActivation(activation, $0.baseAddress!, count: $0.count) }
            for (x, y) in zip(xs, values) {
                XCTAssertEqual(y, referenceActivation(activation, x), accuracy: 1e-6 * Swift.max(1, abs(x)), "\(activation) at \(x)")
            }
        }
    }
}
