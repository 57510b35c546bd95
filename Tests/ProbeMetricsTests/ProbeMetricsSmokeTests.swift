import XCTest
import ProbeMetrics

final class ProbeMetricsSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbeMetricsModule.name, "ProbeMetrics")
    }
}
