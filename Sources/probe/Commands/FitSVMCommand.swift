import ArgumentParser
import ProbePipeline

struct FitSVMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-svm",
        abstract: "Linear SVM (L2, squared hinge, one-vs-rest; liblinear's dual coordinate descent, as LinearSVC()).")

    @OptionGroup var fit: FitOptions
    @OptionGroup var linear: LinearOptions

    func run() throws {
        var settings = fit.settings(.svm)
        linear.apply(to: &settings)
        printFitOutcome(try Fitting.run(fit.request(settings)))
    }
}
