// bench-images: decode + preprocess throughput of ProbeImages on the shared photos, and the fidelity of
// --fast-decode against the default decode. Prints one JSON object per measurement.
//
//   swift run -c release bench-images [--threads 2] [--repeat 3] [--fast-decode] [--limit N]
//                                     [--compare-dir DIR] [--decode-only] [--fast-decode-min-side N]
//                                     [DATASET_DIR ...]
//
// DATASET_DIRs default to cats_dogs, flowers and alpaca under $PROBE_SHARED_DATASETS (else
// ../../shared/datasets from this package). Each thread takes every T-th image (its own loop; no
// framework) and writes the normalised CHW floats into its slot of a preallocated batch, as the
// embedding pipeline does. --compare-dir reads <relative path>.rgb crops that images_reference.py
// --dump wrote and reports the error against Pillow over every image.
import Foundation
import ProbeImages

struct Arguments {
    var threads = 2
    var repeats = 3
    var fastDecode = false
    var limit = Int.max
    var compareDirectory: String?
    var decodeOnly = false
    var fastDecodeMinimumSide: Int?
    var datasets: [String] = []

    init() {
        var rest = Array(CommandLine.arguments.dropFirst())
        while !rest.isEmpty {
            let arg = rest.removeFirst()
            switch arg {
            case "--threads": threads = Int(rest.removeFirst())!
            case "--repeat": repeats = Int(rest.removeFirst())!
            case "--fast-decode": fastDecode = true
            case "--limit": limit = Int(rest.removeFirst())!
            case "--compare-dir": compareDirectory = rest.removeFirst()
            case "--decode-only": decodeOnly = true
            case "--fast-decode-min-side": fastDecodeMinimumSide = Int(rest.removeFirst())!
            default: datasets.append(arg)
            }
        }
        if datasets.isEmpty {
            let shared = ProcessInfo.processInfo.environment["PROBE_SHARED_DATASETS"]
                ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../../shared/datasets").standardized.path
            datasets = ["cats_dogs", "flowers", "alpaca"].map { shared + "/" + $0 }
        }
    }
}

func json(_ fields: [(String, Any)]) -> String {
    let body = fields.map { key, value -> String in
        let rendered: String
        switch value {
        case let s as String: rendered = "\"\(s)\""
        case let d as Double: rendered = String(format: "%.6g", d)
        default: rendered = "\(value)"
        }
        return "\"\(key)\": \(rendered)"
    }
    return "{" + body.joined(separator: ", ") + "}"
}

let arguments = Arguments()
var items: [(url: URL, relative: String)] = []
for directory in arguments.datasets {
    let dataset = try DatasetScanner.scan(URL(fileURLWithPath: directory))
    let name = URL(fileURLWithPath: directory).lastPathComponent
    items += dataset.items.map { (dataset.url(of: $0.path), name + "/" + $0.path) }
}
items = Array(items.prefix(arguments.limit))
let recipe = PreprocessRecipe.imagenet()
var options = DecodeOptions()
options.fastDecode = arguments.fastDecode
options.minimumShorterSide = arguments.fastDecodeMinimumSide ?? recipe.minimumDecodedShorterSide

/// Decodes and preprocesses every item on `threads` threads into `batch`; returns failures.
func runOnce(threads: Int, options: DecodeOptions, batch: UnsafeMutableBufferPointer<Float>) -> Int {
    let perImage = recipe.floatsPerImage
    let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
    failures.initialize(repeating: 0)
    defer { failures.deallocate() }
    let finished = DispatchSemaphore(value: 0)
    for t in 0..<threads {
        let worker = Thread {
            for i in stride(from: t, to: items.count, by: threads) {
                do {
                    let image = try ImageDecoder.decode(contentsOf: items[i].url, options: options)
                    if arguments.decodeOnly { continue }
                    Preprocessor.run(image, recipe: recipe, into: UnsafeMutableBufferPointer(rebasing: batch[(i * perImage)..<((i + 1) * perImage)]))
                } catch {
                    failures[t] += 1
                }
            }
            finished.signal()
        }
        worker.start()
    }
    for _ in 0..<threads { finished.wait() }
    return failures.reduce(0, +)
}

let batch = UnsafeMutableBufferPointer<Float>.allocate(capacity: items.count * recipe.floatsPerImage)
defer { batch.deallocate() }
let label = (arguments.fastDecode ? "probe_fast_decode" : "probe") + (arguments.decodeOnly ? "_decode_only" : "")
_ = runOnce(threads: arguments.threads, options: options, batch: batch)  // warm the page cache and allocator
var best = Double.infinity
var failures = 0
for _ in 0..<arguments.repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    failures = runOnce(threads: arguments.threads, options: options, batch: batch)
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
print(json([("bench", "images"), ("impl", label), ("threads", arguments.threads), ("images", items.count),
            ("failures", failures), ("seconds", best), ("images_per_second", Double(items.count) / best)]))

// Fidelity of the fast decode against the default decode, and of either against Pillow's dumped crops.
if arguments.fastDecode || arguments.compareDirectory != nil {
    var fastTotal = 0, fastMax = 0, pillowTotal = 0, pillowMax = 0, pillowImages = 0, exact = 0, values = 0
    var fastWorstImageMean = 0.0
    for item in items {
        guard let full = try? ImageDecoder.decode(contentsOf: item.url) else { continue }
        let reference = Preprocessor.resizeAndCrop(full, recipe: recipe).pixels
        var ours = reference
        if arguments.fastDecode, let fast = try? ImageDecoder.decode(contentsOf: item.url, options: options) {
            ours = Preprocessor.resizeAndCrop(fast, recipe: recipe).pixels
            var total = 0
            for i in 0..<ours.count {
                let d = abs(Int(ours[i]) - Int(reference[i]))
                total += d
                fastMax = max(fastMax, d)
            }
            fastTotal += total
            fastWorstImageMean = max(fastWorstImageMean, Double(total) / Double(ours.count))
        }
        values += ours.count
        if let directory = arguments.compareDirectory,
           let pillow = FileManager.default.contents(atPath: directory + "/" + item.relative + ".rgb") {
            let p = [UInt8](pillow)
            var total = 0, largest = 0
            for i in 0..<p.count {
                let d = abs(Int(ours[i]) - Int(p[i]))
                total += d
                largest = max(largest, d)
            }
            pillowTotal += total
            pillowMax = max(pillowMax, largest)
            pillowImages += 1
            if largest == 0 { exact += 1 }
        }
    }
    if arguments.fastDecode {
        print(json([("bench", "images_fidelity"), ("compare", "fast_decode_vs_default"), ("images", items.count),
                    ("mae_per_255", Double(fastTotal) / Double(values)), ("max_per_255", fastMax),
                    ("worst_image_mae_per_255", fastWorstImageMean)]))
    }
    if arguments.compareDirectory != nil {
        print(json([("bench", "images_fidelity"), ("compare", "\(label)_vs_pillow"), ("images", pillowImages),
                    ("bit_identical_images", exact), ("mae_per_255", Double(pillowTotal) / Double(max(pillowImages, 1) * 224 * 224 * 3)),
                    ("max_per_255", pillowMax)]))
    }
}
