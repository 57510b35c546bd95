import Foundation
import XCTest
import ProbeClassifiers
import ProbeCore
import ProbeDoctor
import ProbePipeline
import ProbeStore

/// `Doctor.run` on small synthetic stores: injected duplicates are found (cross-class ones flagged),
/// stores with one class or identical rows give an answer instead of a crash, leaks into a second
/// store are found with the accuracy they inflate, a store of another backbone is refused, and the
/// JSON keys stay as documented.
final class DoctorEdgeCasesTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try temporaryDirectory("doctor-edge") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// One Gaussian blob per class in `dim` dimensions (same-class rows at cosine about 0.5, far below
    /// the near-duplicate threshold); every row a distinct file hash unless
    /// `sha` overrides it; `rows` overrides embeddings.
    func makeStore(_ name: String, classes: [String], perClass: [Int], dim: Int = 64, model: String = "efficientnet_lite0",
                   seed: UInt64 = 1, edit: ((inout [Float], inout [DatasetFile]) -> Void)? = nil) throws -> URL {
        var random = SplitMix64(seed: seed)
        func normal() -> Float {
            let u = max(Float(random.next() >> 40) / Float(1 << 24), 1e-7), v = Float(random.next() >> 40) / Float(1 << 24)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let identity = StoreIdentity(model: model, weightsSHA256: String(repeating: "b", count: 64),
                                     preprocessing: .object(["recipe": .string("test")]), pool: "avg", dtype: .float32, dim: dim)
        let url = folder.appendingPathComponent(name)
        let writer = try StoreWriter(directory: url, identity: identity, classes: classes, shardRows: 32)
        var values: [Float] = [], entries: [DatasetFile] = []
        for (label, count) in perClass.enumerated() {
            for i in 0..<count {
                for d in 0..<dim { values.append(normal() + (d % max(1, classes.count) == label ? 1.5 : 0)) }
                let path = "\(classes[label])/\(i).jpg"
                let hash = SHA256Digest.data(Data("\(seed)/\(path)".utf8))
                entries.append(DatasetFile(path: path, label: label, size: 1, mtimeNanoseconds: 0, sha256: hash))
            }
        }
        edit?(&values, &entries)
        try writer.append(embeddings: values, entries: entries)
        _ = try writer.finish()
        return url
    }

    func run(_ store: URL, against: URL? = nil) throws -> DoctorReport {
        var request = Doctor.Request(features: store, settings: ProbeSettings(kind: .logreg))
        request.against = against
        request.folds = 3
        return try Doctor.run(request)
    }

    func testInjectedExactDuplicatesAreGroupedAndCrossClassOnesComeFirst() throws {
        let store = try makeStore("feats", classes: ["a", "b"], perClass: [30, 30]) { values, entries in
            // Row 40 (class b) gets row 3's bytes and embedding; row 5 gets row 7's bytes (same class).
            entries[40].sha256 = entries[3].sha256
            for d in 0..<64 { values[40 * 64 + d] = values[3 * 64 + d] }
            entries[5].sha256 = entries[7].sha256
        }
        let report = try run(store)
        XCTAssertEqual(report.exactDuplicates.map(\.rows), [[3, 40], [5, 7]])
        XCTAssertEqual(report.exactDuplicates.map(\.crossClass), [true, false])
        // The byte-identical pair is listed once, as exact, not again as a near duplicate.
        XCTAssertFalse(report.nearDuplicates.contains { $0.first == 3 && $0.second == 40 })
        let excluded = Set(report.excludeList())
        XCTAssertTrue(excluded.isSuperset(of: ["a/3.jpg", "b/10.jpg", "a/7.jpg"]), "\(excluded)")
        XCTAssertFalse(excluded.contains("a/5.jpg"), "one copy of a same-class group is kept")
        XCTAssertTrue(report.text().contains("CROSS-CLASS 2 copies"))
    }

    func testNearDuplicateEmbeddingsAreFoundByCosine() throws {
        let store = try makeStore("feats", classes: ["a", "b"], perClass: [25, 25]) { values, _ in
            for d in 0..<64 { values[30 * 64 + d] = values[12 * 64 + d] * 1.01 + 0.01 }
        }
        let report = try run(store)
        let pair = try XCTUnwrap(report.nearDuplicates.first { $0.first == 12 && $0.second == 30 })
        XCTAssertEqual(pair.signals, [.cosine])
        XCTAssertTrue(pair.crossClass)
        XCTAssertGreaterThan(pair.cosine, 0.99)
    }

    func testStoreWithOneClassStillReportsDuplicatesAndOutliers() throws {
        let store = try makeStore("feats", classes: ["only"], perClass: [20]) { values, entries in
            entries[4].sha256 = entries[9].sha256
            for d in 0..<64 { values[2 * 64 + d] = d % 2 == 0 ? 5 : -5 }   // a direction no other row has
        }
        let report = try run(store)
        XCTAssertNil(report.labelIssues)
        XCTAssertTrue(report.notes.contains { $0.contains("only one class") }, "\(report.notes)")
        XCTAssertEqual(report.exactDuplicates.map(\.rows), [[4, 9]])
        XCTAssertEqual(report.outliers.first?.row, 2)
        XCTAssertEqual(report.classHealth.map(\.rows), [20])
    }

    func testAllIdenticalRowsGiveOneGroupAndNoCrash() throws {
        let store = try makeStore("feats", classes: ["a", "b"], perClass: [12, 12]) { values, entries in
            for i in 0..<24 {
                entries[i].sha256 = entries[0].sha256
                for d in 0..<64 { values[i * 64 + d] = Float(d) }
            }
        }
        let report = try run(store)
        XCTAssertEqual(report.exactDuplicates.count, 1)
        XCTAssertEqual(report.exactDuplicates[0].rows.count, 24)
        XCTAssertTrue(report.exactDuplicates[0].crossClass)
        XCTAssertTrue(report.nearDuplicates.isEmpty, "identical files are exact duplicates only")
        XCTAssertTrue(report.outliers.allSatisfy { $0.score.isFinite })
        XCTAssertEqual(Set(report.excludeList()).count, 24, "labels differ inside the group: every copy is excluded")
    }

    func testLeaksIntoASecondStoreAreFoundWithTheAccuracyTheyInflate() throws {
        let train = try makeStore("train", classes: ["a", "b"], perClass: [30, 30], seed: 1)
        var trainRows = (try FeatureStore(directory: train)).matrix().values
        let trainEntries = try JSONLines.decode(DatasetFile.self, from: train.appendingPathComponent("shard-00000.index.jsonl"))
        let validation = try makeStore("val", classes: ["a", "b"], perClass: [10, 10], seed: 2) { values, entries in
            // Validation rows 0 and 15 are copies of training rows 1 and 45: one by bytes, one edited.
            entries[0].sha256 = trainEntries[1].sha256
            for d in 0..<64 { values[d] = trainRows[64 + d] }
            for d in 0..<64 { values[15 * 64 + d] = trainRows[45 * 64 + d] + 0.001 }
        }
        trainRows = []
        let report = try run(train, against: validation)
        let leakage = try XCTUnwrap(report.leakage)
        XCTAssertEqual(Set(leakage.leaks.map { [$0.row, $0.againstRow] }), [[1, 0], [45, 15]])
        XCTAssertEqual(leakage.leaks.first { $0.againstRow == 0 }?.signal, "sha256")
        XCTAssertEqual(leakage.leakedAgainstRows, 2)
        XCTAssertNotNil(leakage.accuracyAll)
        XCTAssertNotNil(leakage.accuracyWithoutLeaked)
    }

    func testAgainstAStoreOfAnotherBackboneIsRefused() throws {
        let train = try makeStore("train", classes: ["a", "b"], perClass: [10, 10])
        let other = try makeStore("other", classes: ["a", "b"], perClass: [10, 10], model: "mobilenet_v2")
        XCTAssertThrowsError(try run(train, against: other)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(other.path) && message.contains("made differently") && message.contains("mobilenet_v2"), message)
        }
    }

    func testJSONKeysAreStable() throws {
        let store = try makeStore("feats", classes: ["a", "b", "c"], perClass: [15, 15, 15])
        let report = try run(store)
        guard case .object(let object) = report.json else { return XCTFail("not an object") }
        XCTAssertEqual(object.members.map(\.0), ["exact_duplicates", "near_duplicates", "near_duplicates_truncated", "leaks",
                                                 "label_issues", "outliers", "classes", "settings", "notes"])
        guard case .object(let settings)? = object.members.first(where: { $0.0 == "settings" })?.1 else { return XCTFail("no settings") }
        XCTAssertEqual(settings.members.map(\.0), ["store", "classifier", "folds", "seed", "neighbors", "near_threshold", "max_hamming",
                                                   "perceptual_hashes", "top", "outlier_score"])
        guard case .object(let issues)? = object.members.first(where: { $0.0 == "label_issues" })?.1 else { return XCTFail("no label issues") }
        XCTAssertEqual(issues.members.map(\.0), ["method", "issues", "ambiguous_class_pairs", "thresholds", "confident_joint",
                                                 "classifier_log_loss"])
    }
}
