import Foundation

/// Inputs that once crashed, hung or over-allocated a reader, kept under
/// `Tests/Fixtures/fuzz-regressions/<target>/` (docs/fuzzing.md). Each test target replays the
/// folders of the readers it owns; a missing folder fails rather than passing with nothing tested.
public enum FuzzRegressions {
    /// The regression inputs of one fuzz target, sorted by name.
    public static func inputs(_ target: String) throws -> [URL] {
        let folder = TestPaths.fixture("fuzz-regressions/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else { throw MissingPrerequisite("no regression inputs in \(folder.path)") }
        return names.map { folder.appendingPathComponent($0) }
    }

    /// Splits a `store` target input (files separated by the line `%%`, as Fuzz/Sources/probe-fuzz
    /// reads it) into `manifest.json` and shard 0's three files inside `directory`.
    public static func unpackStore(_ input: URL, into directory: URL) throws {
        let names = ["manifest.json", "shard-00000.emb.npy", "shard-00000.labels.npy", "shard-00000.index.jsonl"]
        let separator = Data("\n%%\n".utf8)
        var rest = try Data(contentsOf: input)[...]
        var parts: [Data] = []
        while parts.count < names.count - 1, let range = rest.range(of: separator) {
            parts.append(Data(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(Data(rest))
        for (name, part) in zip(names, parts) { try part.write(to: directory.appendingPathComponent(name)) }
    }
}
