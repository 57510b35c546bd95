import Foundation

/// A problem with one file or folder, as one line fit to show a user: `"<file>: <reason>"`.
public struct ImageError: Error, CustomStringConvertible, LocalizedError, Sendable, Equatable {
    /// The file or folder, as the caller named it (a dataset-relative path or a full path).
    public let file: String
    /// What went wrong, lower-case, no trailing period.
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
    public var errorDescription: String? { description }
}
