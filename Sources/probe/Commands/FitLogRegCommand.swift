import ArgumentParser
import ProbeClassifiers
import ProbePipeline

struct FitLogRegCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-logreg",
        abstract: "Multinomial logistic regression (L2, L-BFGS; scikit-learn's objective and C).")

    @OptionGroup var fit: FitOptions
    @OptionGroup var linear: LinearOptions
    @Option(help: "none, or balanced: weigh classes inversely to their frequency.") var classWeight: ClassWeight = .none

    func run() throws {
        var settings = fit.settings(.logreg)
        linear.apply(to: &settings)
        settings.classWeight = classWeight
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
