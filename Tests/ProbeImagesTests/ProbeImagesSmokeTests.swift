import XCTest
import ProbeImages

final class ProbeImagesSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeImagesModule.name, "ProbeImages")
    }
}
