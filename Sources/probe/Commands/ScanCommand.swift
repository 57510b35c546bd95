import ArgumentParser
import Foundation
import ProbeImages

/// `probe scan DIR`: what Probe will see in a dataset folder, before any network runs.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "List a dataset's classes, images per class, and the files that will be skipped.",
        discussion: """
            DIR holds one subfolder per class. Files are found recursively inside a class folder; hidden \
            files and folders are ignored; \(DatasetScanner.imageExtensionList) files are taken (the format \
            is read from the bytes). Formats read: \(ImageFormat.decodableNames). \
            With --decode every image is also decoded, so broken files are listed with the reason.
            """
    )

    @Argument(help: "The dataset folder (one subfolder per class).")
    var directory: String

    @Flag(help: "Also decode every image and list the ones that fail.")
    var decode = false

    @Option(help: "With --decode: refuse images with more pixels than this.")
    var pixelLimit = 100_000_000

    func validate() throws {
        guard pixelLimit > 0 else { throw ValidationError("--pixel-limit must be positive") }
    }

    func run() throws {
        let dataset = try DatasetScanner.scan(URL(fileURLWithPath: directory))
        var failures: [String] = []
        var decodedPerClass = [Int](repeating: 0, count: dataset.classes.count)
        if decode {
            let options = DecodeOptions(pixelLimit: pixelLimit)
            for item in dataset.items {
                do {
                    _ = try ImageDecoder.decode(contentsOf: dataset.url(of: item.path), options: options, displayName: item.path)
                    decodedPerClass[item.label] += 1
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        print("dataset: \(dataset.root.path)")
        print("formats: \(ImageFormat.decodableNames)")
        print("classes: \(dataset.classes.count)")
        let width = max(dataset.classes.map(\.count).max() ?? 0, 5)
        let counts = dataset.countsPerClass
        for (label, name) in dataset.classes.enumerated() {
            let padded = name.padding(toLength: width, withPad: " ", startingAt: 0)
            let decoded = decode ? ", \(decodedPerClass[label]) decodable" : ""
            print("  \(label)  \(padded)  \(counts[label]) images\(decoded)")
        }
        let decodedTotal = decode ? ", \(decodedPerClass.reduce(0, +)) decodable" : ""
        print("total: \(dataset.items.count) images\(decodedTotal)")
        // One line per file, "<path>: <reason>", in byte-wise path order.
        let problems = (dataset.skipped.map { "\($0.path): \($0.reason)" } + failures)
            .sorted(by: DatasetScanner.byteWiseLess)
        if !problems.isEmpty {
            print("skipped: \(problems.count) files")
            for line in problems { print("  \(line)") }
        }
        for warning in dataset.warnings { print("warning: \(warning)") }
    }
}
