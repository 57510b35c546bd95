import Foundation

/// Turns a strided view of raw little-endian storage bytes into a row-major float32 `WeightTensor`.
///
/// `storage` holds exactly the storage's elements of `dtype`. The tensor's element at
/// multi-index i is storage[storageOffset + Σ i_d * stride_d] (PyTorch's strided layout).
/// Contiguous, 4-byte-aligned float32 data is not copied; anything else is converted.
func materializeTensor(key: String, dtype: TensorDType, storage: ByteSlice, storageElements: Int,
                       storageOffset: Int, size: [Int], stride: [Int], url: URL) throws -> WeightTensor {
    func bad(_ reason: String) -> WeightsError { WeightsError(url, "tensor '\(key)': \(reason)") }
    guard size.count == stride.count, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }), storageOffset >= 0 else {
        throw bad("bad shape \(size), stride \(stride) or offset \(storageOffset)")
    }
    let (storageBytes, overflowBytes) = storageElements.multipliedReportingOverflow(by: dtype.byteSize)
    guard !overflowBytes, storageElements >= 0, storageBytes <= storage.count else {
        throw bad("storage of \(storageElements) elements does not fit in \(storage.count) bytes")
    }
    var count = 1
    for extent in size {
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        guard !overflow else { throw bad("shape \(size) is too large") }
        count = product
    }
    if count == 0 { return WeightTensor(shape: size, values: []) }
    // A view cannot have more elements than its storage unless strides overlap (broadcast, stride 0);
    // refusing those also bounds the allocation below by the file's size.
    guard count <= storageElements else {
        throw bad("shape \(size) has more elements than its storage (\(storageElements)); overlapping views are not supported")
    }

    // The furthest element the view touches must lie inside the storage.
    var last = storageOffset
    for (extent, step) in zip(size, stride) {
        let (span, o1) = (extent - 1).multipliedReportingOverflow(by: step)
        let (sum, o2) = last.addingReportingOverflow(span)
        guard !o1, !o2 else { throw bad("stride \(stride) overflows") }
        last = sum
    }
    guard last < storageElements else {
        throw bad("view (offset \(storageOffset), shape \(size), stride \(stride)) reaches element \(last) of a storage of \(storageElements)")
    }

    var contiguous = true
    var expected = 1
    for d in stride.indices.reversed() where size[d] != 1 {
        if stride[d] != expected { contiguous = false; break }
        expected *= size[d]
    }

    let base = storage.pointer
    if contiguous && dtype == .float32 {
        let byteOffset = storage.offset + storageOffset * 4
        if (Int(bitPattern: storage.owner.baseAddress) + byteOffset) % MemoryLayout<Float>.alignment == 0 {
            return WeightTensor(shape: size, mapped: storage.owner, byteOffset: byteOffset, count: count)
        }
    }
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { out in
        if contiguous && dtype == .float32 {
            // Unaligned float32 (legacy files put storages at arbitrary offsets): one memcpy.
            UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: base + storageOffset * 4, byteCount: count * 4)
            return
        }
        if contiguous {
            for i in 0..<count { out[i] = dtype.load(base, storageOffset + i) }
            return
        }
        // Odometer over the multi-index, innermost dimension fastest (row-major output).
        var index = [Int](repeating: 0, count: size.count)
        var source = storageOffset
        for i in 0..<count {
            out[i] = dtype.load(base, source)
            var d = size.count - 1
            while d >= 0 {
                index[d] += 1
                source += stride[d]
                if index[d] < size[d] { break }
                source -= stride[d] * size[d]
                index[d] = 0
                d -= 1
            }
        }
    }
    return WeightTensor(shape: size, values: values)
}
