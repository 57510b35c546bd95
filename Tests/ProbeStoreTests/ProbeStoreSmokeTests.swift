import XCTest
import ProbeStore

final class ProbeStoreSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeStoreModule.name, "ProbeStore")
    }
}
