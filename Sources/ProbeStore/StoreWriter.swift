import Foundation
import ProbeCore

/// Appends embeddings to a store folder, crash-safely, for one extraction run.
///
/// Typical use by an extraction loop:
/// ```
/// let writer = try StoreWriter(directory: out, identity: identity, classes: classes, part: part)
/// let plan = try writer.synchronize(with: files)      // whole listing; drops rows of changed/removed files
/// for batch in plan.toExtract.chunked(32) {            // dataset order
///     ... decode, embed ...
///     try writer.append(embeddings: matrix, entries: entries)
///     for failure in failures { try writer.recordSkipped(failure) }
/// }
/// try writer.finish()
/// ```
/// Rows fill shards of `shardRows`; a full shard is synced, renamed into place and the
/// manifest replaced atomically before the next row is taken. A process killed at any
/// moment therefore loses at most the rows of the unfinished shard, and the same command
/// run again plans exactly those rows (and the ones after) again, into the same shard
/// boundaries an uninterrupted run uses. The writer holds the folder's `StoreLock` until
/// `finish` or `close`.
public final class StoreWriter {
    public let directory: URL
    public let identity: StoreIdentity
    /// The classes labels refer to (the dataset's, whole even when writing one part).
    public let classes: [String]
    public let part: StorePart?
    public let shardRows: Int
    /// The manifest as last committed to disk.
    public private(set) var manifest: StoreManifest
    /// Set when the lock was left by a process that died holding it.
    public var tookOverStaleLock: StoreLock.Holder? { lock.tookOverFrom }

    private let lock: StoreLock
    private var storedPaths: Set<String> = []
    private var skipped: [SkippedFile] = []
    private var skippedPaths: Set<String> = []
    private var current: ShardWriter?
    private var nextShardNumber = 0
    private var isClosed = false

    /// Opens (or creates) the store in `directory` for writing and takes its lock.
    ///
    /// Throws `.identityMismatch` / `.partMismatch` when the folder holds a store made
    /// differently (unless `overwrite`, which replaces that store), `.notAStore` when the
    /// folder holds other files, `.locked` when another process is writing it.
    public init(directory: URL, identity: StoreIdentity, classes: [String], part: StorePart? = nil,
                shardRows: Int = 4096, overwrite: Bool = false) throws {
        guard shardRows >= 1 else { throw StoreError(.invalidArgument, "shard rows must be at least 1, not \(shardRows)") }
        guard identity.dim >= 1 else { throw StoreError(.invalidArgument, "embedding dim must be at least 1, not \(identity.dim)") }
        guard Set(classes).count == classes.count else {
            throw StoreError(.invalidArgument, "\(directory.path): class names must be distinct")
        }
        self.directory = directory
        self.identity = identity
        self.classes = classes
        self.part = part
        self.shardRows = shardRows
        try createDirectory(directory)
        lock = try StoreLock(directory: directory)

        var existing: StoreManifest?
        do { existing = try StoreManifest.read(directory: directory) } catch let error as StoreError where overwrite && error.kind == .corrupt {
            existing = nil
        }
        if existing == nil || overwrite {
            let foreign = try directoryEntries(directory).filter { !ShardFileNames.isStoreFile($0) }
            guard foreign.isEmpty else {
                throw StoreError(.notAStore, "\(directory.path): folder is not empty and holds no Probe store (found \(foreign.sorted().prefix(3).joined(separator: ", "))); choose an empty or new folder")
            }
        }
        if overwrite { try Self.removeStore(in: directory); existing = nil }
        if let existing {
            let differences = existing.identity.differences(from: identity)
            guard differences.isEmpty else {
                throw StoreError(.identityMismatch, "\(directory.path): holds embeddings made differently (\(differences.joined(separator: "; "))); use another folder or --overwrite to replace them")
            }
            guard existing.part == part else {
                throw StoreError(.partMismatch, "\(directory.path): holds part \(existing.part?.description ?? "all") of the dataset, not \(part?.description ?? "all"); use another folder or --overwrite")
            }
        }
        manifest = existing ?? StoreManifest(identity: identity, classes: classes, part: part)
        try Self.removeUnreferencedFiles(in: directory, manifest: manifest)
        for shard in manifest.shards {
            for entry in try ShardFiles.readIndex(directory.appendingPathComponent(shard.index), rows: shard.rows) {
                storedPaths.insert(entry.path)
            }
            nextShardNumber = max(nextShardNumber, (ShardFileNames.number(in: shard.embeddings) ?? -1) + 1)
        }
        let errorsURL = directory.appendingPathComponent(ShardFileNames.errorsFile)
        if existing != nil, FileManager.default.fileExists(atPath: errorsURL.path) {
            skipped = try readJSONLines(SkippedFile.self, from: errorsURL)
            skippedPaths = Set(skipped.map(\.path))
        }
        if manifest.shards.isEmpty && manifest.classes != classes {
            manifest = StoreManifest(identity: identity, classes: classes, part: part)
        }
        if manifest != existing { try commit() }
    }

    /// Rows committed to disk plus rows of the unfinished shard.
    public var rowCount: Int { manifest.totals.rows + (current?.rows ?? 0) }

    /// What a run over `dataset` has to do; reads every shard's index. Nothing changes on disk.
    ///
    /// Pass the whole listing (the one `classes` came from): a writer for a `part` keeps
    /// only that part's share of it.
    public func plan(for dataset: [DatasetFile], contentHash: ((DatasetFile) throws -> String)? = nil) throws -> StorePlan {
        let dataset = part.map { part in dataset.filter { part.contains(path: $0.path) } } ?? dataset
        // Not reserved from manifest.totals.rows: that number is the file's claim, and readIndex checks
        // each shard's claim against the lines actually there.
        var stored: [IndexEntry] = []
        for shard in manifest.shards {
            stored += try ShardFiles.readIndex(directory.appendingPathComponent(shard.index), rows: shard.rows)
        }
        return try StorePlan.make(dataset: dataset, classes: classes, storedRows: stored,
                                  storedClasses: manifest.classes, storedSkipped: skipped, contentHash: contentHash)
    }

    /// Plans for `dataset` and applies the plan: see `apply`. Returns the plan, whose `toExtract` the caller embeds.
    @discardableResult
    public func synchronize(with dataset: [DatasetFile], contentHash: ((DatasetFile) throws -> String)? = nil) throws -> StorePlan {
        let plan = try plan(for: dataset, contentHash: contentHash)
        try apply(plan)
        return plan
    }

    /// Removes the rows `plan` drops and moves the store to `plan.classes`.
    ///
    /// Each shard that loses rows (or whose labels change because the class list changed)
    /// is rewritten under a new name; then one manifest commit swaps the new shards in
    /// and the old files are deleted. A crash before that commit leaves the old store whole
    /// (the new files are unreferenced and removed on the next open); after it, the new one.
    public func apply(_ plan: StorePlan) throws {
        try checkOpen()
        guard current == nil else { throw StoreError(.invalidArgument, "\(directory.path): apply a plan before appending rows") }
        guard plan.classes == classes else {
            throw StoreError(.invalidArgument, "\(directory.path): plan was made for classes \(plan.classes), the writer has \(classes)")
        }
        var remap: [Int] = []
        for name in manifest.classes { remap.append(classes.firstIndex(of: name) ?? -1) }
        let relabel = manifest.classes != classes

        var newShards: [ShardRecord] = []
        var obsolete: [ShardRecord] = []
        var counts = [Int](repeating: 0, count: classes.count)
        for shard in manifest.shards {
            let entries = try ShardFiles.readIndex(directory.appendingPathComponent(shard.index), rows: shard.rows)
            let keptRows = entries.indices.filter { !plan.dropPaths.contains(entries[$0].path) }
            var kept: [IndexEntry] = []
            for row in keptRows {
                var entry = entries[row]
                guard remap.indices.contains(entry.label), remap[entry.label] >= 0 else {
                    throw StoreError(.invalidArgument, "\(entry.path): class \(manifest.classes.indices.contains(entry.label) ? manifest.classes[entry.label] : String(entry.label)) is not among the new classes, but the plan keeps the row")
                }
                entry.label = remap[entry.label]
                counts[entry.label] += 1
                kept.append(entry)
            }
            if kept.count == entries.count && !relabel {
                newShards.append(shard)
                continue
            }
            obsolete.append(shard)
            if !kept.isEmpty { newShards.append(try rewrite(shard, keeping: keptRows, as: kept)) }
        }
        manifest.classes = classes
        manifest.shards = newShards
        manifest.totals = StoreTotals(rows: newShards.reduce(0) { $0 + $1.rows }, classCounts: counts)
        storedPaths.subtract(plan.dropPaths)
        skipped = plan.keptSkipped
        skippedPaths = Set(skipped.map(\.path))
        try commit()
        for shard in obsolete {
            for name in shard.fileNames { try removeFile(directory.appendingPathComponent(name)) }
        }
        if !obsolete.isEmpty { try syncDirectory(directory) }
    }

    /// Copies the kept rows of `shard` (raw bytes, no dtype round trip) into a new shard.
    private func rewrite(_ shard: ShardRecord, keeping rows: [Int], as entries: [IndexEntry]) throws -> ShardRecord {
        let url = directory.appendingPathComponent(shard.embeddings)
        let source = try FileDescriptor.openForReading(url)
        defer { source.close() }
        let header = try ShardFiles.checkEmbeddings(source, url: url, rows: shard.rows, dim: identity.dim, dtype: identity.dtype)
        let rowBytes = identity.dim * identity.dtype.byteSize
        let writer = try ShardWriter(directory: directory, number: nextShardNumber, dim: identity.dim, dtype: identity.dtype)
        nextShardNumber += 1
        do {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes, alignment: 16)
            defer { buffer.deallocate() }
            for (row, entry) in zip(rows, entries) {
                guard try source.read(into: buffer, at: header.dataOffset + row * rowBytes) == rowBytes else {
                    throw StoreError(.corrupt, "\(url.path): truncated at row \(row)")
                }
                try writer.appendEncoded(embeddings: UnsafeRawBufferPointer(buffer), entries: [entry])
            }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Appends rows: `embeddings` is `[entries.count, dim]` row-major float32 (converted to
    /// the store dtype); `entries[i]` describes row i. Rows are checked before any is written:
    /// a path already in the store, recorded as skipped, or repeated in the batch is refused.
    public func append(embeddings: UnsafeBufferPointer<Float>, entries: [IndexEntry]) throws {
        try checkOpen()
        guard manifest.classes == classes else {
            throw StoreError(.invalidArgument, "\(directory.path): the store's classes differ from the writer's; call synchronize(with:) before appending")
        }
        guard embeddings.count == entries.count * identity.dim else {
            throw StoreError(.invalidArgument, "\(directory.path): \(embeddings.count) values for \(entries.count) rows of dim \(identity.dim)")
        }
        var batchPaths = Set<String>()
        for entry in entries {
            guard (0..<classes.count).contains(entry.label) else {
                throw StoreError(.invalidArgument, "\(entry.path): label \(entry.label) is outside the \(classes.count) classes")
            }
            guard !storedPaths.contains(entry.path), !skippedPaths.contains(entry.path), batchPaths.insert(entry.path).inserted else {
                throw StoreError(.duplicatePath, "\(entry.path): already in the store at \(directory.path)")
            }
        }
        var start = 0
        while start < entries.count {
            if current == nil {
                current = try ShardWriter(directory: directory, number: nextShardNumber, dim: identity.dim, dtype: identity.dtype)
                nextShardNumber += 1
            }
            let shard = current!
            let take = min(entries.count - start, shardRows - shard.rows)
            let values = UnsafeBufferPointer(rebasing: embeddings[(start * identity.dim)..<((start + take) * identity.dim)])
            try shard.append(embeddings: values, entries: Array(entries[start..<(start + take)]))
            for entry in entries[start..<(start + take)] { storedPaths.insert(entry.path) }
            start += take
            if shard.rows == shardRows { try commitCurrentShard() }
        }
    }

    public func append(embeddings: [Float], entries: [IndexEntry]) throws {
        try embeddings.withUnsafeBufferPointer { try append(embeddings: $0, entries: entries) }
    }

    /// Appends `embeddings.rows` rows; `embeddings.cols` must be the store's dim.
    public func append(embeddings: Matrix, entries: [IndexEntry]) throws {
        guard embeddings.cols == identity.dim, embeddings.rows == entries.count else {
            throw StoreError(.invalidArgument, "\(directory.path): a \(embeddings.rows)x\(embeddings.cols) batch for \(entries.count) rows of dim \(identity.dim)")
        }
        try append(embeddings: embeddings.values, entries: entries)
    }

    /// Notes a file that could not be embedded; it is written to errors.jsonl with the next
    /// commit and not retried by later runs unless it changes.
    public func recordSkipped(_ file: SkippedFile) throws {
        try checkOpen()
        guard !storedPaths.contains(file.path), skippedPaths.insert(file.path).inserted else {
            throw StoreError(.duplicatePath, "\(file.path): already in the store at \(directory.path)")
        }
        skipped.append(file)
    }

    /// Commits the unfinished shard and pending skipped files, and releases the lock.
    @discardableResult
    /// Records where the dataset lives; written with the next manifest commit.
    public func recordDatasetRoot(_ path: String) {
        manifest.datasetRoot = path
    }

    public func finish() throws -> StoreManifest {
        try checkOpen()
        if let shard = current, shard.rows > 0 {
            try commitCurrentShard()
        } else {
            try commit()
        }
        close()
        return manifest
    }

    /// Stops without committing the unfinished shard (its rows are lost, as in a crash) and releases the lock.
    public func close() {
        current?.abandon()
        current = nil
        lock.release()
        isClosed = true
    }

    deinit { close() }

    private func checkOpen() throws {
        guard !isClosed else { throw StoreError(.invalidArgument, "\(directory.path): writer is already closed") }
    }

    private func commitCurrentShard() throws {
        guard let shard = current else { return }
        current = nil
        // After a failed commit (disk full…) the writer's idea of the store may be ahead of
        // the disk, so it stops; the next run starts from what was committed.
        do {
            let record = try shard.finish()
            manifest.shards.append(record)
            manifest.totals.rows += record.rows
            for entry in shard.entries { manifest.totals.classCounts[entry.label] += 1 }
            try commit()
        } catch {
            shard.abandon()
            close()
            throw error
        }
    }

    private func commit() throws {
        try Self.commit(manifest, skipped: skipped, in: directory)
    }

    /// Writes errors.jsonl, then the manifest, each replaced atomically: the manifest is
    /// the commit point, so readers never see a shard whose files are not all in place.
    static func commit(_ manifest: StoreManifest, skipped: [SkippedFile], in directory: URL) throws {
        // Sorted by path, so the file does not depend on the order a resumed run met them in.
        var text = ""
        for failure in skipped.sorted(by: { $0.path < $1.path }) { text += failure.jsonLine + "\n" }
        let errorsURL = directory.appendingPathComponent(ShardFileNames.errorsFile)
        if !skipped.isEmpty || FileManager.default.fileExists(atPath: errorsURL.path) {
            try writeFileAtomically(Data(text.utf8), to: errorsURL)
        }
        try writeFileAtomically(try manifest.encoded(), to: directory.appendingPathComponent(StoreManifest.fileName))
    }

    /// Deletes what a crashed writer may have left: temporary files and shard files no manifest lists.
    static func removeUnreferencedFiles(in directory: URL, manifest: StoreManifest?) throws {
        let referenced = Set(manifest?.shards.flatMap(\.fileNames) ?? [])
        var removed = false
        for name in try directoryEntries(directory) {
            let isTemporary = name.hasSuffix(ShardFileNames.partialSuffix) && ShardFileNames.isStoreFile(name)
            let isShardFile = ShardFileNames.number(in: name) != nil
            if isTemporary || (isShardFile && !referenced.contains(name)) {
                try removeFile(directory.appendingPathComponent(name))
                removed = true
            }
        }
        if removed { try syncDirectory(directory) }
    }

    /// Removes a whole store (manifest first, so a crash midway leaves no half store behind).
    static func removeStore(in directory: URL) throws {
        try removeFile(directory.appendingPathComponent(StoreManifest.fileName))
        try syncDirectory(directory)
        for name in try directoryEntries(directory) where ShardFileNames.isStoreFile(name) && name != StoreLock.fileName {
            try removeFile(directory.appendingPathComponent(name))
        }
        try syncDirectory(directory)
    }
}
