import ArgumentParser
import Foundation
import ProbeClassifiers
import ProbeDoctor
import ProbePipeline

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Find exact and near duplicates, leaks, likely label errors and outliers in an embedding store.",
        discussion: """
        Label errors: confident learning (Northcutt et al., JAIR 2021) on 0.25 x the out-of-fold \
        probabilities of `probe cv`'s folds and classifier (with cv's classifier options) + 0.75 x the label \
        shares of each row's 10 nearest neighbours, in two passes: the second refits the folds and counts \
        the neighbours' votes without the rows the first pass flagged. \
        Probe never modifies or deletes photos: --exclude-list only writes the paths to leave out.
        """)

    @Argument(help: "The embedding store.") var features: String
    @Option(help: ArgumentHelp("A second store (e.g. the validation set) to look for leaked duplicates in.", valueName: "FEATS2"))
    var against: String?
    @Option(help: "logreg, svm or knn (for the out-of-fold probabilities).") var classifier: ClassifierKind = .logreg
    @Option(help: "Number of folds.") var folds = 5
    @Option(help: "Seed of the fold assignment.") var seed: UInt64 = 0
    @OptionGroup var options: FoldClassifierOptions
    @Option(help: "Entries of each list in the text output.") var top = 20
    @Option(help: ArgumentHelp("Cosine similarity from which two rows are near-duplicates.", valueName: "X"))
    var nearThreshold = Doctor.defaultNearThreshold
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: ArgumentHelp("Also write a self-contained HTML page with thumbnails to FILE.", valueName: "FILE")) var html: String?
    @Option(name: .customLong("image-root"), help: ArgumentHelp("Folder the store's image paths are relative to (default: the folder it was extracted from).", valueName: "DIR"))
    var imageRoot: String?
    @Option(help: ArgumentHelp("Write the paths to leave out (one per line): all but one copy per duplicate group, all copies when their labels differ, rows leaked into --against, likely label errors.", valueName: "FILE"))
    var excludeList: String?

    func validate() throws {
        if folds < 2 { throw ValidationError("--folds must be at least 2") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if !(nearThreshold > -1 && nearThreshold <= 1) { throw ValidationError("--near-threshold must be in (-1, 1]") }
    }

    func run() throws {
        var request = Doctor.Request(features: URL(fileURLWithPath: features), settings: options.settings(classifier, seed: seed))
        request.against = against.map { URL(fileURLWithPath: $0) }
        request.folds = folds
        request.top = top
        request.nearThreshold = nearThreshold
        let report = try Doctor.run(request) { if !json { note($0) } }
        if json {
            print(report.json.serialized(pretty: true))
        } else {
            print(report.text(), terminator: "")
        }
        if let html {
            let counts = try DoctorPage(report: report, imageRoot: imageRoot.map { URL(fileURLWithPath: $0) }).write(to: URL(fileURLWithPath: html))
            if counts.notFound > 0 { note("note: \(counts.notFound) image(s) not found for thumbnails; pass --image-root DIR") }
        }
        if let excludeList {
            let paths = report.excludeList()
            do { try Data(paths.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: excludeList), options: .atomic) } catch {
                throw PipelineError("\(excludeList): cannot write the exclude list (\(error.localizedDescription))")
            }
            if !json { note("\(excludeList): \(paths.count) path(s) to leave out") }
        }
    }
}
