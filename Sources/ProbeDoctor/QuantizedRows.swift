// The int8 copy of the unit rows that the neighbour search's candidate pass multiplies, and the
// bound on how far its products can be from the float32 similarities.
//
// Math: row u_i (unit length) is stored as codes q_i ∈ [−127, 127]^d and a scale s_i = max_t |u_it| / 127,
// q_it = round(u_it / s_i), so u_i = s_i q_i + e_i with |e_it| ≤ s_i / 2. For two rows
//     u_i · u_j − s_i s_j (q_i · q_j) = (s_i q_i) · e_j + e_i · u_j,
// so by Cauchy–Schwarz |u_i · u_j − s_i s_j (q_i · q_j)| ≤ ‖s_i q_i‖ ‖e_j‖ + ‖e_i‖ ‖u_j‖ ≤ δ₀ with
//     δ₀ = max ‖s q‖ · max ‖e‖ + max ‖e‖ · max ‖u‖   (maxima over all rows, rounded up).
// `bound` adds to δ₀ the float32 rounding of both sides: the approximation (Float(q_i · q_j) · s_i) · s_j
// (three roundings) and the exact side's fixed-order dot (UnitRows.dot, under (d/16 + 17) · 2⁻²⁴),
// taken as (d + 64) · 2⁻²³ · max ‖u‖², far above both. So for every pair
//     |approx(i, j) − UnitRows.dot(u_i, u_j)| ≤ bound.
// Memory: rowCount · stride bytes (stride = d rounded up to 64; 128 MB for 100k × 1280).
import CInt8Dot
import ProbeTensor

/// The instruction set the int8 product runs on (the CInt8Dot kernels). Every kernel returns the
/// same integers; only speed differs.
public enum Int8Kernel: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case scalar = 0, avx2 = 1, avxVNNI = 2, avx512VNNI = 3

    /// The fastest kernel this CPU supports.
    public static var best: Int8Kernel { Int8Kernel(rawValue: probe_i8_best_level()) ?? .scalar }

    public var isSupported: Bool { probe_i8_level_supported(rawValue) != 0 }

    public var description: String {
        switch self {
        case .scalar: "scalar"
        case .avx2: "avx2"
        case .avxVNNI: "avx-vnni"
        case .avx512VNNI: "avx512-vnni"
        }
    }

    /// C = A · Bᵀ exactly in int32: `c[r * rowsB + j] = Σ_t a[r * length + t] · b[j * length + t]`.
    /// A is `[rowsA, length]`, B `[rowsB, length]`; values in [−127, 127]. Any length: rows are
    /// copied into zero-padded rows of a multiple of 64, as the kernels require.
    public func product(_ a: [Int8], rowsA: Int, _ b: [Int8], rowsB: Int, length: Int) -> [Int32] {
        precondition(a.count == rowsA * length && b.count == rowsB * length, "Int8Kernel.product: shapes")
        precondition(isSupported, "Int8Kernel.product: \(self) does not run on this CPU")
        precondition(!a.contains(-128) && !b.contains(-128), "Int8Kernel.product: -128 is out of range")
        let stride = QuantizedRows.paddedLength(length)
        func padded(_ x: [Int8], _ rows: Int) -> [Int8] {
            var out = [Int8](repeating: 0, count: max(1, rows * stride))
            for r in 0..<rows { for t in 0..<length { out[r * stride + t] = x[r * length + t] } }
            return out
        }
        let pa = padded(a, rowsA), pb = padded(b, rowsB)
        var c = [Int32](repeating: 0, count: rowsA * rowsB)
        guard rowsA > 0, rowsB > 0 else { return c }
        pa.withUnsafeBufferPointer { ap in pb.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            gemm(ap.baseAddress!, rowsA, bp.baseAddress!, rowsB, stride: stride, bSums: nil, cp.baseAddress!, ldc: rowsB)
        } } }
        return c
    }

    /// The raw call: rows of `stride` bytes (a multiple of 64, zero-padded), C row-major with `ldc`;
    /// `bSums` (Σ_t b[j, t] per row of B, or nil to compute them) spares the VNNI kernels that pass.
    func gemm(_ a: UnsafePointer<Int8>, _ rowsA: Int, _ b: UnsafePointer<Int8>, _ rowsB: Int, stride: Int,
              bSums: UnsafePointer<Int32>?, _ c: UnsafeMutablePointer<Int32>, ldc: Int) {
        probe_i8_gemm_nt(rawValue, a, Int32(rowsA), b, Int32(rowsB), Int32(stride), Int32(stride), bSums, c, Int32(ldc))
    }
}

/// Unit rows as int8 codes and per-row scales (see the header for the math).
struct QuantizedRows {
    let rowCount: Int
    let dim: Int
    /// Bytes per row of `codes`: `dim` rounded up to a multiple of 64, the tail zero.
    let stride: Int
    /// `[rowCount, stride]` row-major, values in [−127, 127].
    let codes: [Int8]
    /// s_i: row i ≈ s_i · codes_i.
    let scales: [Float]
    /// Σ_t codes_i[t], for the VNNI kernels' unsigned-operand correction.
    let codeSums: [Int32]
    /// The bound on |s_i s_j (q_i · q_j) − UnitRows.dot(u_i, u_j)| for every pair, rounding included.
    let bound: Float

    static func paddedLength(_ d: Int) -> Int { max(64, (d + 63) / 64 * 64) }

    init(_ rows: UnitRows, threads: Int) {
        let n = rows.rowCount, d = rows.dim, stride = Self.paddedLength(d)
        precondition(d * 127 * 127 < Int(Int32.max), "QuantizedRows: \(d) dimensions overflow the int32 sums")
        self.rowCount = n; self.dim = d; self.stride = stride
        var codes = [Int8](repeating: 0, count: n * stride)
        var scales = [Float](repeating: 0, count: n)
        var codeSums = [Int32](repeating: 0, count: n)
        // Per row: ‖s q‖, ‖e‖ = ‖u − s q‖ and ‖u‖, in float64.
        var norms = [SIMD4<Double>](repeating: .zero, count: n)
        // A small store's rows quantise in less time than a second thread takes to join.
        let workers = n * d < 1 << 20 ? 1 : max(1, min(threads, n))
        rows.values.withUnsafeBufferPointer { u in
            codes.withUnsafeMutableBufferPointer { q in
                scales.withUnsafeMutableBufferPointer { s in
                    norms.withUnsafeMutableBufferPointer { norm in codeSums.withUnsafeMutableBufferPointer { sums in
                        let q = q, s = s, norm = norm, sums = sums
                        parallelFor(threads: workers) { slot in
                            var squares = [Double](repeating: 0, count: 3)
                            for r in sliceRange(n, part: slot, of: workers) {
                                s[r] = probe_i8_quantize_row(u.baseAddress! + r * d, Int32(d), q.baseAddress! + r * stride, sums.baseAddress! + r, &squares)
                                norm[r] = SIMD4(squares[0].squareRoot(), squares[1].squareRoot(), squares[2].squareRoot(), 0)
                            }
                        }
                    } }
                }
            }
        }
        // The float32 sums are within d · 2⁻²³ (relative) of the exact ones and e's terms within 2⁻²³ |u_t|:
        // the factor 1 + 10⁻³ and the 10⁻⁶ cover both for any d below 10⁵.
        let maxima = norms.reduce(SIMD4<Double>.zero) { pointwiseMax($0, $1) } * (1 + 1e-3) + 1e-6
        let mismatch = maxima[0] * maxima[1] + maxima[1] * maxima[2]
        let rounding = Double(d + 64) * 0x1p-23 * max(1, maxima[2] * maxima[2])
        self.bound = Float(mismatch + rounding).nextUp
        self.codes = codes
        self.scales = scales
        self.codeSums = codeSums
    }
}
