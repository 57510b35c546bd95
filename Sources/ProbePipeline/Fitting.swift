import Foundation
import ProbeClassifiers
import ProbeMetrics
import ProbeStore

/// What `probe fit-logreg|fit-svm|fit-knn` needs.
public struct FitRequest: Sendable {
    public var features: URL
    public var settings: ProbeSettings
    /// A second store to evaluate on; nil means a stratified hold-out of `features`.
    public var validation: URL?
    public var validationSplit = 0.2
    /// The classifier file; nil means `FEATS/models/<kind>.json`.
    public var out: URL?
    /// Rows of `features` to leave out (`--exclude`); the --val store is not filtered.
    public var exclude: ExcludeList?
    /// Where the "most recent fit" is recorded (the current directory).
    public var workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

    public init(features: URL, settings: ProbeSettings) {
        self.features = features
        self.settings = settings
    }
}

public struct FitOutcome: Sendable {
    public let classifierFile: URL
    public let predictionsFile: URL?
    public let trainRows: Int
    public let validationRows: Int
    public let evaluation: Evaluation?
    public let probe: TrainedProbe
    public let classes: [String]
    /// Rows of the training store left out by `--exclude` (0 without one).
    public var excludedRows = 0
    /// Warnings about the run's input (e.g. exclude-list entries that named no row).
    public var warnings: [String] = []
}

public enum Fitting {
    public static func run(_ request: FitRequest) throws -> FitOutcome {
        let store = try openStore(request.features)
        let selection = StoreRows(store, excluding: request.exclude)
        try requireUsable(store, rows: selection.rows)
        let settings = request.settings

        // Which rows train and which evaluate.
        var trainIndices = selection.rows
        var evaluation: (store: FeatureStore, indices: [Int])?
        if let validationURL = request.validation {
            let validation = try openStore(validationURL)
            try requireCompatible(validation, with: store.identity, classes: store.classes, what: "the --val store")
            evaluation = (validation, Array(0..<validation.rowCount))
        } else if request.validationSplit > 0 {
            let split = try stratifiedSplit(labels: selection.labels, validationFraction: request.validationSplit, seed: settings.seed)
            trainIndices = split.train.map { selection.rows[$0] }
            evaluation = (store, split.validation.map { selection.rows[$0] })
        }

        let probe = try TrainedProbe.fit(x: store.copyRows(trainIndices), y: trainIndices.map { store.labels[$0] }, settings: settings,
                                         recordObjective: true)

        let modelsDir = request.features.appendingPathComponent("models")
        let classifierURL = request.out ?? modelsDir.appendingPathComponent("\(settings.kind.rawValue).json")
        var predictionsURL: URL?
        var result: Evaluation?
        var accuracy: Double?
        if let (evalStore, indices) = evaluation, !indices.isEmpty {
            let predicted = try probe.predict(evalStore.copyRows(indices), classCount: store.classes.count)
            let predictions = PredictionSet(
                classes: store.classes,
                source: .init(model: store.identity.model, weightsSHA256: store.identity.weightsSHA256,
                              classifier: settings.kind.rawValue, classifierParameters: settings.summary,
                              features: evalStore.directory.path,
                              split: request.validation == nil ? "hold-out \(Int((request.validationSplit * 100).rounded()))% (seed \(settings.seed))" : "validation store",
                              imageRoot: evalStore.manifest.datasetRoot),
                rows: indices.enumerated().map { (i, row) in
                    PredictionSet.Row(path: evalStore.paths[row], trueLabel: store.classes[evalStore.labels[row]],
                                      predictedLabel: store.classes[predicted.labels[i]], probabilities: predicted.probabilities?[i])
                })
            let url = classifierURL.deletingPathExtension().appendingPathExtension("predictions.json")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try predictions.save(to: url)
            predictionsURL = url
            // From the class indices at hand, not back from the names the predictions file holds.
            result = try Evaluation(trueLabels: indices.map { evalStore.labels[$0] }, predictedLabels: predicted.labels,
                                    classes: store.classes, probabilities: predicted.probabilities)
            accuracy = result?.report.accuracy
        }

        let file = ClassifierFile(
            url: classifierURL, probe: probe, classes: store.classes, features: store.identity,
            training: .init(featuresPath: store.directory.path, trainRows: trainIndices.count,
                            validationRows: evaluation?.indices.count ?? 0, validationAccuracy: accuracy,
                            predictionsFile: predictionsURL?.lastPathComponent))
        try file.save()
        try LastFit.record(classifierURL, in: request.workingDirectory)
        var outcome = FitOutcome(classifierFile: classifierURL, predictionsFile: predictionsURL, trainRows: trainIndices.count,
                                 validationRows: evaluation?.indices.count ?? 0, evaluation: result, probe: probe, classes: store.classes)
        outcome.excludedRows = selection.excludedCount
        outcome.warnings = selection.warning.map { [$0] } ?? []
        return outcome
    }

    static func openStore(_ url: URL) throws -> FeatureStore {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(StoreManifest.fileName).path) else {
            throw PipelineError("\(url.path): not an embedding store (no manifest.json); run `probe extract --out \(url.path)` first")
        }
        return try FeatureStore(directory: url)
    }

    /// The store has rows of at least two classes (among `rows`, when given: the rows left after `--exclude`).
    static func requireUsable(_ store: FeatureStore, rows: [Int]? = nil) throws {
        guard store.rowCount > 0 else { throw PipelineError("\(store.directory.path): the store has no rows") }
        if let rows, rows.isEmpty { throw PipelineError("\(store.directory.path): --exclude leaves no rows") }
        let present = Set(rows.map { $0.map { store.labels[$0] } } ?? store.labels)
        guard present.count >= 2 else {
            throw PipelineError("\(store.directory.path): only one class has rows (\(store.classes[present.first ?? 0])); a classifier needs at least two")
        }
    }

    static func requireCompatible(_ other: FeatureStore, with identity: StoreIdentity, classes: [String], what: String) throws {
        let differences = other.identity.differences(from: identity)
        guard differences.isEmpty else {
            throw PipelineError("\(other.directory.path): \(what) was made differently from the training features (\(differences.joined(separator: "; ")))")
        }
        guard other.classes == classes else {
            throw PipelineError("\(other.directory.path): \(what) has classes \(other.classes), the training features \(classes)")
        }
    }
}

/// The rows of a store a job uses: all of them, or those an exclude list does not name.
struct StoreRows {
    /// Store row indices, increasing.
    let rows: [Int]
    /// The class index of each of `rows`.
    let labels: [Int]
    let excludedCount: Int
    /// Set when entries of the list named no row of the store.
    let warning: String?

    init(_ store: FeatureStore, excluding list: ExcludeList?) {
        guard let list else {
            rows = Array(0..<store.rowCount)
            labels = store.labels
            excludedCount = 0
            warning = nil
            return
        }
        let match = list.match(paths: store.paths, root: store.manifest.datasetRoot.map { URL(fileURLWithPath: $0) })
        rows = match.kept
        labels = match.kept.map { store.labels[$0] }
        excludedCount = match.excluded.count
        warning = list.unmatchedWarning(match, in: "the store \(store.directory.path)")
    }
}

// Where fits are found again: `probe report` with a run or none.

extension PredictionSet {
    /// Finds the predictions for a run: `run` may be a predictions file, a classifier file
    /// (`NAME.json` → `NAME.predictions.json`, else `predictions.json` beside it), or a fit folder
    /// (`predictions.json`, `models/predictions.json`, else the newest `*.predictions.json` in it or in `models/`).
    public static func locate(run: URL) throws -> URL {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: run.path, isDirectory: &isDirectory) else {
            throw PipelineError("\(run.path): no such file or folder")
        }
        var tried: [URL] = []
        func firstExisting(_ candidates: [URL]) -> URL? {
            tried += candidates
            return candidates.first { fm.fileExists(atPath: $0.path) }
        }
        func newestPredictions(in folder: URL) -> URL? {
            let files = (try? fm.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
            let matches = files.filter { $0.lastPathComponent.hasSuffix(".predictions.json") }
            func date(_ u: URL) -> Date { (try? u.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast }
            return matches.max { (date($0), $1.lastPathComponent) < (date($1), $0.lastPathComponent) }
        }
        if !isDirectory.boolValue {
            if isPredictionsFile(run) { return run }
            let folder = run.deletingLastPathComponent()
            let stem = run.deletingPathExtension().lastPathComponent
            if let found = firstExisting([folder.appendingPathComponent("\(stem).predictions.json"),
                                          folder.appendingPathComponent(PredictionSet.defaultFileName)]) { return found }
        } else {
            if let found = firstExisting([run.appendingPathComponent(PredictionSet.defaultFileName),
                                          run.appendingPathComponent("models").appendingPathComponent(PredictionSet.defaultFileName)]) { return found }
            if let found = newestPredictions(in: run) ?? newestPredictions(in: run.appendingPathComponent("models")) { return found }
        }
        let names = tried.map(\.lastPathComponent).joined(separator: ", ")
        throw PipelineError("\(run.path): no predictions found (looked for \(names.isEmpty ? "a predictions file" : names)); run a fit command to make them")
    }

    /// A file is read as predictions when its top-level "format" says so; a file that is not JSON at all
    /// is also handed to `load`, whose error then names the file and the reason.
    private static func isPredictionsFile(_ url: URL) -> Bool {
        guard let data = FileManager.default.contents(atPath: url.path) else { return true }
        guard let object = try? JSONSerialization.jsonObject(with: data) else { return true }
        return (object as? [String: Any])?["format"] as? String == PredictionSet.formatName
    }
}

/// The current directory's most recent fit, recorded in `./.probe/last-fit` as one absolute path.
public enum LastFit {
    public static let relativePath = ".probe/last-fit"

    /// Records `run` (a classifier file or fit folder) as the most recent fit of `directory`.
    public static func record(_ run: URL, in directory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws {
        let file = directory.appendingPathComponent(relativePath)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((run.standardizedFileURL.path + "\n").utf8).write(to: file, options: .atomic)
        } catch {
            throw PipelineError("\(file.path): cannot record the most recent fit (\(error.localizedDescription))")
        }
    }

    /// The recorded run, or nil when `directory` has no recorded fit.
    /// Throws when the record exists but points at something that is gone.
    public static func resolve(in directory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws -> URL? {
        let file = directory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !path.isEmpty else { return nil }
        let run = URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL
        guard FileManager.default.fileExists(atPath: run.path) else {
            throw PipelineError("\(relativePath) names \(run.path), which no longer exists; run a fit again or pass RUN")
        }
        return run
    }
}
