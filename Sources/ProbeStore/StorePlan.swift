import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file of the dataset as it is now, as the extraction loop lists it.
public struct DatasetFile: Equatable, Hashable, Sendable {
    /// Path relative to the dataset root, with `/` separators (the row's identity in the store).
    public var path: String
    /// Class index into the classes given to the writer.
    public var label: Int
    public var size: Int64
    /// Modification time in nanoseconds since the Unix epoch.
    public var mtimeNanoseconds: Int64

    public init(path: String, label: Int, size: Int64, mtimeNanoseconds: Int64) {
        self.path = path
        self.label = label
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }

    /// Reads size and mtime of `root/path` with stat(2).
    public init(root: URL, path: String, label: Int) throws {
        let url = root.appendingPathComponent(path)
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw StoreError(.io, "\(url.path): cannot stat (\(errnoText()))") }
        self.init(path: path, label: label, size: Int64(info.st_size),
                  mtimeNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// The index entry for this file once its embedding is made (the extractor hashes the bytes it decodes).
    public func indexEntry(sha256: String) -> IndexEntry {
        IndexEntry(path: path, label: label, size: size, mtimeNanoseconds: mtimeNanoseconds, sha256: sha256)
    }

    /// The errors.jsonl entry for this file when it cannot be used.
    public func skipped(reason: String) -> SkippedFile {
        SkippedFile(path: path, reason: reason, size: size, mtimeNanoseconds: mtimeNanoseconds)
    }
}

/// What a rerun has to do to bring a store in line with the dataset as it is now.
///
/// A stored row is kept when its file is still listed with the same class, size and mtime
/// (or, when the caller supplies a content hash, the same bytes). Every other stored row is
/// dropped, and every listed file that is neither kept nor a known failure is extracted,
/// in dataset order. A file that failed before is retried only if it changed.
public struct StorePlan: Equatable, Sendable {
    /// Classes of the store after the plan is applied (the dataset's classes).
    public var classes: [String]
    /// Files to extract, in dataset order.
    public var toExtract: [DatasetFile]
    /// Paths of stored rows to remove (their files changed or are gone).
    public var dropPaths: Set<String>
    /// Stored rows that stay as they are.
    public var keptRows: Int
    /// Earlier failures of unchanged files: not retried, kept in errors.jsonl.
    public var keptSkipped: [SkippedFile]
    /// Stored rows whose file changed (a subset of `dropPaths`; they are also in `toExtract`).
    public var changedPaths: Set<String>

    /// Stored rows whose file is gone.
    public var removedCount: Int { dropPaths.count - changedPaths.count }
    /// Files never seen before (not stored, not failed before).
    public var newCount: Int { toExtract.count - changedPaths.count - retriedCount }
    /// Earlier failures whose file changed, so they are tried again.
    public var retriedCount: Int
    public var isNoOp: Bool { toExtract.isEmpty && dropPaths.isEmpty }

    /// Computes the plan from the stored rows (with the classes they were stored under) and the dataset listing.
    ///
    /// - Parameter contentHash: optional; called for a stored file whose size or mtime changed,
    ///   returns the sha256 of its bytes now. A file that was only touched then keeps its row.
    public static func make(dataset: [DatasetFile], classes: [String],
                            storedRows: [IndexEntry], storedClasses: [String], storedSkipped: [SkippedFile],
                            contentHash: ((DatasetFile) throws -> String)? = nil) throws -> StorePlan {
        var byPath: [String: DatasetFile] = [:]
        byPath.reserveCapacity(dataset.count)
        for file in dataset {
            guard (0..<classes.count).contains(file.label) else {
                throw StoreError(.invalidArgument, "\(file.path): label \(file.label) is outside the \(classes.count) classes")
            }
            guard byPath.updateValue(file, forKey: file.path) == nil else {
                throw StoreError(.duplicatePath, "\(file.path): listed twice in the dataset")
            }
        }

        var keep = Set<String>()
        var drop = Set<String>()
        var changed = Set<String>()
        for row in storedRows {
            guard let file = byPath[row.path] else { drop.insert(row.path); continue }
            let storedClass = storedClasses.indices.contains(row.label) ? storedClasses[row.label] : nil
            var same = storedClass == classes[file.label]
            if same && (file.size != row.size || file.mtimeNanoseconds != row.mtimeNanoseconds) {
                same = try contentHash.map { try $0(file) == row.sha256 } ?? false
            }
            if same && !keep.contains(row.path) {
                keep.insert(row.path)
            } else {
                // A changed file, or a path stored twice (which a writer never does): extract afresh.
                drop.insert(row.path)
                changed.insert(row.path)
            }
        }
        // A path dropped as a duplicate must not survive through its first copy either.
        keep.subtract(drop)

        var keptSkipped: [SkippedFile] = []
        var skipPaths = Set<String>()
        var retried = 0
        for failure in storedSkipped where !keep.contains(failure.path) && !skipPaths.contains(failure.path) {
            guard let file = byPath[failure.path] else { continue }
            if file.size == failure.size && file.mtimeNanoseconds == failure.mtimeNanoseconds {
                keptSkipped.append(failure)
                skipPaths.insert(failure.path)
            } else if !changed.contains(failure.path) {
                retried += 1
            }
        }

        let toExtract = dataset.filter { !keep.contains($0.path) && !skipPaths.contains($0.path) }
        let keptRows = storedRows.filter { keep.contains($0.path) }.count
        return StorePlan(classes: classes, toExtract: toExtract, dropPaths: drop, keptRows: keptRows,
                         keptSkipped: keptSkipped, changedPaths: changed.intersection(byPath.keys), retriedCount: retried)
    }
}
