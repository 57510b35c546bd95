// ProbeBackbones: see Package.swift for what this target owns.
public enum ProbeBackbonesModule {
    public static let name = "ProbeBackbones"
}
