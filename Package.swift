// swift-tools-version:6.0
// Probe: linear probing on frozen ImageNet CNNs, in Swift on Linux.
//
// Dependency direction (never the other way):
//   probe (executable) -> ProbePipeline -> ProbeImages, ProbeBackbones, ProbeStore,
//                                          ProbeClassifiers, ProbeMetrics, ProbeFetch
//   ProbeBackbones, ProbeStore, ProbeClassifiers -> ProbeTensor -> COpenBLAS
//   ProbeImages -> CImageCodecs (libjpeg-turbo, libpng)
import PackageDescription

let package = Package(
    name: "Probe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "probe", targets: ["probe"]),
        .library(name: "ProbePipeline", targets: ["ProbePipeline"]),
        // Exported so the nested Benchmarks package can time each library on its own.
        .library(name: "ProbeTensor", targets: ["ProbeTensor"]),
        .library(name: "ProbeImages", targets: ["ProbeImages"]),
        .library(name: "ProbeBackbones", targets: ["ProbeBackbones"]),
        .library(name: "ProbeStore", targets: ["ProbeStore"]),
        .library(name: "ProbeClassifiers", targets: ["ProbeClassifiers"]),
        .library(name: "ProbeMetrics", targets: ["ProbeMetrics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // System-library shims: module maps only.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CLapacke", path: "Sources/CLapacke"),
        // libjpeg and libpng report errors with longjmp, which Swift cannot catch,
        // so a few lines of C own the setjmp and turn errors into return codes.
        .target(name: "CImageCodecs", linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),

        // Tensors, BLAS wrappers, and the inference kernels.
        .target(name: "ProbeTensor", dependencies: ["COpenBLAS"]),
        // Folder scanning, decoding by magic bytes, resize/crop/normalise.
        .target(name: "ProbeImages", dependencies: ["CImageCodecs"]),
        // Downloads with hash pinning, safe archive extraction, the cache folder.
        .target(name: "ProbeFetch", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // The four networks and the weight readers (.pth legacy/zip, safetensors).
        .target(name: "ProbeBackbones", dependencies: [
            "ProbeTensor", "ProbeFetch",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Embedding shards (.npy), manifest, memory-mapped reader, locks, merge.
        .target(name: "ProbeStore", dependencies: [
            "ProbeTensor",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // LogisticRegression, LinearSVC, KNeighbors, splits, standardisation, PCA.
        .target(name: "ProbeClassifiers", dependencies: ["ProbeTensor", "COpenBLAS", "CLapacke"]),
        // Confusion matrix, classification report, JSON/CSV/HTML/PNG output.
        .target(name: "ProbeMetrics", dependencies: ["CImageCodecs"]),
        // Orchestration of whole jobs (extract, fit, predict, cv) from the libraries above.
        .target(name: "ProbePipeline", dependencies: [
            "ProbeImages", "ProbeBackbones", "ProbeStore", "ProbeClassifiers", "ProbeMetrics", "ProbeFetch",
        ]),
        // The command-line tool: parses arguments, calls ProbePipeline, prints.
        .executableTarget(name: "probe", dependencies: [
            "ProbePipeline", "ProbeImages", "ProbeBackbones", "ProbeStore", "ProbeClassifiers", "ProbeMetrics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .target(name: "ProbeTestSupport", path: "Tests/ProbeTestSupport"),
        .testTarget(name: "ProbeTensorTests", dependencies: ["ProbeTensor", "ProbeTestSupport"]),
        .testTarget(name: "ProbeImagesTests", dependencies: ["ProbeImages", "ProbeTestSupport"]),
        .testTarget(name: "ProbeFetchTests", dependencies: ["ProbeFetch", "ProbeTestSupport"]),
        .testTarget(name: "ProbeBackbonesTests", dependencies: ["ProbeBackbones", "ProbeTestSupport"]),
        .testTarget(name: "ProbeStoreTests", dependencies: ["ProbeStore", "ProbeTestSupport"]),
        .testTarget(name: "ProbeClassifiersTests", dependencies: ["ProbeClassifiers", "ProbeTestSupport"]),
        .testTarget(name: "ProbeMetricsTests", dependencies: ["ProbeMetrics", "ProbeTestSupport"]),
        .testTarget(name: "ProbePipelineTests", dependencies: ["ProbePipeline", "ProbeFetch", "ProbeTestSupport"]),
        .testTarget(name: "ProbeCLITests", dependencies: ["ProbeTestSupport", "ProbeStore"]),
    ],
    swiftLanguageModes: [.v5]
)
