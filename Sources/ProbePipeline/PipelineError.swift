/// An error from a whole job, worded to be shown to the user as it is (one line).
public struct PipelineError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
