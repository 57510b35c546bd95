import XCTest
import ProbeBackbones
import ProbeTestSupport

/// Each backbone, on the reference script's deterministic weights and two real photos, gives the
/// pooled embeddings torchvision / efficientnet_lite_pytorch gave (max|Δ| / max|ref| ≤ 1e-4),
/// at 224×224 and at 200×176 (odd feature-map sizes, asymmetric TF padding), avg and max pooling.
final class BackboneParityTests: XCTestCase {
    let tolerance: Float = 1e-4

    func check(_ kind: BackboneKind) throws {
        let backbone = try Backbone(kind: kind, stateDict: DeterministicWeights.stateDict(kind))
        let x224 = try DeterministicWeights.input224()
        let x200 = DeterministicWeights.crop(x224, count: 2, rows: 12..<212, cols: 24..<200)
        for (size, input, h, w) in [("224x224", x224, 224, 224), ("200x176", x200, 200, 176)] {
            for pool in Pooling.allCases {
                let got = try input.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: h, width: w, pool: pool) }
                let expected = try DeterministicWeights.fixture("\(kind.rawValue)_\(size)_\(pool.rawValue)")
                let error = maxRelativeError(got, expected)
                print("\(kind.rawValue) \(size) \(pool.rawValue): max|Δ|/max|ref| = \(error)")
                XCTAssertLessThanOrEqual(error, tolerance, "\(kind.rawValue) \(size) \(pool.rawValue)")
            }
        }
    }

    func testVGG16MatchesTorchvision() throws { try check(.vgg16) }
    func testMobileNetV2MatchesTorchvision() throws { try check(.mobilenet_v2) }
    func testEfficientNetB0MatchesTorchvision() throws { try check(.efficientnet_b0) }
    func testEfficientNetLite0MatchesEfficientnetLitePytorch() throws { try check(.efficientnet_lite0) }

    func testLite0ImageNetLogitsMatchTheReferenceHead() throws {
        let backbone = try Backbone(kind: .efficientnet_lite0, stateDict: DeterministicWeights.stateDict(.efficientnet_lite0, withClassifier: true))
        let x = try DeterministicWeights.input224()
        let logits = try x.withUnsafeBufferPointer { try backbone.imagenetLogits(batch: $0, count: 2, height: 224, width: 224) }
        let error = maxRelativeError(logits, try DeterministicWeights.fixture("efficientnet_lite0_224x224_logits"))
        print("efficientnet_lite0 logits: max|Δ|/max|ref| = \(error)")
        XCTAssertLessThanOrEqual(error, tolerance)
    }
}
