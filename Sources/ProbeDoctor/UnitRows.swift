import ProbeCore

/// Embeddings scaled to unit length (L2), as one row-major `[rowCount, dim]` float32 array, so that a
/// dot product is the cosine similarity. A zero row stays zero (similarity 0 to everything).
///
/// Memory: `rowCount * dim * 4` bytes (512 MB for 100k × 1280). The copy is what lets the neighbour
/// search quantise and re-rank contiguous rows whatever the store's dtype or shard boundaries.
public struct UnitRows: Sendable {
    public let rowCount: Int
    public let dim: Int
    /// `[rowCount, dim]` row-major, each row of norm 1 or 0.
    public private(set) var values: [Float]

    /// `values` is `[rowCount, dim]` row-major; each row is divided by its norm (computed in float64).
    public init(rowCount: Int, dim: Int, values: [Float]) {
        precondition(values.count == rowCount * dim, "UnitRows: \(values.count) values for \(rowCount) × \(dim)")
        self.rowCount = rowCount
        self.dim = dim
        self.values = values
        self.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rowCount { Self.normalize(v.baseAddress! + r * dim, dim) }
        }
    }

    /// Fills the rows block by block: `fill(firstRow, rows, destination)` writes `rows * dim` floats.
    public init(rowCount: Int, dim: Int, fill: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        self.rowCount = rowCount
        self.dim = dim
        var values = [Float](repeating: 0, count: rowCount * dim)
        values.withUnsafeMutableBufferPointer { v in
            fill(0, rowCount, v.baseAddress!)
            for r in 0..<rowCount { Self.normalize(v.baseAddress! + r * dim, dim) }
        }
        self.values = values
    }

    /// x ← x / ‖x‖₂ (the norm summed in float64); a zero or non-finite norm leaves zeros.
    static func normalize(_ x: UnsafeMutablePointer<Float>, _ d: Int) {
        var s = 0.0
        for j in 0..<d { s += Double(x[j]) * Double(x[j]) }
        let norm = s.squareRoot()
        let inverse: Float = norm > 0 && norm.isFinite ? Float(1 / norm) : 0
        for j in 0..<d { x[j] = inverse == 0 ? 0 : x[j] * inverse }
    }

    /// Cosine similarity of rows `a` and `b` in float32, the value every neighbour list and pair of the
    /// search reports (`dot`, so the same bits whichever CPU, thread count or BLAS runs).
    public func similarity32(_ a: Int, _ b: Int) -> Float {
        values.withUnsafeBufferPointer { v in Self.dot(v.baseAddress! + a * dim, v.baseAddress! + b * dim, dim) }
    }

    /// x · y in float32 in one fixed order, so the result never depends on the machine:
    ///     lane_l = Σ_{t ≡ l (mod 16), t < d − d mod 16} x_t y_t   (t ascending, l = 0…15),
    ///     dot = ((lane_0 + lane_1) + … + lane_15) + Σ_{tail t ascending} x_t y_t.
    /// Every step is a plain IEEE multiply or add (no fused multiply-add, no reassociation), and
    /// x · y = y · x bit for bit. Error: within (d/16 + 17) · 2⁻²⁴ · ‖x‖ ‖y‖ of the exact value.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float {
        var lanes = SIMD16<Float>(repeating: 0)
        var t = 0
        while t + 16 <= d {
            let a = UnsafeRawPointer(x + t).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(y + t).loadUnaligned(as: SIMD16<Float>.self)
            lanes = lanes + a * b
            t += 16
        }
        var sum: Float = 0
        for l in 0..<16 { sum = sum + lanes[l] }
        while t < d { sum = sum + x[t] * y[t]; t += 1 }
        return sum
    }

    /// Cosine similarity of rows `a` and `b`, in float64 (the reference for the float32 search).
    public func similarity(_ a: Int, _ b: Int) -> Double {
        var s = 0.0
        for j in 0..<dim { s += Double(values[a * dim + j]) * Double(values[b * dim + j]) }
        return s
    }
}
