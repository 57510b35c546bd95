// swift-tools-version:6.0
// Benchmarks live in their own package so they never enter the library graph.
// Each executable prints one JSON object per measurement; the Python scripts beside
// them time the reference (Pillow, PyTorch, ONNX Runtime, scikit-learn) on the same
// input in the same run, and Benchmarks/run prints the side-by-side ratios.
import PackageDescription

let package = Package(
    name: "ProbeBenchmarks",
    dependencies: [.package(name: "Probe", path: "..")],
    targets: [
        .executableTarget(name: "bench-images", dependencies: [.product(name: "ProbeImages", package: "Probe")]),
        .executableTarget(name: "bench-backbones", dependencies: [.product(name: "ProbeBackbones", package: "Probe")]),
        .executableTarget(name: "bench-classifiers", dependencies: [.product(name: "ProbeClassifiers", package: "Probe")]),
    ],
    swiftLanguageModes: [.v5]
)
