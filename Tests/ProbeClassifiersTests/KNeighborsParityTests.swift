import ProbeClassifiers
import ProbeCore
import XCTest

/// k-NN against scikit-learn's KNeighborsClassifier: identical neighbours and predictions.
final class KNeighborsParityTests: XCTestCase {
    private func check(_ dataset: String, _ key: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try ClassifierFixture(dataset)
        let scaler = try StandardScaler().fit(ClassifierFixture.rows(f.x, f.train))
        let xs = try scaler.transform(f.x)
        let expected = f.section(key)
        let config = KNeighbors(k: (expected["k"] as! NSNumber).intValue,
                                metric: NeighborMetric(rawValue: expected["metric"] as! String)!,
                                weights: NeighborWeights(rawValue: expected["weights"] as! String)!)
        let model = try config.fit(x: ClassifierFixture.rows(xs, f.train), y: f.train.map { f.y[$0] })
        let queries = ClassifierFixture.rows(xs, f.test)
        let neighbors = try model.kneighbors(queries)
        let expectedIndices = (expected["test_neighbors"] as! [[NSNumber]]).map { $0.map { $0.intValue } }
        XCTAssertEqual(neighbors.indices, expectedIndices, "\(dataset)/\(key) neighbours", file: file, line: line)
        let expectedDistances = ClassifierFixture.doubleRows(expected["test_distances"])
        for (a, b) in zip(neighbors.distances.joined(), expectedDistances.joined()) {
            XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), file: file, line: line)
        }
        XCTAssertEqual(try model.predict(queries), ClassifierFixture.ints(expected["test_predictions"]), "\(dataset)/\(key) predictions", file: file, line: line)
        let probabilities = try model.predictProbabilities(queries)
        let expectedProbabilities = ClassifierFixture.doubleRows(expected["test_probabilities"])
        for (a, b) in zip(probabilities.values, expectedProbabilities.joined()) {
            XCTAssertEqual(Double(a), b, accuracy: 1e-5, file: file, line: line)
        }
    }

    func testEuclideanUniformMatchesSklearn() throws {
        for dataset in ["syn_binary", "syn_multi", "flowers"] { try check(dataset, "knn") }
    }

    func testCosineDistanceWeightedMatchesSklearn() throws {
        for dataset in ["syn_binary", "syn_multi", "flowers"] { try check(dataset, "knn_cosine_distance") }
    }

    /// Training rows streamed in blocks smaller than the data give the same neighbours as one block.
    func testBlockedTrainingRowsGiveSameNeighbours() throws {
        struct SmallBlocks: FeatureRows, Sendable {
            let m: Matrix
            var rowCount: Int { m.rows }
            var featureCount: Int { m.cols }
            func withRows<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
                // Copy, so a store that hands out transient buffers is modelled faithfully.
                let copy = Array(m.values[(range.lowerBound * m.cols)..<(range.upperBound * m.cols)])
                return try copy.withUnsafeBufferPointer { try body($0) }
            }
        }
        let f = try ClassifierFixture("syn_multi")
        let train = ClassifierFixture.rows(f.x, f.train), yTrain = f.train.map { f.y[$0] }
        let queries = ClassifierFixture.rows(f.x, f.test)
        let whole = try KNeighbors(k: 5).fit(x: train, y: yTrain).kneighbors(queries)
        let streamed = try KNeighbors(k: 5).fit(x: SmallBlocks(m: train), y: yTrain).kneighbors(queries)
        XCTAssertEqual(whole, streamed)
    }
}
