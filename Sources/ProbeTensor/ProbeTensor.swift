// ProbeTensor: see Package.swift for what this target owns.
public enum ProbeTensorModule {
    public static let name = "ProbeTensor"
}
