import ProbeClassifiers
import ProbeCore
import XCTest

/// `probe doctor`'s second pass refits each fold with a few rows left out, starting from the first
/// pass's model: the start must be that model carried exactly into the new standardisation, and the
/// fit from it must reach the same optimum as a fit from zero.
final class WarmStartTests: XCTestCase {
    private func scores(_ probe: TrainedProbe, _ x: Matrix) throws -> [[Double]] {
        try probe.predict(x, classCount: 4).probabilities!  // syn_multi has four classes
    }

    private func assertClose(_ a: [[Double]], _ b: [[Double]], within tolerance: Double, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        var worst = 0.0
        for (p, q) in zip(a, b) { for (u, v) in zip(p, q) { worst = max(worst, abs(u - v)) } }
        XCTAssertLessThan(worst, tolerance, message, file: file, line: line)
    }

    func testTheStartIsTheEarlierModelCarriedIntoTheNewStandardisation() throws {
        let f = try ClassifierFixture("syn_multi")
        let all = Array(0..<f.x.rows)
        let fewer = all.filter { $0 % 7 != 3 }  // another mean and scale for every feature
        let settings = ProbeSettings(kind: .logreg)
        let first = try TrainedProbe.fit(x: f.x, y: f.y, settings: settings)
        // With no iteration allowed the fit returns its starting point, so this shows the start itself.
        var frozen = settings
        frozen.maxIterations = 0
        let start = try TrainedProbe.fit(x: ClassifierFixture.rows(f.x, fewer), y: fewer.map { f.y[$0] }, settings: frozen, warmStart: first)
        XCTAssertNotEqual(start.scaler, first.scaler)
        assertClose(try scores(start, f.x), try scores(first, f.x), within: 1e-4,
                    "the carried model must score every row as the model it came from")
        let cold = try TrainedProbe.fit(x: ClassifierFixture.rows(f.x, fewer), y: fewer.map { f.y[$0] }, settings: frozen)
        assertClose(try scores(cold, f.x), [[Double]](repeating: [0.25, 0.25, 0.25, 0.25], count: f.x.rows), within: 1e-6,
                    "without a warm start the solver starts from zero")
    }

    func testAWarmFitReachesTheColdFitsOptimumInFewerIterations() throws {
        let f = try ClassifierFixture("syn_multi")
        let fewer = (0..<f.x.rows).filter { $0 % 9 != 4 }
        let x = ClassifierFixture.rows(f.x, fewer), y = fewer.map { f.y[$0] }
        var settings = ProbeSettings(kind: .logreg)
        settings.maxIterations = 5000
        let first = try TrainedProbe.fit(x: f.x, y: f.y, settings: settings)
        let cold = try TrainedProbe.fit(x: x, y: y, settings: settings)
        let warm = try TrainedProbe.fit(x: x, y: y, settings: settings, warmStart: first)
        guard case .logreg(let coldModel) = cold.model, case .logreg(let warmModel) = warm.model else { return XCTFail("not logreg") }
        XCTAssertTrue(warmModel.converged)
        XCTAssertLessThan(warmModel.iterations, coldModel.iterations)
        XCTAssertEqual(warm.scaler, cold.scaler)
        let features = try cold.transform(x)
        let coldObjective = try LogisticRegression(c: 1).objective(of: coldModel, x: features, y: y)
        let warmObjective = try LogisticRegression(c: 1).objective(of: warmModel, x: features, y: y)
        XCTAssertLessThan(abs(warmObjective - coldObjective) / coldObjective, 1e-4, "the same optimum, within the solver's tolerance")
        assertClose(try scores(warm, f.x), try scores(cold, f.x), within: 0.02, "the same probabilities, within the solver's tolerance")
    }

    func testSettingsWithoutAWarmStartIgnoreIt() throws {
        let f = try ClassifierFixture("syn_multi")
        var settings = ProbeSettings(kind: .logreg)
        settings.pcaComponents = 2  // the earlier model's features are not this fit's
        let first = try TrainedProbe.fit(x: f.x, y: f.y, settings: ProbeSettings(kind: .logreg))
        let cold = try TrainedProbe.fit(x: f.x, y: f.y, settings: settings)
        let warm = try TrainedProbe.fit(x: f.x, y: f.y, settings: settings, warmStart: first)
        XCTAssertEqual(try scores(warm, f.x), try scores(cold, f.x))
    }
}
