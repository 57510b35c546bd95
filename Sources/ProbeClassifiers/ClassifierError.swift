/// A failure of a classifier, splitter or transform, with a one-line message fit to show a user as is.
///
/// The message says what was wrong with the input (which row, which class, which sizes); callers that
/// know the file the data came from prefix its path.
public struct ClassifierError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
