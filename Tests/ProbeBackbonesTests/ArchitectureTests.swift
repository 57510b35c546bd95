import XCTest
import ProbeBackbones

/// The architecture table counts multiply-adds from layer shapes alone, without weights.
final class ArchitectureTests: XCTestCase {
    /// The papers' multiply-add counts at 224×224 (MobileNetV2: 300 M; EfficientNet-B0: 0.39 B;
    /// VGG-16: 15.5 G, of which the three fully connected layers are 0.12 G) include the classifier,
    /// which the feature extractors leave out; within 3 % of them the walk's shapes and the per-layer
    /// counts are right (one stride or channel count wrong moves the total far more).
    func testMultiplyAddsAt224MatchThePublishedCounts() {
        let published: [(BackboneKind, Double, classifier: Double)] = [
            (.mobilenet_v2, 300e6, 1280 * 1000),
            (.efficientnet_b0, 390e6, 1280 * 1000),
            (.vgg16, 15.5e9, 25088 * 4096 + 4096 * 4096 + 4096 * 1000),
        ]
        for (kind, total, classifier) in published {
            let ours = Double(kind.multiplyAccumulates(height: 224, width: 224))
            XCTAssertEqual(ours, total - classifier, accuracy: 0.03 * total, kind.rawValue)
        }
    }

    /// Lite0 is B0 without squeeze-excitation and with TF-"SAME" padding, which at 224 gives the
    /// same feature-map sizes: so its count is B0's minus exactly the squeeze-excitation products.
    func testLite0CountsB0WithoutSqueezeExcitation() {
        let b0 = BackboneKind.efficientnet_b0.multiplyAccumulates(height: 224, width: 224)
        let lite0 = BackboneKind.efficientnet_lite0.multiplyAccumulates(height: 224, width: 224)
        // Each B0 block's SE: fc1 [squeezed, hidden] and fc2 [hidden, squeezed], from its fc1 weight shape.
        let se = Backbone.requiredParameters(.efficientnet_b0).filter { $0.key.hasSuffix("fc1.weight") }
            .reduce(0) { $0 + 2 * $1.shape[0] * $1.shape[1] }
        XCTAssertGreaterThan(se, 0)
        XCTAssertEqual(lite0, b0 - se)
    }

    /// The count scales with the image: twice the side, four times the convolution work.
    func testMultiplyAddsGrowWithTheImageArea() {
        let small = BackboneKind.vgg16.multiplyAccumulates(height: 224, width: 224)
        let large = BackboneKind.vgg16.multiplyAccumulates(height: 448, width: 448)
        XCTAssertEqual(large, 4 * small)
    }
}
