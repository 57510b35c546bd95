import ArgumentParser
import ProbeClassifiers
import ProbePipeline

struct FitKNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-knn",
        abstract: "k-nearest neighbours (brute force, distances as one matrix product).")

    @OptionGroup var fit: FitOptions
    @Option(help: "Neighbours that vote.") var k = 5
    @Option(help: "Distance between embeddings.") var metric: NeighborMetric = .euclidean
    @Option(help: "uniform: one vote each; distance: votes weigh 1/distance.") var weights: NeighborWeights = .uniform

    func validate() throws {
        if k < 1 { throw ValidationError("--k must be at least 1") }
    }

    func run() throws {
        var settings = fit.settings(.knn)
        settings.k = k
        settings.metric = metric
        settings.neighborWeights = weights
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
