// ProbeFetch: see Package.swift for what this target owns.
public enum ProbeFetchModule {
    public static let name = "ProbeFetch"
}
