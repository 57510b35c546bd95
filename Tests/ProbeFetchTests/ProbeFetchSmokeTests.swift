import ProbeCore
import XCTest
import ProbeFetch

final class ProbeFetchSmokeTests: XCTestCase {
    func testSHA256OfEmptyData() {
        XCTAssertEqual(SHA256Digest.data(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
