import ArgumentParser
import Foundation
import ProbeMetrics
import ProbePipeline

/// How `probe report` prints to standard output.
enum ReportFormat: String, EnumerableFlag {
    case text, json, csv

    static func help(for value: ReportFormat) -> ArgumentHelp? {
        switch value {
        case .text: return "scikit-learn's classification_report layout."
        case .json: return "Accuracy, averages, per-class numbers, confusion matrix, top-k accuracy and log loss as JSON."
        case .csv: return "The per-class table as CSV."
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show how well a fitted classifier did on its held-out predictions.",
        discussion: """
        RUN is a predictions file, a classifier file or a fit folder. Without RUN, the most recent fit \
        made in the current folder is used (recorded in .probe/last-fit).
        """
    )

    @Argument(help: ArgumentHelp("Predictions file, classifier file or fit folder (default: this folder's most recent fit).", valueName: "RUN"))
    var runPath: String?

    @Flag(help: "Also print the confusion matrix (rows = true class, columns = predicted).")
    var confusion = false

    @Option(help: "Decimal places in the report.")
    var digits = 2

    @Flag(exclusivity: .exclusive)
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Also write a self-contained HTML report to FILE.", valueName: "FILE"))
    var html: String?

    @Option(name: .customLong("image-root"), help: ArgumentHelp("Folder that image paths in the predictions are relative to (for HTML thumbnails).", valueName: "DIR"))
    var imageRoot: String?

    @Option(help: ArgumentHelp("Also write the confusion-matrix heatmap as a PNG to FILE.", valueName: "FILE"))
    var png: String?

    func validate() throws {
        guard (0...15).contains(digits) else { throw ValidationError("--digits must be between 0 and 15") }
    }

    func run() throws {
        let runURL: URL
        if let runPath {
            runURL = URL(fileURLWithPath: runPath)
        } else if let last = try LastFit.resolve() {
            runURL = last
        } else {
            throw PipelineError("no fit recorded in this folder (\(LastFit.relativePath)); run a fit first (e.g. probe fit-logreg FEATS) or pass RUN")
        }
        let predictionsURL = try PredictionSet.locate(run: runURL)
        let predictions = try PredictionSet.load(from: predictionsURL)
        let evaluation = try Evaluation(predictions: predictions)

        switch format {
        case .text: print(evaluation.text(digits: digits, includeConfusionMatrix: confusion), terminator: "")
        case .json: print(evaluation.json.serialized())
        case .csv: print(evaluation.csv(), terminator: "")
        }
        if let html {
            let report = HTMLReport(title: "Probe report: \(predictionsURL.lastPathComponent)",
                                    imageRoot: imageRoot.map { URL(fileURLWithPath: $0) })
            let thumbnails = try report.write(evaluation: evaluation, predictions: predictions, to: URL(fileURLWithPath: html))
            if thumbnails.notFound > 0 {
                let hint = imageRoot == nil ? "; pass --image-root DIR (the folder the images were extracted from)" : " under \(imageRoot!)"
                FileHandle.standardError.write(Data("note: \(thumbnails.notFound) misclassified image(s) not found for thumbnails\(hint)\n".utf8))
            }
        }
        if let png {
            try ConfusionMatrixImage(matrix: evaluation.confusionMatrix).writePNG(to: URL(fileURLWithPath: png))
        }
    }
}
