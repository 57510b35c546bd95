import Foundation
import ProbeCore

/// Checks shared by the writer, the reader and the verifier: a shard file's header must
/// say exactly what the manifest says, and the file must be exactly as long as that.
enum ShardFiles {
    /// Reads and parses the `.npy` header at the start of `url`.
    static func header(of file: FileDescriptor, url: URL) throws -> NPYHeader {
        let probe = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { probe.deallocate() }
        let n = try file.read(into: probe, at: 0)
        do { return try NPYHeader.parse(UnsafeRawBufferPointer(rebasing: probe[0..<n]), name: url.path) } catch {
            throw StoreError(.corrupt, String(describing: error))
        }
    }

    /// Opens an embeddings file and checks dtype `[rows, dim]` and length; returns the header.
    static func checkEmbeddings(_ file: FileDescriptor, url: URL, rows: Int, dim: Int, dtype: EmbeddingDType) throws -> NPYHeader {
        let header = try header(of: file, url: url)
        guard header.dtype == dtype.npyDType else {
            throw StoreError(.corrupt, "\(url.path): embeddings are \(header.dtype.rawValue), the manifest says \(dtype.rawValue)")
        }
        guard header.shape == [rows, dim] else {
            throw StoreError(.corrupt, "\(url.path): embeddings have shape \(header.shape), the manifest says [\(rows), \(dim)]")
        }
        try checkLength(file, url: url, header: header)
        return header
    }

    /// Reads a labels file `[rows]` int32 whole (4 bytes a row: small next to the embeddings).
    static func readLabels(_ url: URL, rows: Int) throws -> [Int32] {
        let file = try FileDescriptor.openForReading(url)
        defer { file.close() }
        let header = try header(of: file, url: url)
        guard header.dtype == .int32, header.shape == [rows] else {
            throw StoreError(.corrupt, "\(url.path): labels are \(header.dtype.rawValue) \(header.shape), the manifest says <i4 [\(rows)]")
        }
        try checkLength(file, url: url, header: header)
        var labels = [Int32](repeating: 0, count: rows)
        let n = try labels.withUnsafeMutableBytes { try file.read(into: $0, at: header.dataOffset) }
        guard n == rows * 4 else { throw StoreError(.corrupt, "\(url.path): truncated labels") }
        return labels
    }

    /// Reads a shard's index and checks it has one entry per row.
    static func readIndex(_ url: URL, rows: Int) throws -> [DatasetFile] {
        let entries = try DatasetFile.readAll(from: url)
        guard entries.count == rows else {
            throw StoreError(.corrupt, "\(url.path): \(entries.count) index lines, the manifest says \(rows) rows")
        }
        return entries
    }

    static func checkLength(_ file: FileDescriptor, url: URL, header: NPYHeader) throws {
        let expected = header.dataOffset + header.dataByteCount
        let actual = try file.size()
        guard actual == expected else {
            throw StoreError(.corrupt, "\(url.path): \(actual) bytes, a \(header.dtype.rawValue) array of shape \(header.shape) needs \(expected)")
        }
    }
}
