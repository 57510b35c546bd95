import Foundation
import ProbeCore
import XCTest

import ProbeTestSupport

/// The .npy reader/writer against files numpy wrote (reference/npy_fixtures.py).
final class NPYTests: XCTestCase {
    func testReadsFloat32WrittenByNumpy() throws {
        let array = try NPYArray.read(contentsOf: TestPaths.fixture("npy/f32_2x3.npy"))
        XCTAssertEqual(array.shape, [2, 3])
        XCTAssertEqual(array.floats(), [0, 0.25, 0.5, 0.75, 1.0, 1.25])
    }

    func testReadsFloat16AndIntegers() throws {
        XCTAssertEqual(try NPYArray.read(contentsOf: TestPaths.fixture("npy/f16_4.npy")).floats(), [0.5, -1.25, 3.0, 65504.0])
        XCTAssertEqual(try NPYArray.read(contentsOf: TestPaths.fixture("npy/i32_5.npy")).ints(), [3, -1, 0, 7, 2])
        let i64 = try NPYArray.read(contentsOf: TestPaths.fixture("npy/i64_2x2.npy"))
        XCTAssertEqual(i64.shape, [2, 2])
        XCTAssertEqual(try i64.ints(), [1, 2, 3, 4])
    }

    func testWritesTheSameBytesAsNumpy() throws {
        let cases: [(String, NPYArray)] = [
            ("f32_2x3.npy", NPYArray(float32: [0, 0.25, 0.5, 0.75, 1.0, 1.25], shape: [2, 3])),
            ("f16_4.npy", NPYArray(float16: [0.5, -1.25, 3.0, 65504.0], shape: [4])),
            ("i32_5.npy", NPYArray(int32: [3, -1, 0, 7, 2], shape: [5])),
            ("i64_2x2.npy", NPYArray(int64: [1, 2, 3, 4], shape: [2, 2])),
            ("f32_empty_0x4.npy", NPYArray(float32: [], shape: [0, 4])),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, array) in cases {
            let url = dir.appendingPathComponent(name)
            try array.write(to: url)
            XCTAssertEqual(try Data(contentsOf: url), try Data(contentsOf: TestPaths.fixture("npy/\(name)")), name)
        }
    }

    func testRejectsTruncatedAndForeignFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Data(contentsOf: TestPaths.fixture("npy/f32_2x3.npy"))
        let truncated = dir.appendingPathComponent("truncated.npy")
        try good.prefix(good.count - 4).write(to: truncated)
        XCTAssertThrowsError(try NPYArray.read(contentsOf: truncated)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        let text = dir.appendingPathComponent("text.npy")
        try Data("hello".utf8).write(to: text)
        XCTAssertThrowsError(try NPYArray.read(contentsOf: text)) { error in
            XCTAssertTrue("\(error)".contains("not a .npy file"), "\(error)")
        }
    }
}
