import ProbeCore

/// How embeddings are stored on disk.
public enum EmbeddingDType: String, Codable, CaseIterable, Sendable {
    case float32
    case float16

    public var npyDType: NPYDType { self == .float32 ? .float32 : .float16 }
    public var byteSize: Int { self == .float32 ? 4 : 2 }
}

/// What makes two sets of embeddings comparable: the same network, the same weights,
/// the same preprocessing and pooling, stored the same way. Rows made under different
/// identities must never share a store, so a writer refuses a folder whose identity differs.
public struct StoreIdentity: Codable, Equatable, Sendable {
    /// Backbone name, e.g. `efficientnet_lite0`.
    public var model: String
    /// Lower-case hex sha256 of the weights file.
    public var weightsSHA256: String
    /// The preprocessing recipe as the caller describes it (resize, crop, mean/std…); compared, not interpreted.
    public var preprocessing: JSONValue
    /// Spatial pooling of the last feature map, e.g. `avg` or `max`.
    public var pool: String
    public var dtype: EmbeddingDType
    /// Embedding length (columns of the logical matrix).
    public var dim: Int

    public init(model: String, weightsSHA256: String, preprocessing: JSONValue, pool: String, dtype: EmbeddingDType, dim: Int) {
        self.model = model
        self.weightsSHA256 = weightsSHA256
        self.preprocessing = preprocessing
        self.pool = pool
        self.dtype = dtype
        self.dim = dim
    }

    enum CodingKeys: String, CodingKey {
        case model
        case weightsSHA256 = "weights_sha256"
        case preprocessing, pool, dtype, dim
    }

    /// One short phrase per field that differs, e.g. `model vgg16 (store) vs mobilenet_v2 (requested)`.
    public func differences(from requested: StoreIdentity) -> [String] {
        var result: [String] = []
        func note(_ name: String, _ mine: String, _ theirs: String) {
            if mine != theirs { result.append("\(name) \(mine) (store) vs \(theirs) (requested)") }
        }
        note("model", model, requested.model)
        if weightsSHA256 != requested.weightsSHA256 {
            // Twelve hex digits tell weights apart in practice; show all 64 if they do not.
            let short = weightsSHA256.prefix(12) != requested.weightsSHA256.prefix(12)
            note("weights sha256", short ? String(weightsSHA256.prefix(12)) : weightsSHA256,
                 short ? String(requested.weightsSHA256.prefix(12)) : requested.weightsSHA256)
        }
        if preprocessing != requested.preprocessing {
            result.append("preprocessing \(preprocessing) (store) vs \(requested.preprocessing) (requested)")
        }
        note("pool", pool, requested.pool)
        note("dtype", dtype.rawValue, requested.dtype.rawValue)
        note("dim", String(dim), String(requested.dim))
        return result
    }
}
