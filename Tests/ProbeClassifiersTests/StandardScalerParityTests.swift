import ProbeClassifiers
import ProbeCore
import XCTest

final class StandardScalerParityTests: XCTestCase {
    func testMeanAndPopulationScaleMatchSklearn() throws {
        for dataset in ["syn_binary", "syn_multi", "flowers"] {
            let f = try ClassifierFixture(dataset)
            let model = try StandardScaler().fit(ClassifierFixture.rows(f.x, f.train))
            for (a, b) in zip(model.mean, ClassifierFixture.doubles(f.expected["scaler_mean"])) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b))) }
            for (a, b) in zip(model.scale, ClassifierFixture.doubles(f.expected["scaler_scale"])) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b))) }
        }
    }

    func testConstantFeatureGetsScaleOne() throws {
        let x = Matrix(rows: 3, cols: 2, values: [1, 5, 2, 5, 3, 5])
        let model = try StandardScaler().fit(x)
        XCTAssertEqual(model.scale[1], 1)
        XCTAssertEqual(try model.transform(x).values, [-1.2247449, 0, 0, 0, 1.2247449, 0])
    }
}
