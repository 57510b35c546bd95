import ProbeClassifiers
import XCTest

/// PCA with whitening against scikit-learn's PCA(16, whiten=True) on the real Lite0 features.
final class PCAParityTests: XCTestCase {
    func testWhitenedProjectionMatchesSklearn() throws {
        let f = try ClassifierFixture("flowers")
        let scaler = try StandardScaler().fit(ClassifierFixture.rows(f.x, f.train))
        let xs = try scaler.transform(f.x)
        let expected = f.section("pca")
        let model = try PCA(components: 16, whiten: true).fit(ClassifierFixture.rows(xs, f.train))
        let variance = ClassifierFixture.doubles(expected["explained_variance"])
        for (a, b) in zip(model.explainedVariance, variance) { XCTAssertEqual(a, b, accuracy: 1e-4 * b) }
        let axes = try f.npy("pca_components.npy").floats()
        for (a, b) in zip(model.components.values, axes) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        let projected = try model.transform(ClassifierFixture.rows(xs, f.test))
        let reference = ClassifierFixture.doubleRows(expected["test_transformed"])
        var worst = 0.0
        for (a, b) in zip(projected.values, reference.joined()) { worst = max(worst, abs(Double(a) - b)) }
        print("PCA whitened projection max abs error \(worst)")
        XCTAssertLessThan(worst, 1e-3)
    }
}
