// bench-backbones: forward-pass throughput of Probe's seven backbones, and the machine's sgemm peak.
//
//   swift run -c release bench-backbones [--batch 32] [--size 224]
//       [--threads 2] [--iterations 3] [--models vgg16,mobilenet_v2,...] [--images-per-thread N]
//
// Prints one JSON object per line. The input batch is the benchmark input shared with
// Benchmarks/backbones_reference.py: element i of the NCHW batch is SplitMix64 output i+1 from
// seed 42 mapped to float32(z >> 40)·2⁻²³ − 1, times 2. Weights are random (speed does not depend on them).
import Dispatch
import Foundation
import ProbeBackbones
import ProbeCore
import ProbeTensor

var options: [String: String] = [:]
var argIterator = CommandLine.arguments.dropFirst().makeIterator()
while let flag = argIterator.next() {
    guard flag.hasPrefix("--"), let value = argIterator.next() else {
        FileHandle.standardError.write("usage: bench-backbones [--batch N] [--size S] [--threads T] [--iterations I] [--models a,b] [--images-per-thread N] [--sgemm yes|no]\n".data(using: .utf8)!)
        exit(2)
    }
    options[String(flag.dropFirst(2))] = value
}
let batch = Int(options["batch"] ?? "32")!
let size = Int(options["size"] ?? "224")!
let threads = Int(options["threads"] ?? "2")!
let iterations = Int(options["iterations"] ?? "3")!
let models = (options["models"] ?? BackboneKind.allCases.map(\.rawValue).joined(separator: ",")).split(separator: ",").map {
    BackboneKind(rawValue: String($0))!
}

func splitMix(seed: UInt64, count: Int) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        return Float(z >> 40) * 0x1p-23 - 1
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// CPU seconds (user + system) this process has used: on a shared machine, work per image is
/// steadier in CPU time than in wall time.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

/// Best-of-5 sgemm throughput for square n×n×n products.
func sgemmGFLOPS(n: Int, blasThreads: Int, concurrentCalls: Int) -> Double {
    let a = splitMix(seed: 1, count: n * n), b = splitMix(seed: 2, count: n * n)
    var cs = (0..<concurrentCalls).map { _ in [Float](repeating: 0, count: n * n) }
    setComputeThreads(blasThreads)
    var best = 0.0
    for _ in 0..<5 {
        let start = now()
        DispatchQueue.concurrentPerform(iterations: concurrentCalls) { i in
            cs[i].withUnsafeMutableBufferPointer { c in
                sgemmRowMajor(m: n, n: n, k: n, a: a, b: b, beta: 0, c: c.baseAddress!)
            }
        }
        let seconds = now() - start
        best = max(best, 2.0 * Double(n * n * n) * Double(concurrentCalls) / seconds / 1e9)
    }
    return best
}

if (options["sgemm"] ?? "yes") == "yes" {
    emit(["bench": "sgemm", "impl": "openblas", "threads": 1, "n": 2048, "gflops": sgemmGFLOPS(n: 2048, blasThreads: 1, concurrentCalls: 1)])
    emit(["bench": "sgemm", "impl": "openblas", "threads": 2, "n": 2048, "gflops": sgemmGFLOPS(n: 2048, blasThreads: 2, concurrentCalls: 1)])
    emit(["bench": "sgemm", "impl": "openblas-2x1thread", "threads": 2, "n": 2048, "gflops": sgemmGFLOPS(n: 2048, blasThreads: 1, concurrentCalls: 2)])
}

let input = splitMix(seed: 42, count: batch * 3 * size * size).map { $0 * 2 }
setComputeThreads(threads)
for kind in models {
    var dict = StateDict()
    for (index, (key, shape)) in Backbone.requiredParameters(kind).enumerated() {
        let count = shape.reduce(1, *)
        var values = splitMix(seed: UInt64(index), count: count)
        if key.hasSuffix("running_var") || key.hasSuffix(".variance") { values = values.map { $0 * 0.5 + 1 } }
        else if shape.count > 1 { let s = Float((3.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot()); values = values.map { $0 * s } }
        dict[key] = WeightTensor(shape: shape, values: values)
    }
    let backbone = try Backbone(kind: kind, stateDict: dict)
    if let perThread = options["images-per-thread"].flatMap(Int.init) { backbone.imagesPerThread = perThread }
    let run = { _ = try input.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: batch, height: size, width: size, pool: .avg) } }
    try run()  // warm-up: plans the buffers
    var times: [Double] = []
    let cpuStart = cpuSeconds()
    for _ in 0..<iterations {
        let start = now()
        try run()
        times.append(now() - start)
    }
    let cpuPerImage = (cpuSeconds() - cpuStart) / Double(iterations * batch)
    let best = times.min()!
    let flops = 2.0 * Double(backbone.multiplyAccumulates(height: size, width: size)) * Double(batch)
    emit(["bench": "backbone", "impl": "probe", "model": kind.rawValue, "batch": batch, "size": size, "threads": threads,
          "images_per_thread": backbone.imagesPerThread,
          "seconds": times, "cpu_ms_per_image": cpuPerImage * 1000, "images_per_s": Double(batch) / best, "gflops": flops / best / 1e9])
}
