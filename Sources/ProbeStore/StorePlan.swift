import ProbeCore

/// What a rerun has to do to bring a store in line with the dataset as it is now.
///
/// A stored row is kept when its file is still listed with the same class, size and mtime
/// (or, when the caller supplies a content hash, the same bytes). Every other stored row is
/// dropped, and every listed file that is neither kept nor a known failure is extracted,
/// in dataset order. A file that failed before is retried only if it changed.
public struct StorePlan: Equatable, Sendable {
    /// Classes of the store after the plan is applied (the dataset's classes).
    public var classes: [String]
    /// Files in the listing the plan was made from (the writer's part of it).
    public var listedCount: Int
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
                            storedRows: [DatasetFile], storedClasses: [String], storedSkipped: [SkippedFile],
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
        return StorePlan(classes: classes, listedCount: dataset.count, toExtract: toExtract, dropPaths: drop, keptRows: keptRows,
                         keptSkipped: keptSkipped, changedPaths: changed.intersection(byPath.keys), retriedCount: retried)
    }
}
