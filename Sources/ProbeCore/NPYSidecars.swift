import Foundation

/// The arrays of a JSON record kept as `.npy` files beside it: `STEM.json` holds the name
/// `STEM.<role>.npy` where the array would be, so the JSON stays short and numpy opens the
/// numbers. A type that stores a matrix this way finds the sidecars in its coder's `userInfo`
/// (`NPYSidecars.userInfoKey`); whoever writes or reads the record puts them there.
public final class NPYSidecars: Sendable {
    public static let userInfoKey = CodingUserInfoKey(rawValue: "probe.npy-sidecars")!

    /// The JSON file the arrays belong to.
    public let record: URL

    public init(record: URL) { self.record = record }

    /// The sidecars a coder was given; an error when it was given none (a record with arrays
    /// cannot be coded on its own).
    public static func of(_ userInfo: [CodingUserInfoKey: Any]) throws -> NPYSidecars {
        guard let sidecars = userInfo[userInfoKey] as? NPYSidecars else {
            throw NPYSidecarError("arrays of this record are kept in .npy files; code it with NPYSidecars in the coder's userInfo")
        }
        return sidecars
    }

    private var folder: URL { record.deletingLastPathComponent() }
    private var stem: String { record.deletingPathExtension().lastPathComponent }

    /// Writes `matrix` as float32 [rows, cols] to `STEM.role.npy`; returns the file name the record keeps.
    public func write(_ matrix: Matrix, role: String) throws -> String {
        try write(NPYArray(float32: matrix.values, shape: [matrix.rows, matrix.cols]), role: role)
    }

    /// Writes `values` as int32 [count] to `STEM.role.npy`; returns the file name the record keeps.
    public func write(_ values: [Int], role: String) throws -> String {
        try write(NPYArray(int32: values.map { Int32($0) }, shape: [values.count]), role: role)
    }

    private func write(_ array: NPYArray, role: String) throws -> String {
        let name = "\(stem).\(role).npy"
        try array.write(to: folder.appendingPathComponent(name))
        return name
    }

    /// The 2-D array in the file `name` (beside the record) as a float32 matrix; `name` nil means
    /// the record names no file where it should.
    public func matrix(named name: String?) throws -> Matrix {
        guard let name else { throw NPYSidecarError("\(record.path): an array file is missing from the record") }
        let array = try NPYArray.read(contentsOf: folder.appendingPathComponent(name))
        guard array.shape.count == 2 else { throw NPYSidecarError("\(name): expected a 2-D array, found shape \(array.shape)") }
        return Matrix(rows: array.shape[0], cols: array.shape[1], values: array.floats())
    }

    /// The integers in the file `name` (beside the record), e.g. labels.
    public func ints(named name: String) throws -> [Int] {
        let url = folder.appendingPathComponent(name)
        do { return try NPYArray.read(contentsOf: url).ints() } catch let error as NPYError where error.description.hasPrefix("npy: ") {
            throw NPYSidecarError("\(url.path): \(error.description.dropFirst("npy: ".count))")
        }
    }

    /// "RECORD: `reason`", for what the record itself lacks.
    public func error(_ reason: String) -> NPYSidecarError { NPYSidecarError("\(record.path): \(reason)") }
}

/// A record's arrays that are missing or of the wrong shape; the message names the file.
public struct NPYSidecarError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
