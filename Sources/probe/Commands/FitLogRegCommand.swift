import ArgumentParser
import ProbeClassifiers
import ProbePipeline

struct FitLogRegCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-logreg",
        abstract: "Multinomial logistic regression (L2, L-BFGS; scikit-learn's objective and C).")

    @OptionGroup var fit: FitOptions
    @OptionGroup var linear: LinearOptions
    @OptionGroup var classWeight: ClassWeightOptions

    func run() throws {
        var settings = fit.settings(.logreg)
        linear.apply(to: &settings)
        classWeight.apply(to: &settings)
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
