import ArgumentParser
import Foundation
import ProbeBackbones
import ProbePipeline

/// `probe models list|fetch`: the backbones Probe knows and their official weights.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the backbones and fetch their official ImageNet weights.",
        subcommands: [List.self, Fetch.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show each model, its embedding size, whether its weights are cached, and where they come from.")

        func run() {
            let rows = ModelRegistry.models.map { model in
                [model.name, String(model.embeddingDimension),
                 ModelsCommand.cacheState(model),
                 model.source.description]
            }
            let header = ["name", "dim", "weights", "source"]
            let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max()! }
            for row in [header] + rows {
                let padded = (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                print((padded + [row[3]]).joined(separator: "  "))
            }
            print("cache: \(Models.cacheFolder.path)")
            // Keras pins its files by md5 at best; the sha256 Probe recorded on download names the exact file.
            for model in ModelRegistry.models {
                guard case .keras(let files) = model.source else { continue }
                for file in files {
                    let cached = Models.cacheFolder.appendingPathComponent(file.fileName)
                    guard FileManager.default.fileExists(atPath: cached.path), let digest = try? Models.sha256(of: cached) else { continue }
                    print("sha256 \(digest)  \(file.fileName)")
                }
            }
        }
    }

    /// "cached" or "not cached"; for keras_mobilenet_v2, whose files differ per input size, the cached sizes.
    static func cacheState(_ model: ModelInfo) -> String {
        if case .keras(let files) = model.source, files.count > 1 {
            let sizes = files.compactMap { file in ModelRegistry.cachedWeights(model.name, imageSize: file.imageSize) == nil ? nil : file.imageSize }
            return sizes.isEmpty ? "not cached" : "cached:" + sizes.map(String.init).joined(separator: ",")
        }
        return ModelRegistry.cachedWeights(model.name) == nil ? "not cached" : "cached"
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch",
            abstract: "Download a model's official weights, check their sha256, and keep them in the cache.")

        @Argument(help: ArgumentHelp("The model: \(ModelRegistry.names.joined(separator: ", ")).", valueName: "name"))
        var name: String

        @Option(name: .customLong("weights-dir"), help: ArgumentHelp("Put the weights in this folder instead of the cache.", valueName: "dir"))
        var weightsDirectory: String?

        @Option(name: .customLong("image-size"), help: ArgumentHelp("keras_mobilenet_v2 only: the input size its weights are for (96, 128, 160, 192 or 224; default 224).", valueName: "n"))
        var imageSize: Int?

        @Option(help: ArgumentHelp("Keras models only: fetch the file from this URL's folder instead of Keras's (same size and md5 checks).", valueName: "url"))
        var mirror: String?

        func validate() throws {
            guard ModelRegistry.names.contains(name) else {
                throw ValidationError("unknown model '\(name)': choose one of \(ModelRegistry.names.joined(separator: ", "))")
            }
            if imageSize != nil, name != "keras_mobilenet_v2" {
                throw ValidationError("--image-size applies to keras_mobilenet_v2 only (its weights differ per input size)")
            }
            if mirror != nil, !name.hasPrefix("keras_") { throw ValidationError("--mirror applies to the Keras models only") }
        }

        func run() throws {
            let model = try ModelRegistry.info(name)
            print("fetching \(model.name) weights from \(model.source)")
            let (file, sha256) = try Models.fetch(name, into: weightsDirectory.map { URL(fileURLWithPath: $0) }, imageSize: imageSize,
                                                  mirror: mirror.flatMap { URL(string: $0) }, onProgress: ProgressLine().report)
            if case .keras = model.source {
                let pinned = try ModelRegistry.kerasFile(model, imageSize: imageSize)?.md5 == nil ? "size checked; Keras publishes no hash" : "size and md5 verified"
                print("\(model.name): \(file.path) (\(pinned))")
                print("sha256 \(sha256)")
            } else {
                print("\(model.name): \(file.path) (sha256 verified)")
            }
        }
    }
}

/// Prints download progress to stderr at every 10 % (stdout stays for results).
private final class ProgressLine: @unchecked Sendable {
    private var lastTenth = -1
    private let lock = NSLock()

    func report(_ received: Int64, _ total: Int64?) {
        guard let total, total > 0 else { return }
        let tenth = Int(received * 10 / total)
        lock.lock(); defer { lock.unlock() }
        guard tenth != lastTenth else { return }
        lastTenth = tenth
        FileHandle.standardError.write(Data(String(format: "  %3d%%  %.1f of %.1f MB\n", tenth * 10, Double(received) / 1e6, Double(total) / 1e6).utf8))
    }
}
