// ProbeMetrics: see Package.swift for what this target owns.
public enum ProbeMetricsModule {
    public static let name = "ProbeMetrics"
}
