/// Sums `values` in the same order as NumPy's `np.sum` on a contiguous float64 array, so averages
/// round to the same last bit as scikit-learn's and the printed report matches it exactly.
///
/// NumPy reduces with pairwise summation: fewer than 8 values are added left to right; up to 128 are
/// added into 8 interleaved partial sums that are then combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)),
/// with the remainder added in order; longer runs split in two at a multiple of 8 and recurse.
/// Checked against `np.sum` bit for bit on random arrays of length 1…400 (NumPy 2.4).
func numpyPairwiseSum(_ values: [Double]) -> Double {
    values.withUnsafeBufferPointer { pairwiseSum($0, 0, values.count) }
}

private func pairwiseSum(_ a: UnsafeBufferPointer<Double>, _ start: Int, _ count: Int) -> Double {
    if count < 8 {
        var sum = -0.0
        for i in start..<(start + count) { sum += a[i] }
        return sum
    } else if count <= 128 {
        var r = (a[start], a[start + 1], a[start + 2], a[start + 3],
                 a[start + 4], a[start + 5], a[start + 6], a[start + 7])
        var i = 8
        let unrolledEnd = count - count % 8
        while i < unrolledEnd {
            let p = start + i
            r.0 += a[p]; r.1 += a[p + 1]; r.2 += a[p + 2]; r.3 += a[p + 3]
            r.4 += a[p + 4]; r.5 += a[p + 5]; r.6 += a[p + 6]; r.7 += a[p + 7]
            i += 8
        }
        var sum = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
        while i < count { sum += a[start + i]; i += 1 }
        return sum
    } else {
        var half = count / 2
        half -= half % 8
        return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, count - half)
    }
}
