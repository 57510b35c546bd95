// The libFuzzer harness: every reader Probe points at bytes from strangers, one target each.
//
// Built only by scripts/fuzz (PROBE_FUZZ=1, `--sanitize fuzzer -Xswiftc -sanitize=fuzzer,address`,
// `-Xswiftc -enable-testing` so the readers' internal entry points are reachable through
// `@testable import` without making them public). libFuzzer supplies `main`; the target to run
// is chosen by the environment variable PROBE_FUZZ_TARGET, since libFuzzer owns the arguments.
//
// A target passes when the reader returns a value or throws an error; a trap, a sanitizer report,
// a hang or an allocation beyond libFuzzer's -malloc_limit_mb is a finding.
import Foundation
@testable import ProbeBackbones
@testable import ProbeCore
@testable import ProbeFetch
import ProbeImages
@testable import ProbeStore

/// The targets by name, in the order scripts/fuzz runs them.
let fuzzTargets: [(name: String, run: (Data) -> Void)] = [
    ("pickle", fuzzPickle),
    ("pth-legacy", fuzzLegacyCheckpoint),
    ("pth-zip", fuzzZipCheckpoint),
    ("safetensors", fuzzSafetensors),
    ("npy", fuzzNPY),
    ("manifest", fuzzManifest),
    ("index", fuzzIndex),
    ("store", fuzzStore),
    ("archive-tar", fuzzArchive),
    ("archive-zip", fuzzArchive),
    ("image", fuzzImage),
]

/// A private scratch folder (tmpfs when there is one) for readers that take a path.
let scratch: URL = {
    let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let url = URL(fileURLWithPath: base).appendingPathComponent("probe-fuzz-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

let fakeURL = URL(fileURLWithPath: "/fuzz/input")

/// Runs `body` on a fresh, empty folder inside the scratch folder, removed afterwards.
func withFolder(_ body: (URL) throws -> Void) {
    let folder = scratch.appendingPathComponent("case")
    try? FileManager.default.removeItem(at: folder)
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    _ = try? body(folder)
}

// MARK: checkpoints

func fuzzPickle(_ data: Data) {
    let bytes = MappedBytes(copying: data)
    let machine = PickleMachine(url: fakeURL, what: "fuzz", persistentLoad: { try TorchCheckpoint.storageReference($0, url: fakeURL) })
    guard let (root, _) = try? machine.run(bytes.all, from: 0) else { return }
    // Every storage is backed by the whole input, so views and strides get checked against real bytes.
    _ = try? TorchCheckpoint.stateDict(from: root, url: fakeURL) { _ in bytes.all }
}

func fuzzLegacyCheckpoint(_ data: Data) {
    _ = try? TorchCheckpoint.readLegacy(MappedBytes(copying: data), url: fakeURL)
}

func fuzzZipCheckpoint(_ data: Data) {
    _ = try? TorchCheckpoint.readZip(MappedBytes(copying: data), url: fakeURL)
}

func fuzzSafetensors(_ data: Data) {
    _ = try? Safetensors.read(MappedBytes(copying: data), url: fakeURL)
}

// MARK: .npy and stores

func fuzzNPY(_ data: Data) {
    withFolder { folder in
        let url = folder.appendingPathComponent("a.npy")
        try data.write(to: url)
        let array = try NPYArray.read(contentsOf: url)
        _ = array.floats()
        _ = try? array.ints()
    }
}

func fuzzManifest(_ data: Data) {
    withFolder { folder in
        try data.write(to: folder.appendingPathComponent(StoreManifest.fileName))
        _ = try StoreManifest.read(directory: folder)
    }
}

func fuzzIndex(_ data: Data) {
    withFolder { folder in
        let url = folder.appendingPathComponent(ShardFileNames.stem(0) + ShardFileNames.indexSuffix)
        try data.write(to: url)
        _ = try? DatasetFile.readAll(from: url)
        _ = try? JSONLines.decode(SkippedFile.self, from: url)
    }
}

/// A whole store: the input holds up to four files separated by the line `%%`:
/// manifest.json, then one shard's embeddings .npy, labels .npy and index .jsonl.
func fuzzStore(_ data: Data) {
    let stem = ShardFileNames.stem(0)
    let names = [StoreManifest.fileName, stem + ShardFileNames.embeddingsSuffix, stem + ShardFileNames.labelsSuffix, stem + ShardFileNames.indexSuffix]
    let separator = Data("\n%%\n".utf8)
    var parts: [Data] = []
    var rest = data[...]
    while parts.count < names.count - 1, let range = rest.range(of: separator) {
        parts.append(Data(rest[..<range.lowerBound]))
        rest = rest[range.upperBound...]
    }
    parts.append(Data(rest))
    withFolder { folder in
        for (name, part) in zip(names, parts) { try part.write(to: folder.appendingPathComponent(name)) }
        let store = try FeatureStore(directory: folder)
        if store.rowCount > 0 { _ = store.row(store.rowCount - 1) }
        _ = try? StoreVerifier.verify(directory: folder)
    }
}

// MARK: archives and images

func fuzzArchive(_ data: Data) {
    withFolder { folder in
        let archive = folder.appendingPathComponent("input.archive")
        try data.write(to: archive)
        // Small caps keep a bomb from filling the tmpfs; the rules tested are the same.
        let limits = ExtractionLimits(maxTotalBytes: 64 << 20, maxEntries: 10_000)
        try ArchiveExtractor.extract(archive, to: folder.appendingPathComponent("out"), limits: limits)
    }
}

func fuzzImage(_ data: Data) {
    var options = DecodeOptions()
    options.applyEXIFOrientation = true
    _ = try? ImageDecoder.decode(data: data, name: "fuzz", options: options)
    options.fastDecode = true
    options.applyEXIFOrientation = false
    _ = try? ImageDecoder.decode(data: data, name: "fuzz", options: options)
}

// MARK: libFuzzer entry

let selectedTarget: (Data) -> Void = {
    let name = ProcessInfo.processInfo.environment["PROBE_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        let known = fuzzTargets.map(\.name).joined(separator: ", ")
        fputs("probe-fuzz: set PROBE_FUZZ_TARGET to one of: \(known)\n", stderr)
        exit(2)
    }
    return target.run
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = count == 0 || start == nil ? Data() : Data(bytes: start!, count: count)
    selectedTarget(data)
    return 0
}
