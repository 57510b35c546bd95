import Foundation
import ProbeTestSupport
import XCTest

/// Copies committed store fixtures into a fresh folder (tests must not touch the originals)
/// and returns that folder; it is removed when the test ends.
func copyStoreFixtures(_ names: [String], for test: XCTestCase) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-cli-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    for name in names {
        try FileManager.default.copyItem(at: TestPaths.fixture("store/\(name)"), to: root.appendingPathComponent(name))
    }
    return root
}

/// Sum of the sizes of the files in a folder, the lock file left out.
func folderBytes(_ url: URL) throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0 != "writer.lock" }.reduce(0) {
        $0 + ((try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent($1).path)[.size] as? Int) ?? 0)
    }
}
