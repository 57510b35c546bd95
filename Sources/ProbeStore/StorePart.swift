/// One of N disjoint parts of a dataset, for running extraction on N machines at once
/// (a Slurm array task or a Kubernetes indexed job each take their own index).
///
/// A file belongs to part `fnv1a64(path) % count`, where `path` is its UTF-8 path relative
/// to the dataset root. The hash depends only on the path, so every machine agrees on the
/// split without talking to the others, and a file keeps its part when others come and go.
public struct StorePart: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Zero-based: 0 ..< count (Slurm's `$SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)`, Kubernetes' `$JOB_COMPLETION_INDEX`).
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw StoreError(.invalidArgument, "part count must be at least 1, not \(count)") }
        guard (0..<count).contains(index) else {
            throw StoreError(.invalidArgument, "part index \(index) is outside 0..\(count - 1) (parts are numbered from 0)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, e.g. `3/8`.
    public init(parsing text: String) throws {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]) else {
            throw StoreError(.invalidArgument, "part \"\(text)\" is not of the form I/N (for example 0/4)")
        }
        try self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(path: String) -> Bool {
        Int(Self.fnv1a64(path) % UInt64(count)) == index
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
