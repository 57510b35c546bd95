// Principal component analysis by eigendecomposition of the covariance, scikit-learn's
// `PCA(n_components=D, whiten=…, svd_solver="full")` up to the solver.
//
//     C = (X − μ)ᵀ(X − μ) / (n − 1)        [d, d], float64 (dsyrk over blocks of rows)
//     C = V Λ Vᵀ                           LAPACK dsyevd (column-major), eigenvalues ascending → reversed
//     components = top-D rows of Vᵀ, each signed so its largest-magnitude entry is positive
//                  (scikit-learn's svd_flip with u_based_decision=False)
//     transform(x) = (x − μ) Vᵀ_D, divided by √λ per component when whitening.
import Foundation
import ProbeCore
import ProbeTensor
import COpenBLAS

public struct PCA: Sendable {
    public var components: Int
    public var whiten: Bool

    public init(components: Int, whiten: Bool = false) {
        self.components = components
        self.whiten = whiten
    }

    public func fit(_ x: Matrix) throws -> PCAModel {
        let n = x.rows, d = x.cols
        guard components >= 1 else { throw ClassifierError("PCA needs at least 1 component, not \(components)") }
        guard n >= 2 else { throw ClassifierError("PCA needs at least 2 samples, got \(n)") }
        guard components <= min(n, d) else {
            throw ClassifierError("PCA to \(components) dimensions needs at least that many samples and features (have \(n) samples, \(d) features)")
        }
        try validateFinite(x, what: "feature")
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += Double(x.values[r * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        let block = 1024
        var centered = [Double](repeating: 0, count: block * d)
        var start = 0
        while start < n {
            let rows = min(block, n - start)
            for r in 0..<rows { for j in 0..<d { centered[r * d + j] = Double(x.values[(start + r) * d + j]) - mean[j] } }
            // Upper triangle (row-major) of Σ centeredᵀ·centered.
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows), 1, centered, Int32(d), 1, &covariance, Int32(d))
            start += rows
        }
        for i in 0..<(d * d) { covariance[i] /= Double(n - 1) }
        let (eigenvalues, vectors) = try symmetricEigen(upperRowMajor: covariance, d: d)
        // Column k of `vectors` (column-major) is the eigenvector of eigenvalue k, ascending.
        var rows = [Double](repeating: 0, count: components * d)
        var variances = [Double](repeating: 0, count: components)
        for c in 0..<components {
            let column = d - 1 - c
            variances[c] = max(eigenvalues[column], 0)
            var largest = 0.0
            for j in 0..<d {
                let v = vectors[column * d + j]
                rows[c * d + j] = v
                if abs(v) > abs(largest) { largest = v }
            }
            if largest < 0 { for j in 0..<d { rows[c * d + j] = -rows[c * d + j] } }
        }
        let total = eigenvalues.reduce(0) { $0 + max($1, 0) }
        return PCAModel(mean: mean, components: Matrix(rows: components, cols: d, values: rows.map(Float.init)),
                        componentsDouble: rows, explainedVariance: variances,
                        explainedVarianceRatio: variances.map { total > 0 ? $0 / total : 0 }, whiten: whiten)
    }
}

/// Eigenvalues (ascending) and eigenvectors (the columns of a column-major [d, d] matrix) of the
/// symmetric matrix whose upper triangle `upperRowMajor` holds (row-major, i ≤ j), by LAPACK's dsyevd
/// with its optimal workspace. The triangle is first copied into column-major order, as LAPACKE's
/// row-major wrapper would do, so the solver sees the same upper triangle either way.
func symmetricEigen(upperRowMajor c: [Double], d: Int) throws -> (values: [Double], vectors: [Double]) {
    var a = [Double](repeating: 0, count: d * d)
    for i in 0..<d { for j in i..<d { a[j * d + i] = c[i * d + j] } }
    var w = [Double](repeating: 0, count: d)
    var n = Int32(d), lda = Int32(d), info: Int32 = 0
    var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
    // Workspace query (lwork = liwork = −1), then the solve.
    var workSize = 0.0, iworkSize: Int32 = 0, query: Int32 = -1
    dsyevd_(&jobz, &uplo, &n, &a, &lda, &w, &workSize, &query, &iworkSize, &query, &info, 1, 1)
    if info != 0 { throw ClassifierError("PCA: the eigendecomposition failed (LAPACK dsyevd info \(info))") }
    var lwork = Int32(workSize), liwork = iworkSize
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevd_(&jobz, &uplo, &n, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
    if info != 0 { throw ClassifierError("PCA: the eigendecomposition failed (LAPACK dsyevd info \(info))") }
    return (w, a)
}

public struct PCAModel: Sendable {
    public let mean: [Double]
    /// [D, d] principal axes, unit rows.
    public let components: Matrix
    let componentsDouble: [Double]
    /// Variance along each axis (eigenvalues of the covariance, ddof 1), descending.
    public let explainedVariance: [Double]
    public let explainedVarianceRatio: [Double]
    public let whiten: Bool

    /// Rebuilds a fitted PCA (e.g. read from a file); throws when the shapes do not fit together.
    public init(mean: [Double], components: Matrix, explainedVariance: [Double], whiten: Bool) throws {
        guard components.cols == mean.count, components.rows == explainedVariance.count, components.rows > 0 else {
            throw ClassifierError("PCA model: \(components.rows)x\(components.cols) components for \(mean.count) features and \(explainedVariance.count) variances")
        }
        self.init(mean: mean, components: components, componentsDouble: components.values.map(Double.init),
                  explainedVariance: explainedVariance, explainedVarianceRatio: [], whiten: whiten)
    }

    init(mean: [Double], components: Matrix, componentsDouble: [Double], explainedVariance: [Double],
         explainedVarianceRatio: [Double], whiten: Bool) {
        self.mean = mean
        self.components = components
        self.componentsDouble = componentsDouble
        self.explainedVariance = explainedVariance
        self.explainedVarianceRatio = explainedVarianceRatio
        self.whiten = whiten
    }

    /// Projects `x` [n, d] to [n, D] (float64 arithmetic, float32 result).
    public func transform(_ x: Matrix) throws -> Matrix { try transform(x, validated: false) }

    /// `validated`: `x` is the matrix just fitted on, whose values `fit` has checked.
    func transform(_ x: Matrix, validated: Bool) throws -> Matrix {
        let d = mean.count, dims = components.rows
        if !validated || x.cols != d { try validateQuery(x, featureCount: d) }
        var out = Matrix(rows: x.rows, cols: dims)
        var centered = [Double](repeating: 0, count: d)
        for r in 0..<x.rows {
            for j in 0..<d { centered[j] = Double(x.values[r * d + j]) - mean[j] }
            for c in 0..<dims {
                var s = 0.0
                for j in 0..<d { s += centered[j] * componentsDouble[c * d + j] }
                if whiten { s /= explainedVariance[c] > 0 ? explainedVariance[c].squareRoot() : 1 }
                out.values[r * dims + c] = Float(s)
            }
        }
        return out
    }
}

/// In a classifier file: mean, explained variances and `whiten` in the JSON, the components
/// [D, d] in the `.pca.npy` file it names (`NPYSidecars`).
extension PCAModel: Codable {
    private enum CodingKeys: String, CodingKey { case mean, components, explainedVariance, whiten }

    public init(from decoder: Decoder) throws {
        let record = try decoder.container(keyedBy: CodingKeys.self)
        let sidecars = try NPYSidecars.of(decoder.userInfo)
        let mean = try record.decode([Double].self, forKey: .mean)
        let components = try record.decode(String.self, forKey: .components)
        let explainedVariance = try record.decode([Double].self, forKey: .explainedVariance)
        let whiten = try record.decode(Bool.self, forKey: .whiten)
        try self.init(mean: mean, components: sidecars.matrix(named: components), explainedVariance: explainedVariance, whiten: whiten)
    }

    public func encode(to encoder: Encoder) throws {
        var record = encoder.container(keyedBy: CodingKeys.self)
        try record.encode(mean, forKey: .mean)
        try record.encode(NPYSidecars.of(encoder.userInfo).write(components, role: "pca"), forKey: .components)
        try record.encode(explainedVariance, forKey: .explainedVariance)
        try record.encode(whiten, forKey: .whiten)
    }
}
