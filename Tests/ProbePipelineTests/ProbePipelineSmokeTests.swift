import XCTest
import ProbePipeline

final class ProbePipelineSmokeTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(ProbePipelineModule.name, "ProbePipeline")
    }
}
