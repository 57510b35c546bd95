import Foundation
import ProbeBackbones
import ProbeCore
import ProbeTestSupport

/// The deterministic weights of reference/backbones_parity.py, reproduced bit for bit:
/// per tensor key K, seed = FNV-1a-64(K); element i is SplitMix64 output i+1 mapped to
/// u = float32(z >> 40)·2⁻²³ − 1, then scaled per tensor kind (see the script's docstring).
enum DeterministicWeights {
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF29CE484222325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100000001B3 }
        return h
    }

    static func uniform(key: String, count: Int) -> [Float] {
        var generator = SplitMix64(seed: fnv1a64(key))
        return generator.floats(count)
    }

    static func stateDict(_ kind: BackboneKind, withClassifier: Bool = false) -> StateDict {
        var params = Backbone.requiredParameters(kind)
        if withClassifier { params += [("_fc.weight", [1000, 1280]), ("_fc.bias", [1000])] }
        let batchNormPrefixes = Set(params.compactMap { p -> String? in
            p.key.hasSuffix(".running_mean") ? String(p.key.dropLast(".running_mean".count)) : nil
        })
        var dict = StateDict()
        for (key, shape) in params {
            let u = uniform(key: key, count: shape.reduce(1, *))
            let dot = key.lastIndex(of: ".")!
            let prefix = String(key[..<dot]), leaf = String(key[key.index(after: dot)...])
            let values: [Float]
            if batchNormPrefixes.contains(prefix) {
                switch leaf {
                case "weight": values = u.map { $0 * 0.25 + 1 }
                case "bias": values = u.map { $0 * 0.125 }
                case "running_mean": values = u.map { $0 * 0.125 }
                default: values = u.map { $0 * 0.5 + 1 }  // running_var
                }
            } else if leaf == "variance" {
                values = u.map { $0 * 0.5 + 1 }  // Keras EfficientNet's input Normalization (Probe-only key)
            } else if leaf == "weight" {
                let scale = Float((6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot())
                values = u.map { $0 * scale }
            } else {
                values = u.map { $0 * 0.0625 }
            }
            dict[key] = WeightTensor(shape: shape, values: values)
        }
        return dict
    }

    /// The two preprocessed photos [2, 3, 224, 224] the reference ran on (float16 widened to float32).
    static func input224() throws -> [Float] {
        try NPYArray.read(contentsOf: TestPaths.fixture("backbones/input_224.npy")).floats()
    }

    /// rows 12..<212, cols 24..<200 of each image: the reference's second size, 200×176.
    static func crop(_ x: [Float], count: Int, rows: Range<Int>, cols: Range<Int>) -> [Float] {
        var out: [Float] = []
        for n in 0..<count { for c in 0..<3 { for y in rows { for xx in cols { out.append(x[((n * 3 + c) * 224 + y) * 224 + xx]) } } } }
        return out
    }

    static func fixture(_ name: String) throws -> [Float] {
        try NPYArray.read(contentsOf: TestPaths.fixture("backbones/\(name).npy")).floats()
    }
}

