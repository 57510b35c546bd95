import XCTest
import ProbeCore
import ProbeDoctor
import ProbeTestSupport

/// Every int8 kernel this CPU runs (scalar, AVX2, AVX-VNNI, AVX-512 VNNI; each forced in turn)
/// returns exactly the integers of the definition C[r, j] = Σ_t A[r, t] · B[j, t], on shapes whose
/// row counts are not multiples of the register tiles and whose lengths are not multiples of 64.
final class Int8ProductMatchesIntegerReferenceTests: XCTestCase {
    func reference(_ a: [Int8], _ rowsA: Int, _ b: [Int8], _ rowsB: Int, _ length: Int) -> [Int32] {
        var c = [Int32](repeating: 0, count: rowsA * rowsB)
        for r in 0..<rowsA { for j in 0..<rowsB {
            var sum: Int32 = 0
            for t in 0..<length { sum += Int32(a[r * length + t]) * Int32(b[j * length + t]) }
            c[r * rowsB + j] = sum
        } }
        return c
    }

    func testEveryKernelEqualsTheDefinition() {
        let kernels = Int8Kernel.allCases.filter(\.isSupported)
        XCTAssertTrue(kernels.contains(.scalar))
        var random = SplitMix64(seed: 15)
        for (rowsA, rowsB, length) in [(1, 1, 1), (5, 7, 63), (4, 4, 64), (9, 13, 65), (17, 6, 200), (8, 12, 1280), (3, 37, 130)] {
            // Values across the whole range, ±127 included (the extremes the pair sums must not saturate on).
            func values(_ count: Int) -> [Int8] {
                (0..<count).map { t in t % 11 == 0 ? (t % 22 == 0 ? 127 : -127) : Int8(random.int(-127...127)) }
            }
            let a = values(rowsA * length), b = values(rowsB * length)
            let expected = reference(a, rowsA, b, rowsB, length)
            for kernel in kernels {
                XCTAssertEqual(kernel.product(a, rowsA: rowsA, b, rowsB: rowsB, length: length), expected,
                               "\(kernel) on \(rowsA)×\(rowsB)×\(length)")
            }
        }
    }

    func testExtremeValuesDoNotSaturate() {
        // All +127 against all −127: every pair product at the extreme, the sum −127² · length.
        let length = 256
        let a = [Int8](repeating: 127, count: 5 * length), b = [Int8](repeating: -127, count: 6 * length)
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            XCTAssertEqual(kernel.product(a, rowsA: 5, b, rowsB: 6, length: length),
                           [Int32](repeating: -127 * 127 * Int32(length), count: 30), "\(kernel)")
        }
    }
}
