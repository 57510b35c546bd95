import ProbeCore
import ProbeTensor

/// Row-major float32 feature rows that can be read in contiguous blocks.
///
/// `Matrix` conforms; the embedding store's memory-mapped shards can conform too, so that k-NN
/// streams training rows block by block instead of copying them all into RAM.
public protocol FeatureRows {
    /// Number of samples (rows).
    var rowCount: Int { get }
    /// Number of features per sample (columns).
    var featureCount: Int { get }
    /// Calls `body` with rows `range` as one contiguous row-major buffer of `range.count * featureCount` floats.
    func withRows<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R
}

extension Matrix: FeatureRows {
    public var rowCount: Int { rows }
    public var featureCount: Int { cols }
    public func withRows<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[(range.lowerBound * cols)..<(range.upperBound * cols)]))
        }
    }
}
