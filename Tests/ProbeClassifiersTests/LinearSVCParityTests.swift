import ProbeClassifiers
import ProbeCore
import XCTest

/// LinearSVC against scikit-learn's default LinearSVC() (liblinear) on the committed fixtures.
final class LinearSVCParityTests: XCTestCase {
    private func check(_ dataset: String, solver: LinearSVCSolver = .auto, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try ClassifierFixture(dataset)
        let scaler = try StandardScaler().fit(ClassifierFixture.rows(f.x, f.train))
        let xs = try scaler.transform(f.x)
        let model = try LinearSVC(solver: solver).fit(x: ClassifierFixture.rows(xs, f.train), y: f.train.map { f.y[$0] })
        let expected = f.section("linear_svc")
        XCTAssertTrue(model.converged, model.warning ?? "", file: file, line: line)
        let agreement = ClassifierFixture.agreement(try model.predict(xs), ClassifierFixture.ints(expected["predictions"]))
        print("\(dataset)/linear_svc (\(solver)): prediction agreement \(agreement), passes \(model.iterations) vs sklearn \(expected["n_iter"]!)")
        XCTAssertGreaterThanOrEqual(agreement, 0.99, file: file, line: line)
        // Same primal objective within the slack both tolerances leave.
        let objective = squaredHingeObjective(model, ClassifierFixture.rows(xs, f.train), f.train.map { f.y[$0] })
        let sklearnObjective = (expected["objective"] as! NSNumber).doubleValue
        XCTAssertLessThan(abs(objective - sklearnObjective) / sklearnObjective, 1e-2, "objective \(objective) vs \(sklearnObjective)", file: file, line: line)
        XCTAssertEqual(model.coefficients.rows, (expected["test_decision"] as! [[Any]])[0].count, file: file, line: line)
    }

    /// Σ over one-vs-rest problems of ½‖w‖² + ½b² + C Σ max(0, 1 − t(w·x + b))², C = 1.
    private func squaredHingeObjective(_ model: LinearSVCModel, _ x: Matrix, _ y: [Int]) -> Double {
        var total = 0.0
        for k in 0..<model.coefficients.rows {
            let positive = model.coefficients.rows == 1 ? model.classes[1] : model.classes[k]
            let w = model.coefficients.row(k).map(Double.init), b = Double(model.intercepts[k])
            total += 0.5 * w.reduce(0) { $0 + $1 * $1 } + 0.5 * b * b
            for i in 0..<x.rows {
                let z = zip(w, x.row(i)).reduce(b) { $0 + $1.0 * Double($1.1) }
                let h = max(0, 1 - (y[i] == positive ? 1 : -1) * z)
                total += h * h
            }
        }
        return total
    }

    func testBinaryMatchesSklearnPredictions() throws { try check("syn_binary") }
    func testOneVsRestMatchesSklearnPredictions() throws { try check("syn_multi") }
    func testRealLite0FeaturesMatchSklearnPredictions() throws { try check("flowers") }

    /// Dual coordinate descent and the primal L-BFGS reach the same minimiser whichever auto picks.
    func testDualAndPrimalSolversBothMatchSklearn() throws {
        for dataset in ["syn_binary", "syn_multi", "flowers"] {
            try check(dataset, solver: .dual)
            try check(dataset, solver: .primal)
        }
    }
}
