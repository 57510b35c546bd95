import XCTest
import ProbeCore
import ProbeDoctor
import ProbeTestSupport

/// The pigeonhole search over perceptual hashes finds exactly the pairs within the Hamming limit
/// that comparing all pairs finds (rows without a hash never pair).
final class HashPairsMatchAllPairsTests: XCTestCase {
    func testPigeonholeEqualsAllPairs() {
        var random = SplitMix64(seed: 9)
        var hashes: [UInt64?] = (0..<400).map { _ in random.next() }
        // Copies of earlier hashes with 0…12 flipped bits, and a few rows without a hash.
        for i in stride(from: 10, to: 400, by: 10) {
            var h = hashes[i / 2]!
            for _ in 0..<(i / 10 % 13) { h ^= 1 << (random.next() % 64) }
            hashes[i] = h
        }
        for i in stride(from: 7, to: 400, by: 50) { hashes[i] = nil }
        var expected: [[Int]] = []
        for a in 0..<400 { for b in (a + 1)..<400 {
            if let x = hashes[a], let y = hashes[b], (x ^ y).nonzeroBitCount <= 8 { expected.append([a, b]) }
        } }
        XCTAssertGreaterThan(expected.count, 15)
        let found = NearDuplicates.hashPairs(hashes, maxDistance: 8).map { [$0.0, $0.1] }
        XCTAssertEqual(found, expected)
    }
}
