import Foundation
import XCTest
import ProbePipeline
import ProbeTestSupport

final class DatasetCatalogTests: XCTestCase {
    func testRepositoryCatalogLoadsAndItsDefaultIsShipped() throws {
        let catalog = try DatasetCatalog(contentsOf: TestPaths.repoRoot.appendingPathComponent("datasets.json"))
        let entry = try catalog.entry(named: catalog.defaultName)
        XCTAssertNotNil(entry.local, "the default dataset must ship with the repository")
        let root = try XCTUnwrap(catalog.location(of: entry, cache: FileManager.default.temporaryDirectory))
        let classes = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted()
        XCTAssertEqual(classes, entry.classes)
    }

    func testEveryRemoteEntryIsPinnedBySHA256() throws {
        let catalog = try DatasetCatalog(contentsOf: TestPaths.repoRoot.appendingPathComponent("datasets.json"))
        for entry in catalog.entries {
            guard let remote = entry.remote else { continue }
            XCTAssertEqual(remote.sha256.count, 64, entry.name)
            XCTAssertTrue(remote.sha256.allSatisfy { $0.isHexDigit && !$0.isUppercase }, entry.name)
            XCTAssertTrue(["zip", "tar.gz"].contains(remote.archive), entry.name)
        }
    }

    func testUnknownNameListsTheKnownOnes() throws {
        let catalog = try DatasetCatalog(contentsOf: TestPaths.repoRoot.appendingPathComponent("datasets.json"))
        XCTAssertThrowsError(try catalog.entry(named: "nope")) { error in
            XCTAssertTrue("\(error)".contains("pets-mini"), "\(error)")
        }
    }

    func testEntryWithBothLocalAndRemoteIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("""
        {"format_version": 1, "default": "x", "datasets": [{"name": "x", "description": "", "licence": "", "classes": [],
         "layout": "", "local": "a", "remote": {"url": "u", "sha256": "s", "archive": "zip", "root": "r"}}]}
        """.utf8).write(to: url)
        XCTAssertThrowsError(try DatasetCatalog(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("exactly one of"), "\(error)")
        }
    }
}
