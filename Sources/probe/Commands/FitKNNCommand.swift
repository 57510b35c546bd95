import ArgumentParser
import ProbePipeline

struct FitKNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-knn",
        abstract: "k-nearest neighbours (brute force, distances as one matrix product).")

    @OptionGroup var fit: FitOptions
    @OptionGroup var neighbors: NeighborOptions

    func run() throws {
        var settings = fit.settings(.knn)
        neighbors.apply(to: &settings)
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
