import ArgumentParser
import ProbeClassifiers
import ProbePipeline

struct FitLogRegCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-logreg",
        abstract: "Multinomial logistic regression (L2, L-BFGS; scikit-learn's objective and C).")

    @OptionGroup var fit: FitOptions
    @Option(name: .customLong("C"), help: "Inverse regularisation strength, or `auto` to pick it on a validation split.")
    var c: CChoice = .value(1)
    @Option(help: "none, or balanced: weigh classes inversely to their frequency.") var classWeight: ClassWeight = .none
    @Option(help: "L-BFGS iteration limit.") var maxIter = 1000

    func run() throws {
        var settings = fit.settings(.logreg)
        settings.c = c.c
        settings.classWeight = classWeight
        settings.maxIterations = maxIter
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
