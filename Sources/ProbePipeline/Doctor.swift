import Foundation
import ProbeClassifiers
import ProbeCore
import ProbeDoctor
import ProbeMetrics
import ProbeStore
import ProbeTensor

/// `probe doctor`: the data-quality checks of ProbeDoctor run on a store (and optionally a second
/// store the first must not leak into), with the out-of-fold probabilities of `probe cv`'s folds.
public enum Doctor {
    public struct Request: Sendable {
        public var features: URL
        public var against: URL?
        public var settings: ProbeSettings
        public var folds = 5
        /// Neighbours per row for the label view, the outlier score and the top-k search.
        public var neighbors = 10
        public var nearThreshold = Doctor.defaultNearThreshold
        public var top = 20

        public init(features: URL, settings: ProbeSettings) {
            self.features = features
            self.settings = settings
        }
    }

    /// Default cosine threshold for near-duplicates. On the shared sets (held-out photos, real
    /// Lite0 weights) natural nearest neighbours reach 0.67–0.88 (the closest natural pair, a burst
    /// shot, 0.881) while JPEG re-encodes, crops, mirrors and brightened copies of a photo sit at a
    /// median 0.89–0.96: 0.90 is above every natural pair measured and catches most edits; the
    /// perceptual hash catches the resized and greyscale copies the cosine misses.
    public static let defaultNearThreshold = 0.90

    public static func run(_ request: Request, progress: (String) -> Void = { _ in }) throws -> DoctorReport {
        let store = try Fitting.openStore(request.features)
        guard store.rowCount > 0 else { throw PipelineError("\(store.directory.path): the store has no rows") }
        var notes: [String] = []
        let sha256 = try rowHashes(store)
        let hashes = store.perceptualHashes.contains { $0 != nil } ? store.perceptualHashes : nil
        if hashes == nil { notes.append("the store has no perceptual hashes (extracted before they were stored): near-duplicates by cosine only") }

        progress("doctor: neighbours of \(store.rowCount) rows")
        let exact = ExactDuplicates.groups(sha256: sha256, labels: store.labels)
        let search: NeighborSearchResult
        let near: [NearDuplicatePair]
        var leakage: LeakageReport?
        do {
            // The unit-row copy (n·d floats, 512 MB at 100k × 1280) lives only in this block: it is
            // gone before the folds copy their training rows, which keeps the whole run's peak lower.
            let rows = unitRows(store)
            search = CosineNeighbors.search(rows, k: request.neighbors, pairThreshold: Float(request.nearThreshold))
            near = NearDuplicates.pairs(cosinePairs: search.pairs, rows: rows, labels: store.labels, sha256: sha256, perceptualHashes: hashes)
            if let againstURL = request.against {
                progress("doctor: leaks into \(againstURL.path)")
                leakage = try leaks(store, rows: rows, sha256: sha256, hashes: hashes, against: againstURL, request: request, notes: &notes)
            }
        }
        let outliers = Outliers.ranked(search.lists, labels: store.labels, top: request.top)

        var labelIssues: LabelIssues.Result?
        var classifierLogLoss: Double?
        let present = Set(store.labels)
        if present.count < 2 {
            notes.append("only one class has rows: labels cannot be checked")
        } else {
            do {
                progress("doctor: \(request.folds)-fold out-of-fold probabilities (\(request.settings.kind.rawValue))")
                let (probabilities, firstProbes) = try outOfFoldProbabilities(store, settings: request.settings, folds: request.folds)
                if request.settings.kind != .svm {
                    classifierLogLoss = try ProbabilityMetrics.logLoss(trueLabels: store.labels, probabilities: probabilities)
                }
                let lists = search.lists
                let neighbors = (0..<lists.rowCount).map { row in (0..<lists.k).map { Int(lists.indices[row * lists.k + $0]) } }
                labelIssues = LabelIssues.findInTwoPasses(probabilities: probabilities, neighbors: neighbors, labels: store.labels,
                                                          classCount: store.classes.count) { suspects in
                    progress("doctor: \(request.folds) folds again without the \(suspects.filter { $0 }.count) suspects of the first pass")
                    do {
                        return try outOfFoldProbabilities(store, settings: request.settings, folds: request.folds,
                                                          leavingOutOfTraining: suspects, warmStarts: firstProbes).probabilities
                    } catch {
                        notes.append("second pass kept the first pass's classifier view: \(error)")
                        return nil
                    }
                }
            } catch {
                notes.append("labels not checked: \(error)")
            }
        }

        let settings = DoctorReport.Settings(store: request.features.path, imageRoot: store.manifest.datasetRoot,
                                             classifier: request.settings.kind.rawValue, folds: request.folds, seed: request.settings.seed,
                                             neighbors: search.lists.k, nearThreshold: request.nearThreshold,
                                             perceptualHashes: hashes != nil, top: request.top)
        return DoctorReport(settings: settings, classes: store.classes, labels: store.labels, paths: store.paths,
                            exactDuplicates: exact, nearDuplicates: near, nearDuplicatesTruncated: search.pairsTruncated,
                            leakage: leakage, labelIssues: labelIssues, classifierLogLoss: classifierLogLoss, outliers: outliers, notes: notes)
    }

    /// The sha256 of each row's file, from the shard indexes (row order).
    static func rowHashes(_ store: FeatureStore) throws -> [String?] {
        // Through the store's index reader, whose fast path parses the lines the store writes
        // (a JSONDecoder per line cost ~20 µs: 4 ms of a doctor run on 200 rows). It already refuses
        // an index whose line count differs from its shard's rows, so the count is the store's.
        try store.indexEntries().map(\.sha256)
    }

    static func unitRows(_ store: FeatureStore) -> UnitRows {
        UnitRows(rowCount: store.rowCount, dim: store.dim) { _, _, out in
            store.forEachBlock(maxRows: 4096) { block in
                (out + block.firstRow * block.dim).update(from: block.values.baseAddress!, count: block.rows * block.dim)
            }
        }
    }

    /// `[n][K]` probabilities of each row from the fold that held it out: the folds of `probe cv`
    /// (StratifiedKFold with the same seed) and its classifier. A linear SVM has no probabilities;
    /// its decision values go through a softmax (a score, not a calibrated probability).
    ///
    /// On a small store the folds run side by side: a fit on at most 2048 rows (the classifiers'
    /// parallel chunk) runs on one thread, so one fold at a time would leave the other cores idle.
    /// Each fold's fit is the same whichever thread runs it, so the probabilities are too.
    /// `leavingOutOfTraining` marks rows kept out of every training part (the folds stay the same,
    /// and those rows still get the probabilities of the fold that tests them). `warmStarts`: the
    /// probes an earlier call fitted on the same folds, one per fold, which a logistic regression
    /// starts from (`TrainedProbe.fit(warmStart:)`); the second pass, which leaves out a few rows,
    /// then needs fewer solver iterations. Returns the probabilities and the fold's probes.
    public static func outOfFoldProbabilities(_ store: FeatureStore, settings: ProbeSettings, folds: Int,
                                              leavingOutOfTraining left: [Bool]? = nil,
                                              warmStarts: [TrainedProbe]? = nil) throws -> (probabilities: [[Double]], probes: [TrainedProbe]) {
        let splits = try StratifiedKFold(folds: folds, seed: settings.seed).splits(labels: store.labels).map { split in
            (train: left.map { mask in split.train.filter { !mask[$0] } } ?? split.train, test: split.test)
        }
        let starts = warmStarts?.count == splits.count ? warmStarts : nil
        var perFold = [Result<(probe: TrainedProbe, probabilities: [[Double]]), Error>?](repeating: nil, count: splits.count)
        if splits.allSatisfy({ $0.train.count <= 2048 }) {
            let lock = NSLock()
            withBLASWorkersParked {
                DispatchQueue.concurrentPerform(iterations: splits.count) { f in
                    let outcome = Result { try foldProbabilities(store, split: splits[f], settings: settings, warmStart: starts?[f]) }
                    lock.lock(); perFold[f] = outcome; lock.unlock()
                }
            }
        } else {
            for (f, split) in splits.enumerated() {
                perFold[f] = Result { try foldProbabilities(store, split: split, settings: settings, warmStart: starts?[f]) }
            }
        }
        var result = [[Double]](repeating: [], count: store.rowCount)
        var probes: [TrainedProbe] = []
        for (split, outcome) in zip(splits, perFold) {
            let fold = try outcome!.get()
            probes.append(fold.probe)
            for (row, probabilities) in zip(split.test, fold.probabilities) { result[row] = probabilities }
        }
        return (result, probes)
    }

    /// The probabilities of `split.test`'s rows from a classifier fitted on `split.train`'s, and that classifier.
    static func foldProbabilities(_ store: FeatureStore, split: (train: [Int], test: [Int]), settings: ProbeSettings,
                                  warmStart: TrainedProbe?) throws -> (probe: TrainedProbe, probabilities: [[Double]]) {
        let kc = store.classes.count
        let probe = try TrainedProbe.fit(x: store.copyRows(split.train), y: split.train.map { store.labels[$0] }, settings: settings,
                                         warmStart: warmStart)
        let x = store.copyRows(split.test)
        var p: [[Double]]
        if case .svm(let model) = probe.model {
            let z = try model.decisionFunction(try probe.transform(x))
            p = (0..<z.rows).map { r in
                var scores = [Double](repeating: -.infinity, count: kc)
                if z.cols == 1 {
                    scores[model.classes[0]] = 0; scores[model.classes[1]] = Double(z[r, 0])
                } else {
                    for (j, c) in model.classes.enumerated() { scores[c] = Double(z[r, j]) }
                }
                let top = scores.max()!
                let e = scores.map { $0 == -.infinity ? 0 : Foundation.exp($0 - top) }
                let sum = e.reduce(0, +)
                return e.map { $0 / sum }
            }
        } else {
            p = try probe.predict(x, classCount: kc).probabilities ?? []
        }
        return (probe, p)
    }

    /// Exact, cosine and perceptual-hash duplicates between the store and `against`, and the
    /// accuracy on `against` of a classifier fitted on the whole store, with and without them.
    static func leaks(_ store: FeatureStore, rows: UnitRows, sha256: [String?], hashes: [UInt64?]?, against url: URL,
                      request: Request, notes: inout [String]) throws -> LeakageReport {
        let other = try Fitting.openStore(url)
        let differences = other.identity.differences(from: store.identity)
        guard differences.isEmpty else {
            throw PipelineError("\(url.path): --against store was made differently from \(store.directory.path) (\(differences.joined(separator: "; "))); leaks can only be measured between embeddings of the same backbone, weights and preprocessing")
        }
        guard other.classes == store.classes else {
            throw PipelineError("\(url.path): --against store has classes \(other.classes), \(store.directory.path) has \(store.classes)")
        }
        let otherSHA = try rowHashes(other)
        let otherRows = unitRows(other)
        var found: [Int64: Leak] = [:]
        func add(_ row: Int, _ againstRow: Int, _ signal: String) {
            let key = Int64(row) << 32 | Int64(againstRow)
            if found[key] == nil {
                var s = 0.0
                for j in 0..<rows.dim { s += Double(rows.values[row * rows.dim + j]) * Double(otherRows.values[againstRow * rows.dim + j]) }
                found[key] = Leak(row: row, againstRow: againstRow, signal: signal, cosine: s)
            }
        }
        var bySHA: [String: [Int]] = [:]
        for (row, hash) in sha256.enumerated() { if let hash { bySHA[hash, default: []].append(row) } }
        for (j, hash) in otherSHA.enumerated() { if let hash, let mine = bySHA[hash] { for i in mine { add(i, j, "sha256") } } }
        for pair in CosineNeighbors.crossPairs(queries: otherRows, reference: rows, threshold: Float(request.nearThreshold)) {
            add(pair.reference, pair.query, "cosine")
        }
        let otherHashes = other.perceptualHashes
        if let hashes, otherHashes.contains(where: { $0 != nil }) {
            // Pigeonhole over the union of both hash lists; keep only pairs across the two stores.
            let n = hashes.count
            for (a, b) in NearDuplicates.hashPairs(hashes + otherHashes, maxDistance: NearDuplicates.maxHammingDistance) where a < n && b >= n {
                add(a, b - n, "phash")
            }
        }
        let leaks = found.values.sorted { a, b in
            let rank = ["sha256": 0, "cosine": 1, "phash": 2]
            if rank[a.signal]! != rank[b.signal]! { return rank[a.signal]! < rank[b.signal]! }
            return a.cosine != b.cosine ? a.cosine > b.cosine : (a.row, a.againstRow) < (b.row, b.againstRow)
        }
        var accuracyAll: Double?, accuracyClean: Double?
        if Set(store.labels).count >= 2 {
            let probe = try TrainedProbe.fit(x: store.matrix(), y: store.labels, settings: request.settings)
            let predicted = try probe.predict(other.matrix(), classCount: store.classes.count).labels
            let leaked = Set(leaks.map(\.againstRow))
            let correct = (0..<other.rowCount).map { predicted[$0] == other.labels[$0] }
            accuracyAll = Double(correct.filter { $0 }.count) / Double(max(1, other.rowCount))
            let clean = (0..<other.rowCount).filter { !leaked.contains($0) }
            if !clean.isEmpty { accuracyClean = Double(clean.filter { correct[$0] }.count) / Double(clean.count) }
        } else {
            notes.append("only one class in the store: no classifier to measure the split's accuracy")
        }
        return LeakageReport(againstStore: url.path, againstPaths: other.paths, againstLabels: other.labels, leaks: leaks,
                             accuracyAll: accuracyAll, accuracyWithoutLeaked: accuracyClean)
    }
}
