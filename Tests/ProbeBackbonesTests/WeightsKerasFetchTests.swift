import Foundation
import ProbeBackbones
import ProbeCore
import ProbeFetch
import ProbeTestSupport
import XCTest

/// Keras weight files are fetched from Keras's own URLs (here: a local server standing in for a
/// mirror), MobileNetV2's by input size, and checked against what Keras pins: size and md5.
final class WeightsKerasFetchTests: XCTestCase {
    private var folder: URL!
    private var cache: ProbeCache!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-keras-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        cache = ProbeCache(root: folder.appendingPathComponent("cache"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testKerasURLsAreTheOnesKerasDownloads() throws {
        let vgg = try XCTUnwrap(ModelRegistry.kerasFile(ModelRegistry.info("keras_vgg16")))
        XCTAssertEqual(vgg.fileName, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
        XCTAssertEqual(vgg.md5, "6d6bbae143d832006294945121d1f1fc")
        XCTAssertEqual(vgg.byteCount, 58_889_256)
        let b0 = try XCTUnwrap(ModelRegistry.kerasFile(ModelRegistry.info("keras_efficientnet_b0")))
        XCTAssertEqual(b0.url.absoluteString, "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5")
        XCTAssertEqual(b0.md5, "50bc09e76180e00e4465e1a485ddc09d")
        let mobilenet = try ModelRegistry.info("keras_mobilenet_v2")
        for size in [96, 128, 160, 192, 224] {
            let file = try XCTUnwrap(ModelRegistry.kerasFile(mobilenet, imageSize: size))
            XCTAssertEqual(file.fileName, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_\(size)_no_top.h5")
            XCTAssertNil(file.md5, "Keras publishes no hash for MobileNetV2")
        }
        XCTAssertThrowsError(try ModelRegistry.kerasFile(mobilenet, imageSize: 100)) { error in
            XCTAssertTrue("\(error)".contains("96, 128, 160, 192, 224"), "\(error)")
        }
    }

    func testMobileNetV2IsFetchedForItsInputSize() throws {
        let body = try Data(contentsOf: TestPaths.fixture("keras/keras_mobilenet_v2.h5"))
        let name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"
        let server = try LocalHTTPServer(routes: ["/mirror/\(name)": .init(body: body, behaviour: .normal)])
        let file = try ModelRegistry.fetch("keras_mobilenet_v2", imageSize: 160, mirror: server.url("/mirror"), cache: cache)
        XCTAssertEqual(file.lastPathComponent, name)
        XCTAssertEqual(try Data(contentsOf: file), body)
        XCTAssertEqual(ModelRegistry.cachedWeights("keras_mobilenet_v2", imageSize: 160, cache: cache), file)
        XCTAssertNil(ModelRegistry.cachedWeights("keras_mobilenet_v2", cache: cache), "the 224 file is another file")
        XCTAssertEqual(try ModelRegistry.weights(for: "keras_mobilenet_v2", imageSize: 160, cache: cache), file)
        // The fetched file loads.
        _ = try Backbone(kind: .keras_mobilenet_v2, stateDict: CheckpointReader.read(contentsOf: file, for: .keras_mobilenet_v2))
    }

    func testAFileOfTheWrongSizeIsDiscarded() throws {
        let server = try LocalHTTPServer(routes: ["/m/efficientnetb0_notop.h5": .init(body: Data(repeating: 7, count: 1000), behaviour: .normal)])
        XCTAssertThrowsError(try ModelRegistry.fetch("keras_efficientnet_b0", mirror: server.url("/m"), cache: cache)) { error in
            XCTAssertTrue("\(error)".contains("size mismatch: expected 16705208 bytes, got 1000"), "\(error)")
        }
        XCTAssertNil(ModelRegistry.cachedWeights("keras_efficientnet_b0", cache: cache), "nothing unverified lands in the cache")
    }
}
