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

    /// Writes `NAME.json` and its `.npy` arrays (each type stores its own fields: `TrainedProbe`'s
    /// `Codable` conformance and the estimators').
    public func save() throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[NPYSidecars.userInfoKey] = NPYSidecars(record: url)
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// Reads a classifier file; every way it can be damaged is an error naming the file.
    public static func load(_ url: URL) throws -> ClassifierFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelineError("\(url.path): cannot read the classifier file (\(error.localizedDescription))")
        }
        let decoder = JSONDecoder()
        decoder.userInfo[NPYSidecars.userInfoKey] = NPYSidecars(record: url)
        do {
            return try decoder.decode(ClassifierFile.self, from: data)
        } catch let error as PipelineError {
            throw error
        } catch let error as NPYSidecarError {
            throw PipelineError(error.description)
        } catch let error as DecodingError {
            throw PipelineError("\(url.path): not a Probe classifier file (\(error))")
        } catch {
            // Model and transform initialisers reject inconsistent shapes; say which file held them.
            throw PipelineError("\(url.path): damaged classifier file (\(error))")
        }
    }
}

/// The file's own fields (format, version, classes, features, training) beside the probe's.
extension ClassifierFile: Codable {
    private enum CodingKeys: String, CodingKey { case format, version, classes, features, training }

    public init(from decoder: Decoder) throws {
        let url = try NPYSidecars.of(decoder.userInfo).record
        let record = try decoder.container(keyedBy: CodingKeys.self)
        guard try record.decode(String.self, forKey: .format) == Self.formatName else {
            throw PipelineError("\(url.path): not a Probe classifier file")
        }
        let version = try record.decode(Int.self, forKey: .version)
        guard version == Self.currentVersion else {
            throw PipelineError("\(url.path): classifier format \(version) is not supported (this probe reads \(Self.currentVersion))")
        }
        let classes = try record.decode([String].self, forKey: .classes)
        let features = try record.decode(StoreIdentity.self, forKey: .features)
        let training = try record.decode(TrainingRecord.self, forKey: .training)
        self.init(url: url, probe: try TrainedProbe(from: decoder), classes: classes, features: features, training: training)
    }

    public func encode(to encoder: Encoder) throws {
        var record = encoder.container(keyedBy: CodingKeys.self)
        try record.encode(Self.formatName, forKey: .format)
        try record.encode(Self.currentVersion, forKey: .version)
        try record.encode(classes, forKey: .classes)
        try record.encode(features, forKey: .features)
        try record.encode(training, forKey: .training)
        try probe.encode(to: encoder)
    }
}
