import XCTest
import ProbeDoctor

/// How the classifier's and the neighbours' views combine: a row both views place in another class
/// is a likely error with that class suggested; a row only the classifier doubts is not flagged;
/// a row the views split is ambiguous, and its class pair is reported.
final class LabelIssueViewsTests: XCTestCase {
    func testBothViewsAgreeingMakesALikelyErrorAndOneViewAloneDoesNot() {
        // 30 rows, 3 classes; both views lean to the given label except on rows 0, 1 and 2.
        let labels = (0..<30).map { $0 % 3 }
        var p = labels.map { y in (0..<3).map { $0 == y ? 0.6 : 0.2 } }
        var s = labels.map { y in (0..<3).map { $0 == y ? 0.7 : 0.15 } }
        p[0] = [0.05, 0.9, 0.05]; s[0] = [0.0, 1.0, 0.0]     // given 0, both say 1
        p[1] = [0.05, 0.05, 0.9]                             // given 1, only the classifier says 2
        p[2] = [0.05, 0.9, 0.05]; s[2] = [1.0, 0.0, 0.0]     // given 2, classifier says 1, neighbours 0
        let result = LabelIssues.find(probabilities: p, neighborShares: s, labels: labels, classCount: 3)
        let byRow = Dictionary(uniqueKeysWithValues: result.issues.map { ($0.row, $0) })
        XCTAssertEqual(byRow[0]?.kind, .likelyError)
        XCTAssertEqual(byRow[0]?.suggested, 1)
        XCTAssertNil(byRow[1], "the neighbours vouch for the given label")
        XCTAssertEqual(byRow[2]?.kind, .ambiguous)
        XCTAssertEqual(byRow[2]?.suggested, 0)
        XCTAssertEqual(result.ambiguousPairs.first.map { [$0.first, $0.second] }, [0, 2])
        XCTAssertEqual(result.issues.first?.row, 0, "lowest combined self-confidence first")
    }
}
