import Foundation
import ProbeBackbones
import ProbeTestSupport
import XCTest

/// Reads the real EfficientNet-Lite0 checkpoint (legacy format, protocol 2) when it is present:
/// `$PROBE_LITE0_PTH`, or the Probe cache (`probe models fetch efficientnet_lite0`).
/// Expected values: Tests/Fixtures/weights/lite0_values.json, written by reference/weights_fixtures.py.
final class WeightsLite0CheckpointTests: XCTestCase {
    private func lite0File() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["PROBE_LITE0_PTH"], FileManager.default.fileExists(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        if let cached = ModelRegistry.cachedWeights("efficientnet_lite0") { return cached }
        throw MissingPrerequisite("real Lite0 weights absent: set PROBE_LITE0_PTH or run `probe models fetch efficientnet_lite0`")
    }

    func testRealLite0LegacyCheckpointMatchesTorch() throws {
        let file = try lite0File()
        XCTAssertEqual(try CheckpointReader.format(of: file), .torchLegacy)
        let dict = try CheckpointReader.read(contentsOf: file)

        let data = try Data(contentsOf: TestPaths.fixture("weights/lite0_values.json"))
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(dict.count, 296)
        XCTAssertEqual(dict.count, info["entries"] as? Int)
        // The int64 `num_batches_tracked` counters are kept (as float).
        XCTAssertEqual(dict.keys.filter { $0.hasSuffix("num_batches_tracked") }.count, info["int64_entries"] as? Int)
        XCTAssertEqual(dict["_fc.weight"]?.shape, [1000, 1280])

        let tensors = try XCTUnwrap(info["tensors"] as? [String: [String: [NSNumber]]])
        for (key, expected) in tensors {
            let tensor = try XCTUnwrap(dict[key], key)
            XCTAssertEqual(tensor.shape, expected["shape"]!.map(\.intValue), key)
            let values = tensor.values
            for (index, value) in zip(expected["indices"]!, expected["values"]!) {
                XCTAssertEqual(values[index.intValue], value.floatValue, "\(key)[\(index)]")
            }
        }
    }

    func testRealLite0CheckpointHoldsEveryTensorTheNetworkNeeds() throws {
        let dict = try CheckpointReader.read(contentsOf: try lite0File())
        for (key, shape) in Backbone.requiredParameters(.efficientnet_lite0) {
            XCTAssertEqual(dict[key]?.shape, shape, key)
        }
        let backbone = try Backbone(kind: .efficientnet_lite0, stateDict: dict)
        XCTAssertEqual(backbone.embeddingDim, try ModelRegistry.info("efficientnet_lite0").embeddingDimension)
    }
}
