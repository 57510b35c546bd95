import Foundation
import ProbeBackbones
import ProbeCore
import ProbeTestSupport
import XCTest

final class WeightsPickleSafetyTests: XCTestCase {
    func testRefusesAGlobalOutsideTheAllowListAndNamesIt() {
        for file in ["malicious_legacy.pth", "malicious_zip.pth"] {
            XCTAssertThrowsError(try CheckpointReader.read(contentsOf: TestPaths.fixture("weights/\(file)")), file) { error in
                XCTAssertTrue("\(error)".contains("os.system"), "\(error)")
                XCTAssertTrue("\(error)".contains(file), "\(error)")
            }
        }
    }

    /// A legacy checkpoint whose main pickle is `body`: torch's three header pickles (magic number,
    /// protocol version, sys_info: the first 137 bytes of any legacy fixture) followed by `body`.
    private func legacyCheckpoint(_ body: [UInt8]) throws -> URL {
        let header = try Data(contentsOf: TestPaths.fixture("weights/tiny_legacy.pth")).prefix(137)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-pickle-\(UUID().uuidString).pth")
        try (header + Data(body)).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func assertRefused(_ body: [UInt8], mentioning text: String, line: UInt = #line) throws {
        XCTAssertThrowsError(try CheckpointReader.read(contentsOf: try legacyCheckpoint(body)), line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
        }
    }

    func testDeeplyNestedContainersAreRefusedNotAStackOverflow() throws {
        // PROTO 2, EMPTY_TUPLE, then 200k x TUPLE1: a 200k-deep chain, STOP.
        try assertRefused([0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 200_000) + [0x2E], mentioning: "nested deeper")
    }

    func testContainersCannotBeMadeCyclicOrChangedAfterNesting() throws {
        // L = []; memo 0; L.append(L)
        try assertRefused([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E], mentioning: "inside itself")
        // A = []; B = []; A.append(B); B.append(None): B is sealed once inside A.
        try assertRefused([0x80, 0x02, 0x5D, 0x5D, 0x71, 0x01, 0x61, 0x68, 0x01, 0x4E, 0x61, 0x2E], mentioning: "changed after it was nested")
    }

    func testUnknownOpcodesAndMemoMissesAreNamed() throws {
        try assertRefused([0x80, 0x02, 0x81, 0x2E], mentioning: "opcode 0x81")   // NEWOBJ
        try assertRefused([0x80, 0x02, 0x68, 0x07, 0x2E], mentioning: "memo 7")
        try assertRefused([0x80, 0x02, 0x4E, 0x28, 0x71, 0x00, 0x2E], mentioning: "stack underflow")  // NONE, MARK, BINPUT
    }

    /// Truncations and bit flips of every fixture must give an error or a result, never a crash or hang.
    func testTruncatedAndBitFlippedCheckpointsNeverCrash() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SplitMix64(seed: 0x5EED)
        var errors = 0, reads = 0
        for name in ["tiny_zip.pth", "tiny_legacy.pth", "tiny_f32.safetensors", "tiny_f16.safetensors", "tiny_bf16.safetensors"] {
            let original = try Data(contentsOf: TestPaths.fixture("weights/\(name)"))
            var variants: [Data] = (0..<20).map { _ in original.prefix(Int(generator.next() % UInt64(original.count))) }
            for _ in 0..<60 {
                var flipped = original
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    flipped[Int(generator.next() % UInt64(flipped.count))] ^= UInt8(1 << (generator.next() % 8))
                }
                variants.append(flipped)
            }
            for (i, variant) in variants.enumerated() {
                let url = folder.appendingPathComponent("\(i)-\(name)")
                try variant.write(to: url)
                do {
                    let dict = try CheckpointReader.read(contentsOf: url)
                    for tensor in dict.values { XCTAssertEqual(tensor.shape.reduce(1, *), tensor.count) }
                    reads += 1
                } catch {
                    XCTAssertFalse("\(error)".isEmpty)
                    errors += 1
                }
            }
        }
        // Truncations past the header must fail; flips inside raw data may still read.
        XCTAssertGreaterThan(errors, 50)
        XCTAssertGreaterThan(reads, 0)
    }
}

