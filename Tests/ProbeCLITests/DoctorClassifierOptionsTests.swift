import Foundation
import XCTest
import ProbeCore
import ProbeStore
import ProbeTestSupport

/// `probe doctor` fits its out-of-fold classifier with the options `probe cv` takes (`--C`, `--pca`,
/// `--class-weight`, …): with the same options and seed its out-of-fold probabilities are cv's, seen
/// through the one number both print from them, the out-of-fold log loss.
final class DoctorClassifierOptionsTests: XCTestCase {
    /// Three overlapping Gaussian classes of unequal size in 24 dimensions (so C, the PCA and the
    /// class weights all move the probabilities), every row its own file hash.
    private func makeStore() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-doctor-options-\(UUID().uuidString.prefix(8))")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let dim = 24, classes = ["a", "b", "c"], perClass = [40, 25, 15]
        var random = SplitMix64(seed: 7)
        func normal() -> Float {
            let u = max(Float(random.next() >> 40) / Float(1 << 24), 1e-7), v = Float(random.next() >> 40) / Float(1 << 24)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let identity = StoreIdentity(model: "efficientnet_lite0", weightsSHA256: String(repeating: "c", count: 64),
                                     preprocessing: .object(["recipe": .string("test")]), pool: "avg", dtype: .float32, dim: dim)
        let writer = try StoreWriter(directory: root, identity: identity, classes: classes, shardRows: 32)
        var values: [Float] = [], entries: [DatasetFile] = []
        for (label, count) in perClass.enumerated() {
            for i in 0..<count {
                for d in 0..<dim { values.append(normal() + (d % 3 == label ? 0.8 : 0)) }
                let path = "\(classes[label])/\(i).jpg"
                entries.append(DatasetFile(path: path, label: label, size: 1, mtimeNanoseconds: 0, sha256: SHA256Digest.data(Data(path.utf8))))
            }
        }
        try writer.append(embeddings: values, entries: entries)
        _ = try writer.finish()
        return root
    }

    private func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try runProbe(arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func doctorLogLoss(_ store: URL, _ options: [String]) throws -> Double {
        let report = try json(["doctor", store.path, "--json", "--folds", "3", "--seed", "4"] + options)
        return try XCTUnwrap((report["label_issues"] as? [String: Any])?["classifier_log_loss"] as? Double)
    }

    private func cvLogLoss(_ store: URL, _ options: [String]) throws -> Double {
        let summary = try json(["cv", store.path, "--json", "--folds", "3", "--seed", "4"] + options)
        return try XCTUnwrap((summary["report"] as? [String: Any])?["log_loss"] as? Double)
    }

    func testDoctorFoldsTakeCVsClassifierOptions() throws {
        let store = try makeStore()
        let defaults = try doctorLogLoss(store, [])
        XCTAssertEqual(defaults, try cvLogLoss(store, []), accuracy: 1e-12)
        for options in [["--C", "0.01"], ["--pca", "3"], ["--class-weight", "balanced"], ["--C", "0.05", "--pca", "5", "--whiten"]] {
            let doctor = try doctorLogLoss(store, options)
            XCTAssertEqual(doctor, try cvLogLoss(store, options), accuracy: 1e-12, "\(options): the doctor's folds are not cv's")
            XCTAssertGreaterThan(abs(doctor - defaults), 1e-6, "\(options) did not change the doctor's out-of-fold probabilities")
        }
    }
}
