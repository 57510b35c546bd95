import Foundation
import ProbeBackbones
import ProbeCore
import ProbeImages
import ProbeStore
import ProbeTensor

/// Everything `probe extract` needs to turn a folder of images into a store of embeddings.
public struct ExtractionRequest: Sendable {
    public var model: BackboneKind
    /// A checkpoint file; nil means the model's official weights from the cache.
    public var weights: URL?
    public var data: URL
    public var out: URL
    public var batchSize = 32
    public var recipe: PreprocessRecipe
    public var pool: Pooling = .avg
    public var dtype: EmbeddingDType = .float32
    public var shardRows = 4096
    public var part: StorePart?
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var overwrite = false
    public var decode = DecodeOptions()
    /// Files to leave out (`--exclude`): not extracted, and their rows dropped from the store
    /// as if the files were gone.
    public var exclude: ExcludeList?

    public init(model: BackboneKind, weights: URL?, data: URL, out: URL, recipe: PreprocessRecipe) {
        self.model = model
        self.weights = weights
        self.data = data
        self.out = out
        self.recipe = recipe
    }
}

/// How far an extraction has got; reported after every batch.
public struct ExtractionProgress: Sendable {
    /// Files handled in this run so far (embedded or skipped).
    public let done: Int
    /// Files this run has to handle (new or changed ones only).
    public let total: Int
    public let skipped: Int
    public let elapsedSeconds: Double
    public var imagesPerSecond: Double { elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0 }
}

/// What an extraction did, for the final line or `--json`.
public struct ExtractionSummary: Codable, Sendable {
    public let model: String
    public let out: String
    /// Images listed in the dataset (this part only, with --part).
    public let images: Int
    /// Embedded in this run.
    public let extracted: Int
    /// Already in the store and unchanged.
    public let kept: Int
    /// Rows removed because their file changed or is gone.
    public let dropped: Int
    /// Files that could not be used (see errors.jsonl).
    public let skipped: Int
    /// Rows in the store now.
    public let rows: Int
    public let seconds: Double
    public let imagesPerSecond: Double
    public let tookOverStaleLock: Bool
    /// Wall seconds spent reading, decoding and preprocessing batches (in parallel over --threads).
    public let decodeSeconds: Double
    /// Wall seconds spent in the backbone's forward passes. With `seconds`, these tell how much
    /// overlapping decode with the network could save (see docs/extract-measurements.md).
    public let networkSeconds: Double
    /// With `--exclude`: files of the listing (this part's) that the list left out; nil without one.
    public var excluded: Int? = nil
    /// With `--exclude`: the warning about list entries that named no file of the dataset, if any.
    public var excludeWarning: String? = nil
}

public enum Extraction {
    /// Scans `request.data`, embeds every new or changed image and writes the store in
    /// `request.out`, crash-safely (see `StoreWriter`): a rerun continues where a killed
    /// run stopped.
    public static func run(_ request: ExtractionRequest,
                           progress: (ExtractionProgress) -> Void = { _ in }) throws -> ExtractionSummary {
        let start = Date()
        guard request.batchSize >= 1 else { throw PipelineError("--batch must be at least 1") }
        let dataset = try DatasetScanner.scan(request.data)

        // Keras MobileNetV2 has one weights file per input size: the recipe's size picks the cached one.
        let weights = try Models.resolveWeights(request.model, explicit: request.weights, imageSize: request.recipe.imageSize)
        let identity = StoreIdentity(
            model: request.model.rawValue,
            weightsSHA256: try Models.sha256(of: weights),
            preprocessing: try preprocessingRecord(request.recipe, store: request.out),
            pool: request.pool.rawValue,
            dtype: request.dtype,
            dim: request.model.embeddingDim)

        let writer: StoreWriter
        do {
            writer = try StoreWriter(directory: request.out, identity: identity, classes: dataset.classes,
                                     part: request.part, shardRows: request.shardRows, overwrite: request.overwrite)
        } catch let error as StoreError where error.kind == .identityMismatch {
            // A store made with another recipe (an older default, say): say how to continue it.
            guard let existing = try? StoreManifest.read(directory: request.out), existing.identity.preprocessing != identity.preprocessing,
                  let recorded = try? existing.identity.preprocessing.decoded(as: PreprocessRecipe.self) else { throw error }
            throw PipelineError("\(error.message); to add to this store, repeat its preprocessing: \(recorded.commandLineFlags)")
        }
        defer { writer.close() }
        writer.recordDatasetRoot(dataset.root.standardizedFileURL.path)
        // Excluded files leave the listing, so the plan drops their stored rows as it drops removed files.
        var listing = dataset.items, scannerRefused = dataset.skipped
        var excludedCount: Int?, excludeWarning: String?
        if let exclude = request.exclude {
            let paths = dataset.items.map(\.path) + dataset.skipped.map(\.path)
            let match = exclude.match(paths: paths, root: dataset.root)
            let excluded = Set(match.excluded.map { paths[$0] })
            listing = dataset.items.filter { !excluded.contains($0.path) }
            scannerRefused = dataset.skipped.filter { !excluded.contains($0.path) }
            excludedCount = excluded.filter { request.part?.contains(path: $0) ?? true }.count
            excludeWarning = exclude.unmatchedWarning(match, in: "the dataset \(request.data.path)")
        }
        // The writer keeps its part's share of the listing.
        let plan = try writer.synchronize(with: listing)

        // Files the scanner already refused (not an image, unsupported format) go to errors.jsonl too.
        let refused = scannerRefused.filter { request.part?.contains(path: $0.path) ?? true }
        for file in refused { try writer.recordSkipped(file) }
        var skipped = refused.count

        var done = 0
        var decodeSeconds = 0.0, networkSeconds = 0.0
        if !plan.toExtract.isEmpty {
            setComputeThreads(request.threads)
            let backbone = try Models.loadBackbone(request.model, weights: weights)
            let loader = BatchLoader(root: dataset.root, recipe: request.recipe, decode: request.decode,
                                     capacity: request.batchSize, threads: request.threads)
            // Each batch is the next files, up to the batch size and cut where the open shard fills
            // up; the loader decodes them straight into the network's input. So a run resumed after
            // a kill (which restarts at a shard boundary) feeds the network exactly the batches the
            // uninterrupted run did. (The backbone embeds each image on its own, so rows are
            // bit-identical however they are batched; this keeps batches aligned with shards for
            // progress and timing as well.)
            while done < plan.toExtract.count {
                let files = Array(plan.toExtract[done..<min(done + min(request.batchSize, writer.rowsLeftInShard), plan.toExtract.count)])
                let decodeStart = Date()
                let loaded = loader.load(files)
                decodeSeconds += Date().timeIntervalSince(decodeStart)
                for failure in loaded.failures { try writer.recordSkipped(failure) }
                skipped += loaded.failures.count
                if !loaded.entries.isEmpty {
                    let networkStart = Date()
                    let embeddings = try loader.pixels.withUnsafeBufferPointer { pixels in
                        try backbone.embed(batch: UnsafeBufferPointer(rebasing: pixels[0..<(loaded.entries.count * loader.imageFloats)]),
                                           count: loaded.entries.count, height: request.recipe.imageSize,
                                           width: request.recipe.imageSize, pool: request.pool)
                    }
                    networkSeconds += Date().timeIntervalSince(networkStart)
                    try writer.append(embeddings: embeddings, entries: loaded.entries)
                }
                done += files.count
                progress(ExtractionProgress(done: done, total: plan.toExtract.count, skipped: skipped,
                                            elapsedSeconds: Date().timeIntervalSince(start)))
            }
        }
        let manifest = try writer.finish()
        let seconds = Date().timeIntervalSince(start)
        var summary = ExtractionSummary(
            model: request.model.rawValue, out: request.out.path, images: plan.listedCount,
            extracted: done - (skipped - refused.count), kept: plan.keptRows, dropped: plan.dropPaths.count,
            skipped: skipped, rows: manifest.totals.rows, seconds: seconds,
            imagesPerSecond: seconds > 0 ? Double(done) / seconds : 0,
            tookOverStaleLock: writer.tookOverStaleLock != nil,
            decodeSeconds: decodeSeconds, networkSeconds: networkSeconds)
        summary.excluded = excludedCount
        summary.excludeWarning = excludeWarning
        return summary
    }
}

extension Extraction {
    /// The JSON the manifest records for `recipe`. A store written before the recipe gained fields
    /// (pipeline, resizeShorterSide) records the same meaning with fewer keys: when the store's record
    /// decodes to exactly this recipe it is kept as it is, so such a store is continued, not refused.
    /// Any other difference in meaning (an old default against a new one) stays a difference, and the
    /// writer refuses to mix the rows.
    static func preprocessingRecord(_ recipe: PreprocessRecipe, store: URL) throws -> JSONValue {
        let requested = try JSONValue.encoding(recipe)
        guard let existing = try? StoreManifest.read(directory: store),
              let recorded = try? existing.identity.preprocessing.decoded(as: PreprocessRecipe.self),
              recorded == recipe else { return requested }
        return existing.identity.preprocessing
    }
}

/// Reads, hashes, decodes and preprocesses one batch of files in parallel into a reused
/// NCHW buffer; files that fail become `SkippedFile`s and leave no gap in the batch.
final class BatchLoader {
    let root: URL
    let recipe: PreprocessRecipe
    private(set) var decode: DecodeOptions
    let threads: Int
    let imageFloats: Int
    private(set) var pixels: [Float]

    struct Loaded {
        var entries: [DatasetFile]
        var failures: [SkippedFile]
    }

    init(root: URL, recipe: PreprocessRecipe, decode: DecodeOptions, capacity: Int, threads: Int) {
        self.root = root
        self.recipe = recipe
        self.decode = decode
        // The recipe's pipeline decides whose decoder the pixels must match (TensorFlow's for keras-directory).
        self.decode.flavor = recipe.decoderFlavor
        // Fast decoding may shrink a JPEG only as far as this recipe's resize allows.
        self.decode.minimumShorterSide = recipe.minimumDecodedShorterSide
        self.threads = max(1, threads)
        self.imageFloats = 3 * recipe.imageSize * recipe.imageSize
        self.pixels = [Float](repeating: 0, count: capacity * imageFloats)
    }

    func load(_ files: [DatasetFile]) -> Loaded {
        // Each file is worked on by one thread into its own slot; slots are then
        // compacted so that successful images are contiguous and in dataset order.
        var outcomes = [Result<DatasetFile, ImageError>?](repeating: nil, count: files.count)
        let imageFloats = self.imageFloats
        pixels.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            outcomes.withUnsafeMutableBufferPointer { results in
                let resultsBase = results.baseAddress!
                DispatchQueue.concurrentPerform(iterations: min(threads, files.count)) { worker in
                    var i = worker
                    while i < files.count {
                        let file = files[i]
                        let url = root.appendingPathComponent(file.path)
                        do {
                            let snapshot = try Self.read(url, name: file.path)
                            let image = try ImageDecoder.decode(data: snapshot.data, name: file.path, options: decode)
                            Preprocessor.run(image, recipe: recipe,
                                             into: UnsafeMutableBufferPointer(start: base + i * imageFloats, count: imageFloats))
                            var entry = file.hashed(SHA256Digest.data(snapshot.data))
                            // From the picture already in memory: one pass over its pixels.
                            entry.perceptualHash = PerceptualHash.compute(image)
                            entry.size = snapshot.size
                            entry.mtimeNanoseconds = snapshot.mtimeNanoseconds
                            resultsBase[i] = .success(entry)
                        } catch let error as ImageError {
                            resultsBase[i] = .failure(error)
                        } catch {
                            resultsBase[i] = .failure(ImageError(file: file.path, reason: "cannot read (\(error.localizedDescription))"))
                        }
                        i += threads
                    }
                }
            }
        }
        var loaded = Loaded(entries: [], failures: [])
        var next = 0
        for (i, outcome) in outcomes.enumerated() {
            switch outcome! {
            case .success(let entry):
                if next != i {
                    pixels.withUnsafeMutableBufferPointer { p in
                        (p.baseAddress! + next * imageFloats).update(from: p.baseAddress! + i * imageFloats, count: imageFloats)
                    }
                }
                loaded.entries.append(entry)
                next += 1
            case .failure(let error):
                loaded.failures.append(files[i].skipped(reason: error.reason))
            }
        }
        return loaded
    }

    struct Snapshot {
        var data: Data
        var size: Int64
        var mtimeNanoseconds: Int64
    }

    /// Reads a whole file through one descriptor and returns its bytes with the size and mtime
    /// of exactly those bytes (fstat before and after): a file replaced since the scan is
    /// embedded from its new bytes and indexed with their size, mtime and hash, never the
    /// scan's; a file written to while it is read is refused rather than half-read.
    static func read(_ url: URL, name: String) throws -> Snapshot {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError(file: name, reason: "cannot read (\(String(cString: strerror(errno))))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var before = stat(), after = stat()
        guard fstat(fd, &before) == 0 else { throw ImageError(file: name, reason: "cannot stat (\(String(cString: strerror(errno))))") }
        let data: Data
        do { data = try handle.readToEnd() ?? Data() } catch {
            throw ImageError(file: name, reason: "cannot read (\(error.localizedDescription))")
        }
        guard fstat(fd, &after) == 0 else { throw ImageError(file: name, reason: "cannot stat (\(String(cString: strerror(errno))))") }
        guard before.st_size == after.st_size, before.st_mtim.tv_sec == after.st_mtim.tv_sec,
              before.st_mtim.tv_nsec == after.st_mtim.tv_nsec, Int64(data.count) == Int64(after.st_size) else {
            throw ImageError(file: name, reason: "changed while being read (\(data.count) bytes read, now \(after.st_size)); rerun to embed it")
        }
        return Snapshot(data: data, size: Int64(after.st_size),
                        mtimeNanoseconds: Int64(after.st_mtim.tv_sec) * 1_000_000_000 + Int64(after.st_mtim.tv_nsec))
    }
}
