import ProbeCore
import XCTest

final class CSVTests: XCTestCase {
    func testPlainFieldsAreJoinedWithCommasAndNoLineEnding() {
        XCTAssertEqual(CSV.row(["path", "label", "0.5"]), "path,label,0.5")
    }

    func testFieldsWithCommasQuotesLineBreaksOrEdgeSpacesAreQuotedWithQuotesDoubled() {
        XCTAssertEqual(CSV.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CSV.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSV.field("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSV.field("cr\r\nlf"), "\"cr\r\nlf\"")
        XCTAssertEqual(CSV.field(" padded"), "\" padded\"")
        XCTAssertEqual(CSV.field("plain name"), "plain name")
    }
}
