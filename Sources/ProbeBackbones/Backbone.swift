import Foundation
import ProbeCore
import ProbeTensor

/// A frozen ImageNet feature extractor with its weights loaded, batch norm folded in.
///
/// `embed` takes a preprocessed float32 NCHW batch (as PyTorch would) and returns the globally
/// pooled last feature map, [count, embeddingDim] row-major. Internally activations are NHWC
/// (see Conv2D.swift); buffers are planned once per (batch, size, threads) and reused.
/// Safe to call from several threads at once (each call checks out its own buffers).
public final class Backbone {
    public let kind: BackboneKind
    public var embeddingDim: Int { kind.embeddingDim }
    /// Images each thread takes at a time: the early, large-resolution stages run one image at a
    /// time, the small late stages on the whole group (see `groupedStagePixels`). 8 measured about
    /// 8 % faster than 1 on MobileNetV2 at 224×224; a group that is not full costs as much in the
    /// late stages as a full one. An image's embedding does not depend on the group it is in.
    public var imagesPerThread: Int

    let network: Network
    private let planLock = NSLock()
    private var idlePlans: [PlanKey: [ForwardPlan]] = [:]

    private struct PlanKey: Hashable { let batch: Int, height: Int, width: Int, threads: Int }

    /// Loads `stateDict` (PyTorch key names and shapes). Every tensor the feature extractor needs
    /// must be present with the right shape (the error names the key and both shapes); other keys,
    /// such as torchvision's classifier, are ignored.
    public init(kind: BackboneKind, stateDict: StateDict) throws {
        self.kind = kind
        self.network = try Network(kind: kind, stateDict: stateDict)
        self.imagesPerThread = 8
    }

    /// The tensors `init` reads, in order, with their PyTorch shapes (Lite0's optional `_fc` not included).
    public static func requiredParameters(_ kind: BackboneKind) -> [(key: String, shape: [Int])] {
        Architecture(kind).parameters
    }

    /// Multiply-accumulates of one image's forward pass at `height`×`width`.
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        kind.multiplyAccumulates(height: height, width: width)
    }

    /// Pooled embeddings of a preprocessed batch.
    /// - Parameters:
    ///   - batch: float32 NCHW [count, 3, height, width].
    ///   - height, width: at least 32 each.
    /// - Returns: [count, embeddingDim] row-major.
    public func embed(batch: UnsafeBufferPointer<Float>, count: Int, height: Int, width: Int, pool: Pooling) throws -> [Float] {
        try checkInput(batch, count: count, height: height, width: width)
        let dim = embeddingDim
        var result = [Float](repeating: 0, count: count * dim)
        if count == 0 { return result }
        let threads = ComputeThreads.count
        let imageSize = 3 * height * width
        result.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!, inBase = batch.baseAddress!
            withSingleThreadedBLAS {
                let group = Swift.max(1, imagesPerThread)
                if count >= threads {
                    // Whole images per thread: no synchronisation inside the network, private buffers.
                    parallelFor(threads: threads) { slot in
                        let range = sliceRange(count, part: slot, of: threads)
                        var first = range.lowerBound
                        while first < range.upperBound {
                            let n = Swift.min(group, range.upperBound - first)
                            runPlan(group: group, count: n, height: height, width: width, threads: 1,
                                    input: inBase + first * imageSize, pool: pool, pooled: outBase + first * dim)
                            first += n
                        }
                    }
                } else {
                    // Fewer images than threads: the threads share each layer instead.
                    var first = 0
                    while first < count {
                        let n = Swift.min(group, count - first)
                        runPlan(group: group, count: n, height: height, width: width, threads: threads,
                                input: inBase + first * imageSize, pool: pool, pooled: outBase + first * dim)
                        first += n
                    }
                }
            }
        }
        return result
    }

    /// Lite0 only: ImageNet logits [count, 1000] from its `_fc` head on the average-pooled embedding.
    public func imagenetLogits(batch: UnsafeBufferPointer<Float>, count: Int, height: Int, width: Int) throws -> [Float] {
        guard kind == .efficientnet_lite0 else {
            throw BackboneError("\(kind.rawValue) has no ImageNet head in Probe: ImageNet logits are available for efficientnet_lite0 only")
        }
        guard let head = network.classifier else {
            throw BackboneError("efficientnet_lite0 weights: no '_fc.weight'/'_fc.bias' (the ImageNet head), so no logits")
        }
        let embeddings = try embed(batch: batch, count: count, height: height, width: width, pool: .avg)
        var logits = [Float](repeating: 0, count: count * 1000)
        if count == 0 { return logits }
        embeddings.withUnsafeBufferPointer { e in
            head.weight.withUnsafeBufferPointer { w in
                head.bias.withUnsafeBufferPointer { b in
                    logits.withUnsafeMutableBufferPointer { out in
                        linearForward(input: e.baseAddress!, rows: count, inFeatures: 1280, weight: w.baseAddress!,
                                      bias: b.baseAddress!, outFeatures: 1000, output: out.baseAddress!)
                    }
                }
            }
        }
        return logits
    }

    private func checkInput(_ batch: UnsafeBufferPointer<Float>, count: Int, height: Int, width: Int) throws {
        guard count >= 0 else { throw BackboneError("\(kind.rawValue): negative image count \(count)") }
        guard height >= 32 && width >= 32 else {
            throw BackboneError("\(kind.rawValue): input \(height)x\(width) is too small (at least 32x32)")
        }
        let expected = count * 3 * height * width
        guard batch.count == expected else {
            throw BackboneError("\(kind.rawValue): got \(batch.count) floats, expected \(expected) for [\(count), 3, \(height), \(width)]")
        }
    }

    private func runPlan(group: Int, count: Int, height: Int, width: Int, threads: Int,
                         input: UnsafePointer<Float>, pool: Pooling, pooled: UnsafeMutablePointer<Float>) {
        let key = PlanKey(batch: group, height: height, width: width, threads: threads)
        planLock.lock()
        var plan = idlePlans[key]?.popLast()
        planLock.unlock()
        if plan == nil { plan = ForwardPlan(network: network, batch: group, height: height, width: width, threads: threads) }
        plan!.run(network, count: count, input: input, pool: pool, pooled: pooled)
        planLock.lock()
        if idlePlans[key] == nil && idlePlans.count >= 8 { idlePlans.removeAll() }
        idlePlans[key, default: []].append(plan!)
        planLock.unlock()
    }
}

// The network is immutable after init and the plan cache is behind a lock, so one Backbone can
// serve several threads; set `imagesPerThread` before sharing it.
extension Backbone: @unchecked Sendable {}
