import Foundation

/// Why a metric or report could not be computed, written, or read.
/// `description` is one line fit to show a user as is.
public struct MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
