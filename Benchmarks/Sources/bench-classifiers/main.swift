// bench-classifiers: fit and predict times of ProbeClassifiers on synthetic Gaussian blobs.
//
//   swift run -c release bench-classifiers [--configs small,medium,large] [--max-iter 300] [--knn-queries 2000]
//
// Prints one JSON object per measurement. Benchmarks/classifiers_reference.py generates the very same
// data (the generator below, counter-based SplitMix64 + Box–Muller) and times scikit-learn on it;
// Benchmarks/classifiers_compare.py runs both and prints the ratios.
import Foundation
import ProbeClassifiers
import ProbeCore
import ProbeTensor

struct Config {
    let name: String
    let n: Int, d: Int, k: Int
    var nTest: Int { n / 5 }
}

let allConfigs = [
    Config(name: "small", n: 2_000, d: 512, k: 2),
    Config(name: "medium", n: 20_000, d: 1280, k: 10),
    Config(name: "large", n: 100_000, d: 1280, k: 100),
]

// MARK: data (must stay identical to blobs() in classifiers_reference.py)

@inline(__always) func mix(_ z0: UInt64) -> UInt64 {
    var z = z0
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// The i-th uniform in (0, 1) of stream `seed`: SplitMix64 output number i+1, top 53 bits, centred in its cell.
@inline(__always) func uniform(_ seed: UInt64, _ i: Int) -> Double {
    (Double(mix(seed &+ UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15) >> 11) + 0.5) * 0x1p-53
}

/// The j-th standard normal of stream `seed` (Box–Muller, cosine branch, uniforms 2j and 2j+1).
@inline(__always) func normal(_ seed: UInt64, _ j: Int) -> Double {
    (-2 * log(uniform(seed, 2 * j))).squareRoot() * cos(2 * Double.pi * uniform(seed, 2 * j + 1))
}

/// Rows x_i = centre[y_i] + N(0, I), y_i = i mod K, centres 0.08·N(0, I).
func blobs(_ c: Config, rows: Int, noiseSeed: UInt64) -> (Matrix, [Int]) {
    var centres = [Float](repeating: 0, count: c.k * c.d)
    for i in 0..<centres.count { centres[i] = Float(0.08 * normal(1000 + UInt64(c.d), i)) }
    var x = Matrix(rows: rows, cols: c.d)
    let y = (0..<rows).map { $0 % c.k }
    let d = c.d
    x.values.withUnsafeMutableBufferPointer { v in
        DispatchQueue.concurrentPerform(iterations: 8) { part in
            for r in stride(from: part, to: rows, by: 8) {
                for j in 0..<d { v[r * d + j] = centres[y[r] * d + j] + Float(normal(noiseSeed, r * d + j)) }
            }
        }
    }
    return (x, y)
}

// MARK: timing

/// Process CPU time (all threads), to compare with Python's time.process_time on a shared machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

var lastCPU = 0.0

/// Wall-clock seconds of `body`; its CPU seconds go to `lastCPU`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let cpu = cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    lastCPU = cpuSeconds() - cpu
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(data: data, encoding: .utf8)!)
    fflush(stdout)
}

func accuracy(_ a: [Int], _ b: [Int]) -> Double { Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count) }

var wanted = ["small", "medium"]
var maxIter = 300
var knnQueries = 2000
var estimators = ["logreg", "svm", "knn"]
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--configs": wanted = arguments.next()!.split(separator: ",").map(String.init)
    case "--max-iter": maxIter = Int(arguments.next()!)!
    case "--knn-queries": knnQueries = Int(arguments.next()!)!
    case "--estimators": estimators = arguments.next()!.split(separator: ",").map(String.init)
    default: fatalError("unknown argument \(a)")
    }
}

for c in allConfigs where wanted.contains(c.name) {
    let (xTrainRaw, yTrain) = blobs(c, rows: c.n, noiseSeed: 2000)
    let (xTestRaw, yTest) = blobs(c, rows: c.nTest, noiseSeed: 3000)
    let scaler = try StandardScaler().fit(xTrainRaw)
    let xTrain = try scaler.transform(xTrainRaw), xTest = try scaler.transform(xTestRaw)
    let base: [String: Any] = ["impl": "probe", "config": c.name, "n": c.n, "d": c.d, "k": c.k]
    func record(_ extra: [String: Any]) { emit(base.merging(extra) { $1 }) }

    if estimators.contains("logreg") {
        var model: LogisticRegressionModel!
        let estimator = LogisticRegression(c: 1, maxIterations: maxIter, tolerance: 1e-4)
        let fit = try seconds { model = try estimator.fit(x: xTrain, y: yTrain) }
        let fitCPU = lastCPU
        var predicted = [Int]()
        let predict = try seconds { predicted = try model.predict(xTest) }
        record(["estimator": "logreg", "fit_s": fit, "fit_cpu_s": fitCPU, "predict_s": predict, "accuracy": accuracy(predicted, yTest),
                "objective": try estimator.objective(of: model, x: xTrain, y: yTrain), "iterations": model.iterations, "converged": model.converged])
    }
    if estimators.contains("svm") {
        var model: LinearSVCModel!
        let fit = try seconds { model = try LinearSVC().fit(x: xTrain, y: yTrain) }
        let fitCPU = lastCPU
        var predicted = [Int]()
        let predict = try seconds { predicted = try model.predict(xTest) }
        record(["estimator": "linear_svc", "fit_s": fit, "fit_cpu_s": fitCPU, "predict_s": predict, "accuracy": accuracy(predicted, yTest),
                "iterations": model.iterations.max() ?? 0, "converged": model.converged])
    }
    if estimators.contains("knn") {
        let queries = selectRows(xTest, Array(0..<min(knnQueries, xTest.rows)))
        var model: KNeighborsModel<Matrix>!
        let fit = try seconds { model = try KNeighbors().fit(x: xTrain, y: yTrain) }
        var predicted = [Int]()
        let predict = try seconds { predicted = try model.predict(queries) }
        let predictCPU = lastCPU
        record(["estimator": "knn", "fit_s": fit, "predict_s": predict, "predict_cpu_s": predictCPU, "queries": queries.rows,
                "accuracy": accuracy(predicted, Array(yTest.prefix(queries.rows)))])
    }
}
