/// A dense row-major float32 matrix that owns its storage.
///
/// Element (r, c) lives at `values[r * cols + c]`. Classifiers take their training
/// data in this form; the embedding store hands out views of its memory-mapped
/// shards and copies into a `Matrix` only where a solver needs a private copy
/// (for example after standardisation).
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var values: [Float]

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(rows >= 0 && cols >= 0 && values.count == rows * cols, "Matrix: \(values.count) values for \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        self.init(rows: rows, cols: cols, values: [Float](repeating: value, count: rows * cols))
    }

    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// The row as a fresh array (for tests and small jobs; kernels use `values` directly).
    public func row(_ r: Int) -> [Float] { Array(values[(r * cols)..<((r + 1) * cols)]) }
}
