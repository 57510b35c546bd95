import XCTest
import ProbeBackbones

/// Splitting a batch across threads (whole images per thread) and splitting one image's layers
/// across threads give the same embeddings as one thread.
final class BackboneThreadingTests: XCTestCase {
    override func tearDown() { setComputeThreads(2) }

    func testEmbeddingsDoNotDependOnThreadCountOrBatchSplit() throws {
        for kind in [BackboneKind.mobilenet_v2, .efficientnet_b0] {
            let backbone = try Backbone(kind: kind, stateDict: DeterministicWeights.stateDict(kind))
            let x = DeterministicWeights.crop(try DeterministicWeights.input224(), count: 2, rows: 0..<96, cols: 0..<64)
            setComputeThreads(1)
            let single = try x.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: 96, width: 64, pool: .avg) }
            setComputeThreads(2)
            let split = try x.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: 96, width: 64, pool: .avg) }
            let imageSize = 3 * 96 * 64
            var perImage: [Float] = []
            for n in 0..<2 {
                let one = Array(x[(n * imageSize)..<((n + 1) * imageSize)])
                perImage += try one.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 1, height: 96, width: 64, pool: .avg) }
            }
            XCTAssertLessThanOrEqual(maxRelativeError(split, single), 1e-4, kind.rawValue)
            XCTAssertLessThanOrEqual(maxRelativeError(perImage, single), 1e-4, kind.rawValue)
        }
    }
}
