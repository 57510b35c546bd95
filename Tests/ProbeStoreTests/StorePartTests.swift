import ProbeStore
import XCTest

/// `--part I/N` splits a dataset the same way on every machine.
final class StorePartTests: XCTestCase {
    func testHashIsFNV1a64WithPublishedTestVectors() {
        // From the FNV reference test suite (Fowler/Noll/Vo).
        XCTAssertEqual(StorePart.fnv1a64(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(StorePart.fnv1a64("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(StorePart.fnv1a64("foobar"), 0x8594_4171_f739_67e8)
    }

    func testPartsSplitFilesDisjointlyAndCompletely() throws {
        let paths = testDataset(500).map(\.path) + ["cat/café.jpg", "dog/ünïcode/ß.png"]
        let parts = try (0..<7).map { try StorePart(index: $0, count: 7) }
        for path in paths {
            XCTAssertEqual(parts.filter { $0.contains(path: path) }.count, 1, path)
        }
        // Roughly even: no part gets less than half or more than twice its share.
        for part in parts {
            let share = paths.filter { part.contains(path: $0) }.count
            XCTAssertTrue((36...144).contains(share), "part \(part) has \(share) of \(paths.count)")
        }
    }

    func testParsesIOverNAndRejectsTheRest() throws {
        XCTAssertEqual(try StorePart(parsing: "3/8"), try StorePart(index: 3, count: 8))
        XCTAssertEqual(try StorePart(parsing: "0/1").description, "0/1")
        for bad in ["8/8", "-1/4", "1", "1/0", "a/b", "1/2/3", ""] {
            XCTAssertThrowsStoreError(.invalidArgument, try StorePart(parsing: bad))
        }
    }

    func testWriterForAPartPlansOnlyItsShareOfTheWholeListing() throws {
        let files = testDataset(40)
        let part = try StorePart(index: 2, count: 3)
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, part: part)
        let plan = try writer.synchronize(with: files)
        XCTAssertEqual(plan.toExtract, files.filter { part.contains(path: $0.path) })
        XCTAssertTrue(plan.toExtract.count < files.count && !plan.toExtract.isEmpty)
        writer.close()
    }
}
