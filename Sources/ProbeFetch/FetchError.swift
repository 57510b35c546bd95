/// A download, hash check or extraction that failed. `message` is one line fit to show a
/// user as is: it names the URL or file and the reason.
public struct FetchError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import Foundation
extension FetchError: LocalizedError {
    public var errorDescription: String? { message }
}
