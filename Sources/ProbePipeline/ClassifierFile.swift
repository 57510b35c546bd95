import Foundation
import ProbeClassifiers
import ProbeCore
import ProbeStore

/// A trained classifier on disk: `NAME.json` (everything a reader needs to know, and the
/// identity of the features it expects) beside `NAME.*.npy` arrays (coefficients, PCA
/// components, k-NN training rows), so numpy can open the numbers too.
public struct ClassifierFile: Sendable {
    public static let formatName = "probe-classifier"
    public static let currentVersion = 1

    public let url: URL
    public let probe: TrainedProbe
    /// Class names, index = label.
    public let classes: [String]
    /// How the training features were made; inputs must match it.
    public let features: StoreIdentity
    public let training: TrainingRecord

    public struct TrainingRecord: Codable, Sendable, Equatable {
        public var featuresPath: String
        public var trainRows: Int
        public var validationRows: Int
        public var validationAccuracy: Double?
        public var predictionsFile: String?
    }

    public init(url: URL, probe: TrainedProbe, classes: [String], features: StoreIdentity, training: TrainingRecord) {
        self.url = url
        self.probe = probe
        self.classes = classes
        self.features = features
        self.training = training
    }

    // MARK: - The JSON part

    private struct Contents: Codable {
        var format: String
        var version: Int
        var settings: ProbeSettings
        var classes: [String]
        var features: StoreIdentity
        var training: TrainingRecord
        var chosenC: Double?
        var cCurve: [[Double]]
        var scaler: Scaler?
        var pca: PCARecord?
        var model: ModelRecord
    }

    private struct Scaler: Codable { var mean: [Double]; var scale: [Double] }
    private struct PCARecord: Codable { var mean: [Double]; var components: String; var explainedVariance: [Double]; var whiten: Bool }
    private struct ModelRecord: Codable {
        var classes: [Int]
        /// logreg/svm: [rows, features] coefficients file and intercepts.
        var coefficients: String?
        var intercepts: [Float]?
        var iterations: [Int]?
        var converged: Bool?
        var objective: Double?
        var warning: String?
        /// knn: the (transformed) training rows and their labels.
        var trainingRows: String?
        var trainingLabels: String?
    }

    public func save() throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let stem = url.deletingPathExtension().lastPathComponent
        func write(_ matrix: Matrix, _ suffix: String) throws -> String {
            let name = "\(stem).\(suffix).npy"
            try NPYArray(float32: matrix.values, shape: [matrix.rows, matrix.cols]).write(to: dir.appendingPathComponent(name))
            return name
        }
        var record = ModelRecord(classes: [])
        switch probe.model {
        case .logreg(let m):
            record = ModelRecord(classes: m.classes, coefficients: try write(m.coefficients, "coef"), intercepts: m.intercepts,
                                 iterations: [m.iterations], converged: m.converged, objective: m.objective, warning: m.warning)
        case .svm(let m):
            record = ModelRecord(classes: m.classes, coefficients: try write(m.coefficients, "coef"), intercepts: m.intercepts,
                                 iterations: m.iterations, converged: m.converged, warning: m.warning)
        case .knn(let m):
            let labelsName = "\(stem).train-labels.npy"
            try NPYArray(int32: m.labels.map { Int32($0) }, shape: [m.labels.count]).write(to: dir.appendingPathComponent(labelsName))
            record = ModelRecord(classes: m.classes, trainingRows: try write(m.training, "train"), trainingLabels: labelsName)
        }
        let contents = Contents(
            format: Self.formatName, version: Self.currentVersion, settings: probe.settings, classes: classes,
            features: features, training: training, chosenC: probe.chosenC,
            cCurve: probe.cCurve.map { [$0.c, $0.validationAccuracy] },
            scaler: probe.scaler.map { Scaler(mean: $0.mean, scale: $0.scale) },
            pca: try probe.pca.map { PCARecord(mean: $0.mean, components: try write($0.components, "pca"),
                                               explainedVariance: $0.explainedVariance, whiten: $0.whiten) },
            model: record)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(contents).write(to: url, options: .atomic)
    }

    public static func load(_ url: URL) throws -> ClassifierFile {
        do {
            return try loadUnchecked(url)
        } catch let error as PipelineError {
            throw error
        } catch {
            // Model and transform initialisers reject inconsistent shapes; say which file held them.
            throw PipelineError("\(url.path): damaged classifier file (\(error))")
        }
    }

    private static func loadUnchecked(_ url: URL) throws -> ClassifierFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelineError("\(url.path): cannot read the classifier file (\(error.localizedDescription))")
        }
        let contents: Contents
        do { contents = try JSONDecoder().decode(Contents.self, from: data) } catch {
            throw PipelineError("\(url.path): not a Probe classifier file (\(error))")
        }
        guard contents.format == formatName else { throw PipelineError("\(url.path): not a Probe classifier file") }
        guard contents.version == currentVersion else {
            throw PipelineError("\(url.path): classifier format \(contents.version) is not supported (this probe reads \(currentVersion))")
        }
        let dir = url.deletingLastPathComponent()
        func matrix(_ name: String?) throws -> Matrix {
            guard let name else { throw PipelineError("\(url.path): an array file is missing from the record") }
            let array = try NPYArray.read(contentsOf: dir.appendingPathComponent(name))
            guard array.shape.count == 2 else { throw PipelineError("\(name): expected a 2-D array, found shape \(array.shape)") }
            return Matrix(rows: array.shape[0], cols: array.shape[1], values: array.floats())
        }
        let scaler = try contents.scaler.map { try StandardScalerModel(mean: $0.mean, scale: $0.scale) }
        let pca = try contents.pca.map { try PCAModel(mean: $0.mean, components: try matrix($0.components),
                                                   explainedVariance: $0.explainedVariance, whiten: $0.whiten) }
        // The model initialisers throw on shapes that do not fit; `load` names the file.
        let m = contents.model
        let model: TrainedProbe.Model
        switch contents.settings.kind {
        case .logreg:
            model = .logreg(try LogisticRegressionModel(classes: m.classes, coefficients: try matrix(m.coefficients),
                                                    intercepts: m.intercepts ?? [], iterations: m.iterations?.first ?? 0,
                                                    converged: m.converged ?? true, objective: m.objective ?? .nan, warning: m.warning))
        case .svm:
            model = .svm(try LinearSVCModel(classes: m.classes, coefficients: try matrix(m.coefficients), intercepts: m.intercepts ?? [],
                                        iterations: m.iterations ?? [], warning: m.warning))
        case .knn:
            guard let labelsName = m.trainingLabels else { throw PipelineError("\(url.path): k-NN training labels are missing") }
            let labelsURL = dir.appendingPathComponent(labelsName)
            let labelsArray = try NPYArray.read(contentsOf: labelsURL)
            let labels: [Int]
            do { labels = try labelsArray.ints() } catch let error as NPYError {
                throw PipelineError("\(labelsURL.path): \(error.description.replacingOccurrences(of: "npy: ", with: ""))")
            }
            let s = contents.settings
            model = .knn(try KNeighbors(k: s.k, metric: s.metric, weights: s.neighborWeights).fit(x: try matrix(m.trainingRows), y: labels))
        }
        let probe = TrainedProbe(settings: contents.settings, scaler: scaler, pca: pca, model: model,
                                 cCurve: contents.cCurve.map { (c: $0[0], validationAccuracy: $0[1]) }, chosenC: contents.chosenC)
        return ClassifierFile(url: url, probe: probe, classes: contents.classes, features: contents.features, training: contents.training)
    }
}
