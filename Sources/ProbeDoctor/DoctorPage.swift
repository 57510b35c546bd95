import Foundation
import ProbeMetrics

/// `probe doctor --html`: one self-contained page (inline CSS, images as `data:` URIs, nothing
/// fetched) with thumbnails side by side for every duplicate pair, leak and suspect, in the style
/// of `probe report --html` (its style sheet and thumbnail embedding are reused).
public struct DoctorPage: Sendable {
    public var report: DoctorReport
    /// Folder the row paths are relative to (default: the store's dataset root).
    public var imageRoot: URL?
    /// Entries per section (every pair of a section up to this many).
    public var maxPerSection: Int
    /// Thumbnails and limits, as in the classification report.
    public var embedder: HTMLReport

    public init(report: DoctorReport, imageRoot: URL? = nil, maxPerSection: Int = 60, maxTotalImageBytes: Int = 24_000_000) {
        self.report = report
        self.imageRoot = imageRoot ?? report.settings.imageRoot.map { URL(fileURLWithPath: $0) }
        self.maxPerSection = maxPerSection
        embedder = HTMLReport(title: "probe doctor", maxTotalImageBytes: maxTotalImageBytes, thumbnailSide: 160)
    }

    static let css = """
    .pairs{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
    .pair{border:1px solid #d0d7de;border-radius:6px;padding:6px;font-size:12px}
    .pair.cross{border-color:#cf222e;border-width:2px}
    .side{display:grid;grid-template-columns:1fr 1fr;gap:6px}
    .side figure{margin:0;overflow-wrap:anywhere}
    .side img.thumb,.single img.thumb{width:100%;height:130px;object-fit:cover;border-radius:4px;display:block}
    .score{font-weight:600}.tag{display:inline-block;padding:0 6px;border-radius:8px;background:#ddf4ff;margin-left:4px}
    .tag.cross{background:#ffebe9;color:#cf222e}
    table.health{border-collapse:collapse}table.health td,table.health th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}
    table.health td:first-child,table.health th:first-child{text-align:left}
    """

    public func render(counts: inout HTMLReport.ThumbnailCounts) -> String {
        let r = report
        var budget = embedder.maxTotalImageBytes
        func esc(_ s: String) -> String { embedder.escape(s) }
        func f(_ x: Double, _ d: Int = 3) -> String { String(format: "%.\(d)f", x) }
        func image(_ path: String, root: URL?) -> String {
            switch embedder.thumbnail(for: path, root: root, budget: &budget) {
            case .embedded(let uri): counts.embedded += 1; return "<img class=\"thumb\" alt=\"\(esc(path))\" src=\"\(uri)\">"
            case .notFound: counts.notFound += 1; return "<div class=\"noimage\">image not found</div>"
            case .skipped(let why): counts.skipped += 1; return "<div class=\"noimage\">\(esc(why))</div>"
            }
        }
        func figure(_ row: Int, caption: String = "") -> String {
            "<figure>\(image(r.paths[row], root: imageRoot))<figcaption><b>\(esc(r.classes[r.labels[row]]))</b> \(caption)<div>\(esc(r.paths[row]))</div></figcaption></figure>"
        }
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>probe doctor: \(esc(r.settings.store))</title>
        <style>\(HTMLReport.css)\(Self.css)</style>
        </head><body>
        <h1>probe doctor: \(esc(r.settings.store))</h1>

        """
        let issues = r.labelIssues?.issues ?? []
        let errors = issues.filter { $0.kind == .likelyError }, ambiguous = issues.filter { $0.kind == .ambiguous }
        html += "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\n"
        for (name, value, id) in [("rows", "\(r.labels.count)", "rows"), ("exact duplicate groups", "\(r.exactDuplicates.count)", "exact"),
                                  ("near-duplicate pairs", "\(r.nearDuplicates.count)", "near"), ("leaks", "\(r.leakage?.leaks.count ?? 0)", "leaks"),
                                  ("likely label errors", "\(errors.count)", "errors"), ("ambiguous rows", "\(ambiguous.count)", "ambiguous")] {
            html += "<div class=\"card\" id=\"summary-\(id)\"><div class=\"value\">\(value)</div><div class=\"name\">\(name)</div></div>\n"
        }
        html += "</div><p class=\"source\">classifier \(esc(r.settings.classifier)), \(r.settings.folds) folds, seed \(r.settings.seed); \(r.settings.neighbors) neighbours; near-duplicate cosine ≥ \(f(r.settings.nearThreshold, 2))\(r.settings.perceptualHashes ? " or pHash ≤ \(NearDuplicates.maxHammingDistance) bits" : "")</p>"
        for note in r.notes { html += "<p class=\"hint\">note: \(esc(note))</p>" }
        html += "</section>\n"

        // Exact duplicates: each group's copies side by side.
        html += "<section id=\"exact-duplicates\"><h2>Exact duplicates (\(r.exactDuplicates.count) groups)</h2><div class=\"pairs\">\n"
        for g in r.exactDuplicates.prefix(maxPerSection) {
            html += "<div class=\"pair\(g.crossClass ? " cross" : "")\"><div class=\"score\">\(g.rows.count) copies\(g.crossClass ? "<span class=\"tag cross\">different labels</span>" : "")</div><div class=\"side\">"
            for row in g.rows.prefix(4) { html += figure(row) }
            html += "</div></div>\n"
        }
        html += "</div></section>\n"

        html += "<section id=\"near-duplicates\"><h2>Near duplicates (\(r.nearDuplicates.count) pairs)</h2><div class=\"pairs\">\n"
        for p in r.nearDuplicates.prefix(maxPerSection) {
            let tags = p.signals.map { "<span class=\"tag\">\($0.rawValue)</span>" }.joined() + (p.crossClass ? "<span class=\"tag cross\">different labels</span>" : "")
            html += "<div class=\"pair\(p.crossClass ? " cross" : "")\"><div class=\"score\">cosine \(f(p.cosine))\(p.hammingDistance.map { ", pHash \($0) bits" } ?? "")\(tags)</div>"
            html += "<div class=\"side\">\(figure(p.first))\(figure(p.second))</div></div>\n"
        }
        html += "</div></section>\n"

        if let leakage = r.leakage {
            let otherRoot = imageRoot
            html += "<section id=\"leaks\"><h2>Leaks into \(esc(leakage.againstStore)) (\(leakage.leaks.count) pairs)</h2>"
            if let all = leakage.accuracyAll {
                html += "<p>accuracy on the other store: \(f(all, 4)) with the leaked rows, \(leakage.accuracyWithoutLeaked.map { f($0, 4) } ?? "–") without them</p>"
            }
            html += "<div class=\"pairs\">\n"
            for l in leakage.leaks.prefix(maxPerSection) {
                html += "<div class=\"pair\"><div class=\"score\">\(esc(l.signal)) \(f(l.cosine))</div><div class=\"side\">\(figure(l.row))"
                html += "<figure>\(image(leakage.againstPaths[l.againstRow], root: otherRoot))<figcaption><b>\(esc(r.classes[leakage.againstLabels[l.againstRow]]))</b> (other store)<div>\(esc(leakage.againstPaths[l.againstRow]))</div></figcaption></figure></div></div>\n"
            }
            html += "</div></section>\n"
        }

        func suspects(_ title: String, id: String, _ list: [LabelIssue]) {
            html += "<section id=\"\(id)\"><h2>\(title) (\(list.count))</h2><p class=\"hint\">Lowest combined self-confidence first. Given label in green, suggested in red.</p><div class=\"mistakes\">\n"
            for i in list.prefix(maxPerSection) {
                html += "<figure class=\"mistake\">\(image(r.paths[i.row], root: imageRoot))<figcaption>"
                html += "<div class=\"t\">given: \(esc(r.classes[i.given]))</div><div class=\"p\">suggested: \(esc(r.classes[i.suggested]))</div>"
                html += "<div>score \(f(i.score)) (classifier \(f(i.classifierConfidence, 2)), neighbours \(f(i.neighborAgreement, 2)))</div><div class=\"path\">\(esc(r.paths[i.row]))</div></figcaption></figure>\n"
            }
            html += "</div></section>\n"
        }
        suspects("Likely label errors", id: "label-errors", errors)
        suspects("Ambiguous rows", id: "ambiguous", ambiguous)
        if let pairs = r.labelIssues?.ambiguousPairs, !pairs.isEmpty {
            html += "<p class=\"hint\">Class pairs they straddle: " + pairs.map { "\(esc(r.classes[$0.first])) / \(esc(r.classes[$0.second])): \($0.rows)" }.joined(separator: "; ") + "</p>\n"
        }

        html += "<section id=\"outliers\"><h2>Outliers (top \(r.outliers.count))</h2><p class=\"hint\">Score: cosine distance to the \(r.settings.neighbors)th nearest neighbour.</p><div class=\"mistakes\">\n"
        for o in r.outliers.prefix(maxPerSection) {
            html += "<figure class=\"mistake\">\(image(r.paths[o.row], root: imageRoot))<figcaption><div><b>\(esc(r.classes[r.labels[o.row]]))</b> score \(f(o.score, 2))</div>"
            html += o.neighborsDisagree ? "<div class=\"p\">all neighbours carry another label</div>" : ""
            html += "<div class=\"path\">\(esc(r.paths[o.row]))</div></figcaption></figure>\n"
        }
        html += "</div></section>\n"

        html += "<section id=\"class-health\"><h2>Class health</h2><table class=\"health\"><tr><th>class</th><th>rows</th><th>exact dup.</th><th>near dup.</th><th>label issues</th><th>outliers</th><th>suspect share</th><th>most confused with</th></tr>\n"
        for c in r.classHealth {
            html += "<tr><td>\(esc(c.name))</td><td>\(c.rows)</td><td>\(c.exactDuplicateRows)</td><td>\(c.nearDuplicateRows)</td><td>\(c.labelIssues)</td><td>\(c.outliers)</td><td>\(f(c.suspectShare * 100, 1)) %</td><td>\(c.mostConfusedWith.map { "\(esc($0)) (\(c.mostConfusedCount))" } ?? "–")</td></tr>\n"
        }
        html += "</table></section>\n" + HTMLReport.pageEnd
        return html
    }

    /// Renders and writes the page atomically; returns what happened to the thumbnails.
    @discardableResult
    public func write(to url: URL) throws -> HTMLReport.ThumbnailCounts {
        var counts = HTMLReport.ThumbnailCounts()
        let page = render(counts: &counts)
        do { try Data(page.utf8).write(to: url, options: .atomic) } catch {
            throw DoctorError("\(url.path): cannot write the HTML page (\(error.localizedDescription))")
        }
        return counts
    }
}

/// A failure of a doctor check, with a message fit to show a user as it is.
public struct DoctorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
