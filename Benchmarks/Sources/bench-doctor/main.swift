// bench-doctor: the scale measurements of `probe doctor` (BENCHMARKS.md, "probe doctor at scale").
//
//   bench-doctor make-store OUT N [DIM] [CLASSES]   writes a synthetic float32 store of N rows
//   bench-doctor search STORE [K]                   near-duplicate search + outliers, timed
//
// PROBE_INT8_KERNEL=scalar|avx2|avx-vnni|avx512-vnni forces the int8 kernel of the candidate pass
// (to time what CPUs without AVX-512 get); by default the fastest this CPU runs.
//
// The synthetic rows: 500 Gaussian cluster centres in DIM dimensions, each row a centre plus
// noise (cosine to its centre about 0.7, so natural pairs stay below the 0.90 threshold); 1 % of
// the rows are near-copies of an earlier row (noise 0.05 of its norm) and 1 % are random
// directions (outliers). Labels are cluster mod CLASSES; every row has its own file hash.
// `search` prints one JSON line: seconds for opening the store, the unit-row copy, the top-k
// search and the outlier ranking, the search's own breakdown (quantize, int8 candidate pass,
// exact re-rank, candidates per row, fallback rows), the pairs found, and the peak resident memory
// (VmHWM) next to the anonymous (not file-backed) memory at the end, from /proc/self/status.
import Foundation
import ProbeCore
import ProbeDoctor
import ProbeStore

func status(_ key: String) -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0")! * 1024
    }
    return 0
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: bench-doctor make-store OUT N [DIM] [CLASSES] | search STORE [K]\n".utf8))
    exit(2)
}

switch arguments[1] {
case "make-store":
    let out = URL(fileURLWithPath: arguments[2])
    let n = Int(arguments[3])!, dim = arguments.count > 4 ? Int(arguments[4])! : 1280
    let classCount = arguments.count > 5 ? Int(arguments[5])! : 10
    var random = SplitMix64(seed: 42)
    func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) }
    func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    let centres = (0..<500).map { _ in (0..<dim).map { _ in normal() } }
    let identity = StoreIdentity(model: "synthetic", weightsSHA256: String(repeating: "0", count: 64),
                                 preprocessing: .object(["recipe": .string("synthetic")]), pool: "avg", dtype: .float32, dim: dim)
    let classes = (0..<classCount).map { "class\($0)" }
    let writer = try StoreWriter(directory: out, identity: identity, classes: classes, shardRows: 8192)
    var done = 0
    var previous: [[Float]] = []
    while done < n {
        let rows = min(8192, n - done)
        var values: [Float] = []
        values.reserveCapacity(rows * dim)
        var entries: [DatasetFile] = []
        for r in 0..<rows {
            let i = done + r
            let cluster = Int(random.next() % 500)
            var row: [Float]
            if i % 100 == 7, let source = previous.last {
                row = source.map { $0 + 0.05 * normal() }                     // near-copy
            } else if i % 100 == 13 {
                row = (0..<dim).map { _ in normal() }                           // outlier
            } else {
                row = centres[cluster].map { $0 + 1.0 * normal() }              // cluster member
            }
            if i % 100 == 5 { previous = [row] }
            values += row
            let path = "class\(cluster % classCount)/\(i).jpg"
            entries.append(DatasetFile(path: path, label: cluster % classCount, size: 1, mtimeNanoseconds: 0,
                                       sha256: SHA256Digest.data(Data(path.utf8))))
        }
        try writer.append(embeddings: values, entries: entries)
        done += rows
    }
    _ = try writer.finish()
    print("{\"store\":\"\(out.path)\",\"rows\":\(n),\"dim\":\(dim)}")

case "search":
    let k = arguments.count > 3 ? Int(arguments[3])! : 10
    var store: FeatureStore!
    let open = try seconds { store = try FeatureStore(directory: URL(fileURLWithPath: arguments[2])) }
    var rows: UnitRows!
    let copy = seconds {
        rows = UnitRows(rowCount: store.rowCount, dim: store.dim) { _, _, out in
            store.forEachBlock(maxRows: 4096) { block in
                (out + block.firstRow * block.dim).update(from: block.values.baseAddress!, count: block.rows * block.dim)
            }
        }
    }
    var result: NeighborSearchResult!
    let forced = ProcessInfo.processInfo.environment["PROBE_INT8_KERNEL"].map { name in
        guard let kernel = Int8Kernel.allCases.first(where: { $0.description == name }), kernel.isSupported else {
            FileHandle.standardError.write(Data("PROBE_INT8_KERNEL=\(name): not a kernel this CPU runs\n".utf8))
            exit(2)
        }
        return kernel
    }
    let search = seconds { result = CosineNeighbors.search(rows, k: k, pairThreshold: 0.9, kernel: forced) }
    let stats = result.stats!
    var outliers: [Outlier] = []
    let outlierTime = seconds { outliers = Outliers.ranked(result.lists, labels: store.labels, top: 100) }
    let flagged = outliers.filter { $0.row % 100 == 13 }.count
    // The planted near-copies: row i with i % 100 == 7 copies row i − 2.
    let planted = result.pairs.filter { $0.first % 100 == 5 && $0.second == $0.first + 2 }.count
    var usage = rusage(); getrusage(RUSAGE_SELF.rawValue, &usage)
let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
print("{\"cpu_s\":\(cpu),\"rows\":\(store.rowCount),\"dim\":\(store.dim),\"k\":\(k),\"threads\":\(ComputeThreads.count),\"open_s\":\(open),\"copy_s\":\(copy),\"search_s\":\(search),\"kernel\":\"\(stats.kernel)\",\"bound\":\(stats.bound),\"quantize_s\":\(stats.quantizeSeconds),\"candidate_pass_s\":\(stats.candidateSeconds),\"rerank_s\":\(stats.rerankSeconds),\"candidates_per_row\":\(Double(stats.candidates) / Double(max(1, store.rowCount))),\"max_candidates_per_row\":\(stats.maxCandidatesPerRow),\"fallback_rows\":\(stats.fallbackRows),\"pair_candidates\":\(stats.pairCandidates),\"outliers_s\":\(outlierTime),\"total_s\":\(open + copy + search + outlierTime),\"pairs\":\(result.pairs.count),\"planted_pairs_found\":\(planted),\"injected_outliers_in_top100\":\(flagged),\"peak_rss_mb\":\(status("VmHWM") / 1_000_000),\"anon_rss_mb\":\(status("RssAnon") / 1_000_000),\"file_rss_mb\":\(status("RssFile") / 1_000_000)}")

default:
    FileHandle.standardError.write(Data("unknown mode \(arguments[1])\n".utf8))
    exit(2)
}
