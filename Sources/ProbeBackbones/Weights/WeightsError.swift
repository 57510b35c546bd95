import Foundation

/// A checkpoint that cannot be read, or weights that cannot be found or fetched.
/// `message` is one line fit to show a user as is: it names the file and the reason.
public struct WeightsError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let message: String

    public init(message: String) { self.message = message }

    init(_ url: URL, _ reason: String) { self.message = "\(url.path): \(reason)" }

    public var description: String { message }
    public var errorDescription: String? { message }
}
