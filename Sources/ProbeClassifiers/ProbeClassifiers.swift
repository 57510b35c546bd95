// ProbeClassifiers: see Package.swift for what this target owns.
public enum ProbeClassifiersModule {
    public static let name = "ProbeClassifiers"
}
