import ArgumentParser
import Foundation
import ProbeBackbones
import ProbePipeline
import ProbeStore

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Embed a folder of labelled images into memory-mapped shards.",
        discussion: """
        Reruns are incremental (only new or changed images are embedded, rows of removed \
        files are dropped) and a killed run continues where it stopped. Without --data or \
        --dataset, the default dataset of datasets.json is used.
        """
    )

    @OptionGroup var model: ModelOptions
    @Option(help: "A folder with one subfolder per class.") var data: String?
    @Option(help: "A dataset name from datasets.json (see `probe datasets list`).") var dataset: String?
    @Option(help: "The store folder to create or update.") var out: String
    @Option(help: "Images per forward pass.") var batch = 32
    @OptionGroup var preprocessing: PreprocessingOptions
    @Option(help: "Global pooling of the last feature map.") var pool: Pooling = .avg
    @Option(help: "Element type of the stored embeddings.") var dtype: EmbeddingDType = .float32
    @Option(help: "Rows per shard file.") var shardRows = 4096
    @Option(help: "Take part I of N (0-based, by a stable hash of each path), for one machine of many.") var part: String?
    @Flag(help: "Replace a store in --out that was made with another model, weights or preprocessing.") var overwrite = false
    @OptionGroup var exclude: ExcludeOptions
    @OptionGroup var threads: ThreadOptions
    @Flag(help: "Print one JSON summary object at the end instead of text.") var json = false

    func validate() throws {
        if data != nil && dataset != nil { throw ValidationError("give --data or --dataset, not both") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if shardRows < 1 { throw ValidationError("--shard-rows must be at least 1") }
    }

    func run() throws {
        let root = try Datasets.resolveRoot(data: data, dataset: dataset)
        var request = ExtractionRequest(model: model.model, weights: model.weightsURL, data: root,
                                        out: URL(fileURLWithPath: out), recipe: try preprocessing.recipe(for: model.model))
        request.batchSize = batch
        request.pool = pool
        request.dtype = dtype
        request.shardRows = shardRows
        request.part = try part.map { try Datasets.parsePart($0) }
        request.threads = threads.resolved
        request.overwrite = overwrite
        request.decode = preprocessing.decodeOptions
        request.exclude = try exclude.list()
        let reporter = ProgressReporter(enabled: !json)
        let summary = try Extraction.run(request) { reporter.update($0) }
        reporter.finish()
        if let warning = summary.excludeWarning { note("warning: \(warning)") }
        if json {
            print(try jsonText(summary))
        } else {
            print("""
            \(summary.out): \(summary.rows) rows (\(summary.extracted) embedded now, \(summary.kept) kept, \
            \(summary.dropped) dropped, \(summary.skipped) skipped) in \(String(format: "%.1f", summary.seconds)) s, \
            \(String(format: "%.1f", summary.imagesPerSecond)) images/s
            """)
            if summary.skipped > 0 { print("skipped files and reasons: \(summary.out)/errors.jsonl") }
            if let excluded = summary.excluded { print("left out by --exclude: \(excluded) files") }
        }
    }
}

/// Progress on standard error: a bar redrawn in place on a terminal, a plain line every
/// few seconds otherwise (logs of batch jobs).
final class ProgressReporter {
    private let enabled: Bool
    private let isTerminal = isatty(2) != 0
    private var lastPrint = Date.distantPast
    private var drewBar = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ExtractionProgress) {
        guard enabled else { return }
        let now = Date()
        let finished = p.done == p.total
        guard finished || now.timeIntervalSince(lastPrint) >= (isTerminal ? 0.2 : 5) else { return }
        lastPrint = now
        let rate = p.imagesPerSecond
        let eta = rate > 0 ? Double(p.total - p.done) / rate : 0
        let stats = "\(p.done)/\(p.total) images, \(String(format: "%.1f", rate)) img/s, ETA \(Int(eta.rounded())) s, \(p.skipped) skipped"
        if isTerminal {
            let width = 30
            let filled = p.total > 0 ? width * p.done / p.total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(stats)\u{1B}[K".utf8))
            drewBar = true
        } else {
            note("extract: \(stats)")
        }
    }

    func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
