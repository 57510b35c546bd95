import Foundation
import ProbeCore

/// What `probe info` shows: the manifest plus what it costs on disk.
public struct StoreSummary: Sendable {
    public let directory: URL
    public let manifest: StoreManifest
    /// Lines in errors.jsonl.
    public let skippedCount: Int
    /// Bytes of the manifest, errors.jsonl and every shard file the manifest lists.
    public let bytesOnDisk: Int

    public init(directory: URL) throws {
        self.directory = directory
        manifest = try StoreManifest.require(directory: directory)
        let errorsURL = directory.appendingPathComponent(ShardFileNames.errorsFile)
        skippedCount = FileManager.default.fileExists(atPath: errorsURL.path) ? try readJSONLines(SkippedFile.self, from: errorsURL).count : 0
        var bytes = 0
        for name in [StoreManifest.fileName, ShardFileNames.errorsFile] + manifest.shards.flatMap(\.fileNames) {
            bytes += fileSize(directory.appendingPathComponent(name)) ?? 0
        }
        bytesOnDisk = bytes
    }
}
