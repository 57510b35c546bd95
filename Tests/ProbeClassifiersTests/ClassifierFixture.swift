import Foundation
import ProbeCore
import ProbeTestSupport
import XCTest

/// One data set written by reference/classifiers_sklearn.py: raw features, labels, a fixed split and
/// what scikit-learn computed on it (expected.json).
struct ClassifierFixture {
    let name: String
    let x: Matrix
    let y: [Int]
    let train: [Int]
    let test: [Int]
    let expected: [String: Any]
    let folder: URL

    init(_ name: String) throws {
        self.name = name
        folder = TestPaths.fixture("classifiers/\(name)")
        let xs = try NPYArray.read(contentsOf: folder.appendingPathComponent("x.npy"))
        x = Matrix(rows: xs.shape[0], cols: xs.shape[1], values: xs.floats())
        y = try NPYArray.read(contentsOf: folder.appendingPathComponent("y.npy")).ints()
        train = try NPYArray.read(contentsOf: folder.appendingPathComponent("train.npy")).ints()
        test = try NPYArray.read(contentsOf: folder.appendingPathComponent("test.npy")).ints()
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        expected = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func section(_ key: String) -> [String: Any] { expected[key] as! [String: Any] }

    func npy(_ file: String) throws -> NPYArray { try NPYArray.read(contentsOf: folder.appendingPathComponent(file)) }

    static func rows(_ m: Matrix, _ indices: [Int]) -> Matrix {
        var values = [Float]()
        values.reserveCapacity(indices.count * m.cols)
        for i in indices { values += m.values[(i * m.cols)..<((i + 1) * m.cols)] }
        return Matrix(rows: indices.count, cols: m.cols, values: values)
    }

    static func ints(_ any: Any?) -> [Int] { (any as! [NSNumber]).map { $0.intValue } }
    static func doubles(_ any: Any?) -> [Double] { (any as! [NSNumber]).map { $0.doubleValue } }
    static func doubleRows(_ any: Any?) -> [[Double]] { (any as! [[NSNumber]]).map { $0.map { $0.doubleValue } } }

    static func agreement(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count)
        return Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }
}
