import Foundation
import ProbeCore

/// The classifiers `probe fit-*` and `probe cv` train.
public enum ClassifierKind: String, Codable, CaseIterable, Sendable {
    case logreg, svm, knn

    /// Logistic regression and the SVM are scale-sensitive; k-NN on CNN features is
    /// compared as is, as scikit-learn's KNeighborsClassifier() would be used.
    public var standardizesByDefault: Bool { self != .knn }
}

/// Hyper-parameters of one fit, as given on the command line.
public struct ProbeSettings: Codable, Sendable, Equatable {
    public var kind: ClassifierKind
    /// nil means `--C auto`: a log-grid search on a validation split of the training rows.
    public var c: Double? = 1
    public var classWeight: ClassWeight = .none
    public var maxIterations: Int?
    public var standardize: Bool
    public var pcaComponents: Int?
    public var whiten = false
    public var k = 5
    public var metric: NeighborMetric = .euclidean
    public var neighborWeights: NeighborWeights = .uniform
    public var seed: UInt64 = 0

    public init(kind: ClassifierKind) {
        self.kind = kind
        self.standardize = kind.standardizesByDefault
    }

    /// The settings as strings, for prediction files and reports.
    public var summary: [String: String] {
        var s: [String: String] = ["standardize": String(standardize), "seed": String(seed)]
        if let pcaComponents { s["pca"] = "\(pcaComponents)\(whiten ? " whitened" : "")" }
        switch kind {
        case .logreg, .svm:
            s["C"] = c.map { "\($0)" } ?? "auto"
            if kind == .logreg { s["class_weight"] = classWeight.rawValue }
            if let maxIterations { s["max_iter"] = String(maxIterations) }
        case .knn:
            s["k"] = String(k)
            s["metric"] = metric.rawValue
            s["weights"] = neighborWeights.rawValue
        }
        return s
    }
}

/// A fitted classifier with the feature transforms it was trained behind
/// (standardisation, then optional PCA), mapping embeddings to class indices of the store.
public struct TrainedProbe: Sendable {
    public enum Model: Sendable {
        case logreg(LogisticRegressionModel)
        case svm(LinearSVCModel)
        case knn(KNeighborsModel<Matrix>)
    }

    public let settings: ProbeSettings
    public let scaler: StandardScalerModel?
    public let pca: PCAModel?
    public let model: Model
    /// The C chosen by `--C auto`, with the validation curve it was chosen from.
    public let cCurve: [(c: Double, validationAccuracy: Double)]
    public let chosenC: Double?

    /// Human-readable convergence warning, if the solver stopped at its iteration limit.
    public var warning: String? {
        switch model {
        case .logreg(let m): return m.warning
        case .svm(let m): return m.warning
        case .knn: return nil
        }
    }

    /// A probe as fitted earlier (read back from a file).
    public init(settings: ProbeSettings, scaler: StandardScalerModel?, pca: PCAModel?, model: Model,
                cCurve: [(c: Double, validationAccuracy: Double)] = [], chosenC: Double? = nil) {
        self.settings = settings
        self.scaler = scaler
        self.pca = pca
        self.model = model
        self.cCurve = cCurve
        self.chosenC = chosenC
    }

    /// Fits on `x` [n, d] with labels `y` (class indices). Each transform checks the values of
    /// the matrix it fits on once; the estimator checks what the transforms hand it.
    ///
    /// `warmStart`: a probe fitted earlier with the same settings on similar rows (e.g. the same fold
    /// with a few rows left out). A logistic regression with a fixed C then starts from its
    /// coefficients, carried into this fit's standardisation, instead of from zero; anything else
    /// (SVM, k-NN, PCA, `--C auto`, different classes) ignores it. `recordObjective`: a logistic
    /// regression also records its objective on these rows (`LogisticRegressionModel.objective`),
    /// as the classifier file keeps it; cross-validation and the doctor's folds do without.
    public static func fit(x: consuming Matrix, y: [Int], settings: ProbeSettings, warmStart: TrainedProbe? = nil,
                           recordObjective: Bool = false) throws -> TrainedProbe {
        var features = x
        var scaler: StandardScalerModel?
        var pca: PCAModel?
        if settings.standardize {
            let fitted = try StandardScaler().fit(features)
            features = try fitted.transform(consume features, validated: true)
            scaler = fitted
        }
        if let components = settings.pcaComponents {
            let fitted = try PCA(components: components, whiten: settings.whiten).fit(features)
            features = try fitted.transform(features, validated: true)
            pca = fitted
        }
        var curve: [(c: Double, validationAccuracy: Double)] = []
        var chosen: Double?
        var model: Model
        switch settings.kind {
        case .logreg:
            let make = { (c: Double) in
                LogisticRegression(c: c, maxIterations: settings.maxIterations ?? 1000, classWeight: settings.classWeight)
            }
            if let c = settings.c {
                let start = try warmStart.flatMap { try $0.logisticStart(scaler: scaler, classes: Array(Set(y)).sorted(), settings: settings) }
                model = .logreg(try make(c).fit(x: features, y: y, start: start))
            } else {
                let search = try CSearch(seed: settings.seed).run(x: features, y: y) { c, xs, ys in try make(c).fit(x: xs, y: ys) }
                (curve, chosen) = (search.curve, search.bestC)
                model = .logreg(search.model)
            }
            if recordObjective, case .logreg(let fitted) = model, let c = chosen ?? settings.c {
                model = .logreg(try fitted.recording(objective: make(c).objective(of: fitted, x: features, y: y)))
            }
        case .svm:
            let make = { (c: Double) in LinearSVC(c: c, maxIterations: settings.maxIterations ?? 1000, seed: settings.seed) }
            if let c = settings.c {
                model = .svm(try make(c).fit(x: features, y: y))
            } else {
                let search = try CSearch(seed: settings.seed).run(x: features, y: y) { c, xs, ys in try make(c).fit(x: xs, y: ys) }
                (curve, chosen) = (search.curve, search.bestC)
                model = .svm(search.model)
            }
        case .knn:
            model = .knn(try KNeighbors(k: settings.k, metric: settings.metric, weights: settings.neighborWeights).fit(x: features, y: y))
        }
        return TrainedProbe(settings: settings, scaler: scaler, pca: pca, model: model, cCurve: curve, chosenC: chosen)
    }

    /// This probe's logistic regression expressed on features standardised by `scaler` instead of its
    /// own, as a starting point for a fit with `settings`; nil when there is none to offer.
    ///
    /// The model scores z = W·((x − μ)/σ) + b. With x = σ'·x' + μ' for the other standardisation:
    /// W'_j = W_j·σ'_j/σ_j and b' = b + Σ_j W_j·(μ'_j − μ_j)/σ_j, the same scores on every row.
    func logisticStart(scaler other: StandardScalerModel?, classes: [Int], settings: ProbeSettings) throws -> LogisticRegressionModel? {
        guard case .logreg(let model) = model, model.classes == classes, pca == nil, settings.pcaComponents == nil,
              self.settings.standardize == settings.standardize else { return nil }
        guard let mine = scaler, let other else { return model }
        let d = model.featureCount, m = model.coefficients.rows
        guard mine.mean.count == d, other.mean.count == d else { return nil }
        var w = model.coefficients.values
        var b = model.intercepts.map(Double.init)
        for k in 0..<m {
            var shift = 0.0
            for j in 0..<d {
                let wj = Double(w[k * d + j])
                shift += wj * (other.mean[j] - mine.mean[j]) / mine.scale[j]
                w[k * d + j] = Float(wj * other.scale[j] / mine.scale[j])
            }
            b[k] += shift
        }
        return try LogisticRegressionModel(classes: model.classes, coefficients: Matrix(rows: m, cols: d, values: w),
                                           intercepts: b.map(Float.init))
    }

    /// The embeddings as the model sees them (after standardisation and PCA).
    public func transform(_ x: consuming Matrix) throws -> Matrix {
        var features = x
        if let scaler { features = try scaler.transform(consume features) }
        if let pca { features = try pca.transform(features) }
        return features
    }

    /// Predicted class indices and, where the model has them, probabilities [n][classes of the store].
    public func predict(_ x: consuming Matrix, classCount: Int) throws -> (labels: [Int], probabilities: [[Double]]?) {
        let features = try transform(x)
        switch model {
        case .logreg(let m):
            return (try m.predict(features), expand(try m.predictProbabilities(features), modelClasses: m.classes, classCount: classCount))
        case .svm(let m):
            return (try m.predict(features), nil)
        case .knn(let m):
            return (try m.predict(features), expand(try m.predictProbabilities(features), modelClasses: m.classes, classCount: classCount))
        }
    }

    /// Spreads per-model-class probabilities over all classes of the store (a class absent
    /// from training gets probability 0).
    private func expand(_ p: Matrix, modelClasses: [Int], classCount: Int) -> [[Double]] {
        (0..<p.rows).map { r in
            var row = [Double](repeating: 0, count: classCount)
            for (j, cls) in modelClasses.enumerated() where cls < classCount { row[cls] = Double(p[r, j]) }
            return row
        }
    }
}

/// In a classifier file: the settings, the transforms and the model in the JSON, their matrices in
/// `.npy` files beside it (`NPYSidecars`). k-NN's record is its training rows and labels; the
/// neighbour count, metric and weights are the settings'.
extension TrainedProbe: Codable {
    private enum CodingKeys: String, CodingKey { case settings, scaler, pca, model, cCurve, chosenC }
    private enum NeighborsKeys: String, CodingKey { case classes, trainingRows, trainingLabels }

    public init(from decoder: Decoder) throws {
        let record = try decoder.container(keyedBy: CodingKeys.self)
        let settings = try record.decode(ProbeSettings.self, forKey: .settings)
        let curve = try record.decode([[Double]].self, forKey: .cCurve)
        guard curve.allSatisfy({ $0.count == 2 }) else {
            throw DecodingError.dataCorruptedError(forKey: .cCurve, in: record, debugDescription: "each point is [C, validation accuracy]")
        }
        let chosenC = try record.decodeIfPresent(Double.self, forKey: .chosenC)
        let scaler = try record.decodeIfPresent(StandardScalerModel.self, forKey: .scaler)
        let pca = try record.decodeIfPresent(PCAModel.self, forKey: .pca)
        let model: Model
        switch settings.kind {
        case .logreg: model = .logreg(try record.decode(LogisticRegressionModel.self, forKey: .model))
        case .svm: model = .svm(try record.decode(LinearSVCModel.self, forKey: .model))
        case .knn:
            let neighbors = try record.nestedContainer(keyedBy: NeighborsKeys.self, forKey: .model)
            _ = try neighbors.decode([Int].self, forKey: .classes)
            let sidecars = try NPYSidecars.of(decoder.userInfo)
            guard let labelsName = try neighbors.decodeIfPresent(String.self, forKey: .trainingLabels) else {
                throw sidecars.error("k-NN training labels are missing")
            }
            let labels = try sidecars.ints(named: labelsName)
            let rows = try sidecars.matrix(named: neighbors.decodeIfPresent(String.self, forKey: .trainingRows))
            model = .knn(try KNeighbors(k: settings.k, metric: settings.metric, weights: settings.neighborWeights).fit(x: rows, y: labels))
        }
        self.init(settings: settings, scaler: scaler, pca: pca, model: model,
                  cCurve: curve.map { (c: $0[0], validationAccuracy: $0[1]) }, chosenC: chosenC)
    }

    public func encode(to encoder: Encoder) throws {
        var record = encoder.container(keyedBy: CodingKeys.self)
        try record.encode(settings, forKey: .settings)
        try record.encode(cCurve.map { [$0.c, $0.validationAccuracy] }, forKey: .cCurve)
        try record.encodeIfPresent(chosenC, forKey: .chosenC)
        try record.encodeIfPresent(scaler, forKey: .scaler)
        try record.encodeIfPresent(pca, forKey: .pca)
        switch model {
        case .logreg(let m): try record.encode(m, forKey: .model)
        case .svm(let m): try record.encode(m, forKey: .model)
        case .knn(let m):
            let sidecars = try NPYSidecars.of(encoder.userInfo)
            var neighbors = record.nestedContainer(keyedBy: NeighborsKeys.self, forKey: .model)
            try neighbors.encode(m.classes, forKey: .classes)
            try neighbors.encode(sidecars.write(m.training, role: "train"), forKey: .trainingRows)
            try neighbors.encode(sidecars.write(m.labels, role: "train-labels"), forKey: .trainingLabels)
        }
    }
}
