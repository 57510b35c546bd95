import Foundation
import ProbeStore
import ProbeTestSupport
import XCTest

/// Stores whose manifest lies about row counts (found auditing the readers for the fuzz targets,
/// docs/fuzzing.md): refused with a clear error, never a trap or a terabyte allocation.
final class StoreHostileInputTests: XCTestCase {
    /// Two shards of 2^63 - 1 rows: adding the row counts up trapped.
    func testRowCountsThatOverflowWhenAddedAreRefused() throws {
        let directory = try makeTemporaryDirectory(self)
        try FileManager.default.copyItem(at: TestPaths.fixture("fuzz-regressions/manifest/crafted-rows-sum-overflow.json"),
                                         to: directory.appendingPathComponent(StoreManifest.fileName))
        XCTAssertThrowsStoreError(.corrupt, try StoreManifest.read(directory: directory), containing: "add up past")
    }

    /// A 1.6 KB store whose manifest claims a trillion rows (consistently with its totals): opening it
    /// reserved room for a trillion labels and paths before looking at the shard files. Now the
    /// embeddings file's shape refuses the claim first.
    func testManifestClaimingATrillionRowsIsRefusedByTheShardFiles() throws {
        let directory = try makeTemporaryDirectory(self)
        try FuzzRegressions.unpackStore(TestPaths.fixture("fuzz-regressions/store/crafted-trillion-rows.store"), into: directory)
        XCTAssertThrowsStoreError(.corrupt, try FeatureStore(directory: directory), containing: "the manifest says [1000000000000, 4]")
        let report = try StoreVerifier.verify(directory: directory)
        XCTAssertFalse(report.shards.allSatisfy(\.isIntact))
    }

    /// Every saved store input opens or is refused with a StoreError, never a trap.
    func testEveryFuzzRegressionStoreIsHandled() throws {
        for input in try FuzzRegressions.inputs("store") {
            let directory = try makeTemporaryDirectory(self)
            try FuzzRegressions.unpackStore(input, into: directory)
            XCTAssertThrowsError(try FeatureStore(directory: directory), input.lastPathComponent) { error in
                XCTAssertTrue(error is StoreError, "\(error)")
            }
        }
        for input in try FuzzRegressions.inputs("manifest") {
            let directory = try makeTemporaryDirectory(self)
            try FileManager.default.copyItem(at: input, to: directory.appendingPathComponent(StoreManifest.fileName))
            XCTAssertThrowsError(try StoreManifest.read(directory: directory), input.lastPathComponent)
        }
    }
}
