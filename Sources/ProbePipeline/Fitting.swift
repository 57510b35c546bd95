import Foundation
import ProbeClassifiers
import ProbeMetrics
import ProbeStore
import ProbeTensor

/// What `probe fit-logreg|fit-svm|fit-knn` needs.
public struct FitRequest: Sendable {
    public var features: URL
    public var settings: ProbeSettings
    /// A second store to evaluate on; nil means a stratified hold-out of `features`.
    public var validation: URL?
    public var validationSplit = 0.2
    /// The classifier file; nil means `FEATS/models/<kind>.json`.
    public var out: URL?
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
}

public enum Fitting {
    public static func run(_ request: FitRequest) throws -> FitOutcome {
        let store = try openStore(request.features)
        try requireUsable(store)
        let settings = request.settings

        // Which rows train and which evaluate.
        var trainIndices = Array(0..<store.rowCount)
        var evaluation: (store: FeatureStore, indices: [Int])?
        if let validationURL = request.validation {
            let validation = try openStore(validationURL)
            try requireCompatible(validation, with: store.identity, classes: store.classes, what: "the --val store")
            evaluation = (validation, Array(0..<validation.rowCount))
        } else if request.validationSplit > 0 {
            let split = try stratifiedSplit(labels: store.labels, validationFraction: request.validationSplit, seed: settings.seed)
            trainIndices = split.train
            evaluation = (store, split.validation)
        }

        let probe = try TrainedProbe.fit(x: store.copyRows(trainIndices), y: trainIndices.map { store.labels[$0] }, settings: settings)

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
                              imageRoot: nil),
                rows: indices.enumerated().map { (i, row) in
                    PredictionSet.Row(path: evalStore.paths[row], trueLabel: store.classes[evalStore.labels[row]],
                                      predictedLabel: store.classes[predicted.labels[i]], probabilities: predicted.probabilities?[i])
                })
            let url = classifierURL.deletingPathExtension().appendingPathExtension("predictions.json")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try predictions.save(to: url)
            predictionsURL = url
            result = try Evaluation(predictions: predictions)
            accuracy = result?.report.accuracy
        }

        let file = ClassifierFile(
            url: classifierURL, probe: probe, classes: store.classes, features: store.identity,
            training: .init(featuresPath: store.directory.path, trainRows: trainIndices.count,
                            validationRows: evaluation?.indices.count ?? 0, validationAccuracy: accuracy,
                            predictionsFile: predictionsURL?.lastPathComponent))
        try file.save()
        try LastFit.record(classifierURL, in: request.workingDirectory)
        return FitOutcome(classifierFile: classifierURL, predictionsFile: predictionsURL, trainRows: trainIndices.count,
                          validationRows: evaluation?.indices.count ?? 0, evaluation: result, probe: probe, classes: store.classes)
    }

    static func openStore(_ url: URL) throws -> FeatureStore {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(StoreManifest.fileName).path) else {
            throw PipelineError("\(url.path): not an embedding store (no manifest.json); run `probe extract --out \(url.path)` first")
        }
        return try FeatureStore(directory: url)
    }

    static func requireUsable(_ store: FeatureStore) throws {
        guard store.rowCount > 0 else { throw PipelineError("\(store.directory.path): the store has no rows") }
        let present = Set(store.labels)
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
