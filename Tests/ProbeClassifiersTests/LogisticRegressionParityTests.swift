import ProbeClassifiers
import XCTest

/// Logistic regression against scikit-learn's lbfgs on the committed fixtures: the objective it
/// reaches, its predictions, and the objective formula itself at scikit-learn's coefficients.
final class LogisticRegressionParityTests: XCTestCase {
    private func check(_ dataset: String, _ key: String, c: Double, classWeight: ClassWeight = .none,
                       weighted: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try ClassifierFixture(dataset)
        let scaler = try StandardScaler().fit(ClassifierFixture.rows(f.x, f.train))
        let xs = try scaler.transform(f.x)
        let xTrain = ClassifierFixture.rows(xs, f.train)
        let yTrain = f.train.map { f.y[$0] }
        let weights: [Float]? = weighted ? try f.npy("sample_weight.npy").floats() : nil
        let expected = f.section(key)
        let estimator = LogisticRegression(c: c, maxIterations: 5000, tolerance: 1e-6, classWeight: classWeight)
        let trainWeights = weights.map { w in f.train.map { w[$0] } }
        let model = try estimator.fit(x: xTrain, y: yTrain, sampleWeights: trainWeights)
        XCTAssertTrue(model.converged, "\(dataset)/\(key): \(model.warning ?? "")", file: file, line: line)
        let sklearnObjective = (expected["objective"] as! NSNumber).doubleValue
        let objective = try estimator.objective(of: model, x: xTrain, y: yTrain, sampleWeights: trainWeights)
        let relative = abs(objective - sklearnObjective) / sklearnObjective
        print("\(dataset)/\(key): objective \(objective) vs sklearn \(sklearnObjective) (relative \(relative)), \(model.iterations) iterations vs sklearn \(expected["n_iter"]!)")
        XCTAssertLessThan(relative, 1e-4, "\(dataset)/\(key) objective", file: file, line: line)
        let agreement = ClassifierFixture.agreement(try model.predict(xs), ClassifierFixture.ints(expected["predictions"]))
        XCTAssertGreaterThanOrEqual(agreement, 0.995, "\(dataset)/\(key) predictions", file: file, line: line)
        let binary = f.section("logreg")["intercept"] as! [Any]
        XCTAssertEqual(model.coefficients.rows, binary.count, "coefficient rows as sklearn's coef_", file: file, line: line)
    }

    func testBinaryMatchesSklearnObjectiveAndPredictions() throws {
        try check("syn_binary", "logreg", c: 1)
        try check("syn_binary", "logreg_c001", c: 0.01)
    }

    func testMultinomialMatchesSklearnObjectiveAndPredictions() throws {
        try check("syn_multi", "logreg", c: 1)
        try check("syn_multi", "logreg_c001", c: 0.01)
    }

    func testSampleWeightsMatchSklearn() throws {
        try check("syn_multi", "logreg_weighted", c: 1, weighted: true)
    }

    func testBalancedClassWeightMatchesSklearn() throws {
        try check("syn_multi", "logreg_balanced", c: 1, classWeight: .balanced)
    }

    func testRealLite0FeaturesMatchSklearn() throws {
        try check("flowers", "logreg", c: 1)
        try check("flowers", "logreg_c001", c: 0.01)
    }
}
