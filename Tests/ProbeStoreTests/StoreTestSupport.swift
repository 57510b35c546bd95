import Foundation
import ProbeCore
import ProbeStore
import ProbeTestSupport
import XCTest

/// A fresh folder under the system temp dir, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-store-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

func testIdentity(model: String = "tinynet", dtype: EmbeddingDType = .float32, dim: Int = 3, pool: String = "avg") -> StoreIdentity {
    StoreIdentity(model: model, weightsSHA256: String(repeating: "ab", count: 32),
                  preprocessing: .object(["recipe": .string("resize256-centercrop224"), "image_size": .number(224)]),
                  pool: pool, dtype: dtype, dim: dim)
}

/// A dataset listing of `count` files: `cat/0.jpg`, `dog/1.jpg`, … (labels alternate).
func testDataset(_ count: Int, classes: Int = 2, start: Int = 0) -> [DatasetFile] {
    (start..<(start + count)).map { i in
        DatasetFile(path: "class\(i % classes)/\(i).jpg", label: i % classes, size: Int64(1000 + i), mtimeNanoseconds: 1_700_000_000_000_000_000 + Int64(i))
    }
}

let testClasses = ["class0", "class1"]

/// The embedding an imaginary network gives a file: depends on the path and its bytes
/// (size, mtime) only, so re-extracting an unchanged file gives the same row.
func testEmbedding(_ file: DatasetFile, dim: Int) -> [Float] {
    let seed = StorePart.fnv1a64(file.path) ^ UInt64(bitPattern: file.size &* 31 &+ file.mtimeNanoseconds)
    return (0..<dim).map { j in Float(Int((seed >> UInt64(j * 7 % 57)) & 0xFFFF) - 32768) / 1024 }
}

func testEntry(_ file: DatasetFile) -> DatasetFile {
    file.hashed(String(format: "%064llx", StorePart.fnv1a64(file.path + "\(file.size)")))
}

/// What `probe extract` will do: embed `files` in batches and append them.
func extract(_ files: [DatasetFile], into writer: StoreWriter, batch: Int = 4) throws {
    var start = 0
    while start < files.count {
        let chunk = Array(files[start..<min(files.count, start + batch)])
        try writer.append(embeddings: chunk.flatMap { testEmbedding($0, dim: writer.identity.dim) }, entries: chunk.map(testEntry))
        start += batch
    }
}

/// Every file of a store folder and its bytes (the lock file left out).
func storeFiles(_ directory: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name != StoreLock.fileName {
        result[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    return result
}

/// The rows of a store as (path, label, embedding) in row order.
func storeRows(_ directory: URL) throws -> [(String, Int, [Float])] {
    let store = try FeatureStore(directory: directory)
    return (0..<store.rowCount).map { (store.paths[$0], store.labels[$0], store.row($0)) }
}

func XCTAssertThrowsStoreError(_ kind: StoreError.Kind, _ expression: @autoclosure () throws -> Any, containing text: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try expression()
        XCTFail("expected StoreError.\(kind)", file: file, line: line)
    } catch let error as StoreError {
        XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
        if let text { XCTAssertTrue(error.message.contains(text), "\"\(error.message)\" lacks \"\(text)\"", file: file, line: line) }
    } catch {
        XCTFail("expected StoreError.\(kind), got \(error)", file: file, line: line)
    }
}
