import ArgumentParser
import Foundation
import ProbeBackbones
import ProbePipeline

struct EmbedTensorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-tensor",
        abstract: "Embed an already-preprocessed float32 NCHW or NHWC batch (.npy) and write [N, D] embeddings (.npy).",
        discussion: """
        The hook for checking Probe's networks against other frameworks on identical input. For a Keras model \
        the input is what the Keras model takes after preprocess_input (keras_efficientnet_b0: raw 0-255 values, \
        its scaling and normalisation being layers of the model).
        """)

    @OptionGroup var model: ModelOptions
    @Option(help: "Global pooling of the last feature map.") var pool: Pooling = .avg
    @Option(help: "Layout of the input: nchw [N, 3, H, W] (PyTorch) or nhwc [N, H, W, 3] (Keras).") var layout: TensorJobs.TensorLayout = .nchw
    @Option(help: "Images per forward pass.") var batch = 32
    @OptionGroup var threads: ThreadOptions
    @Argument(help: "Input .npy, float32 [N, 3, H, W] (or [N, H, W, 3] with --layout nhwc).") var input: String
    @Argument(help: "Output .npy, float32 [N, D].") var output: String

    func run() throws {
        let shape = try TensorJobs.embedTensor(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output),
                                               model: model.model, weights: model.weightsURL, pool: pool,
                                               layout: layout, batchSize: max(1, batch), threads: threads.resolved)
        print("\(output): \(shape[0]) x \(shape[1]) embeddings")
    }
}

extension TensorJobs.TensorLayout: ExpressibleByArgument {}
