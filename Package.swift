// swift-tools-version:6.0
// Probe: linear probing on frozen ImageNet CNNs, in Swift on Linux.
//
// Dependency graph (each arrow is a declared dependency, and every `import` in a target is one of
// its arrows; `scripts/check-imports` fails otherwise, and when this comment and the targets differ):
//   probe            -> ProbePipeline, ProbeBackbones, ProbeClassifiers, ProbeCore, ProbeDoctor, ProbeImages, ProbeMetrics, ProbeStore, ProbeTensor, ArgumentParser
//   ProbePipeline    -> ProbeBackbones, ProbeClassifiers, ProbeCore, ProbeDoctor, ProbeFetch, ProbeImages, ProbeMetrics, ProbeStore, ProbeTensor
//   ProbeDoctor      -> ProbeCore, ProbeMetrics, ProbeTensor, COpenBLAS, CInt8Dot
//   ProbeMetrics     -> ProbeCore, ProbeImages
//   ProbeBackbones   -> ProbeCore, ProbeFetch, ProbeTensor, CHDF5, ZIPFoundation
//   ProbeClassifiers -> ProbeCore, ProbeTensor, COpenBLAS
//   ProbeStore       -> ProbeCore
//   ProbeFetch       -> ProbeCore, CCurl, ZIPFoundation
//   ProbeTensor      -> ProbeCore, COpenBLAS
//   ProbeImages      -> ProbeCore, CImageCodecs
//   ProbeCore        -> CCrypto
//   CHDF5            -> (libhdf5_serial.so.103, opened with dlopen on first use)
//   CCurl            -> (libcurl.so.4, opened with dlopen on first use)
//   CCrypto          -> (libcrypto.so.3, opened with dlopen on first use)
//   CImageCodecs     -> (libjpeg, libpng16, libgif, libwebp, libwebpdemux, libtiff, each opened with dlopen on first use)
import Foundation
import PackageDescription

// Probe is built from source on the machine that runs it, so the engine's kernels (ProbeTensor)
// are compiled for that machine's vector unit when it has AVX2 and FMA (Intel Haswell, AMD Zen and
// later): the depthwise, activation and squeeze-excitation loops run twice as wide as on baseline
// x86-64. With AVX-512 as well (Skylake-X, Zen 4 and later) the activations run 16 lanes wide;
// LLVM's skylake-avx512 model keeps its own auto-vectorised loops at 256 bits, which measured no
// slower. `PROBE_PORTABLE=1 swift build …` (after `rm -rf .build`) builds for any x86-64 instead;
// `PROBE_TARGET_CPU=haswell swift build --scratch-path .build-avx2 …` for the AVX2 + FMA flavour on
// a newer machine (to measure what users of AVX2 CPUs get, BENCHMARKS.md).
let hostVectorSettings: [SwiftSetting] = {
    if let cpu = ProcessInfo.processInfo.environment["PROBE_TARGET_CPU"] {
        return [.unsafeFlags(["-target-cpu", cpu]), .define("PROBE_FMA")]
    }
    guard ProcessInfo.processInfo.environment["PROBE_PORTABLE"] == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    // PROBE_FMA lets the kernels ask for fused multiply-adds, which are single instructions only here.
    if flags.isSuperset(of: ["avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]) {
        return [.unsafeFlags(["-target-cpu", "skylake-avx512"]), .define("PROBE_FMA")]
    }
    return flags.isSuperset(of: ["avx2", "fma"]) ? [.unsafeFlags(["-target-cpu", "haswell"]), .define("PROBE_FMA")] : []
}()

// `probe` carries the Swift runtime and Foundation inside it (the toolchain's static libraries):
// with them as shared libraries the dynamic loader spent ~10 ms of every command's start resolving
// symbols across them, a sixth of a `probe doctor` run on a small store. Only the executable: test
// bundles must load XCTest, which needs the shared runtime, so `--static-swift-stdlib` (all
// products) cannot be used. The libraries are listed because static Foundation does not name its
// own dependencies, in the order the linker needs them.
let staticSwiftRuntime = [
    "-static-stdlib",
    "-lFoundation", "-lFoundationInternationalization", "-lFoundationEssentials", "-lCoreFoundation",
    "-l_FoundationCollections", "-l_FoundationCShims", "-l_FoundationICU", "-lswiftSynchronization", "-lstdc++",
]

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
        .library(name: "ProbeDoctor", targets: ["ProbeDoctor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // System-library shims: module maps only.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        // libcrypto (SHA-256, MD5), libcurl (downloads) and libhdf5 (Keras weight files) are not
        // linked: each of these targets opens its library with dlopen on first use and fills a table
        // of function pointers, so that a `probe` start maps none of them (they and what they pull in
        // doubled the start time; the headers say by how much). Their Debian -dev packages provide
        // the headers, for the types.
        .target(name: "CCrypto"),
        .target(name: "CCurl"),
        .target(name: "CHDF5"),
        // libjpeg and libpng report errors with longjmp, which Swift cannot catch, and libtiff through
        // global handlers that print: a few lines of C own those and turn errors into return codes
        // (giflib and libwebp get the same thin wrappers, so every codec looks alike from Swift).
        // The libraries are not linked either: the decoders open each with dlopen when they first
        // need it, like the three above, because with libtiff's own dependencies they nearly tripled
        // the start of commands that decode no image (include/probe_codec_libraries.h).
        .target(name: "CImageCodecs"),

        // The int8 product of the doctor's candidate pass: vpdpbusd and vpmaddubsw kernels chosen at
        // run time (Swift does not emit them), each function compiled for its own instruction set.
        .target(name: "CInt8Dot"),

        // The foundation every library shares: Matrix, .npy files, SplitMix64, SHA-256 (libcrypto),
        // JSON values, CSV, the thread count, the loader of the C libraries opened on first use.
        .target(name: "ProbeCore", dependencies: ["CCrypto"]),
        // Tensors, BLAS wrappers, and the inference kernels.
        .target(name: "ProbeTensor", dependencies: ["ProbeCore", "COpenBLAS"], swiftSettings: hostVectorSettings),
        // Folder scanning, decoding by magic bytes, resize/crop/normalise.
        .target(name: "ProbeImages", dependencies: ["ProbeCore", "CImageCodecs"]),
        // Downloads with hash pinning, safe archive extraction, the cache folder.
        .target(name: "ProbeFetch", dependencies: [
            "ProbeCore", "CCurl",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // The seven networks and the weight readers (.pth legacy/zip, safetensors; Keras .h5,
        // .weights.h5 and .keras through libhdf5).
        .target(name: "ProbeBackbones", dependencies: [
            "ProbeCore", "ProbeTensor", "ProbeFetch", "CHDF5",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Embedding shards (.npy), manifest, memory-mapped reader, locks, merge.
        .target(name: "ProbeStore", dependencies: ["ProbeCore"]),
        // LogisticRegression, LinearSVC, KNeighbors, splits, standardisation, PCA.
        .target(name: "ProbeClassifiers", dependencies: ["ProbeCore", "ProbeTensor", "COpenBLAS"]),
        // Confusion matrix, classification report, JSON/CSV/HTML/PNG output.
        .target(name: "ProbeMetrics", dependencies: ["ProbeCore", "ProbeImages"]),
        // Data-quality checks on embeddings: exact and near duplicates, leaks, label issues
        // (confident learning + neighbours), outliers, class health; their text/JSON/HTML report.
        // Host vector settings for the neighbour search's SIMD16 loops (quantisation, candidate scan,
        // exact dot), which spill registers on baseline x86-64; they fuse no multiply-adds (the
        // fixed-order dot stays the same bits on every CPU).
        .target(name: "ProbeDoctor", dependencies: ["ProbeCore", "ProbeMetrics", "ProbeTensor", "COpenBLAS", "CInt8Dot"],
                swiftSettings: hostVectorSettings),
        // Orchestration of whole jobs (extract, fit, predict, cv, doctor) from the libraries above.
        .target(name: "ProbePipeline", dependencies: [
            "ProbeBackbones", "ProbeClassifiers", "ProbeCore", "ProbeDoctor", "ProbeFetch", "ProbeImages", "ProbeMetrics", "ProbeStore", "ProbeTensor",
        ]),
        // The command-line tool: parses arguments, calls ProbePipeline, prints.
        .executableTarget(name: "probe", dependencies: [
            "ProbePipeline", "ProbeBackbones", "ProbeClassifiers", "ProbeCore", "ProbeDoctor", "ProbeImages", "ProbeMetrics", "ProbeStore", "ProbeTensor",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [.unsafeFlags(staticSwiftRuntime)]),

        // Benchmarks (Benchmarks/): each prints JSON lines that the scripts beside it compare with
        // the reference. Built here, not as a package of their own, so that they time exactly the
        // code and compiler settings `probe` gets.
        .executableTarget(name: "bench-images", dependencies: ["ProbeImages"], path: "Benchmarks/Sources/bench-images"),
        .executableTarget(name: "bench-backbones", dependencies: ["ProbeCore", "ProbeBackbones", "ProbeTensor"], path: "Benchmarks/Sources/bench-backbones"),
        .executableTarget(name: "bench-doctor", dependencies: ["ProbeCore", "ProbeDoctor", "ProbeStore"], path: "Benchmarks/Sources/bench-doctor"),
        .executableTarget(name: "bench-classifiers", dependencies: ["ProbeCore", "ProbeClassifiers", "ProbeTensor"], path: "Benchmarks/Sources/bench-classifiers"),

        .target(name: "ProbeTestSupport", dependencies: ["ProbeCore"], path: "Tests/ProbeTestSupport"),
        .testTarget(name: "ProbeCoreTests", dependencies: ["CCrypto", "ProbeCore", "ProbeTestSupport"]),
        .testTarget(name: "ProbeTensorTests", dependencies: ["COpenBLAS", "ProbeCore", "ProbeTensor", "ProbeTestSupport"]),
        .testTarget(name: "ProbeImagesTests", dependencies: ["CImageCodecs", "ProbeCore", "ProbeImages", "ProbeTestSupport"]),
        .testTarget(name: "ProbeFetchTests", dependencies: ["CCurl", "ProbeCore", "ProbeFetch", "ProbeTestSupport"]),
        .testTarget(name: "ProbeBackbonesTests", dependencies: ["CHDF5", "ProbeCore", "ProbeBackbones", "ProbeFetch", "ProbeTensor", "ProbeTestSupport"]),
        .testTarget(name: "ProbeStoreTests", dependencies: ["ProbeCore", "ProbeStore", "ProbeTestSupport"]),
        .testTarget(name: "ProbeClassifiersTests", dependencies: ["ProbeCore", "ProbeTensor", "ProbeClassifiers", "ProbeTestSupport"]),
        .testTarget(name: "ProbeMetricsTests", dependencies: ["ProbeImages", "ProbeMetrics", "ProbeTestSupport"]),
        .testTarget(name: "ProbeDoctorTests", dependencies: ["ProbeCore", "ProbeDoctor", "ProbeTestSupport"]),
        .testTarget(name: "ProbePipelineTests", dependencies: ["ProbeCore", "ProbeDoctor", "ProbePipeline", "ProbeBackbones", "ProbeClassifiers", "ProbeFetch", "ProbeImages", "ProbeMetrics", "ProbeStore", "ProbeTestSupport"]),
        .testTarget(name: "ProbeCLITests", dependencies: ["ProbeCore", "ProbeTestSupport", "ProbeStore"]),
    ],
    swiftLanguageModes: [.v5]
)

// The libFuzzer harness (Fuzz/, docs/fuzzing.md): one executable, `probe-fuzz`, that feeds
// fuzzer-made bytes to every reader of untrusted files. It exists only when PROBE_FUZZ=1 is set,
// so a plain `swift build` / `swift test` (and scripts/check-imports) never sees it; scripts/fuzz
// builds it with the fuzzer and address sanitizers in its own scratch path, .build-fuzz.
if ProcessInfo.processInfo.environment["PROBE_FUZZ"] == "1" {
    package.products.append(.executable(name: "probe-fuzz", targets: ["probe-fuzz"]))
    package.targets.append(.executableTarget(
        name: "probe-fuzz",
        dependencies: ["ProbeBackbones", "ProbeCore", "ProbeFetch", "ProbeImages", "ProbeStore"],
        path: "Fuzz/Sources/probe-fuzz"))
}
