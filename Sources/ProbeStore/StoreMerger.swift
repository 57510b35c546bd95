import Foundation
import ProbeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a merge did.
public struct MergeSummary: Equatable, Sendable {
    /// Shards added to the output.
    public let shards: Int
    /// Rows added to the output.
    public let rows: Int
    /// Rows in the output after the merge.
    public let totalRows: Int
    /// Shard files hard-linked (no data copied).
    public let linkedFiles: Int
    /// Shard files copied because a hard link was impossible (another file system).
    public let copiedFiles: Int
}

/// Combines stores made with the same identity and classes (typically the `--part I/N`
/// stores of one dataset) into one.
///
/// Shard files are immutable once committed, so the output can share them with the
/// inputs: each is hard-linked under a new name, and copied only when the file systems
/// differ. Inputs are left as they were. The output manifest is committed once, at the
/// end; a crash before that leaves the output as it was (the linked files are unreferenced
/// and removed by the next writer).
public enum StoreMerger {
    ///
    /// Inputs holding `--part I/N` stores must be every part 0..N-1 of one split, each from a
    /// run that finished (`StoreManifest.complete`); otherwise the merge refuses and names the
    /// missing or unfinished parts, so a failed array task is never merged away silently.
    /// `allowMissingParts` merges a subset on purpose (unfinished parts are still refused).
    public static func merge(inputs: [URL], into output: URL, allowMissingParts: Bool = false) throws -> MergeSummary {
        guard !inputs.isEmpty else { throw StoreError(.invalidArgument, "merge needs at least one input store") }
        let outputPath = output.standardizedFileURL.resolvingSymlinksInPath().path
        var seenInputs = Set<String>()
        for input in inputs {
            let path = input.standardizedFileURL.resolvingSymlinksInPath().path
            guard path != outputPath else { throw StoreError(.invalidArgument, "\(input.path): an input cannot also be the output") }
            guard seenInputs.insert(path).inserted else { throw StoreError(.invalidArgument, "\(input.path): given twice as input") }
        }

        var locks: [StoreLock] = []
        defer { locks.forEach { $0.release() } }
        var manifests: [StoreManifest] = []
        for input in inputs {
            guard let manifest = try StoreManifest.read(directory: input) else {
                throw StoreError(.notAStore, "\(input.path): no Probe store here (no \(StoreManifest.fileName)); if it is a --part store, its task failed before writing anything or never ran: run it again")
            }
            if let lock = try StoreLock.forReading(directory: input) { locks.append(lock) }
            manifests.append(manifest)
        }
        let reference = manifests[0]
        for (input, manifest) in zip(inputs, manifests).dropFirst() {
            let differences = reference.identity.differences(from: manifest.identity)
            guard differences.isEmpty else {
                let named = differences.map {
                    $0.replacingOccurrences(of: "(store)", with: "(\(inputs[0].lastPathComponent))")
                      .replacingOccurrences(of: "(requested)", with: "(\(input.lastPathComponent))")
                }
                throw StoreError(.identityMismatch, "\(input.path): made differently from \(inputs[0].path) (\(named.joined(separator: "; "))); stores made differently cannot be merged")
            }
            guard manifest.classes == reference.classes else {
                throw StoreError(.invalidArgument, "\(input.path): classes \(manifest.classes) differ from \(inputs[0].path)'s \(reference.classes)")
            }
        }

        try checkParts(inputs: inputs, manifests: manifests, allowMissingParts: allowMissingParts)

        try createDirectory(output)
        locks.append(try StoreLock(directory: output))
        var merged: StoreManifest
        var rowOwner: [String: String] = [:]
        var skipped: [SkippedFile] = []
        if let existing = try StoreManifest.read(directory: output) {
            let differences = existing.identity.differences(from: reference.identity)
            guard differences.isEmpty else {
                throw StoreError(.identityMismatch, "\(output.path): holds embeddings made differently (\(differences.joined(separator: "; "))); merge into another folder")
            }
            guard existing.classes == reference.classes else {
                throw StoreError(.invalidArgument, "\(output.path): classes \(existing.classes) differ from the inputs' \(reference.classes)")
            }
            merged = existing
            merged.part = nil
            for shard in existing.shards {
                for entry in try ShardFiles.readIndex(output.appendingPathComponent(shard.index), rows: shard.rows) {
                    rowOwner[entry.path] = output.path
                }
            }
            skipped += try readSkipped(output)
        } else {
            let foreign = try directoryEntries(output).filter { !ShardFileNames.isStoreFile($0) }
            guard foreign.isEmpty else {
                throw StoreError(.notAStore, "\(output.path): folder is not empty and holds no Probe store; merge into an empty or new folder")
            }
            merged = StoreManifest(identity: reference.identity, classes: reference.classes)
        }
        merged.complete = true
        try StoreWriter.removeUnreferencedFiles(in: output, manifest: merged)

        // Check every path before linking anything, so a refused merge leaves no trace.
        for (input, manifest) in zip(inputs, manifests) {
            for shard in manifest.shards {
                for entry in try ShardFiles.readIndex(input.appendingPathComponent(shard.index), rows: shard.rows) {
                    if let owner = rowOwner.updateValue(input.path, forKey: entry.path) {
                        throw StoreError(.duplicatePath, "\(entry.path): stored in both \(owner) and \(input.path); the inputs must hold disjoint files (use --part I/N with the same N)")
                    }
                }
            }
            skipped += try readSkipped(input)
        }
        var skippedPaths = Set<String>()
        skipped = skipped.filter { rowOwner[$0.path] == nil && skippedPaths.insert($0.path).inserted }

        var nextNumber = merged.shards.compactMap { ShardFileNames.number(in: $0.embeddings) }.max().map { $0 + 1 } ?? 0
        var linked = 0, copied = 0, addedRows = 0, addedShards = 0
        for (input, manifest) in zip(inputs, manifests) {
            for shard in manifest.shards {
                let stem = ShardFileNames.stem(nextNumber)
                nextNumber += 1
                let names = [stem + ShardFileNames.embeddingsSuffix, stem + ShardFileNames.labelsSuffix, stem + ShardFileNames.indexSuffix]
                for (source, target) in zip(shard.fileNames, names) {
                    if try linkOrCopy(input.appendingPathComponent(source), to: output.appendingPathComponent(target)) {
                        linked += 1
                    } else {
                        copied += 1
                    }
                }
                merged.shards.append(ShardRecord(embeddings: names[0], labels: names[1], index: names[2], rows: shard.rows, sha256: shard.sha256))
                addedRows += shard.rows
                addedShards += 1
            }
            for (k, count) in manifest.totals.classCounts.enumerated() { merged.totals.classCounts[k] += count }
        }
        merged.totals.rows += addedRows
        try syncDirectory(output)
        try StoreWriter.commit(merged, skipped: skipped, in: output)
        return MergeSummary(shards: addedShards, rows: addedRows, totalRows: merged.totals.rows, linkedFiles: linked, copiedFiles: copied)
    }

    /// Refuses unfinished inputs, and part stores that are not exactly the parts 0..N-1 of one N.
    static func checkParts(inputs: [URL], manifests: [StoreManifest], allowMissingParts: Bool) throws {
        func name(_ i: Int) -> String {
            manifests[i].part.map { "part \($0) (\(inputs[i].path))" } ?? inputs[i].path
        }
        let unfinished = manifests.indices.filter { manifests[$0].complete == false }
        guard unfinished.isEmpty else {
            throw StoreError(.incompleteParts, "\(unfinished.map(name).joined(separator: ", ")): extraction did not finish (the run failed or was stopped); run \(unfinished.count == 1 ? "that task" : "those tasks") again, then merge")
        }
        // Part 0/1 is the whole dataset.
        let parted = manifests.indices.filter { (manifests[$0].part?.count ?? 1) > 1 }
        guard let first = parted.first, let count = manifests[first].part?.count else { return }
        if let other = parted.first(where: { manifests[$0].part!.count != count }) {
            throw StoreError(.incompleteParts, "\(name(other)) and \(name(first)) come from different splits (N = \(manifests[other].part!.count) and \(count)); merge the parts of one split")
        }
        var byIndex: [Int: Int] = [:]
        for i in parted {
            if let earlier = byIndex.updateValue(i, forKey: manifests[i].part!.index) {
                throw StoreError(.incompleteParts, "\(name(i)): part given twice (also \(inputs[earlier].path))")
            }
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty || allowMissingParts else {
            let list = missing.map { "\($0)/\(count)" }.joined(separator: ", ")
            throw StoreError(.incompleteParts, "part\(missing.count == 1 ? "" : "s") \(list) missing from the inputs: a merge needs all \(count) parts (run the missing task\(missing.count == 1 ? "" : "s"), or merge a subset on purpose with --allow-missing-parts)")
        }
    }

    private static func readSkipped(_ directory: URL) throws -> [SkippedFile] {
        let url = directory.appendingPathComponent(ShardFileNames.errorsFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try readJSONLines(SkippedFile.self, from: url)
    }

    /// Hard-links `source` as `target`; copies (and syncs) when the two are on different
    /// file systems or the file system has no hard links. Returns true when linked.
    static func linkOrCopy(_ source: URL, to target: URL) throws -> Bool {
        if link(source.path, target.path) == 0 { return true }
        let code = errno
        guard code == EXDEV || code == EPERM || code == ENOTSUP || code == EMLINK else {
            throw StoreError(.io, "\(source.path): cannot link into \(target.deletingLastPathComponent().path) (\(errnoText(code)))")
        }
        let from = try FileDescriptor.openForReading(source)
        defer { from.close() }
        let temporary = URL(fileURLWithPath: target.path + ShardFileNames.partialSuffix)
        let to = try FileDescriptor.create(temporary)
        defer { to.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var position = 0
        while true {
            let n = try from.read(into: buffer, at: position)
            if n == 0 { break }
            try to.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            position += n
        }
        try to.sync()
        try renameFile(temporary, to: target)
        return false
    }
}
