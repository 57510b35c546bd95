import COpenBLAS
import XCTest
import ProbeTestSupport
import ProbeCore
import ProbeTensor

/// `sgemmRowsArePositionIndependent` lets the grouped stages put several images in one GEMM call.
/// Where it is true, a row of C must get the same bits at any place in a call of a given shape, on
/// the shapes the networks' grouped stages use; otherwise images in a group would change each
/// other's embeddings. (scripts/test-determinism runs this under every OpenBLAS core the CPU can run.)
final class SgemmPositionTests: XCTestCase {
    /// C[rows, n] = bias + A[first..<first+rows, k]·B, as conv2dGEMM calls it (beta 1 onto the bias).
    private func gemm(_ a: [Float], first: Int, rows: Int, k: Int, n: Int, _ b: [Float], _ bias: [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows { for j in 0..<n { c[r * n + j] = bias[j] } }
        a.withUnsafeBufferPointer { a in
            withSingleThreadedBLAS {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(n), Int32(k),
                            1, a.baseAddress! + first * k, Int32(k), b, Int32(n), 1, &c, Int32(n))
            }
        }
        return c
    }

    func testARowGetsTheSameBitsAnywhereInACallWhereTheEngineGroupsImages() throws {
        guard sgemmRowsArePositionIndependent else {
            // Nothing to hold: the engine gives each image its own calls on this core.
            print("OpenBLAS core \(blasCoreName): images never share a GEMM call")
            return
        }
        var rng = SplitMix64(seed: 16)
        // (K, N) of the 1×1 expand/project layers at 7×7 in MobileNetV2, EfficientNet-B0/Lite0,
        // and a Winograd per-point GEMM of VGG16's last stage; 8 images of 49 rows per call.
        let shapes = [(160, 960), (960, 160), (960, 320), (320, 1280), (192, 1152), (1152, 192), (1152, 320), (512, 512)]
        let rows = 8 * 49
        for (k, n) in shapes {
            let a = rng.floats((rows + 49) * k), b = rng.floats(k * n).map { $0 * 0.1 }, bias = rng.floats(n)
            let reference = gemm(a, first: 0, rows: rows, k: k, n: n, b, bias)
            for shift in [1, 5, 12, 49] {
                let shifted = gemm(a, first: shift, rows: rows, k: k, n: n, b, bias)
                // Data row r + shift sits at position r of the shifted call, at r + shift of the reference.
                XCTAssertEqual(Array(shifted[0..<((rows - shift) * n)]), Array(reference[(shift * n)...]),
                               "core \(blasCoreName), K \(k) N \(n), rows moved by \(shift)")
            }
        }
    }
}
