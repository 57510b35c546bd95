import Foundation

/// safetensors: an 8-byte little-endian header length N, N bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// then the data region; offsets are relative to its start. Tensors are contiguous row-major.
enum Safetensors {
    /// Header lengths above this are refused (real headers are kilobytes).
    static let maxHeaderBytes = 100 << 20

    static func looksLike(_ bytes: ByteSlice) -> Bool {
        guard let n = bytes.littleEndian(UInt64.self, at: 0), n >= 2, n <= UInt64(bytes.count - 8) else { return false }
        return bytes.byte(at: 8) == UInt8(ascii: "{")
    }

    static func read(_ bytes: MappedBytes, url: URL) throws -> StateDict {
        let all = bytes.all
        guard let n64 = all.littleEndian(UInt64.self, at: 0), n64 <= UInt64(maxHeaderBytes),
              let header = all.bytes(8, Int(n64)) else {
            throw WeightsError(url, "safetensors header length runs past the end of the file")
        }
        let dataStart = 8 + Int(n64)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(header)) } catch {
            throw WeightsError(url, "safetensors header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else { throw WeightsError(url, "safetensors header is not a JSON object") }
        let dataCount = all.count - dataStart
        var result: StateDict = [:]
        for (key, value) in entries where key != "__metadata__" {
            func bad(_ reason: String) -> WeightsError { WeightsError(url, "tensor '\(key)': \(reason)") }
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offsetsAny = info["data_offsets"] as? [Any], offsetsAny.count == 2 else {
                throw bad("malformed header entry")
            }
            guard let dtype = TensorDType(safetensorsName: dtypeName) else { throw bad("unsupported dtype \(dtypeName)") }
            let shape = try shapeAny.map { item -> Int in
                guard let n = (item as? NSNumber)?.int64Value, n >= 0, n <= Int64(Int32.max) else { throw bad("bad shape \(shapeAny)") }
                return Int(n)
            }
            let offsets = try offsetsAny.map { item -> Int in
                guard let n = (item as? NSNumber)?.int64Value, n >= 0, n <= Int64(dataCount) else {
                    throw bad("data offsets \(offsetsAny) are outside the \(dataCount)-byte data region")
                }
                return Int(n)
            }
            guard offsets[0] <= offsets[1] else { throw bad("data offsets \(offsets) are reversed") }
            let byteCount = offsets[1] - offsets[0]
            guard byteCount % dtype.byteSize == 0 else { throw bad("\(byteCount) bytes is not a whole number of \(dtypeName)") }
            let elements = byteCount / dtype.byteSize
            var expected = 1
            for extent in shape {
                let (p, overflow) = expected.multipliedReportingOverflow(by: extent)
                guard !overflow else { throw bad("shape \(shape) is too large") }
                expected = p
            }
            guard expected == elements else { throw bad("shape \(shape) needs \(expected) elements, data has \(elements)") }
            let storage = all.slice(dataStart + offsets[0], byteCount)!
            var strides = [Int](repeating: 1, count: shape.count)
            // With a zero extent the element count is 0 whatever the others are, so the strides
            // of the other extents can overflow even though the shape passed the check above.
            for d in stride(from: shape.count - 2, through: 0, by: -1) {
                let (step, overflow) = strides[d + 1].multipliedReportingOverflow(by: shape[d + 1])
                guard !overflow else { throw bad("shape \(shape) is too large") }
                strides[d] = step
            }
            result[key] = try materializeTensor(key: key, dtype: dtype, storage: storage, storageElements: elements,
                                                storageOffset: 0, size: shape, stride: strides, url: url)
        }
        return result
    }
}
