import XCTest
import ProbeFetch

final class ProbeFetchSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeFetchModule.name, "ProbeFetch")
    }
}
