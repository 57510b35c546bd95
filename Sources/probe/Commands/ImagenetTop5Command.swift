import ArgumentParser
import Foundation
import ProbeBackbones
import ProbePipeline

struct ImagenetTop5Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagenet-top5",
        abstract: "The 5 most likely ImageNet classes of each image: a first proof that the weights are right.",
        discussion: "Needs a checkpoint that includes the ImageNet head (the EfficientNet-Lite0 one does).")

    @Option(help: "The backbone (its checkpoint must hold the 1000-way head).") var model: BackboneKind = .efficientnet_lite0
    @Option(help: "A checkpoint instead of the cached official weights.") var weights: String?
    @OptionGroup var threads: ThreadOptions
    @Argument(help: "Image files.") var images: [String]

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one image") }
    }

    func run() throws {
        let results = try TensorJobs.imagenetTop5(images: images.map { URL(fileURLWithPath: $0) }, model: model,
                                                  weights: weights.map { URL(fileURLWithPath: $0) }, threads: threads.resolved)
        for (url, top) in results {
            print(url.path)
            for c in top { print(String(format: "  %5.1f%%  %4d  %@", c.probability * 100, c.index, c.name)) }
        }
    }
}
