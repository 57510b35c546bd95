import Foundation

/// Metrics that need predicted class probabilities (`probabilities[i][c]` = P(class c | sample i)).
public enum ProbabilityMetrics {
    /// Fraction of samples whose true class is among the `k` highest-scoring classes.
    ///
    /// A class outranks another when its score is higher, or equal with a lower index (so `k = 1`
    /// agrees with argmax and with scikit-learn's binary rule `p > 0.5`). For `k ≥` the number of
    /// classes every sample counts as a hit, as in scikit-learn's `top_k_accuracy_score`.
    public static func topKAccuracy(trueLabels: [Int], probabilities: [[Double]], k: Int) throws -> Double {
        try validate(trueLabels: trueLabels, probabilities: probabilities)
        guard k >= 1 else { throw MetricsError("top-k accuracy needs k ≥ 1, got \(k)") }
        var hits = 0
        for (label, row) in zip(trueLabels, probabilities) {
            let score = row[label]
            var rank = 0  // classes ranked above the true class
            for (c, s) in row.enumerated() where s > score || (s == score && c < label) { rank += 1 }
            if rank < k { hits += 1 }
        }
        return Double(hits) / Double(trueLabels.count)
    }

    /// Mean cross-entropy of the true class, `-mean(log(clip(p_true, eps, 1 - eps)))` with `eps` the
    /// float64 machine epsilon, as scikit-learn's `log_loss` computes it for float64 probabilities.
    public static func logLoss(trueLabels: [Int], probabilities: [[Double]]) throws -> Double {
        try validate(trueLabels: trueLabels, probabilities: probabilities)
        let eps = Double.ulpOfOne
        let losses = zip(trueLabels, probabilities).map { label, row in
            -log(min(max(row[label], eps), 1 - eps))
        }
        return numpyPairwiseSum(losses) / Double(losses.count)
    }

    static func validate(trueLabels: [Int], probabilities: [[Double]]) throws {
        guard !trueLabels.isEmpty else { throw MetricsError("no samples to score") }
        guard trueLabels.count == probabilities.count else {
            throw MetricsError("\(trueLabels.count) labels but \(probabilities.count) probability rows")
        }
        let k = probabilities[0].count
        for (i, row) in probabilities.enumerated() {
            guard row.count == k else {
                throw MetricsError("probability row \(i) has \(row.count) entries, expected \(k)")
            }
            guard row.allSatisfy({ $0.isFinite }) else { throw MetricsError("probability row \(i) is not finite") }
            guard (0..<k).contains(trueLabels[i]) else {
                throw MetricsError("true label \(trueLabels[i]) of sample \(i) is not a class index (0..<\(k))")
            }
        }
    }
}
