// ProbeImages: see Package.swift for what this target owns.
public enum ProbeImagesModule {
    public static let name = "ProbeImages"
}
