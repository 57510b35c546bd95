import XCTest
import ProbeDoctor
import ProbeTestSupport

/// Confident learning reproduces cleanlab 2.9's `find_label_issues` defaults on the hand-made
/// probability matrices of `reference/confident_learning_reference.py`.
final class ConfidentLearningMatchesCleanlabTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let name: String
            let labels: [Int]
            let probabilities: [[Double]]
            let thresholds: [Double]
            let confident_joint: [[Int]]
            let flagged: [Int]
            let ranked_by_self_confidence: [Int]
            let ranked_by_normalized_margin: [Int]
        }
        let cases: [Case]
    }

    func load() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.fixture("doctor/confident_learning.json")))
    }

    func testThresholdsJointAndFlagsEqualCleanlab() throws {
        let fixture = try load()
        XCTAssertEqual(fixture.cases.count, 4)
        for c in fixture.cases {
            let k = c.probabilities[0].count
            let learning = ConfidentLearning(probabilities: c.probabilities, labels: c.labels, classCount: k)
            for (mine, theirs) in zip(learning.thresholds, c.thresholds) { XCTAssertEqual(mine, theirs, accuracy: 1e-12, c.name) }
            XCTAssertEqual(learning.confidentJoint, c.confident_joint, c.name)
            XCTAssertEqual(learning.flagged, c.flagged, c.name)
            XCTAssertFalse(c.flagged.isEmpty, c.name)
        }
    }

    func testRankingsEqualCleanlab() throws {
        for c in try load().cases {
            let k = c.probabilities[0].count
            let flagged = ConfidentLearning(probabilities: c.probabilities, labels: c.labels, classCount: k).flagged
            let selfConfidence = ConfidentLearning.selfConfidence(probabilities: c.probabilities, labels: c.labels)
            let margin = ConfidentLearning.normalizedMargin(probabilities: c.probabilities, labels: c.labels)
            XCTAssertEqual(flagged.sorted { selfConfidence[$0] < selfConfidence[$1] }, c.ranked_by_self_confidence, c.name)
            XCTAssertEqual(flagged.sorted { margin[$0] < margin[$1] }, c.ranked_by_normalized_margin, c.name)
        }
    }

    func testRowsPredictedAsTheirLabelAreNeverFlagged() throws {
        for c in try load().cases {
            let k = c.probabilities[0].count
            for i in ConfidentLearning(probabilities: c.probabilities, labels: c.labels, classCount: k).flagged {
                XCTAssertNotEqual(c.probabilities[i].firstIndex(of: c.probabilities[i].max()!), c.labels[i])
            }
        }
    }
}
