// ProbeStore: see Package.swift for what this target owns.
public enum ProbeStoreModule {
    public static let name = "ProbeStore"
}
