import Foundation
import XCTest
import ProbeTestSupport

/// Runs the built `probe` binary and checks what a user sees.
final class HelpTests: XCTestCase {
    func testRootHelpListsSubcommands() throws {
        let result = try runProbe(["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("SUBCOMMANDS"), result.stdout)
    }
}
