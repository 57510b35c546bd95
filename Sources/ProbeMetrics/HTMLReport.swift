import Foundation
import ProbeImages

/// A self-contained HTML report: summary numbers, confusion-matrix heatmap (SVG) with counts, per-class
/// precision/recall/F1 bars (SVG) and the misclassified images as thumbnails, worst first.
///
/// Nothing is fetched over the network: CSS and SVG are inline and images are embedded as base64
/// `data:` URIs. A small original (at most `embedOriginalBytes`) is embedded as it is; a larger JPEG
/// or PNG is decoded and downscaled to a PNG thumbnail whose longer side is `thumbnailSide` pixels
/// (see `Thumbnail`). Files over `maxImageBytes` are not opened, at most `maxMisclassified` images are
/// listed, and embedding stops once `maxTotalImageBytes` are used; each skipped image says why.
public struct HTMLReport: Sendable {
    public var title: String
    /// Folder that relative row paths are resolved against; defaults to the prediction set's `image_root`.
    public var imageRoot: URL?
    public var maxMisclassified: Int
    public var maxImageBytes: Int
    public var maxTotalImageBytes: Int
    public var embedOriginalBytes: Int
    public var thumbnailSide: Int

    public init(title: String = "Probe report", imageRoot: URL? = nil, maxMisclassified: Int = 60,
                maxImageBytes: Int = 50_000_000, maxTotalImageBytes: Int = 12_000_000,
                embedOriginalBytes: Int = 48_000, thumbnailSide: Int = 192) {
        self.embedOriginalBytes = embedOriginalBytes
        self.thumbnailSide = thumbnailSide
        self.title = title
        self.imageRoot = imageRoot
        self.maxMisclassified = maxMisclassified
        self.maxImageBytes = maxImageBytes
        self.maxTotalImageBytes = maxTotalImageBytes
    }

    /// One misclassified sample as listed in the report.
    public struct Mistake: Equatable, Sendable {
        public let path: String
        public let trueLabel: String
        public let predictedLabel: String
        /// Probability given to the true class and to the predicted class, when known.
        public let trueProbability: Double?
        public let predictedProbability: Double?
    }

    /// Misclassified rows, worst first: lowest probability on the true class (ties: highest on the
    /// predicted class, then path); without probabilities, in path order.
    public static func mistakes(in predictions: PredictionSet) -> [Mistake] {
        var index: [[Unicode.Scalar]: Int] = [:]
        for (i, name) in predictions.classes.enumerated() { index[Array(name.unicodeScalars)] = i }
        let wrong = predictions.rows.filter { Array($0.trueLabel.unicodeScalars) != Array($0.predictedLabel.unicodeScalars) }
        let mistakes = wrong.map { row -> Mistake in
            let t = index[Array(row.trueLabel.unicodeScalars)], p = index[Array(row.predictedLabel.unicodeScalars)]
            return Mistake(path: row.path, trueLabel: row.trueLabel, predictedLabel: row.predictedLabel,
                           trueProbability: t.flatMap { i in row.probabilities.map { $0[i] } },
                           predictedProbability: p.flatMap { i in row.probabilities.map { $0[i] } })
        }
        return mistakes.sorted { a, b in
            let ta = a.trueProbability ?? 0, tb = b.trueProbability ?? 0
            if ta != tb { return ta < tb }
            let pa = a.predictedProbability ?? 0, pb = b.predictedProbability ?? 0
            if pa != pb { return pa > pb }
            return a.path < b.path
        }
    }

    /// The whole page.
    public func render(evaluation: Evaluation, predictions: PredictionSet? = nil) -> String {
        var counts = ThumbnailCounts()
        return render(evaluation: evaluation, predictions: predictions, counts: &counts)
    }

    func render(evaluation: Evaluation, predictions: PredictionSet?, counts: inout ThumbnailCounts) -> String {
        let report = evaluation.report
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(HTMLReport.css)</style>
        </head><body>
        <h1>\(escape(title))</h1>

        """
        // Summary numbers.
        html += "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\n"
        func card(_ name: String, _ value: String, id: String) {
            html += "<div class=\"card\" id=\"\(id)\"><div class=\"value\">\(escape(value))</div><div class=\"name\">\(escape(name))</div></div>\n"
        }
        card("accuracy", report.accuracy.map { percent($0) } ?? "–", id: "summary-accuracy")
        card("macro F1", TextFormatting.fixed(report.macroAverage.f1, digits: 3), id: "summary-macro-f1")
        card("weighted F1", TextFormatting.fixed(report.weightedAverage.f1, digits: 3), id: "summary-weighted-f1")
        card("samples", String(report.sampleCount), id: "summary-samples")
        card("classes", String(evaluation.classes.count), id: "summary-classes")
        if let topK = evaluation.topKAccuracy, evaluation.classes.count > 5 { card("top-5 accuracy", percent(topK[5]!), id: "summary-top5") }
        if let logLoss = evaluation.logLoss { card("log loss", TextFormatting.fixed(logLoss, digits: 4), id: "summary-log-loss") }
        html += "</div>\n"
        if let source = predictions?.source {
            let facts: [(String, String?)] = [("model", source.model), ("weights sha256", source.weightsSHA256.map { String($0.prefix(16)) }),
                                               ("classifier", source.classifier), ("features", source.features), ("evaluated on", source.split)]
            let shown = facts.compactMap { k, v in v.map { "<span><b>\(escape(k))</b> \(escape($0))</span>" } }
            if !shown.isEmpty { html += "<p class=\"source\">" + shown.joined(separator: " · ") + "</p>\n" }
        }
        html += "<pre class=\"sklearn\">\(escape(report.text(digits: 2)))</pre></section>\n"

        html += "<section><h2>Confusion matrix</h2><p class=\"hint\">Rows: true class. Columns: predicted class. Shade: share of the true class.</p>\n"
        html += confusionMatrixSVG(evaluation.confusionMatrix) + "</section>\n"
        html += "<section><h2>Per-class precision, recall, F1</h2>\n" + perClassBarsSVG(report) + "</section>\n"
        if let predictions { html += misclassifiedSection(predictions, counts: &counts) }
        html += Self.pageEnd
        return html
    }

    /// The end of a page with thumbnails: a script that records in the DOM whether every embedded
    /// thumbnail decoded (headless Chromium tests read it), then the closing tags. The doctor's page ends the same way.
    public static let pageEnd = """
        <script>
        // Records in the DOM whether every embedded thumbnail decoded, for headless checks.
        window.addEventListener("load", function () {
          var imgs = Array.prototype.slice.call(document.querySelectorAll("img.thumb"));
          var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length;
          document.body.setAttribute("data-images", String(imgs.length));
          document.body.setAttribute("data-broken-images", String(broken));
          document.body.setAttribute("data-report-ready", "yes");
        });
        </script>
        </body></html>

        """

    /// What happened to the thumbnails of the listed mistakes.
    public struct ThumbnailCounts: Equatable, Sendable {
        public var embedded = 0
        /// Image files that could not be found (relative paths need `imageRoot`).
        public var notFound = 0
        /// Found but left out: too large, over budget, unreadable or not JPEG/PNG.
        public var skipped = 0

        public init(embedded: Int = 0, notFound: Int = 0, skipped: Int = 0) {
            self.embedded = embedded
            self.notFound = notFound
            self.skipped = skipped
        }
    }

    /// Renders and writes the page; returns how many thumbnails were embedded, missing or skipped.
    @discardableResult
    public func write(evaluation: Evaluation, predictions: PredictionSet? = nil, to url: URL) throws -> ThumbnailCounts {
        var counts = ThumbnailCounts()
        let page = render(evaluation: evaluation, predictions: predictions, counts: &counts)
        do { try Data(page.utf8).write(to: url, options: .atomic) } catch {
            throw MetricsError("\(url.path): cannot write HTML report (\(error.localizedDescription))")
        }
        return counts
    }

    // MARK: - Pieces

    /// The report's style sheet; `probe doctor`'s page shares it.
    public static let css = """
    body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1b1f24;padding:0 16px}
    h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
    .cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
    .card .value{font-size:22px;font-weight:600}.card .name{color:#57606a}.source{color:#57606a}.hint{color:#57606a;margin:4px 0}
    pre.sklearn{background:#f6f8fa;padding:10px;overflow-x:auto;font-size:12px}
    svg text{font-family:system-ui,sans-serif}
    .mistakes{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px}
    figure.mistake{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:6px;font-size:12px;overflow-wrap:anywhere}
    figure.mistake img.thumb{width:100%;height:130px;object-fit:cover;border-radius:4px;display:block}
    .noimage{height:130px;display:flex;align-items:center;justify-content:center;background:#f6f8fa;color:#57606a;text-align:center;border-radius:4px}
    .t{color:#1a7f37}.p{color:#cf222e}
    """

    func confusionMatrixSVG(_ matrix: ConfusionMatrix) -> String {
        let k = matrix.classes.count
        let cell = k <= 10 ? 48 : (k <= 30 ? 26 : 14)
        let longest = matrix.classes.map { min($0.count, 24) }.max() ?? 1
        let labelSpace = 20 + longest * 8
        let side = labelSpace + k * cell
        // Column names are rotated 60° up and to the right: leave room for the last one's horizontal run.
        let svgWidth = side + 10 + longest * 4
        let support = matrix.support
        var svg = "<svg id=\"confusion-matrix\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(svgWidth)\" height=\"\(side + 10)\" viewBox=\"0 0 \(svgWidth) \(side + 10)\" role=\"img\" aria-label=\"confusion matrix\">\n"
        for i in 0..<k {
            let name = escape(shorten(matrix.classes[i], 24))
            svg += "<text x=\"\(labelSpace - 6)\" y=\"\(labelSpace + i * cell + cell / 2 + 4)\" text-anchor=\"end\" font-size=\"12\">\(name)</text>\n"
            let cx = labelSpace + i * cell + cell / 2
            svg += "<text transform=\"translate(\(cx + 4),\(labelSpace - 6)) rotate(-60)\" font-size=\"12\">\(name)</text>\n"
            for j in 0..<k {
                let count = matrix.counts[i][j]
                let fraction = support[i] > 0 ? Double(count) / Double(support[i]) : 0
                let (r, g, b) = ConfusionMatrixImage.cellColor(fraction: fraction)
                let x = labelSpace + j * cell, y = labelSpace + i * cell
                svg += "<rect class=\"cm-cell\" data-true=\"\(i)\" data-pred=\"\(j)\" x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(r),\(g),\(b))\" stroke=\"#bbb\"><title>true \(name), predicted \(escape(shorten(matrix.classes[j], 24))): \(count)</title></rect>"
                if cell >= 20 {
                    let ink = fraction > 0.5 ? "#fff" : "#222"
                    svg += "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" font-size=\"\(cell >= 40 ? 13 : 10)\" fill=\"\(ink)\">\(count)</text>"
                }
                svg += "\n"
            }
        }
        return svg + "</svg>\n"
    }

    func perClassBarsSVG(_ report: ClassificationReport) -> String {
        let rowHeight = 46, barWidth = 360, nameWidth = 200
        let metrics: [(String, String, KeyPath<ClassMetrics, Double>)] = [("precision", "#0969da", \.precision), ("recall", "#1a7f37", \.recall), ("F1", "#8250df", \.f1)]
        let height = 24 + report.labels.count * rowHeight
        var svg = "<svg id=\"per-class\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(nameWidth + barWidth + 140)\" height=\"\(height)\" role=\"img\" aria-label=\"per-class precision, recall and F1\">\n"
        for (n, (name, color, _)) in metrics.enumerated() {
            svg += "<rect x=\"\(nameWidth + n * 110)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(color)\"/><text x=\"\(nameWidth + n * 110 + 16)\" y=\"14\" font-size=\"12\">\(name)</text>\n"
        }
        for (row, (label, m)) in zip(report.labels, report.perClass).enumerated() {
            let y = 24 + row * rowHeight
            svg += "<text x=\"\(nameWidth - 8)\" y=\"\(y + 24)\" text-anchor=\"end\" font-size=\"12\">\(escape(shorten(report.classes[label], 28)))</text>\n"
            for (n, (name, color, key)) in metrics.enumerated() {
                let value = m[keyPath: key]
                let w = Int((value * Double(barWidth)).rounded())
                let by = y + 4 + n * 13
                svg += "<rect class=\"bar bar-\(name.lowercased())\" x=\"\(nameWidth)\" y=\"\(by)\" width=\"\(w)\" height=\"11\" fill=\"\(color)\"><title>\(name) \(TextFormatting.fixed(value, digits: 3))</title></rect>"
                svg += "<text x=\"\(nameWidth + w + 4)\" y=\"\(by + 10)\" font-size=\"10\">\(TextFormatting.fixed(value, digits: 2))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    func misclassifiedSection(_ predictions: PredictionSet, counts: inout ThumbnailCounts) -> String {
        let all = HTMLReport.mistakes(in: predictions)
        let shown = all.prefix(maxMisclassified)
        let root = imageRoot ?? predictions.source.imageRoot.map { URL(fileURLWithPath: $0) }
        var html = "<section id=\"misclassified\"><h2>Misclassified (\(all.count)\(all.count > shown.count ? ", worst \(shown.count) shown" : ""))</h2>\n"
        html += "<p class=\"hint\">Worst first: lowest probability given to the true class.</p><div class=\"mistakes\">\n"
        var budget = maxTotalImageBytes
        for mistake in shown {
            html += "<figure class=\"mistake\">"
            switch thumbnail(for: mistake.path, root: root, budget: &budget) {
            case .embedded(let dataURI):
                counts.embedded += 1
                html += "<img class=\"thumb\" alt=\"\(escape(mistake.path))\" src=\"\(dataURI)\">"
            case .notFound:
                counts.notFound += 1
                html += "<div class=\"noimage\">image not found</div>"
            case .skipped(let why):
                counts.skipped += 1
                html += "<div class=\"noimage\">\(escape(why))</div>"
            }
            html += "<figcaption><div class=\"t\">true: \(escape(mistake.trueLabel))\(mistake.trueProbability.map { " (\(TextFormatting.fixed($0, digits: 3)))" } ?? "")</div>"
            html += "<div class=\"p\">predicted: \(escape(mistake.predictedLabel))\(mistake.predictedProbability.map { " (\(TextFormatting.fixed($0, digits: 3)))" } ?? "")</div>"
            html += "<div class=\"path\">\(escape(mistake.path))</div></figcaption></figure>\n"
        }
        return html + "</div></section>\n"
    }

    public enum ThumbnailOutcome { case embedded(String), notFound, skipped(String) }

    /// The image at `path` (relative to `root` unless absolute) as a `data:` URI, within the size
    /// limits above; `budget` is the bytes of images the page may still embed.
    public func thumbnail(for path: String, root: URL?, budget: inout Int) -> ThumbnailOutcome {
        let url = path.hasPrefix("/") || root == nil ? URL(fileURLWithPath: path) : root!.appendingPathComponent(path)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = (attributes[.size] as? NSNumber)?.intValue else { return .notFound }
        guard size <= maxImageBytes else { return .skipped("not embedded: \(size / 1000) kB > \(maxImageBytes / 1000) kB limit") }
        guard let data = try? Data(contentsOf: url) else { return .skipped("image not readable") }
        let isJPEG = data.starts(with: [0xFF, 0xD8, 0xFF])
        let isPNG = data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        guard isJPEG || isPNG else { return .skipped("not a JPEG or PNG") }
        let embedded: Data, mime: String
        if size <= embedOriginalBytes {
            (embedded, mime) = (data, isJPEG ? "image/jpeg" : "image/png")
        } else {
            do { (embedded, mime) = (try Thumbnail.png(fromImageData: data, maxSide: thumbnailSide, name: path), "image/png") } catch {
                return .skipped("no thumbnail: \(error)")
            }
        }
        guard embedded.count <= budget else { return .skipped("not embedded: report image budget used up") }
        budget -= embedded.count
        return .embedded("data:\(mime);base64,\(embedded.base64EncodedString())")
    }

    func percent(_ v: Double) -> String { TextFormatting.fixed(v * 100, digits: 1) + " %" }

    func shorten(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// Text made safe for HTML content and attribute values.
    public func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
