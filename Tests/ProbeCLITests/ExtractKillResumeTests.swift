import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of a real `probe extract` at several moments, then the same command again, must
/// end with exactly the store an uninterrupted run writes: same paths in the same order, the
/// same embedding bytes, no row lost or duplicated, and every checksum intact.
///
/// pets-mini (100 images) with `--shard-rows 16 --batch 8` gives seven commit points, so the
/// kills land before, between and inside shards.
final class ExtractKillResumeTests: XCTestCase {
    /// Shards of 16 rows, batches of 8: every commit point is a batch boundary of the uninterrupted run.
    private static let alignedOptions = ["--shard-rows", "16", "--batch", "8"]
    /// The uninterrupted run's rows per option set, made once for all tests of this class.
    private static var uninterrupted: [[String]: StoreRows] = [:]
    private static var uninterruptedFolders: [URL] = []

    override class func tearDown() {
        for folder in uninterruptedFolders { try? FileManager.default.removeItem(at: folder) }
        super.tearDown()
    }

    private func uninterruptedRows(weights: URL, options: [String]) throws -> StoreRows {
        if let rows = Self.uninterrupted[options] { return rows }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("probe-e2e-uninterrupted-\(getpid())-\(Self.uninterrupted.count)")
        try? FileManager.default.removeItem(at: folder)
        Self.uninterruptedFolders.append(folder)
        let summary = try ExtractTestSupport.extractJSON(
            ExtractTestSupport.extractArguments(data: ExtractTestSupport.petsMini, out: folder, weights: weights, options))
        XCTAssertEqual(summary["rows"] as? Int, 100)
        let rows = try StoreRows(folder)
        Self.uninterrupted[options] = rows
        return rows
    }

    /// One kill moment: a condition on the store folder, polled while the run goes on, or a fixed delay.
    private enum KillPoint: CustomStringConvertible {
        case committedRows(atLeast: Int)
        case insideShardAfterRows(atLeast: Int)
        case delay(TimeInterval)

        var description: String {
            switch self {
            case .committedRows(let n): return "after \(n)+ committed rows"
            case .insideShardAfterRows(let n): return "inside a shard after \(n)+ committed rows"
            case .delay(let s): return "after \(s) s"
            }
        }
    }

    /// Starts the run once per kill point (each continuing the last), kills it there, then
    /// runs it to the end and compares with the uninterrupted store.
    ///
    /// - Parameter relativeTolerance: nil demands identical embedding bytes; otherwise the largest
    ///   allowed |difference| / max |value| (for runs whose batches cannot line up with the
    ///   uninterrupted run's, since the backbone's rounding depends on the batch an image is in).
    private func killAndResume(_ points: [KillPoint], options: [String] = alignedOptions, relativeTolerance: Float? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let expected = try uninterruptedRows(weights: weights, options: options)
        let store = try ExtractTestSupport.temporaryFolder(self, "resume")
        let arguments = ExtractTestSupport.extractArguments(data: ExtractTestSupport.petsMini, out: store,
                                                            weights: weights, options)
        var lastKillHeldLock = false
        for point in points {
            let process = try ExtractTestSupport.start(arguments)
            switch point {
            case .committedRows(let n):
                let reached = ExtractTestSupport.wait(for: process) { (ExtractTestSupport.committedRows(store) ?? 0) >= n }
                XCTAssertTrue(reached, "the run ended before \(point)", file: file, line: line)
            case .insideShardAfterRows(let n):
                let reached = ExtractTestSupport.wait(for: process) {
                    (ExtractTestSupport.committedRows(store) ?? 0) >= n && ExtractTestSupport.hasPartialShardWithRows(store)
                }
                XCTAssertTrue(reached, "the run ended before \(point)", file: file, line: line)
            case .delay(let seconds):
                usleep(useconds_t(seconds * 1_000_000))
            }
            let killed = ExtractTestSupport.kill9(process)
            if case .delay = point {} else {
                XCTAssertTrue(killed, "\(point): the process was not ended by SIGKILL", file: file, line: line)
            }
            // A run killed after its first commit and before its last held the lock when it died.
            lastKillHeldLock = killed && (ExtractTestSupport.committedRows(store).map { $0 < expected.paths.count } ?? false)
            // What a killed run leaves must already be a valid store: only whole shards are listed.
            if ExtractTestSupport.committedRows(store) != nil {
                let verify = try runProbe(["verify", store.path])
                XCTAssertEqual(verify.status, 0, "\(point): store invalid right after the kill: \(verify.stdout)\(verify.stderr)",
                               file: file, line: line)
                let partial = try StoreRows(store)
                XCTAssertEqual(partial.paths, Array(expected.paths.prefix(partial.paths.count)),
                               "\(point): the committed rows are not a prefix of the uninterrupted run", file: file, line: line)
            }
        }

        let summary = try ExtractTestSupport.extractJSON(arguments, file: file, line: line)
        if lastKillHeldLock {
            XCTAssertEqual(summary["tookOverStaleLock"] as? Bool, true, "the killed run's lock was not reported as taken over",
                           file: file, line: line)
        }
        let resumed = try StoreRows(store)
        XCTAssertEqual(Set(resumed.paths).count, resumed.paths.count, "duplicate rows after resume", file: file, line: line)
        XCTAssertEqual(resumed.paths, expected.paths, "paths differ from the uninterrupted run", file: file, line: line)
        XCTAssertEqual(resumed.labels, expected.labels, file: file, line: line)
        XCTAssertEqual(resumed.shardRows, expected.shardRows, "shard boundaries differ", file: file, line: line)
        XCTAssertEqual(resumed.embeddings.count, expected.embeddings.count, file: file, line: line)
        if let relativeTolerance {
            let got = resumed.embeddings.flatMap(Self.floats), want = expected.embeddings.flatMap(Self.floats)
            let scale = want.map(abs).max() ?? 1
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst / scale, relativeTolerance, "embeddings differ beyond rounding", file: file, line: line)
        } else {
            let differing = zip(resumed.embeddings, expected.embeddings).enumerated().filter { $1.0 != $1.1 }.map { resumed.paths[$0.offset] }
            XCTAssertTrue(differing.isEmpty, "embedding bytes differ for \(differing.count) rows, e.g. \(differing.prefix(3))",
                          file: file, line: line)
        }
        let verify = try runProbe(["verify", store.path])
        XCTAssertEqual(verify.status, 0, "probe verify after resume: \(verify.stdout)\(verify.stderr)", file: file, line: line)
    }

    private static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func testKillAfterFirstShardThenRerunGivesUninterruptedRows() throws {
        try killAndResume([.committedRows(atLeast: 16)])
    }

    func testKillWhileAShardIsHalfWrittenThenRerunGivesUninterruptedRows() throws {
        try killAndResume([.insideShardAfterRows(atLeast: 32)])
    }

    func testKillMidwayThenRerunGivesUninterruptedRows() throws {
        try killAndResume([.committedRows(atLeast: 48)])
    }

    /// At 80 of 100 rows: the last 20 still take long enough on a fast machine for the kill to land.
    func testKillNearTheEndThenRerunGivesUninterruptedRows() throws {
        try killAndResume([.committedRows(atLeast: 80)])
    }

    func testKillTheResumedRunAgainThenRerunGivesUninterruptedRows() throws {
        try killAndResume([.insideShardAfterRows(atLeast: 16), .committedRows(atLeast: 64)])
    }

    /// Moments chosen by the clock, not by the store: during start-up (scan, weights), the first
    /// batches, and later, wherever the run happens to be.
    func testKillAtFixedDelaysThenRerunGivesUninterruptedRows() throws {
        try killAndResume([.delay(0.2), .delay(1.5), .delay(4.0)])
    }

    /// Batches of 6 and shards of 16: network batches are cut at shard boundaries, and a resumed
    /// run restarts at one, so it meets the network in exactly the uninterrupted run's batches and
    /// its embeddings are bit-identical even though 16 is not a multiple of 6.
    func testKillWithShardsNotAMultipleOfTheBatchThenRerunGivesTheSameRows() throws {
        try killAndResume([.insideShardAfterRows(atLeast: 16)], options: ["--shard-rows", "16", "--batch", "6"])
    }
}
