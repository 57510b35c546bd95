import Foundation
import ProbeBackbones
import ProbeTestSupport
import XCTest

/// Each backbone loads from a checkpoint file, not only from an in-memory state dict: the parity
/// weights are written as a safetensors file with the reference key names, read back by
/// `CheckpointReader`, and must reproduce the reference embeddings.
final class BackboneFromFileTests: XCTestCase {
    /// safetensors: u64 LE header length, a JSON header of {key: {dtype, shape, data_offsets}}, then the raw data.
    private func writeSafetensors(_ dict: StateDict, to url: URL) throws {
        var header: [String: Any] = [:]
        var body = Data()
        for key in dict.keys.sorted() {
            let tensor = dict[key]!
            let start = body.count
            tensor.values.withUnsafeBytes { body.append(contentsOf: $0) }
            header[key] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [start, body.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }  // keeps the data 8-byte aligned
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }

    func testEveryBackboneLoadsFromASafetensorsFileWithReferenceKeyNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("from-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try DeterministicWeights.input224()
        for kind in BackboneKind.allCases where !kind.isKeras {  // Keras models read Keras files (KerasWeightsParityTests)
            let file = dir.appendingPathComponent("\(kind.rawValue).safetensors")
            try writeSafetensors(DeterministicWeights.stateDict(kind), to: file)
            XCTAssertEqual(try CheckpointReader.format(of: file), .safetensors)
            let backbone = try Backbone(kind: kind, stateDict: CheckpointReader.read(contentsOf: file))
            let got = try input.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: 224, width: 224, pool: .avg) }
            let expected = try DeterministicWeights.fixture("\(kind.rawValue)_224x224_avg")
            XCTAssertLessThanOrEqual(maxRelativeError(got, expected), 1e-4, kind.rawValue)
            try FileManager.default.removeItem(at: file)
        }
    }
}
