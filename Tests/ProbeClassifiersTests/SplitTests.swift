import ProbeClassifiers
import ProbeCore
import XCTest

final class SplitTests: XCTestCase {
    /// The first outputs of SplitMix64 seeded with 0, as published with the algorithm (Vigna's splitmix64.c).
    func testSplitMix64MatchesPublishedSequence() {
        var rng = SplitMix64(seed: 0)
        XCTAssertEqual([rng.next(), rng.next(), rng.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    func testStratifiedSplitKeepsProportionsAndRepeatsWithSeed() throws {
        let y = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 20)
        let a = try stratifiedSplit(labels: y, validationFraction: 0.2, seed: 7)
        let b = try stratifiedSplit(labels: y, validationFraction: 0.2, seed: 7)
        let c = try stratifiedSplit(labels: y, validationFraction: 0.2, seed: 8)
        XCTAssertEqual(a.validation, b.validation)
        XCTAssertNotEqual(a.validation, c.validation)
        XCTAssertEqual(Set(a.train + a.validation), Set(0..<100))
        XCTAssertTrue(Set(a.train).isDisjoint(with: a.validation))
        XCTAssertEqual([0, 1, 2].map { k in a.validation.filter { y[$0] == k }.count }, [10, 6, 4])
    }

    func testStratifiedKFoldTestsEverySampleOnceWithProportions() throws {
        let y = Array(repeating: 0, count: 25) + Array(repeating: 1, count: 15) + Array(repeating: 3, count: 10)
        let folds = try StratifiedKFold(folds: 5, seed: 3).splits(labels: y)
        XCTAssertEqual(folds.count, 5)
        XCTAssertEqual(folds.flatMap { $0.test }.sorted(), Array(0..<50))
        for fold in folds {
            XCTAssertEqual(Set(fold.train + fold.test).count, 50)
            XCTAssertEqual([0, 1, 3].map { k in fold.test.filter { y[$0] == k }.count }, [5, 3, 2])
        }
        XCTAssertEqual(try StratifiedKFold(folds: 5, seed: 3).splits(labels: y).map { $0.test }, folds.map { $0.test })
    }

    func testClassWithOneSampleIsRefusedBySplits() {
        let y = [0, 0, 0, 1, 1, 2]
        XCTAssertThrowsError(try stratifiedSplit(labels: y, validationFraction: 0.2, seed: 0)) { error in
            XCTAssertEqual("\(error)", "class 2 has only 1 sample; a stratified split needs at least 2 per class")
        }
        XCTAssertThrowsError(try StratifiedKFold(folds: 2).splits(labels: y))
    }
}
