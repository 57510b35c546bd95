import Foundation
import ProbeBackbones
import ProbeCore
import ProbeImages
import ProbeTensor

/// Jobs on raw tensors and single images: the parity hook `embed-tensor` and the
/// weights sanity check `imagenet-top5`.
public enum TensorJobs {
    /// How `embedTensor`'s input batch is laid out.
    public enum TensorLayout: String, CaseIterable, Sendable {
        /// [N, 3, H, W], as PyTorch feeds a network.
        case nchw
        /// [N, H, W, 3], as Keras feeds a network (what `preprocess_input` returns).
        case nhwc
    }

    /// Runs the backbone on an already-preprocessed float32 batch from `.npy` and writes the pooled
    /// embeddings [N, D] as `.npy`. Returns the output shape. For a Keras model the input is exactly
    /// what the Keras model takes after `preprocess_input` (for EfficientNetB0 raw 0..255 values:
    /// its scaling and normalisation are part of the network). keras_mobilenet_v2 without
    /// `weights` uses the cached file for the input's size when Keras has one (96…224), else 224's,
    /// as keras.applications does.
    @discardableResult
    public static func embedTensor(input: URL, output: URL, model: BackboneKind, weights: URL?, pool: Pooling,
                                   layout: TensorLayout = .nchw, batchSize: Int = 32, threads: Int) throws -> [Int] {
        let array = try NPYArray.read(contentsOf: input)
        let channelAxis = layout == .nchw ? 1 : 3
        guard array.shape.count == 4, array.shape[channelAxis] == 3 else {
            let expected = layout == .nchw ? "NCHW batch [N, 3, H, W]" : "NHWC batch [N, H, W, 3]"
            throw PipelineError("\(input.path): expected a float \(expected), found shape \(array.shape)")
        }
        let (n, h, w) = layout == .nchw ? (array.shape[0], array.shape[2], array.shape[3]) : (array.shape[0], array.shape[1], array.shape[2])
        guard h >= 32, w >= 32 else { throw PipelineError("\(input.path): images must be at least 32x32, found \(h)x\(w)") }
        var values = array.floats()
        guard values.allSatisfy(\.isFinite) else { throw PipelineError("\(input.path): the tensor holds NaN or infinite values") }
        if layout == .nhwc {
            // [N, H, W, 3] -> [N, 3, H, W]: out[i][c][y][x] = in[i][y][x][c].
            let nhwc = values
            for i in 0..<n { for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                values[((i * 3 + c) * h + y) * w + x] = nhwc[((i * h + y) * w + x) * 3 + c]
            } } } }
        }
        setComputeThreads(threads)
        let backbone = try Models.loadBackbone(model, weights: try Models.resolveWeights(model, explicit: weights, imageSize: h == w ? h : nil))
        var out: [Float] = []
        out.reserveCapacity(n * backbone.embeddingDim)
        let perImage = 3 * h * w
        var start = 0
        while start < n {
            let count = min(batchSize, n - start)
            let part = try values.withUnsafeBufferPointer { all in
                try backbone.embed(batch: UnsafeBufferPointer(rebasing: all[(start * perImage)..<((start + count) * perImage)]),
                                   count: count, height: h, width: w, pool: pool)
            }
            out += part
            start += count
        }
        let shape = [n, backbone.embeddingDim]
        try NPYArray(float32: out, shape: shape).write(to: output)
        return shape
    }

    public struct TopClass: Sendable {
        public let index: Int
        public let name: String
        public let probability: Double
    }

    /// The 5 most likely ImageNet classes of each image, with the model's own 1000-way head.
    public static func imagenetTop5(images: [URL], model: BackboneKind, weights: URL?, threads: Int) throws -> [(URL, [TopClass])] {
        setComputeThreads(threads)
        let backbone = try Models.loadBackbone(model, weights: try Models.resolveWeights(model, explicit: weights))
        // The model's own default recipe (what its weights were trained with), decoded by its pipeline's decoder.
        let recipe = Models.defaultRecipe(for: model)
        var results: [(URL, [TopClass])] = []
        for url in images {
            let image = try ImageDecoder.decode(contentsOf: url, options: DecodeOptions(flavor: recipe.decoderFlavor))
            let input = Preprocessor.run(image, recipe: recipe)
            let logits = try input.withUnsafeBufferPointer {
                try backbone.imagenetLogits(batch: $0, count: 1, height: recipe.imageSize, width: recipe.imageSize)
            }
            // Softmax in float64: the top probabilities are what a user reads.
            let maxLogit = Double(logits.max() ?? 0)
            let exps = logits.map { exp(Double($0) - maxLogit) }
            let total = exps.reduce(0, +)
            let order = exps.indices.sorted { exps[$0] > exps[$1] }.prefix(5)
            results.append((url, order.map { TopClass(index: $0, name: imageNetClassNames[$0], probability: exps[$0] / total) }))
        }
        return results
    }
}
