import Foundation
import ProbeBackbones
import ProbeTestSupport
import XCTest

/// Fixtures and expected values: reference/weights_fixtures.py (torch + safetensors in the reference venv).
final class WeightsCheckpointReaderTests: XCTestCase {
    struct Expected { let shape: [Int]; let values: [Float] }

    /// expected.json: {"tiny" | "legacy_v1" | "f32" | "f16" | "bf16": {key: {"shape": [...], "values": [...]}}}
    static func expected(_ group: String) throws -> [String: Expected] {
        let data = try Data(contentsOf: TestPaths.fixture("weights/expected.json"))
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: [String: [NSNumber]]]])
        return try XCTUnwrap(root[group]).mapValues { entry in
            Expected(shape: entry["shape"]!.map(\.intValue), values: entry["values"]!.map(\.floatValue))
        }
    }

    private func assertMatches(_ file: String, _ group: String, line: UInt = #line) throws {
        let dict = try CheckpointReader.read(contentsOf: TestPaths.fixture("weights/\(file)"))
        let expected = try Self.expected(group)
        XCTAssertEqual(Set(dict.keys), Set(expected.keys), file, line: line)
        for (key, want) in expected {
            let got = try XCTUnwrap(dict[key], "\(file): \(key)", line: line)
            XCTAssertEqual(got.shape, want.shape, "\(file): \(key)", line: line)
            XCTAssertEqual(got.values, want.values, "\(file): \(key)", line: line)
            XCTAssertEqual(got.count, want.values.count, line: line)
        }
    }

    func testReadsZipFormatPthWithViewsDtypesAndMetadata() throws {
        try assertMatches("tiny_zip.pth", "tiny")
    }

    func testReadsLegacyFormatPth() throws {
        try assertMatches("tiny_legacy.pth", "tiny")
    }

    func testReadsPreTorch04LegacyPthWithRebuildTensorV1() throws {
        try assertMatches("tiny_legacy_v1.pth", "legacy_v1")
    }

    func testReadsSafetensorsFloat32WithInt64() throws {
        try assertMatches("tiny_f32.safetensors", "f32")
    }

    func testReadsSafetensorsFloat16() throws {
        try assertMatches("tiny_f16.safetensors", "f16")
    }

    func testReadsSafetensorsBFloat16() throws {
        try assertMatches("tiny_bf16.safetensors", "bf16")
    }

    func testStorageOffsetAndTransposedViewsAreMaterialisedRowMajor() throws {
        // base = arange(30) * 0.5 - 4; view.offset = base[5:17].view(3, 4); view.transposed = base[:12].view(3, 4).t()
        for file in ["tiny_zip.pth", "tiny_legacy.pth"] {
            let dict = try CheckpointReader.read(contentsOf: TestPaths.fixture("weights/\(file)"))
            let offset = try XCTUnwrap(dict["view.offset"])
            XCTAssertEqual(offset.shape, [3, 4])
            XCTAssertEqual(offset.values.first, 5 * 0.5 - 4, file)
            let transposed = try XCTUnwrap(dict["view.transposed"])
            XCTAssertEqual(transposed.shape, [4, 3])
            XCTAssertEqual(Array(transposed.values.prefix(3)), [0, 4, 8].map { Float($0) * 0.5 - 4 }, file)
        }
    }

    func testContiguousFloat32IsMemoryMappedNotCopied() throws {
        let zip = try CheckpointReader.read(contentsOf: TestPaths.fixture("weights/tiny_zip.pth"))
        XCTAssertTrue(try XCTUnwrap(zip["0.weight"]).isMemoryMapped)
        XCTAssertFalse(try XCTUnwrap(zip["half.weight"]).isMemoryMapped, "float16 must be converted")
        XCTAssertFalse(try XCTUnwrap(zip["view.transposed"]).isMemoryMapped, "strided views are gathered")
        let safetensors = try CheckpointReader.read(contentsOf: TestPaths.fixture("weights/tiny_f32.safetensors"))
        XCTAssertTrue(try XCTUnwrap(safetensors["0.weight"]).isMemoryMapped)
        let values = try XCTUnwrap(safetensors["0.weight"]).withUnsafeBufferPointer { Array($0) }
        XCTAssertEqual(values, try XCTUnwrap(safetensors["0.weight"]).values)
    }

    func testDetectsTheFormatFromBytesNotTheExtension() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (file, format) in [("tiny_zip.pth", CheckpointReader.Format.torchZip), ("tiny_legacy.pth", .torchLegacy),
                               ("tiny_f32.safetensors", .safetensors)] {
            let renamed = folder.appendingPathComponent("\(file).bin")
            try FileManager.default.copyItem(at: TestPaths.fixture("weights/\(file)"), to: renamed)
            XCTAssertEqual(try CheckpointReader.format(of: renamed), format)
            XCTAssertFalse(try CheckpointReader.read(contentsOf: renamed).isEmpty)
        }
        let text = folder.appendingPathComponent("notes.pth")
        try Data("hello".utf8).write(to: text)
        XCTAssertThrowsError(try CheckpointReader.read(contentsOf: text)) { error in
            XCTAssertTrue("\(error)".contains("notes.pth"), "\(error)")
            XCTAssertTrue("\(error)".contains("not a checkpoint"), "\(error)")
        }
        XCTAssertThrowsError(try CheckpointReader.read(contentsOf: folder.appendingPathComponent("absent.pth"))) { error in
            XCTAssertTrue("\(error)".contains("absent.pth"), "\(error)")
        }
    }
}
