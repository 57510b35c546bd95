import Foundation
import ProbeBackbones
import ProbeCore
import ProbeImages
import ProbeStore
import ProbeTensor

/// `probe predict`: labels for images, folders of images or embedding stores, with a
/// classifier file. Images go through the backbone, weights and preprocessing the
/// classifier's training features were made with; anything else is refused.
public enum Prediction {
    public struct Row: Sendable, Encodable {
        public let path: String
        /// The most likely classes first, with their probabilities (nil for the SVM, which has none).
        public let top: [Choice]
    }

    public struct Choice: Sendable, Encodable {
        public let label: String
        public let probability: Double?
    }

    public struct Outcome: Sendable {
        public let rows: [Row]
        /// Inputs that could not be used, with the reason.
        public let skipped: [(path: String, reason: String)]
    }

    public static func run(classifier classifierURL: URL, inputs: [URL], weights: URL?, top: Int, threads: Int,
                           decode: DecodeOptions = DecodeOptions()) throws -> Outcome {
        let file = try ClassifierFile.load(classifierURL)
        let identity = file.features
        var rows: [Row] = []
        var skipped: [(String, String)] = []

        // Images with the folder their paths are relative to (one loader per folder keeps paths
        // relative to what the user named).
        var imageFiles: [(root: URL, file: DatasetFile)] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input.path, isDirectory: &isDirectory) else {
                throw PipelineError("\(input.path): no such file or folder")
            }
            if isDirectory.boolValue, FileManager.default.fileExists(atPath: input.appendingPathComponent(StoreManifest.fileName).path) {
                let store = try FeatureStore(directory: input)
                let differences = store.identity.differences(from: identity)
                guard differences.isEmpty else {
                    throw PipelineError("\(input.path): these features were made differently from the classifier's training features (\(differences.joined(separator: "; ")))")
                }
                let predicted = try file.probe.predict(store.matrix(), classCount: file.classes.count)
                for i in 0..<store.rowCount {
                    rows.append(row(path: store.paths[i], label: predicted.labels[i], probabilities: predicted.probabilities?[i], file: file, top: top))
                }
            } else if isDirectory.boolValue {
                // The scanner extract uses: same extensions, hidden names, links and reasons.
                let folder = try DatasetScanner.scanImages(below: input)
                for file in folder.skipped { skipped.append((input.appendingPathComponent(file.path).path, file.reason)) }
                imageFiles += folder.items.map { (input, $0) }
            } else {
                // A file named on the command line is taken whatever its name; the decoder reads its format from its bytes.
                imageFiles.append((input.deletingLastPathComponent(), DatasetFile(path: input.lastPathComponent, label: 0, size: 0, mtimeNanoseconds: 0)))
            }
        }

        if !imageFiles.isEmpty {
            guard let kind = BackboneKind(rawValue: identity.model) else {
                throw PipelineError("\(classifierURL.path): trained on features of an unknown model '\(identity.model)'")
            }
            let recipe: PreprocessRecipe
            do { recipe = try identity.preprocessing.decoded(as: PreprocessRecipe.self) } catch {
                throw PipelineError("\(classifierURL.path): cannot read the preprocessing it records (\(error))")
            }
            let weightsURL = try Models.resolveWeights(kind, explicit: weights, imageSize: recipe.imageSize)
            let hash = try Models.sha256(of: weightsURL)
            guard hash == identity.weightsSHA256 else {
                throw PipelineError("\(weightsURL.path): sha256 \(hash.prefix(12))… is not that of the weights the classifier was trained with (\(identity.weightsSHA256.prefix(12))…); pass the same --weights as for extract")
            }
            guard let pool = Pooling(rawValue: identity.pool) else { throw PipelineError("\(classifierURL.path): unknown pooling '\(identity.pool)'") }
            setComputeThreads(threads)
            let backbone = try Models.loadBackbone(kind, weights: weightsURL)
            let batchSize = 32
            var start = 0
            while start < imageFiles.count {
                let chunk = imageFiles[start..<min(start + batchSize, imageFiles.count)]
                start += chunk.count
                for (root, group) in Dictionary(grouping: chunk, by: { $0.root }).sorted(by: { $0.key.path < $1.key.path }) {
                    let loader = BatchLoader(root: root, recipe: recipe, decode: decode, capacity: group.count, threads: threads)
                    let loaded = loader.load(group.map(\.file))
                    for failure in loaded.failures { skipped.append((root.appendingPathComponent(failure.path).path, failure.reason)) }
                    guard !loaded.entries.isEmpty else { continue }
                    let embeddings = try loader.pixels.withUnsafeBufferPointer { pixels in
                        try backbone.embed(batch: UnsafeBufferPointer(rebasing: pixels[0..<(loaded.entries.count * loader.imageFloats)]),
                                           count: loaded.entries.count, height: recipe.imageSize, width: recipe.imageSize, pool: pool)
                    }
                    let x = identity.dtype == .float16
                        ? Matrix(rows: loaded.entries.count, cols: backbone.embeddingDim, values: embeddings.map { Float(Float16($0)) })
                        : Matrix(rows: loaded.entries.count, cols: backbone.embeddingDim, values: embeddings)
                    let predicted = try file.probe.predict(x, classCount: file.classes.count)
                    for (i, entry) in loaded.entries.enumerated() {
                        rows.append(row(path: root.appendingPathComponent(entry.path).path, label: predicted.labels[i],
                                        probabilities: predicted.probabilities?[i], file: file, top: top))
                    }
                }
            }
        }
        return Outcome(rows: rows, skipped: skipped)
    }

    private static func row(path: String, label: Int, probabilities: [Double]?, file: ClassifierFile, top: Int) -> Row {
        guard let probabilities else { return Row(path: path, top: [Choice(label: file.classes[label], probability: nil)]) }
        let order = probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        return Row(path: path, top: order.prefix(max(1, top)).map { Choice(label: file.classes[$0], probability: probabilities[$0]) })
    }
}
