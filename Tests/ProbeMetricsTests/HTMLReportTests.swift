import Foundation
import XCTest
import ProbeTestSupport
import ProbeImages
import ProbeMetrics

/// The HTML report is self-contained and loads in a real browser with every expected element.
final class HTMLReportTests: XCTestCase {
    var folder: URL!
    let classes = ["cat", "dog", "fox & <wolf>"]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Nine samples, four misclassified; their "photos" are small PNGs, one is missing on disk.
    func makePredictions() throws -> PredictionSet {
        let rows: [(String, Int, Int, [Double])] = [
            ("a.png", 0, 0, [0.8, 0.1, 0.1]), ("b.png", 0, 1, [0.3, 0.6, 0.1]), ("c.png", 1, 1, [0.1, 0.8, 0.1]),
            ("d.png", 1, 0, [0.9, 0.05, 0.05]), ("e.png", 2, 2, [0.1, 0.1, 0.8]), ("f.png", 2, 1, [0.2, 0.4, 0.4]),
            ("g.png", 0, 0, [0.7, 0.2, 0.1]), ("missing.png", 1, 2, [0.2, 0.2, 0.6]), ("h.png", 2, 2, [0.0, 0.1, 0.9]),
        ]
        for row in rows where row.0 != "missing.png" {
            // An all-zero matrix draws only white, grey and dark digits: no heatmap shade to confuse the screenshot check.
            let counts = [[0, 0], [0, 0]]
            try ConfusionMatrixImage(matrix: ConfusionMatrix(classes: ["x", "y"], counts: counts))
                .writePNG(to: folder.appendingPathComponent("images/\(row.0)"))
        }
        return PredictionSet(classes: classes, source: .init(model: "efficientnet_lite0", classifier: "logreg", imageRoot: folder.appendingPathComponent("images").path),
                             rows: rows.map { .init(path: $0.0, trueLabel: classes[$0.1], predictedLabel: classes[$0.2], probabilities: $0.3) })
    }

    func testMistakesAreListedWorstFirst() throws {
        let order = HTMLReport.mistakes(in: try makePredictions()).map(\.path)
        XCTAssertEqual(order, ["d.png", "missing.png", "b.png", "f.png"])  // p(true) = 0.05, 0.2, 0.3, 0.4
    }

    func testPageIsSelfContainedAndEscapesNames() throws {
        let predictions = try makePredictions()
        let html = HTMLReport().render(evaluation: try Evaluation(predictions: predictions), predictions: predictions)
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertFalse(html.contains("url("))
        XCTAssertTrue(html.contains("fox &amp; &lt;wolf&gt;"))
        XCTAssertFalse(html.contains("<wolf>"))
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 3)  // 4 mistakes, 1 missing file
        XCTAssertTrue(html.contains("image not found"))
    }

    func testLargeImagesAreSkippedWithAReason() throws {
        let predictions = try makePredictions()
        let html = HTMLReport(maxImageBytes: 10).render(evaluation: try Evaluation(predictions: predictions), predictions: predictions)
        XCTAssertFalse(html.contains("base64,"))
        XCTAssertTrue(html.contains("kB limit"))
    }

    // MARK: - Real browser

    /// Runs headless Chromium (ProbeTestSupport's HeadlessChromium) and checks it exited cleanly.
    func runChromium(_ arguments: [String]) throws -> String {
        let result = try HeadlessChromium.run(arguments, folder: folder)
        XCTAssertEqual(result.status, 0, "chromium exited with \(result.status)")
        return result.stdout
    }

    func testChromiumLoadsThePageWithAllElementsAndDecodesEveryThumbnail() throws {
        let predictions = try makePredictions()
        let page = folder.appendingPathComponent("report.html")
        try HTMLReport(title: "Test report").write(evaluation: try Evaluation(predictions: predictions), predictions: predictions, to: page)

        let dom = try runChromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString])
        XCTAssertTrue(dom.contains("data-report-ready=\"yes\""), "load handler did not run:\n\(dom.prefix(500))")
        XCTAssertTrue(dom.contains("data-images=\"3\""), "expected three thumbnails")
        XCTAssertTrue(dom.contains("data-broken-images=\"0\""), "a thumbnail failed to decode")
        XCTAssertTrue(dom.contains("id=\"summary\""))
        XCTAssertTrue(dom.contains("id=\"confusion-matrix\""))
        XCTAssertEqual(dom.components(separatedBy: "class=\"cm-cell\"").count - 1, classes.count * classes.count)
        XCTAssertEqual(dom.components(separatedBy: "class=\"bar bar-precision\"").count - 1, classes.count)
        XCTAssertEqual(dom.components(separatedBy: "class=\"mistake\"").count - 1, 4)

        let screenshot = folder.appendingPathComponent("screenshot.png")
        _ = try runChromium(["--window-size=1100,1400", "--screenshot=\(screenshot.path)", page.absoluteString])
        let image = try ImageDecoder.decode(contentsOf: screenshot)
        XCTAssertEqual(image.width, 1100)
        XCTAssertEqual(image.height, 1400)
        // The heatmap's shade for cat→cat (2 of 3 cats) must be on screen.
        let dark = ConfusionMatrixImage.cellColor(fraction: 2.0 / 3.0)
        var found = false
        var p = 0
        while p < image.pixels.count && !found {
            if abs(Int(image.pixels[p]) - Int(dark.0)) < 6 && abs(Int(image.pixels[p + 1]) - Int(dark.1)) < 6 && abs(Int(image.pixels[p + 2]) - Int(dark.2)) < 6 { found = true }
            p += 3
        }
        XCTAssertTrue(found, "no heatmap cell visible in the screenshot")
        if let keep = ProcessInfo.processInfo.environment["PROBE_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: screenshot, to: URL(fileURLWithPath: keep))
        }
    }
}

extension HTMLReportTests {
    func testWriteCountsEmbeddedAndMissingThumbnails() throws {
        let predictions = try makePredictions()
        let counts = try HTMLReport().write(evaluation: try Evaluation(predictions: predictions), predictions: predictions,
                                            to: folder.appendingPathComponent("r.html"))
        XCTAssertEqual(counts, HTMLReport.ThumbnailCounts(embedded: 3, notFound: 1, skipped: 0))
    }
}
