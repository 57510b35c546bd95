import XCTest
import ProbeTestSupport
import ProbeMetrics

final class ProbabilityMetricsTests: XCTestCase {
    func testLogLossAndTopKEqualSklearn() throws {
        var checked = 0
        for c in try SklearnFixture.load().cases {
            guard let probabilities = c.probabilities, let expectedLoss = c.log_loss, let topK = c.top_k_accuracy else { continue }
            let loss = try ProbabilityMetrics.logLoss(trueLabels: c.y_true, probabilities: probabilities)
            XCTAssertEqual(loss, expectedLoss, accuracy: 1e-12 * max(1, expectedLoss), c.name)
            for (k, expected) in topK {
                let acc = try ProbabilityMetrics.topKAccuracy(trueLabels: c.y_true, probabilities: probabilities, k: Int(k)!)
                XCTAssertEqual(acc, expected, "\(c.name) k=\(k)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 2)
    }

    func testLogLossClipsZeroProbabilityInsteadOfReturningInfinity() throws {
        let loss = try ProbabilityMetrics.logLoss(trueLabels: [0], probabilities: [[0.0, 1.0]])
        XCTAssertTrue(loss.isFinite)
        XCTAssertEqual(loss, -log(Double.ulpOfOne), accuracy: 1e-9)
    }

    func testRaggedProbabilityRowsThrow() {
        XCTAssertThrowsError(try ProbabilityMetrics.logLoss(trueLabels: [0, 1], probabilities: [[0.5, 0.5], [1.0]]))
    }
}
