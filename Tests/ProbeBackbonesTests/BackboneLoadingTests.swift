import Foundation
import XCTest
import ProbeBackbones
import ProbeTestSupport

/// `Backbone.init` checks every tensor it needs and ignores the rest.
final class BackboneLoadingTests: XCTestCase {
    func testRequiredParametersAreExactlyTheReferenceFeatureExtractorKeys() throws {
        let data = try Data(contentsOf: TestPaths.fixture("backbones/manifest.json"))
        let manifest = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let models = manifest["models"] as! [String: [String: Any]]
        // The Keras models' keys are Probe's own names for Keras layers (KerasWeightsParityTests covers them).
        for kind in BackboneKind.allCases where !kind.isKeras {
            let reference = (models[kind.rawValue]!["keys"] as! [[Any]]).map { "\($0[0] as! String) \($0[1] as! [Int])" }
            let ours = Backbone.requiredParameters(kind).map { "\($0.key) \($0.shape)" }
            XCTAssertEqual(ours, reference, kind.rawValue)
        }
    }

    func testMissingTensorErrorNamesTheKeyAndShape() {
        var dict = DeterministicWeights.stateDict(.mobilenet_v2)
        dict["features.5.conv.1.0.weight"] = nil
        XCTAssertThrowsError(try Backbone(kind: .mobilenet_v2, stateDict: dict)) { error in
            XCTAssertEqual("\(error)", "mobilenet_v2 weights: missing tensor 'features.5.conv.1.0.weight' (expected shape [192, 1, 3, 3])")
        }
    }

    func testWrongShapeErrorNamesTheKeyAndBothShapes() {
        var dict = DeterministicWeights.stateDict(.efficientnet_lite0)
        dict["_blocks.1._depthwise_conv.weight"] = WeightTensor(shape: [96, 1, 5, 5], values: [Float](repeating: 0, count: 96 * 25))
        XCTAssertThrowsError(try Backbone(kind: .efficientnet_lite0, stateDict: dict)) { error in
            XCTAssertEqual("\(error)", "efficientnet_lite0 weights: tensor '_blocks.1._depthwise_conv.weight' has shape [96, 1, 5, 5], expected [96, 1, 3, 3]")
        }
    }

    func testExtraKeysSuchAsTheClassifierAreIgnored() throws {
        var dict = DeterministicWeights.stateDict(.mobilenet_v2)
        dict["classifier.1.weight"] = WeightTensor(shape: [2, 2], values: [1, 2, 3, 4])
        dict["features.0.1.num_batches_tracked"] = WeightTensor(shape: [], values: [0])
        let backbone = try Backbone(kind: .mobilenet_v2, stateDict: dict)
        XCTAssertEqual(backbone.embeddingDim, 1280)
    }

    func testLogitsNeedLite0AndItsHead() throws {
        let x = [Float](repeating: 0, count: 3 * 32 * 32)
        let lite = try Backbone(kind: .efficientnet_lite0, stateDict: DeterministicWeights.stateDict(.efficientnet_lite0))
        XCTAssertThrowsError(try x.withUnsafeBufferPointer { try lite.imagenetLogits(batch: $0, count: 1, height: 32, width: 32) })
        let mobile = try Backbone(kind: .mobilenet_v2, stateDict: DeterministicWeights.stateDict(.mobilenet_v2))
        XCTAssertThrowsError(try x.withUnsafeBufferPointer { try mobile.imagenetLogits(batch: $0, count: 1, height: 32, width: 32) })
    }

    func testInputsSmallerThan32OrOfTheWrongLengthAreRefused() throws {
        let backbone = try Backbone(kind: .mobilenet_v2, stateDict: DeterministicWeights.stateDict(.mobilenet_v2))
        let small = [Float](repeating: 0, count: 3 * 31 * 40)
        XCTAssertThrowsError(try small.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 1, height: 31, width: 40, pool: .avg) }) {
            XCTAssertEqual("\($0)", "mobilenet_v2: input 31x40 is too small (at least 32x32)")
        }
        XCTAssertThrowsError(try small.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: 32, width: 32, pool: .avg) })
        let tiny = [Float](repeating: 0.5, count: 3 * 32 * 32)
        let out = try tiny.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 1, height: 32, width: 32, pool: .max) }
        XCTAssertEqual(out.count, 1280)
        XCTAssertTrue(out.allSatisfy { $0.isFinite })
    }
}
