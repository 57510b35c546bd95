// ProbePipeline: see Package.swift for what this target owns.
public enum ProbePipelineModule {
    public static let name = "ProbePipeline"
}
