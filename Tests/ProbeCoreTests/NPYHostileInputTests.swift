import Foundation
import ProbeCore
import ProbeTestSupport
import XCTest

/// .npy files whose header lies, and the inputs fuzzing found (docs/fuzzing.md).
final class NPYHostileInputTests: XCTestCase {
    private func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-npy-\(UUID().uuidString).npy")
        try Data(bytes).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Found by libFuzzer: float labels holding NaN trapped the conversion to Int.
    func testFloatNaNIsAnErrorWhenReadAsIntegers() throws {
        let array = try NPYArray.read(contentsOf: TestPaths.fixture("fuzz-regressions/npy/float-nan-to-int.npy"))
        XCTAssertThrowsError(try array.ints()) { error in
            XCTAssertTrue("\(error)".contains("not an integer"), "\(error)")
        }
    }

    func testNonFiniteAndOutOfRangeFloatsAreRefusedAndWholeFloatsConvert() throws {
        XCTAssertEqual(try NPYArray(float32: [2.9, -1.5, 0], shape: [3]).ints(), [2, -1, 0])
        for bad: Float in [.infinity, -.infinity, .nan, 1e30] {
            XCTAssertThrowsError(try NPYArray(float32: [1, bad], shape: [2]).ints(), "\(bad)")
        }
    }

    /// A 136-byte file claiming 10^11 float32 elements (400 GB) is refused as truncated,
    /// before anything of that size is allocated.
    func testSmallFileClaimingAHugeShapeIsRefused() throws {
        var header = NPYHeader(dtype: .float32, shape: [100_000_000_000]).encoded()
        header += [UInt8](repeating: 0, count: 8)
        XCTAssertLessThanOrEqual(header.count, 200)
        let url = try temporaryFile(header)
        XCTAssertThrowsError(try NPYArray.read(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("truncated .npy data"), "\(error)")
        }
    }

    /// Every saved input for the npy target reads or fails with an error, without trapping.
    func testEveryFuzzRegressionInputIsReadOrRefused() throws {
        for input in try FuzzRegressions.inputs("npy") {
            if let array = try? NPYArray.read(contentsOf: input) {
                _ = array.floats()
                _ = try? array.ints()
            }
        }
    }
}
