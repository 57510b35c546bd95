import XCTest
import ProbeDoctor

/// The label check's second pass: the rows the first pass flags are left out of the evidence (the
/// classifier is refitted without them, and they do not vote in their neighbours' shares), then
/// every row is judged again. A correct row flagged only because its neighbours carry wrong labels is
/// cleared; the wrong labels stay flagged. `reference/doctor_two_pass_reference.py` runs the same case
/// through cleanlab's `find_label_issues` (whose rules ConfidentLearning.swift follows) and prints the
/// rows each pass flags.
final class SuspectsLeftOutOfTheSecondPassTests: XCTestCase {
    /// 62 rows, 2 classes, 10 neighbours each:
    /// - 0..<24 class 0, correct: the classifier says 0 (0.9), neighbours are other rows of 0..<24;
    /// - 24..<31 labelled 1 but photos of class 0: the classifier says 0 (0.9), neighbours in 0..<24;
    /// - 31 class 0, correct, but its neighbours are the seven rows 24..<31 and three of 0..<24, and
    ///   the classifier leans to 1 (0.7): on the first pass it looks like a class-1 photo;
    /// - 32..<62 class 1, correct: the classifier says 1 (0.7), eight neighbours in 32..<62, two in class 0.
    func scenario() -> (labels: [Int], p: [[Double]], neighbors: [[Int]]) {
        var labels: [Int] = [], p: [[Double]] = [], neighbors: [[Int]] = []
        for i in 0..<24 { labels.append(0); p.append([0.9, 0.1]); neighbors.append((1...10).map { (i + $0) % 24 }) }
        for i in 24..<31 { labels.append(1); p.append([0.9, 0.1]); neighbors.append(Array((i - 24)..<(i - 14))) }
        labels.append(0); p.append([0.3, 0.7]); neighbors.append(Array(24..<31) + [0, 1, 2])
        for i in 32..<62 { labels.append(1); p.append([0.3, 0.7]); neighbors.append((1...8).map { 32 + (i - 32 + $0) % 30 } + [10, 11]) }
        return (labels, p, neighbors)
    }

    func testACorrectRowAmongMislabelledNeighboursIsClearedAndTheMislabelledStay() {
        let (labels, p, neighbors) = scenario()
        let firstPass = LabelIssues.find(probabilities: p, neighborShares: NeighborLabels.shares(neighbors: neighbors, labels: labels, classCount: 2),
                                         labels: labels, classCount: 2)
        XCTAssertEqual(firstPass.issues.map(\.row).sorted(), Array(24...31), "the first pass flags row 31 with the wrong labels around it")
        var refitWith: [Bool]?
        let result = LabelIssues.findInTwoPasses(probabilities: p, neighbors: neighbors, labels: labels, classCount: 2) { suspects in
            refitWith = suspects
            return p
        }
        XCTAssertEqual(refitWith.map { mask in (0..<mask.count).filter { mask[$0] } }, Array(24...31),
                       "the folds are refitted without exactly the first pass's suspects")
        XCTAssertEqual(result.issues.map(\.row).sorted(), Array(24..<31))
        XCTAssertTrue(result.issues.allSatisfy { $0.suggested == 0 && $0.kind == .likelyError })
        // Row 24's neighbours are all unflagged: its shares are unchanged; row 31 counts only rows 0, 1, 2.
        let issue24 = result.issues.first { $0.row == 24 }
        XCTAssertEqual(issue24?.neighborAgreement, 0)
        XCTAssertEqual(issue24?.score ?? -1, 0.25 * 0.1, accuracy: 1e-12)
    }

    func testTheSecondPassJudgesWithTheRefittedClassifier() {
        let (labels, p, neighbors) = scenario()
        var surer = p
        for i in 24..<31 { surer[i] = [0.95, 0.05] }
        let result = LabelIssues.findInTwoPasses(probabilities: p, neighbors: neighbors, labels: labels, classCount: 2) { _ in surer }
        XCTAssertEqual(result.issues.map(\.row).sorted(), Array(24..<31))
        XCTAssertTrue(result.issues.allSatisfy { $0.classifierConfidence == 0.05 }, "the issues carry the refitted probabilities")
        // A refitted classifier less sure about row 25 ([0.6, 0.4]) takes it off the list.
        var lessSure = p
        lessSure[25] = [0.6, 0.4]
        let cleared = LabelIssues.findInTwoPasses(probabilities: p, neighbors: neighbors, labels: labels, classCount: 2) { _ in lessSure }
        XCTAssertEqual(cleared.issues.map(\.row).sorted(), [24, 26, 27, 28, 29, 30])
        // When the refit is not possible the first pass's classifier view is kept.
        let kept = LabelIssues.findInTwoPasses(probabilities: p, neighbors: neighbors, labels: labels, classCount: 2) { _ in nil }
        XCTAssertEqual(kept.issues.map(\.row).sorted(), Array(24..<31))
    }

    func testWithoutSuspectsThereIsNoSecondPass() {
        let labels = (0..<20).map { $0 / 10 }
        let p = labels.map { $0 == 0 ? [0.8, 0.2] : [0.2, 0.8] }
        let neighbors = (0..<20).map { i in (0..<10).map { (i / 10) * 10 + $0 }.filter { $0 != i } }
        var refits = 0
        let result = LabelIssues.findInTwoPasses(probabilities: p, neighbors: neighbors, labels: labels, classCount: 2) { _ in
            refits += 1
            return p
        }
        XCTAssertTrue(result.issues.isEmpty)
        XCTAssertEqual(refits, 0)
    }

    func testIgnoredNeighboursDoNotVoteUnlessAllAre() {
        let labels = [0, 1, 1, 0]
        let neighbors = [[1, 2, 3], [0, 2], [1], []]
        let ignored = [false, true, false, false]
        let shares = NeighborLabels.shares(neighbors: neighbors, labels: labels, classCount: 2, ignoring: ignored)
        XCTAssertEqual(shares[0], [0.5, 0.5], "row 1 does not vote: rows 2 and 3 split")
        XCTAssertEqual(shares[1], [0.5, 0.5])
        XCTAssertEqual(shares[2], [0, 1], "its only neighbour is ignored: it keeps that neighbour's vote")
        XCTAssertEqual(shares[3], [1, 0], "no neighbours: its own label")
    }
}
