import Foundation
import ProbeBackbones
import ProbeCore
import ProbeFetch

/// Weights resolution shared by extract, predict and imagenet-top5.
public enum Models {
    /// `--weights FILE` if given, else the cached official weights, else an error telling
    /// the two ways to get them.
    /// `imageSize` (the network's input size) picks keras_mobilenet_v2's file: Keras has one per
    /// input size (96, 128, 160, 192, 224) and, like keras.applications, Probe takes 224's for any
    /// other size. Other models have one file.
    public static func resolveWeights(_ kind: BackboneKind, explicit: URL?, imageSize: Int? = nil) throws -> URL {
        let size = kind == .keras_mobilenet_v2 && imageSize.map { [96, 128, 160, 192, 224].contains($0) } == true ? imageSize : nil
        return try ModelRegistry.weights(for: kind.rawValue, explicit: explicit, imageSize: size)
    }

    /// Downloads `name`'s official weights into `folder` (default: the cache), checking their sha256
    /// (Keras files: their size and md5 where Keras pins them), and records the file's sha256 beside
    /// it (`sha256(of:)`), so `probe models list` and every store manifest name the exact file.
    /// Returns the file and its sha256.
    public static func fetch(_ name: String, into folder: URL?, imageSize: Int? = nil, mirror: URL? = nil,
                             onProgress: (@Sendable (_ received: Int64, _ total: Int64?) -> Void)? = nil) throws -> (file: URL, sha256: String) {
        let file = try ModelRegistry.fetch(name, into: folder, imageSize: imageSize, mirror: mirror, downloader: Downloader(onProgress: onProgress))
        return (file, try sha256(of: file))
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
        let stateDict = try CheckpointReader.read(contentsOf: weights, for: kind)
        return try Backbone(kind: kind, stateDict: stateDict)
    }
}
