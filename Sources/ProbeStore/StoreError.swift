import Foundation

/// Every failure of the store, with a one-line message naming the file and the reason,
/// fit to show a user as it is. `kind` lets callers (and tests) tell reasons apart.
public struct StoreError: Error, Equatable, CustomStringConvertible, LocalizedError, Sendable {
    public enum Kind: String, Sendable {
        /// The folder holds a store made with another model, weights, preprocessing, pool, dtype or dim.
        case identityMismatch
        /// The folder holds a store made for another `--part`.
        case partMismatch
        /// Another live process holds the writer lock.
        case locked
        /// The folder exists but is not a Probe store (and is not empty).
        case notAStore
        /// A store file is missing, truncated, or disagrees with the manifest.
        case corrupt
        /// Merge inputs that are not every finished part of one split (a part missing, unfinished or given twice).
        case incompleteParts
        /// The same dataset path would appear twice.
        case duplicatePath
        /// Inputs that cannot be combined (merge) or a call that breaks the writer's contract.
        case invalidArgument
        /// The operating system refused a read, write, rename or sync.
        case io
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
