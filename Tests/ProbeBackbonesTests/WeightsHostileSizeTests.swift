import Foundation
import ProbeBackbones
import ProbeTestSupport
import XCTest

/// Checkpoints of a few hundred bytes whose lengths, counts or shapes claim gigabytes: each is
/// refused with the file's name, checked against the file's size before anything is allocated
/// (docs/fuzzing.md). Plus the fuzz regression inputs of the checkpoint readers.
final class WeightsHostileSizeTests: XCTestCase {
    private func temporaryFile(_ bytes: Data, suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-hostile-\(UUID().uuidString)\(suffix)")
        try bytes.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func safetensors(_ header: String, data: Int = 8) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Data(header.utf8) + Data(count: data)
    }

    private func assertRefused(_ url: URL, mentioning text: String, line: UInt = #line) {
        XCTAssertThrowsError(try CheckpointReader.read(contentsOf: url), line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(url.lastPathComponent), "\(error)", line: line)
        }
    }

    /// Found reading Safetensors.read for the fuzz targets: with a zero extent the other extents
    /// passed the element-count check, and their strides overflowed Int (a trap).
    func testZeroExtentBesideHugeExtentsIsRefused() throws {
        let url = TestPaths.fixture("fuzz-regressions/safetensors/crafted-zero-extent-stride-overflow.safetensors")
        assertRefused(url, mentioning: "is too large")
    }

    func testSafetensorsDataOffsetsBeyondTheFileAreRefused() throws {
        let header = #"{"w":{"dtype":"F32","shape":[262144,1048576],"data_offsets":[0,1099511627776]}}"#
        let url = try temporaryFile(safetensors(header), suffix: ".safetensors")
        XCTAssertLessThan(try Data(contentsOf: url).count, 120)
        assertRefused(url, mentioning: "outside the 8-byte data region")
    }

    /// A legacy .pth whose storage record claims 2^40 float32 elements (4 TiB) with 8 bytes present.
    func testLegacyStorageCountBeyondTheFileIsRefused() throws {
        let header = try Data(contentsOf: TestPaths.fixture("weights/tiny_legacy.pth")).prefix(137)
        func text(_ s: String) -> [UInt8] { [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8) }
        func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
        var main: [UInt8] = [0x80, 0x02, 0x7D] + text("w")
        main += global("torch._utils", "_rebuild_tensor_v2") + [0x28]
        main += [0x28] + text("storage") + global("torch", "FloatStorage") + text("0") + text("cpu")
        main += [0x4A, 0xFF, 0xFF, 0xFF, 0x7F, 0x4E, 0x74, 0x51]             // numel 2^31 - 1, no view; BINPERSID
        main += [0x4B, 0x00, 0x4B, 0x02, 0x85, 0x4B, 0x01, 0x85, 0x89]        // offset 0, size (2,), stride (1,), False
        main += global("collections", "OrderedDict") + [0x29, 0x52]          // OrderedDict()
        main += [0x74, 0x52, 0x73, 0x2E]                                    // args tuple, REDUCE, SETITEM, STOP
        let keys: [UInt8] = [0x80, 0x02, 0x5D] + text("0") + [0x61, 0x2E]
        let count = withUnsafeBytes(of: Int64(1 << 40).littleEndian, Array.init)
        let url = try temporaryFile(header + Data(main + keys + count + [UInt8](repeating: 0, count: 8)), suffix: ".pth")
        XCTAssertLessThan(try Data(contentsOf: url).count, 500)
        assertRefused(url, mentioning: "needs 1099511627776 elements")
    }

    /// Every saved input of the checkpoint targets is refused with an error, never a trap.
    func testEveryFuzzRegressionCheckpointIsRefused() throws {
        for input in try FuzzRegressions.inputs("safetensors") {
            XCTAssertThrowsError(try CheckpointReader.read(contentsOf: input), input.lastPathComponent)
        }
    }
}
