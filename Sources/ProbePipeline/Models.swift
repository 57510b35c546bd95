import Foundation
import ProbeBackbones
import ProbeCore
import ProbeFetch

/// Weights resolution shared by extract, predict and imagenet-top5.
public enum Models {
    /// `--weights FILE` if given, else the cached official weights, else an error telling
    /// the two ways to get them.
    public static func resolveWeights(_ kind: BackboneKind, explicit: URL?) throws -> URL {
        try ModelRegistry.weights(for: kind.rawValue, explicit: explicit)
    }

    /// Downloads `name`'s official weights into `folder` (default: the cache), checking their sha256.
    public static func fetch(_ name: String, into folder: URL?,
                             onProgress: (@Sendable (_ received: Int64, _ total: Int64?) -> Void)? = nil) throws -> URL {
        try ModelRegistry.fetch(name, into: folder, downloader: Downloader(onProgress: onProgress))
    }

    /// Where official weights are cached.
    public static var cacheFolder: URL { ProbeCache.default.models }

    /// The sha256 of a weights file, cached beside it by size and mtime so a 500 MB
    /// checkpoint is hashed once, not on every run.
    public static func sha256(of weights: URL) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: weights.path)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let stamp = "\(size) \(mtime)"
        let sidecar = weights.deletingLastPathComponent().appendingPathComponent("." + weights.lastPathComponent + ".sha256")
        if let text = try? String(contentsOf: sidecar, encoding: .utf8) {
            let parts = text.split(separator: "\n").map(String.init)
            if parts.count == 2, parts[0] == stamp, parts[1].count == 64 { return parts[1] }
        }
        let digest = try SHA256Digest.file(weights)
        // Best effort: a read-only folder just means hashing again next time.
        try? "\(stamp)\n\(digest)".write(to: sidecar, atomically: true, encoding: .utf8)
        return digest
    }

    /// Reads a checkpoint and builds the network from it.
    public static func loadBackbone(_ kind: BackboneKind, weights: URL) throws -> Backbone {
        let stateDict = try CheckpointReader.read(contentsOf: weights)
        return try Backbone(kind: kind, stateDict: stateDict)
    }
}
