import ArgumentParser
import Foundation
import ProbeStore

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what an embedding store holds: model, classes, counts, dim, size on disk.",
        discussion: "Given a dataset folder instead of a store, shows what `probe scan` shows."
    )

    @Argument(help: "The store folder (the --out of probe extract).")
    var directory: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        // `probe info photos/` on a dataset is as natural as on a store: answer it as scan does.
        let manifestFile = URL(fileURLWithPath: directory).appendingPathComponent("manifest.json")
        if !FileManager.default.fileExists(atPath: manifestFile.path) {
            try ScanCommand.parse([directory]).run()
            return
        }
        let summary = try StoreSummary(directory: URL(fileURLWithPath: directory))
        let manifest = summary.manifest
        let identity = manifest.identity
        if json {
            let object: [String: Any] = [
                "directory": directory,
                "model": identity.model,
                "weights_sha256": identity.weightsSHA256,
                "preprocessing": (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(identity.preprocessing), options: .fragmentsAllowed)) ?? NSNull(),
                "pool": identity.pool,
                "dtype": identity.dtype.rawValue,
                "dim": identity.dim,
                "rows": manifest.totals.rows,
                "shards": manifest.shards.count,
                "skipped": summary.skippedCount,
                "bytes_on_disk": summary.bytesOnDisk,
                "part": manifest.part?.description ?? NSNull(),
                "complete": manifest.complete.map { $0 as Any } ?? NSNull(),
                "classes": zip(manifest.classes, manifest.totals.classCounts).map { ["name": $0, "rows": $1] as [String: Any] },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        var lines: [(String, String)] = [
            ("store", directory),
            ("model", identity.model),
            ("weights sha256", identity.weightsSHA256),
            ("preprocessing", identity.preprocessing.description),
            ("pool", identity.pool),
            ("dtype", identity.dtype.rawValue),
            ("dim", String(identity.dim)),
            ("rows", "\(manifest.totals.rows) in \(manifest.shards.count) shard\(manifest.shards.count == 1 ? "" : "s")"),
        ]
        if let part = manifest.part { lines.append(("part", part.description)) }
        if manifest.complete == false { lines.append(("state", "unfinished (the last extraction failed, was stopped, or is running)")) }
        lines.append(("skipped", summary.skippedCount == 0 ? "0" : "\(summary.skippedCount) (see errors.jsonl)"))
        lines.append(("size on disk", "\(Self.humanBytes(summary.bytesOnDisk)) (\(summary.bytesOnDisk) bytes)"))
        lines.append(("classes", String(manifest.classes.count)))
        let width = lines.map(\.0.count).max()!
        for (key, value) in lines { print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
        let nameWidth = manifest.classes.map(\.count).max() ?? 0
        let countWidth = manifest.totals.classCounts.map { String($0).count }.max() ?? 0
        for (name, count) in zip(manifest.classes, manifest.totals.classCounts) {
            let number = String(count)
            print("  " + name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                  + String(repeating: " ", count: countWidth - number.count) + number)
        }
    }

    /// Decimal units (1 kB = 1000 bytes), one decimal place.
    static func humanBytes(_ bytes: Int) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }
}
