import ArgumentParser
import ProbePipeline

struct FitSVMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-svm",
        abstract: "Linear SVM (L2, squared hinge, one-vs-rest; liblinear's dual coordinate descent, as LinearSVC()).")

    @OptionGroup var fit: FitOptions
    @Option(name: .customLong("C"), help: "Penalty of the hinge loss, or `auto` to pick it on a validation split.")
    var c: CChoice = .value(1)
    @Option(help: "Coordinate-descent iteration limit.") var maxIter = 1000

    func run() throws {
        var settings = fit.settings(.svm)
        settings.c = c.c
        settings.maxIterations = maxIter
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
