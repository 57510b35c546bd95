import XCTest
import ProbeBackbones

final class ProbeBackbonesSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeBackbonesModule.name, "ProbeBackbones")
    }
}
