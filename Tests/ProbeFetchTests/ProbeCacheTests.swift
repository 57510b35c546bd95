import Foundation
import ProbeFetch
import XCTest

final class ProbeCacheTests: XCTestCase {
    func testUsesXDGCacheHomeWhenSet() {
        let cache = ProbeCache(environment: ["XDG_CACHE_HOME": "/var/tmp/xdg", "HOME": "/home/u"])
        XCTAssertEqual(cache.root.path, "/var/tmp/xdg/probe")
        XCTAssertEqual(cache.models.path, "/var/tmp/xdg/probe/models")
        XCTAssertEqual(cache.datasets.path, "/var/tmp/xdg/probe/datasets")
    }

    func testFallsBackToHomeDotCacheWhenXDGIsUnsetEmptyOrRelative() {
        for environment in [["HOME": "/home/u"], ["HOME": "/home/u", "XDG_CACHE_HOME": ""],
                            ["HOME": "/home/u", "XDG_CACHE_HOME": "relative/dir"]] {
            XCTAssertEqual(ProbeCache(environment: environment).root.path, "/home/u/.cache/probe", "\(environment)")
        }
    }
}
