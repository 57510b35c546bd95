import Foundation
import ProbeCore

/// A row of the `--against` store that duplicates a row of the main store.
public struct Leak: Equatable, Sendable {
    /// Row in the main store.
    public let row: Int
    /// Row in the other store.
    public let againstRow: Int
    /// "sha256" (same bytes), "cosine" or "phash".
    public let signal: String
    public let cosine: Double

    public init(row: Int, againstRow: Int, signal: String, cosine: Double) {
        self.row = row
        self.againstRow = againstRow
        self.signal = signal
        self.cosine = cosine
    }
}

/// Duplicates across a split, and what they do to the accuracy the split reports.
public struct LeakageReport: Sendable {
    public let againstStore: String
    public let againstPaths: [String]
    public let againstLabels: [Int]
    public let leaks: [Leak]
    /// Accuracy on the other store of the classifier fitted on the whole main store, over all its
    /// rows and over the rows without a duplicate in the main store (nil when it could not be fitted).
    public let accuracyAll: Double?
    public let accuracyWithoutLeaked: Double?

    public init(againstStore: String, againstPaths: [String], againstLabels: [Int], leaks: [Leak], accuracyAll: Double?, accuracyWithoutLeaked: Double?) {
        self.againstStore = againstStore
        self.againstPaths = againstPaths
        self.againstLabels = againstLabels
        self.leaks = leaks
        self.accuracyAll = accuracyAll
        self.accuracyWithoutLeaked = accuracyWithoutLeaked
    }

    public var leakedAgainstRows: Int { Set(leaks.map(\.againstRow)).count }
}

/// Per class: how many rows and how many of them are suspect.
public struct ClassHealth: Equatable, Sendable {
    public let name: String
    public let rows: Int
    public let exactDuplicateRows: Int
    public let nearDuplicateRows: Int
    public let labelIssues: Int
    public let outliers: Int
    /// Rows in any of the lists above (a row counts once), over `rows`.
    public let suspectShare: Double
    /// The other class the confident joint moves most of this class's rows to, and how many.
    public let mostConfusedWith: String?
    public let mostConfusedCount: Int
}

/// Everything `probe doctor` found in one store; renders itself as text, JSON and an exclude list.
public struct DoctorReport: Sendable {
    public struct Settings: Sendable {
        public var store: String
        public var imageRoot: String?
        public var classifier: String
        public var folds: Int
        public var seed: UInt64
        public var neighbors: Int
        public var nearThreshold: Double
        public var perceptualHashes: Bool
        public var top: Int

        public init(store: String, imageRoot: String?, classifier: String, folds: Int, seed: UInt64, neighbors: Int,
                    nearThreshold: Double, perceptualHashes: Bool, top: Int) {
            self.store = store; self.imageRoot = imageRoot; self.classifier = classifier; self.folds = folds; self.seed = seed
            self.neighbors = neighbors; self.nearThreshold = nearThreshold; self.perceptualHashes = perceptualHashes; self.top = top
        }
    }

    public let settings: Settings
    public let classes: [String]
    public let labels: [Int]
    public let paths: [String]
    public let exactDuplicates: [DuplicateGroup]
    public let nearDuplicates: [NearDuplicatePair]
    public let nearDuplicatesTruncated: Bool
    public let leakage: LeakageReport?
    /// Nil when the labels could not be checked (one class, or too few rows for the folds); see `notes`.
    public let labelIssues: LabelIssues.Result?
    /// Log loss of the first pass's out-of-fold classifier probabilities against the given labels: the number
    /// `probe cv --json` reports as `log_loss` for the same classifier options and seed. Nil for
    /// the SVM (its softmaxed decision values are not probabilities) or when labels were not checked.
    public let classifierLogLoss: Double?
    public let outliers: [Outlier]
    public let classHealth: [ClassHealth]
    /// Why a check was skipped, fit to show a user.
    public let notes: [String]

    public init(settings: Settings, classes: [String], labels: [Int], paths: [String], exactDuplicates: [DuplicateGroup],
                nearDuplicates: [NearDuplicatePair], nearDuplicatesTruncated: Bool, leakage: LeakageReport?,
                labelIssues: LabelIssues.Result?, classifierLogLoss: Double? = nil, outliers: [Outlier], notes: [String]) {
        self.settings = settings
        self.classes = classes
        self.labels = labels
        self.paths = paths
        self.exactDuplicates = exactDuplicates
        self.nearDuplicates = nearDuplicates
        self.nearDuplicatesTruncated = nearDuplicatesTruncated
        self.leakage = leakage
        self.labelIssues = labelIssues
        self.classifierLogLoss = classifierLogLoss
        self.outliers = outliers
        self.notes = notes
        // Class health.
        let kc = classes.count
        var rows = [Int](repeating: 0, count: kc)
        for y in labels { rows[y] += 1 }
        let exactRows = Set(exactDuplicates.flatMap(\.rows))
        let nearRows = Set(nearDuplicates.flatMap { [$0.first, $0.second] })
        let issueRows = Set(labelIssues?.issues.map(\.row) ?? [])
        let outlierRows = Set(outliers.map(\.row))
        let suspects = exactRows.union(nearRows).union(issueRows).union(outlierRows)
        func count(_ set: Set<Int>, _ k: Int) -> Int { set.filter { labels[$0] == k }.count }
        classHealth = (0..<kc).map { k in
            var confused: String?, confusedCount = 0
            if let joint = labelIssues?.confidentLearning.confidentJoint {
                for j in 0..<kc where j != k && joint[k][j] > confusedCount { confused = classes[j]; confusedCount = joint[k][j] }
            }
            return ClassHealth(name: classes[k], rows: rows[k], exactDuplicateRows: count(exactRows, k), nearDuplicateRows: count(nearRows, k),
                               labelIssues: count(issueRows, k), outliers: count(outlierRows, k),
                               suspectShare: rows[k] > 0 ? Double(count(suspects, k)) / Double(rows[k]) : 0,
                               mostConfusedWith: confused, mostConfusedCount: confusedCount)
        }
    }

    // MARK: - Exclude list

    /// The paths a user would leave out of training, sorted: every copy but the first (by row) of
    /// each same-class exact or near-duplicate group; every member of a group whose copies carry
    /// different labels (which label is right cannot be told); rows duplicated in the `--against`
    /// store; and label issues of kind likely_error. Ambiguous rows and outliers are listed for a
    /// person to look at, not excluded.
    public func excludeList() -> [String] {
        var drop = Set<Int>()
        var pairs = exactDuplicates.flatMap { group in zip(group.rows, group.rows.dropFirst()).map { ($0, $1) } }
        pairs += nearDuplicates.map { ($0.first, $0.second) }
        for group in NearDuplicates.groups(rowCount: labels.count, pairs: pairs) {
            if Set(group.map { labels[$0] }).count > 1 { drop.formUnion(group) } else { drop.formUnion(group.dropFirst()) }
        }
        drop.formUnion(leakage?.leaks.map(\.row) ?? [])
        drop.formUnion(labelIssues?.issues.filter { $0.kind == .likelyError }.map(\.row) ?? [])
        return drop.map { paths[$0] }.sorted()
    }

    // MARK: - JSON

    /// Keys: exact_duplicates, near_duplicates, leaks, label_issues, outliers, classes, settings
    /// (and notes); every list complete, ranked as in the text.
    public var json: JSONValue {
        func row(_ r: Int) -> JSONValue { .object(["row": .int(r), "path": .string(paths[r]), "label": .string(classes[labels[r]])]) }
        let exact = exactDuplicates.map { g -> JSONValue in
            .object(["sha256": .string(g.sha256), "cross_class": .bool(g.crossClass), "rows": .array(g.rows.map(row))])
        }
        let near = nearDuplicates.map { p -> JSONValue in
            .object(["first": row(p.first), "second": row(p.second), "cosine": .number(p.cosine),
                     "hamming": p.hammingDistance.map { .int($0) } ?? .null,
                     "signals": .array(p.signals.map { .string($0.rawValue) }), "cross_class": .bool(p.crossClass)])
        }
        var leaks: JSONValue = .null
        if let leakage {
            leaks = .object([
                "against": .string(leakage.againstStore),
                "pairs": .array(leakage.leaks.map { l in
                    .object(["row": row(l.row),
                             "against": .object(["row": .int(l.againstRow), "path": .string(leakage.againstPaths[l.againstRow]),
                                                 "label": .string(classes[leakage.againstLabels[l.againstRow]])]),
                             "signal": .string(l.signal), "cosine": .number(l.cosine)])
                }),
                "leaked_against_rows": .int(leakage.leakedAgainstRows),
                "against_rows": .int(leakage.againstPaths.count),
                "accuracy_all": leakage.accuracyAll.map { .number($0) } ?? .null,
                "accuracy_without_leaked": leakage.accuracyWithoutLeaked.map { .number($0) } ?? .null,
            ])
        }
        var issues: JSONValue = .null
        if let labelIssues {
            issues = .object([
                "method": .string("confident learning (Northcutt et al., JAIR 2021) on 0.25 x out-of-fold classifier probabilities + 0.75 x k-NN label shares, in two passes: the second refits the folds and counts the neighbour votes without the rows the first flagged"),
                "issues": .array(labelIssues.issues.map { i in
                    .object(["row": row(i.row), "given": .string(classes[i.given]), "suggested": .string(classes[i.suggested]),
                             "score": .number(i.score), "classifier_confidence": .number(i.classifierConfidence),
                             "neighbor_agreement": .number(i.neighborAgreement), "kind": .string(i.kind.rawValue)])
                }),
                "ambiguous_class_pairs": .array(labelIssues.ambiguousPairs.map { p in
                    .object(["classes": .array([.string(classes[p.first]), .string(classes[p.second])]), "rows": .int(p.rows)])
                }),
                "thresholds": .array(labelIssues.confidentLearning.thresholds.map { .number($0) }),
                "confident_joint": .array(labelIssues.confidentLearning.confidentJoint.map { .array($0.map { .int($0) }) }),
                "classifier_log_loss": classifierLogLoss.map(JSONValue.double) ?? .null,
            ])
        }
        let outliersJSON = outliers.map { o -> JSONValue in
            .object(["row": row(o.row), "score": .number(o.score), "mean_distance": .number(o.meanDistance),
                     "neighbors_disagree": .bool(o.neighborsDisagree)])
        }
        let classesJSON = classHealth.map { c -> JSONValue in
            .object(["name": .string(c.name), "rows": .int(c.rows), "exact_duplicate_rows": .int(c.exactDuplicateRows),
                     "near_duplicate_rows": .int(c.nearDuplicateRows), "label_issues": .int(c.labelIssues), "outliers": .int(c.outliers),
                     "suspect_share": .number(c.suspectShare),
                     "most_confused_with": c.mostConfusedWith.map { .string($0) } ?? .null, "most_confused_count": .int(c.mostConfusedCount)])
        }
        let settingsJSON: JSONValue = .object([
            "store": .string(settings.store), "classifier": .string(settings.classifier), "folds": .int(settings.folds),
            "seed": .int(Int(truncatingIfNeeded: settings.seed)), "neighbors": .int(settings.neighbors),
            "near_threshold": .number(settings.nearThreshold), "max_hamming": .int(NearDuplicates.maxHammingDistance),
            "perceptual_hashes": .bool(settings.perceptualHashes), "top": .int(settings.top),
            "outlier_score": .string("cosine distance to the k-th nearest neighbour"),
        ])
        return .object([
            "exact_duplicates": .array(exact), "near_duplicates": .array(near), "near_duplicates_truncated": .bool(nearDuplicatesTruncated),
            "leaks": leaks, "label_issues": issues, "outliers": .array(outliersJSON), "classes": .array(classesJSON),
            "settings": settingsJSON, "notes": .array(notes.map { .string($0) }),
        ])
    }

    // MARK: - Text

    /// The ranked lists, `top` entries of each, with paths.
    public func text() -> String {
        let top = settings.top
        var out = "probe doctor: \(settings.store) (\(labels.count) rows, \(classes.count) classes)\n"
        func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
        func more(_ total: Int) { if total > top { out += "  … \(total - top) more (--top N, or --json for all)\n" } }

        out += "\nexact duplicates (same file bytes): \(exactDuplicates.count) group(s)\n"
        for g in exactDuplicates.prefix(top) {
            out += "  \(g.crossClass ? "CROSS-CLASS " : "")\(g.rows.count) copies, sha256 \(g.sha256.prefix(12))…\n"
            for r in g.rows { out += "    \(classes[labels[r]])  \(paths[r])\n" }
        }
        more(exactDuplicates.count)

        let signals = settings.perceptualHashes ? "cosine ≥ \(f(settings.nearThreshold, 2)) or pHash ≤ \(NearDuplicates.maxHammingDistance) bits" : "cosine ≥ \(f(settings.nearThreshold, 2))"
        out += "\nnear duplicates (\(signals)): \(nearDuplicates.count) pair(s)\(nearDuplicatesTruncated ? " (list truncated)" : "")\n"
        for p in nearDuplicates.prefix(top) {
            let hamming = p.hammingDistance.map { ", pHash \($0) bits" } ?? ""
            out += "  \(f(p.cosine))\(hamming) [\(p.signals.map(\.rawValue).joined(separator: "+"))]\(p.crossClass ? " CROSS-CLASS" : "")\n"
            out += "    \(classes[labels[p.first]])  \(paths[p.first])\n    \(classes[labels[p.second]])  \(paths[p.second])\n"
        }
        more(nearDuplicates.count)

        if let leakage {
            out += "\nleaks into \(leakage.againstStore): \(leakage.leaks.count) pair(s), \(leakage.leakedAgainstRows) of its \(leakage.againstPaths.count) rows\n"
            for l in leakage.leaks.prefix(top) {
                out += "  \(l.signal) \(f(l.cosine))  \(paths[l.row])  =  \(leakage.againstPaths[l.againstRow])\n"
            }
            more(leakage.leaks.count)
            if let all = leakage.accuracyAll {
                out += "  accuracy on \(leakage.againstStore): \(f(all, 4)) with the leaked rows, "
                out += leakage.accuracyWithoutLeaked.map { "\(f($0, 4)) without them\n" } ?? "no rows left without them\n"
            }
        }

        if let labelIssues {
            let errors = labelIssues.issues.filter { $0.kind == .likelyError }, ambiguous = labelIssues.issues.filter { $0.kind == .ambiguous }
            out += "\nlikely label errors (confident learning on \(settings.classifier) \(settings.folds)-fold out-of-fold probabilities + \(settings.neighbors)-NN labels): \(errors.count)\n"
            out += "  score  given -> suggested  (classifier p(given), neighbours with given)  path\n"
            for i in errors.prefix(top) {
                out += "  \(f(i.score))  \(classes[i.given]) -> \(classes[i.suggested])  (\(f(i.classifierConfidence, 2)), \(f(i.neighborAgreement, 2)))  \(paths[i.row])\n"
            }
            more(errors.count)
            out += "\nambiguous rows (the two views disagree): \(ambiguous.count)\n"
            for i in ambiguous.prefix(top) {
                out += "  \(f(i.score))  \(classes[i.given]) -> \(classes[i.suggested])  (\(f(i.classifierConfidence, 2)), \(f(i.neighborAgreement, 2)))  \(paths[i.row])\n"
            }
            more(ambiguous.count)
            if !labelIssues.ambiguousPairs.isEmpty {
                out += "  class pairs they straddle: " + labelIssues.ambiguousPairs.prefix(top).map { "\(classes[$0.first])/\(classes[$0.second]) \($0.rows)" }.joined(separator: ", ") + "\n"
            }
        }

        out += "\noutliers (top \(outliers.count) by cosine distance to the \(settings.neighbors)th nearest neighbour)\n"
        for o in outliers {
            out += "  \(f(o.score, 2))  \(classes[labels[o.row]])  \(paths[o.row])\(o.neighborsDisagree ? "  (all neighbours carry another label)" : "")\n"
        }

        out += "\nclass health\n"
        let width = max(5, classes.map(\.count).max() ?? 5)
        out += "  " + "class".padding(toLength: width, withPad: " ", startingAt: 0) + "   rows  exact   near  label  outl  suspect  most confused with\n"
        for c in classHealth {
            out += "  " + c.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += String(format: " %6d %6d %6d %6d %5d  %6.1f %%  ", c.rows, c.exactDuplicateRows, c.nearDuplicateRows, c.labelIssues, c.outliers, c.suspectShare * 100)
            out += c.mostConfusedWith.map { "\($0) (\(c.mostConfusedCount))" } ?? "-"
            out += "\n"
        }
        for note in notes { out += "note: \(note)\n" }
        return out
    }
}
