import Foundation
import ProbeCore
import XCTest
import ProbeTestSupport

/// `probe embed-tensor` and `probe imagenet-top5` with the real Lite0 weights: the parity hook
/// reproduces the reference embeddings, and a cat photo gets cat classes.
final class WeightsCommandsTests: XCTestCase {
    func testEmbedTensorReproducesTheReferenceEmbeddings() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let dir = try ExtractTestSupport.temporaryFolder(self, "embed-tensor")
        let output = dir.appendingPathComponent("out.npy")
        // The two preprocessed photos the parity script ran through efficientnet_lite_pytorch.
        let input = TestPaths.fixture("backbones/input_224.npy")
        let result = try runProbe(["embed-tensor", "--model", "efficientnet_lite0", "--weights", weights.path, input.path, output.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let got = try NPYArray.read(contentsOf: output)
        XCTAssertEqual(got.shape, [2, 1280])
        let expected = try NPYArray.read(contentsOf: TestPaths.fixture("backbones/lite0_real_224x224_avg.npy")).floats()
        let scale = expected.map(abs).max()!
        let worst = zip(got.floats(), expected).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst / scale, 1e-4)
    }

    func testEmbedTensorRefusesAnInputThatIsNotNCHW() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let dir = try ExtractTestSupport.temporaryFolder(self, "embed-tensor-bad")
        let input = dir.appendingPathComponent("flat.npy")
        try NPYArray(float32: [1, 2, 3, 4], shape: [4]).write(to: input)
        let result = try runProbe(["embed-tensor", "--weights", weights.path, input.path, dir.appendingPathComponent("o.npy").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("NCHW"), result.stderr)
    }

    func testImagenetTop5PutsACatPhotoInCatClasses() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let cat = ExtractTestSupport.petsMini.appendingPathComponent("cat/cat.1005.jpg")
        let result = try runProbe(["imagenet-top5", "--weights", weights.path, cat.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6, result.stdout)
        // "   57.1%   281  tabby": the class index is the second field.
        let topIndex = Int(lines[1].split(separator: " ", omittingEmptySubsequences: true)[1])!
        XCTAssertTrue((281...285).contains(topIndex), result.stdout)
    }
}
