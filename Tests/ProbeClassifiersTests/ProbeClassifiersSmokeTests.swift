import XCTest
import ProbeClassifiers

final class ProbeClassifiersSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeClassifiersModule.name, "ProbeClassifiers")
    }
}
