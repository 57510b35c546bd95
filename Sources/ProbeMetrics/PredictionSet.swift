import Foundation

/// Predictions a fit command writes for its held-out samples and `probe report` reads.
/// Labels are class names; probabilities, when present, follow the order of `classes`.
///
/// File format (JSON, UTF-8), version 1:
/// ```
/// {"format": "probe-predictions", "version": 1, "classes": ["cat", "dog"],
///  "source": {"model": "efficientnet_lite0", "weights_sha256": "…", "classifier": "logreg",
///             "classifier_parameters": {"C": "1.0"}, "features": "feats/", "split": "holdout 20%"},
///  "rows": [{"path": "cat/1.jpg", "true_label": "cat", "predicted_label": "dog", "probabilities": [0.4, 0.6]}]}
/// ```
public struct PredictionSet: Codable, Equatable, Sendable {
    /// Where the predictions came from. Every field is optional so partial provenance still loads.
    public struct Source: Codable, Equatable, Sendable {
        public var model: String?
        public var weightsSHA256: String?
        public var classifier: String?
        public var classifierParameters: [String: String]?
        /// The feature store the classifier was trained on.
        public var features: String?
        /// How the evaluated samples were chosen, e.g. "holdout 20% seed 0", "--val feats2/", "5-fold out-of-fold".
        public var split: String?
        /// Folder that image paths in `rows` are relative to (for thumbnails), when they are relative.
        public var imageRoot: String?

        public init(model: String? = nil, weightsSHA256: String? = nil, classifier: String? = nil,
                    classifierParameters: [String: String]? = nil, features: String? = nil,
                    split: String? = nil, imageRoot: String? = nil) {
            self.model = model
            self.weightsSHA256 = weightsSHA256
            self.classifier = classifier
            self.classifierParameters = classifierParameters
            self.features = features
            self.split = split
            self.imageRoot = imageRoot
        }

        enum CodingKeys: String, CodingKey {
            case model, classifier, features, split
            case weightsSHA256 = "weights_sha256"
            case classifierParameters = "classifier_parameters"
            case imageRoot = "image_root"
        }
    }

    /// One evaluated sample.
    public struct Row: Codable, Equatable, Sendable {
        public var path: String
        public var trueLabel: String
        public var predictedLabel: String
        /// One probability per class, in `classes` order, when the classifier gives them.
        public var probabilities: [Double]?

        public init(path: String, trueLabel: String, predictedLabel: String, probabilities: [Double]? = nil) {
            self.path = path
            self.trueLabel = trueLabel
            self.predictedLabel = predictedLabel
            self.probabilities = probabilities
        }

        enum CodingKeys: String, CodingKey {
            case path, probabilities
            case trueLabel = "true_label"
            case predictedLabel = "predicted_label"
        }
    }

    public static let formatName = "probe-predictions"
    public static let currentVersion = 1
    /// The file name a fit writes into its run folder.
    public static let defaultFileName = "predictions.json"

    public var classes: [String]
    public var source: Source
    public var rows: [Row]

    public init(classes: [String], source: Source = Source(), rows: [Row]) {
        self.classes = classes
        self.source = source
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey { case format, version, classes, source, rows }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decode(String.self, forKey: .format)
        guard format == PredictionSet.formatName else {
            throw MetricsError("format is \"\(format)\", expected \"\(PredictionSet.formatName)\"")
        }
        let version = try c.decode(Int.self, forKey: .version)
        guard version == PredictionSet.currentVersion else {
            throw MetricsError("predictions format version \(version) is not supported (this probe reads \(PredictionSet.currentVersion))")
        }
        classes = try c.decode([String].self, forKey: .classes)
        source = try c.decodeIfPresent(Source.self, forKey: .source) ?? Source()
        rows = try c.decode([Row].self, forKey: .rows)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(PredictionSet.formatName, forKey: .format)
        try c.encode(PredictionSet.currentVersion, forKey: .version)
        try c.encode(classes, forKey: .classes)
        try c.encode(source, forKey: .source)
        try c.encode(rows, forKey: .rows)
    }

    /// Checks that labels name known classes and probability rows have one entry per class.
    public func validate() throws {
        guard !classes.isEmpty else { throw MetricsError("no classes") }
        guard !rows.isEmpty else { throw MetricsError("no prediction rows") }
        // Compare names by their code points: two spellings of "café" are different classes.
        let known = Set(classes.map { Array($0.unicodeScalars) })
        guard known.count == classes.count else { throw MetricsError("class names are not unique") }
        for (i, row) in rows.enumerated() {
            for label in [row.trueLabel, row.predictedLabel] where !known.contains(Array(label.unicodeScalars)) {
                throw MetricsError("row \(i + 1) (\(row.path)) has label \"\(label)\" that is not one of the \(classes.count) classes")
            }
            if let p = row.probabilities, p.count != classes.count {
                throw MetricsError("row \(i + 1) (\(row.path)) has \(p.count) probabilities for \(classes.count) classes")
            }
        }
    }

    /// True and predicted labels as indices into `classes`.
    public func labelIndices() throws -> (trueLabels: [Int], predictedLabels: [Int]) {
        try validate()
        var index: [[Unicode.Scalar]: Int] = [:]
        for (i, name) in classes.enumerated() { index[Array(name.unicodeScalars)] = i }
        return (rows.map { index[Array($0.trueLabel.unicodeScalars)]! },
                rows.map { index[Array($0.predictedLabel.unicodeScalars)]! })
    }

    /// `rows × classes` probabilities when every row has them, else nil.
    public var probabilityMatrix: [[Double]]? {
        var matrix: [[Double]] = []
        matrix.reserveCapacity(rows.count)
        for row in rows {
            guard let p = row.probabilities else { return nil }
            matrix.append(p)
        }
        return matrix
    }

    /// Writes the set as JSON, atomically.
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw MetricsError("\(url.path): cannot encode predictions (\(error))")
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw MetricsError("\(url.path): cannot write predictions (\(error.localizedDescription))")
        }
    }

    /// Reads and validates a predictions file.
    public static func load(from url: URL) throws -> PredictionSet {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MetricsError("\(url.path): cannot read (\(error.localizedDescription))")
        }
        let set: PredictionSet
        do { set = try JSONDecoder().decode(PredictionSet.self, from: data) } catch let error as MetricsError {
            throw MetricsError("\(url.path): \(error.description)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw MetricsError("\(url.path): not a predictions file (no \"\(key.stringValue)\")")
        } catch {
            throw MetricsError("\(url.path): not a predictions file (invalid JSON)")
        }
        do { try set.validate() } catch let error as MetricsError {
            throw MetricsError("\(url.path): \(error.description)")
        }
        return set
    }
}
