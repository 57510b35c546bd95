/// How sure the two views are that a flagged row is mislabelled.
public enum LabelIssueKind: String, Sendable, Codable {
    /// The classifier and the neighbours both point to the same other class.
    case likelyError = "likely_error"
    /// The views disagree or split between classes: a hard photo or two classes that overlap.
    case ambiguous
}

/// A row whose given label the evidence contradicts.
public struct LabelIssue: Equatable, Sendable {
    public let row: Int
    public let given: Int
    /// The class the combined view favours over the given one.
    public let suggested: Int
    /// Out-of-fold classifier probability of the given label (after `findInTwoPasses`, from the
    /// folds refitted without the first pass's suspects).
    public let classifierConfidence: Double
    /// Share of the k nearest neighbours that carry the given label (after `findInTwoPasses`, among
    /// the neighbours that are not first-pass suspects).
    public let neighborAgreement: Double
    /// Combined self-confidence (0.25 × the first + 0.75 × the second): the ranking score, lowest first.
    public let score: Double
    public let kind: LabelIssueKind
}

/// Two classes that the flagged-but-ambiguous rows straddle.
public struct AmbiguousClassPair: Equatable, Sendable {
    public let first: Int
    public let second: Int
    /// Ambiguous issues given one of the two labels and suggested the other.
    public let rows: Int
}

/// Likely label errors from two views of each row: the out-of-fold classifier probabilities (the
/// same folds and classifier as `probe cv`) and the labels of its k nearest neighbours.
///
/// Method: confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating
/// Uncertainty in Dataset Labels", JAIR 2021; see ConfidentLearning.swift) applied to a weighted
/// average of the two views, Q = w · P_classifier + (1 − w) · P_neighbours with w = `classifierWeight`
/// (0.25). Averaging two nearly independent estimates of the true-class posterior is what ensembles
/// do: a hard but correctly labelled photo that the linear classifier doubts is usually still
/// surrounded by its own class, and a flipped label is contradicted by both. The weight was chosen
/// on injected flips (Benchmarks/doctor_label_views.py, BENCHMARKS.md): the out-of-fold classifier
/// was itself trained on the flipped labels, the neighbours' vote is the sharper signal on Lite0
/// embeddings, and 0.25 beat both views alone and the plain mean on every set and rate measured.
///
/// `findInTwoPasses` runs that twice: the rows the first pass flags are suspects, and a suspect's
/// label is poor evidence about anyone else's. The second pass recomputes both views without it (the
/// classifier's folds are refitted with the suspects left out of their training rows, and the
/// suspects do not vote in their neighbours' shares), then judges every row, suspects included,
/// again with confident learning on the same given labels. This is the idea of cleanlab's
/// `CleanLearning` (fit again on the data with the issues pruned) applied to the evidence rather
/// than to the final model. Flagged rows are ranked by Q's self-confidence (lowest first) and
/// split into likely errors (both views agree on the same other class) and ambiguous rows; the
/// class pairs the ambiguous rows straddle are reported on their own.
public enum LabelIssues {
    public struct Result: Sendable {
        public let issues: [LabelIssue]
        public let ambiguousPairs: [AmbiguousClassPair]
        public let confidentLearning: ConfidentLearning
    }

    /// Weight of the classifier's view in the combination (the neighbours' view gets the rest).
    public static let classifierWeight = 0.25

    /// Two passes of `find` (see the type's comment). `probabilities` are the out-of-fold classifier
    /// probabilities `[n][K]`, `neighbors[i]` row i's nearest neighbours (nil: the classifier's view
    /// alone). `refit(suspects)` returns the out-of-fold probabilities of the same folds with the rows
    /// `suspects` marks left out of every training part, or nil when it cannot (the second pass then
    /// keeps the first pass's classifier view). The result's issues carry the second pass's views.
    public static func findInTwoPasses(probabilities: [[Double]], neighbors: [[Int]]?, labels: [Int], classCount: Int,
                                       refit: ([Bool]) throws -> [[Double]]?) rethrows -> Result {
        let shares = neighbors.map { NeighborLabels.shares(neighbors: $0, labels: labels, classCount: classCount) }
        let first = find(probabilities: probabilities, neighborShares: shares, labels: labels, classCount: classCount)
        guard !first.issues.isEmpty else { return first }
        var suspects = [Bool](repeating: false, count: labels.count)
        for issue in first.issues { suspects[issue.row] = true }
        let refitted = try refit(suspects) ?? probabilities
        let cleanerShares = neighbors.map { NeighborLabels.shares(neighbors: $0, labels: labels, classCount: classCount, ignoring: suspects) }
        return find(probabilities: refitted, neighborShares: cleanerShares, labels: labels, classCount: classCount)
    }

    /// One pass. `probabilities` and `neighborShares` are `[n][K]`; without neighbour shares the
    /// classifier's view is used alone.
    public static func find(probabilities: [[Double]], neighborShares: [[Double]]?, labels: [Int], classCount: Int) -> Result {
        let n = labels.count
        var combined = probabilities
        if let shares = neighborShares {
            for i in 0..<n { for j in 0..<classCount { combined[i][j] = classifierWeight * probabilities[i][j] + (1 - classifierWeight) * shares[i][j] } }
        }
        let learning = ConfidentLearning(probabilities: combined, labels: labels, classCount: classCount)
        var issues: [LabelIssue] = []
        for i in learning.flagged {
            let y = labels[i]
            let suggested = (0..<classCount).filter { $0 != y }.max { combined[i][$0] < combined[i][$1] } ?? y
            let classifierSays = ConfidentLearning.argmax(probabilities[i])
            let neighboursSay = neighborShares.map { ConfidentLearning.argmax($0[i]) } ?? classifierSays
            let kind: LabelIssueKind = classifierSays == suggested && neighboursSay == suggested ? .likelyError : .ambiguous
            issues.append(LabelIssue(row: i, given: y, suggested: suggested, classifierConfidence: probabilities[i][y],
                                     neighborAgreement: neighborShares?[i][y] ?? probabilities[i][y], score: combined[i][y], kind: kind))
        }
        issues.sort { $0.score != $1.score ? $0.score < $1.score : $0.row < $1.row }
        var pairCounts: [Int: Int] = [:]
        for issue in issues where issue.kind == .ambiguous {
            pairCounts[min(issue.given, issue.suggested) * classCount + max(issue.given, issue.suggested), default: 0] += 1
        }
        let pairs = pairCounts.map { AmbiguousClassPair(first: $0.key / classCount, second: $0.key % classCount, rows: $0.value) }
            .sorted { $0.rows != $1.rows ? $0.rows > $1.rows : ($0.first, $0.second) < ($1.first, $1.second) }
        return Result(issues: issues, ambiguousPairs: pairs, confidentLearning: learning)
    }
}
