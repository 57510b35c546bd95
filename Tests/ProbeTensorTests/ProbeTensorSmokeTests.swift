import XCTest
import ProbeTensor

final class ProbeTensorSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeTensorModule.name, "ProbeTensor")
    }
}
