import Foundation
import ProbeCore

/// Writes one shard: the three files under temporary names while rows arrive, then sync,
/// rename to their final names, sync the folder. Until `finish` returns, nothing this
/// writer made is part of the store (the manifest does not list it, and files ending in
/// `.partial` are removed by the next writer that opens the folder).
///
/// Embeddings stream to disk as they come, so memory stays flat however large the shard:
/// the `.npy` header is written first for 0 rows and rewritten in place at the end. numpy
/// pads the header for a first axis of up to 21 digits, so its length does not change.
final class ShardWriter {
    let directory: URL
    let stem: String
    let dim: Int
    let dtype: EmbeddingDType
    private(set) var rows = 0
    private(set) var entries: [DatasetFile] = []

    private let embeddingsFile: FileDescriptor
    private let indexFile: FileDescriptor
    private var embeddingsBytesWritten = 0
    private let headerLength: Int

    init(directory: URL, number: Int, dim: Int, dtype: EmbeddingDType) throws {
        self.directory = directory
        self.stem = ShardFileNames.stem(number)
        self.dim = dim
        self.dtype = dtype
        embeddingsFile = try FileDescriptor.create(Self.partial(directory, stem + ShardFileNames.embeddingsSuffix))
        indexFile = try FileDescriptor.create(Self.partial(directory, stem + ShardFileNames.indexSuffix))
        let header = NPYHeader(dtype: dtype.npyDType, shape: [0, dim]).encoded()
        headerLength = header.count
        try embeddingsFile.write(header)
    }

    static func partial(_ directory: URL, _ name: String) -> URL {
        directory.appendingPathComponent(name + ShardFileNames.partialSuffix)
    }

    /// Appends rows given as float32, `[entries.count, dim]` row-major; converts to the shard dtype.
    func append(embeddings: UnsafeBufferPointer<Float>, entries newEntries: [DatasetFile]) throws {
        precondition(embeddings.count == newEntries.count * dim)
        switch dtype {
        case .float32:
            try embeddingsFile.write(UnsafeRawBufferPointer(embeddings))
        case .float16:
            // Round to nearest even, as numpy's astype(float16) does.
            var halves = [Float16](repeating: 0, count: embeddings.count)
            for i in 0..<embeddings.count { halves[i] = Float16(embeddings[i]) }
            try halves.withUnsafeBytes { try embeddingsFile.write($0) }
        }
        try appendIndex(newEntries)
    }

    /// Appends rows already encoded in the shard dtype (used when rewriting a shard).
    func appendEncoded(embeddings: UnsafeRawBufferPointer, entries newEntries: [DatasetFile]) throws {
        precondition(embeddings.count == newEntries.count * dim * dtype.byteSize)
        try embeddingsFile.write(embeddings)
        try appendIndex(newEntries)
    }

    private func appendIndex(_ newEntries: [DatasetFile]) throws {
        var text = ""
        for entry in newEntries { text += entry.jsonLine + "\n" }
        try indexFile.write(Data(text.utf8))
        entries += newEntries
        rows += newEntries.count
    }

    /// Completes the shard: final header, labels file, sync, checksums, rename into place.
    func finish() throws -> ShardRecord {
        let header = NPYHeader(dtype: dtype.npyDType, shape: [rows, dim]).encoded()
        guard header.count == headerLength else {
            throw StoreError(.io, "\(stem): .npy header grew from \(headerLength) to \(header.count) bytes")
        }
        try header.withUnsafeBytes { try embeddingsFile.write($0, at: 0) }

        let labelsURL = Self.partial(directory, stem + ShardFileNames.labelsSuffix)
        let labelsFile = try FileDescriptor.create(labelsURL)
        try labelsFile.write(NPYHeader(dtype: .int32, shape: [rows]).encoded())
        try entries.map { Int32($0.label) }.withUnsafeBytes { try labelsFile.write($0) }

        for file in [embeddingsFile, indexFile, labelsFile] {
            try file.sync()
            file.close()
        }
        let names = [stem + ShardFileNames.embeddingsSuffix, stem + ShardFileNames.labelsSuffix, stem + ShardFileNames.indexSuffix]
        var sums: [String] = []
        for name in names { sums.append(try SHA256Digest.file(Self.partial(directory, name))) }
        for name in names { try renameFile(Self.partial(directory, name), to: directory.appendingPathComponent(name)) }
        try syncDirectory(directory)
        return ShardRecord(embeddings: names[0], labels: names[1], index: names[2], rows: rows,
                           sha256: ShardChecksums(embeddings: sums[0], labels: sums[1], index: sums[2]))
    }

    /// Drops the unfinished shard and its temporary files.
    func abandon() {
        embeddingsFile.close()
        indexFile.close()
        for suffix in [ShardFileNames.embeddingsSuffix, ShardFileNames.labelsSuffix, ShardFileNames.indexSuffix] {
            try? removeFile(Self.partial(directory, stem + suffix))
        }
    }
}
