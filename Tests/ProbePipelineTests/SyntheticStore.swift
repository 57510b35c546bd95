import Foundation
import ProbeCore
import ProbeStore

/// Writes a small store of Gaussian blobs (one blob per class) for pipeline tests.
/// The generator is a fixed LCG so every machine writes the same numbers.
func makeBlobStore(at dir: URL, classes: [String], perClass: [Int], dim: Int = 8, separation: Float = 4,
                   model: String = "efficientnet_lite0", weightsSHA256: String = String(repeating: "a", count: 64),
                   poison: ((inout [Float]) -> Void)? = nil) throws {
    var state: UInt64 = 0x9E3779B97F4A7C15
    func uniform() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }
    func normal() -> Float {  // Box-Muller
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    let identity = StoreIdentity(model: model, weightsSHA256: weightsSHA256, preprocessing: .object(["recipe": .string("test")]),
                                 pool: "avg", dtype: .float32, dim: dim)
    let writer = try StoreWriter(directory: dir, identity: identity, classes: classes, shardRows: 16)
    var values: [Float] = []
    var entries: [DatasetFile] = []
    for (label, count) in perClass.enumerated() {
        for i in 0..<count {
            for d in 0..<dim { values.append(normal() + (d % classes.count == label ? separation : 0)) }
            let path = "\(classes[label])/\(i).jpg"
            entries.append(DatasetFile(path: path, label: label, size: 1, mtimeNanoseconds: 0, sha256: String(repeating: "0", count: 64)))
        }
    }
    poison?(&values)
    if !entries.isEmpty { try writer.append(embeddings: values, entries: entries) }
    _ = try writer.finish()
}

func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
