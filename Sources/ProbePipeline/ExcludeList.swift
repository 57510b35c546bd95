import Foundation

/// Paths a run leaves out (`--exclude FILE` of extract, fit-* and cv), so a cleaned dataset needs
/// no copy of its photos: typically the list `probe doctor --exclude-list` writes.
///
/// The file holds one path a line (UTF-8, `\n` or `\r\n`). A line is a path relative to the dataset
/// root exactly as a store's index records it (`cat/cat.1005.jpg`; a leading `./` is ignored), or an
/// absolute path, which counts when it lies under the dataset root. Lines are taken literally
/// (spaces are part of a name); empty or all-blank lines and lines whose first non-blank character
/// is `#` are ignored. Paths that match nothing are not an error — the list may be meant for a
/// bigger or older copy of the dataset — but are counted and named in a warning.
public struct ExcludeList: Sendable, Equatable {
    /// The file the list came from (named in messages).
    public let source: URL
    /// The path lines, as written (comments and blank lines removed), in file order.
    public let entries: [String]

    public init(source: URL, entries: [String]) {
        self.source = source
        self.entries = entries
    }

    /// Reads `url`; throws a one-line error naming the file when it cannot be read or is not UTF-8.
    public static func read(_ url: URL) throws -> ExcludeList {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelineError("\(url.path): cannot read the exclude list (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError("\(url.path): the exclude list is not UTF-8 text")
        }
        var entries: [String] = []
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let visible = line.drop(while: { $0 == " " || $0 == "\t" })
            if visible.isEmpty || visible.hasPrefix("#") { continue }
            entries.append(String(line))
        }
        return ExcludeList(source: url, entries: entries)
    }

    /// What the list does to a set of dataset-relative paths (a dataset listing or a store's rows).
    public struct Match: Sendable, Equatable {
        /// Indices into the paths given, of the paths the list does not name, in order.
        public var kept: [Int]
        /// Indices of the paths the list names.
        public var excluded: [Int]
        /// Entries of the list that named none of the paths, in file order.
        public var unmatched: [String]
    }

    /// Matches the list against `paths` (relative to `root`, `/`-separated). Absolute entries are
    /// made relative to `root` (nil: they match nothing).
    public func match(paths: [String], root: URL?) -> Match {
        let relative = entries.map { relativePath($0, root: root) }
        let wanted = Set(relative.compactMap { $0 })
        var match = Match(kept: [], excluded: [], unmatched: [])
        var found = Set<String>()
        for (i, path) in paths.enumerated() {
            if wanted.contains(path) {
                match.excluded.append(i)
                found.insert(path)
            } else {
                match.kept.append(i)
            }
        }
        match.unmatched = zip(entries, relative).filter { $0.1.map { !found.contains($0) } ?? true }.map(\.0)
        return match
    }

    /// A warning for entries that named nothing, or nil when every entry matched.
    /// `what` names what was searched, e.g. "the dataset data/pets".
    public func unmatchedWarning(_ match: Match, in what: String) -> String? {
        guard let first = match.unmatched.first else { return nil }
        let more = match.unmatched.count > 1 ? " and \(match.unmatched.count - 1) more" : ""
        return "\(match.unmatched.count) of the \(entries.count) paths in \(source.path) are not in \(what) (\(first)\(more)); ignored"
    }

    /// The entry as a dataset-relative path, or nil for an absolute path outside `root`.
    func relativePath(_ entry: String, root: URL?) -> String? {
        guard entry.hasPrefix("/") else {
            var relative = Substring(entry)
            while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
            return String(relative)
        }
        guard let root else { return nil }
        let path = URL(fileURLWithPath: entry).standardizedFileURL.path
        for base in Set([root.standardizedFileURL.path, root.resolvingSymlinksInPath().path]) {
            let prefix = base.hasSuffix("/") ? base : base + "/"
            if path.hasPrefix(prefix) { return String(path.dropFirst(prefix.count)) }
        }
        // The entry itself is not resolved: a photo may be a symbolic link into another folder.
        return nil
    }
}
