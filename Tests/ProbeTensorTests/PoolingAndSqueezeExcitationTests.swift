import ProbeCore
import XCTest
import ProbeTestSupport
import ProbeTensor

final class PoolingAndSqueezeExcitationTests: XCTestCase {
    func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return rng.floats(n)
    }

    func testMaxPoolMatchesNaiveAtOddSizes() {
        for (h, w, c, k, s, threads) in [(7, 9, 5, 2, 2, 1), (14, 13, 64, 2, 2, 2), (11, 11, 3, 3, 2, 2)] {
            let batch = 2
            let input = values(batch * h * w * c, seed: UInt64(h * 100 + w))
            let oh = (h - k) / s + 1, ow = (w - k) / s + 1
            var fast = [Float](repeating: .nan, count: batch * oh * ow * c), naive = fast
            input.withUnsafeBufferPointer { x in
                fast.withUnsafeMutableBufferPointer {
                    maxPool2d(input: x.baseAddress!, batch: batch, height: h, width: w, channels: c, kernel: k, stride: s,
                              output: $0.baseAddress!, threads: threads)
                }
                naive.withUnsafeMutableBufferPointer {
                    maxPool2dReference(input: x.baseAddress!, batch: batch, height: h, width: w, channels: c, kernel: k, stride: s,
                                       output: $0.baseAddress!)
                }
            }
            XCTAssertEqual(fast, naive)
        }
    }

    func testGlobalPoolsAverageAndMaxEachChannel() {
        // [1, 2 pixels, 3 channels]
        let input: [Float] = [1, -2, 3, 5, 4, -1]
        var avg = [Float](repeating: 0, count: 3), mx = avg
        globalAveragePool(input: input, batch: 1, pixels: 2, channels: 3, output: &avg)
        globalMaxPool(input: input, batch: 1, pixels: 2, channels: 3, output: &mx)
        XCTAssertEqual(avg, [3, 1, 1])
        XCTAssertEqual(mx, [5, 4, 3])
    }

    func testSqueezeExcitationScalesEachChannelByItsGate() {
        let c = 6, cr = 2, pixels = 5, batch = 2
        let se = SqueezeExcitationWeights(channels: c, squeezed: cr, reduceWeight: values(c * cr, seed: 1), reduceBias: values(cr, seed: 2),
                                          expandWeight: values(c * cr, seed: 3), expandBias: values(c, seed: 4), hiddenActivation: .silu)
        let input = values(batch * pixels * c, seed: 5)
        var data = input
        var scratch = [Float](repeating: 0, count: batch * (c + cr))
        data.withUnsafeMutableBufferPointer { d in
            scratch.withUnsafeMutableBufferPointer { squeezeExcitation(se, batch: batch, pixels: pixels, data: d.baseAddress!, scratch: $0.baseAddress!, threads: 2) }
        }
        for n in 0..<batch {
            var mean = [Double](repeating: 0, count: c)
            for p in 0..<pixels { for ch in 0..<c { mean[ch] += Double(input[(n * pixels + p) * c + ch]) / Double(pixels) } }
            let hidden = (0..<cr).map { j -> Double in
                let z = (0..<c).reduce(Double(se.reduceBias[j])) { $0 + Double(se.reduceWeight[j * c + $1]) * mean[$1] }
                return z / (1 + Foundation.exp(-z))
            }
            for ch in 0..<c {
                let z = (0..<cr).reduce(Double(se.expandBias[ch])) { $0 + Double(se.expandWeight[ch * cr + $1]) * hidden[$1] }
                let gate = 1 / (1 + Foundation.exp(-z))
                for p in 0..<pixels {
                    let i = (n * pixels + p) * c + ch
                    XCTAssertEqual(Double(data[i]), Double(input[i]) * gate, accuracy: 1e-6)
                }
            }
        }
    }

    func testNCHWToNHWCMovesChannelsInnermost() {
        let input: [Float] = Array(0..<12).map(Float.init)  // [1, 3, 2, 2]
        var out = [Float](repeating: 0, count: 12)
        out.withUnsafeMutableBufferPointer { nchwToNHWC(input, batch: 1, channels: 3, height: 2, width: 2, $0.baseAddress!, threads: 1) }
        XCTAssertEqual(out, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    }

    func testLinearComputesWeightTimesInputPlusBias() {
        let input: [Float] = [1, 2, 3, 4, 5, 6]          // [2, 3]
        let weight: [Float] = [1, 0, -1, 0.5, 0.5, 0.5]  // [2, 3]
        var out = [Float](repeating: 0, count: 4)
        linearForward(input: input, rows: 2, inFeatures: 3, weight: weight, bias: [10, 20], outFeatures: 2, output: &out)
        XCTAssertEqual(out, [8, 23, 8, 27.5])
    }
}
