import XCTest
import ProbeTestSupport
import ProbeBackbones
import ProbeTensor

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

    /// An image's embedding is the same bits whether the image is embedded alone, in a batch of
    /// others, in a group of the late stages or not, on one thread or two (a store that grows by
    /// incremental extraction then holds exactly what a fresh extraction writes).
    func testAnImagesEmbeddingIsBitIdenticalWhateverBatchItIsIn() throws {
        let height = 64, width = 48, imageSize = 3 * height * width
        let x = DeterministicWeights.crop(try DeterministicWeights.input224(), count: 2, rows: 0..<height, cols: 0..<width)
        let five = x + Array(x.reversed()) + Array(x.prefix(imageSize))   // five images
        for kind in BackboneKind.allCases {
            let backbone = try Backbone(kind: kind, stateDict: DeterministicWeights.stateDict(kind))
            let d = backbone.embeddingDim
            func embed(_ images: ArraySlice<Float>, threads: Int) throws -> [Float] {
                setComputeThreads(threads)
                return try Array(images).withUnsafeBufferPointer {
                    try backbone.embed(batch: $0, count: images.count / imageSize, height: height, width: width, pool: .avg)
                }
            }
            let all = try embed(five[...], threads: 2)
            let middle = try embed(five[(1 * imageSize)..<(4 * imageSize)], threads: 1)
            let alone = try embed(five[(2 * imageSize)..<(3 * imageSize)], threads: 2)
            XCTAssertEqual(Array(all[(2 * d)..<(3 * d)]), alone, "\(kind.rawValue): image 3 of 5 vs alone on two threads")
            XCTAssertEqual(Array(middle[d..<(2 * d)]), alone, "\(kind.rawValue): image 2 of 3 on one thread vs alone")
            XCTAssertEqual(Array(all[(1 * d)..<(4 * d)]), middle, "\(kind.rawValue): the same three images in a batch of five")
            // The late stages run on groups of `imagesPerThread` images: on one thread, five images
            // make groups {1, 2}, {3, 4}, {5}. Position in a group and the group's fill do not matter.
            backbone.imagesPerThread = 2
            let pairs = try embed(five[...], threads: 1)
            let secondAndThird = try embed(five[(1 * imageSize)..<(3 * imageSize)], threads: 1)
            let fifthAlone = try embed(five[(4 * imageSize)...], threads: 2)
            backbone.imagesPerThread = 8
            XCTAssertEqual(Array(pairs[d..<(3 * d)]), secondAndThird, "\(kind.rawValue): images 2, 3 across two groups vs one")
            XCTAssertEqual(Array(pairs[(4 * d)...]), fifthAlone, "\(kind.rawValue): image 5 last in a part-filled group vs alone")
        }
    }
}
