import XCTest
import ProbeBackbones
import ProbeCore
import ProbeTestSupport

/// Each Keras backbone, loaded from the Keras files `reference/keras_reference.py` wrote (deterministic
/// weights with random batch-norm statistics), gives the pooled embeddings the same Keras model gave
/// in float64 (max|Δ| / max|ref| ≤ 1e-4), from the legacy `.h5`, the Keras 3 `.weights.h5` and (for
/// MobileNetV2) the `.keras` archive and a legacy file whose layer names are not today's.
final class KerasWeightsParityTests: XCTestCase {
    let tolerance: Float = 1e-4

    /// The fixture's two NHWC inputs as the NCHW batch `Backbone.embed` takes, and their size.
    func input(_ kind: BackboneKind) throws -> (values: [Float], size: Int) {
        let array = try NPYArray.read(contentsOf: TestPaths.fixture("keras/\(kind.rawValue)_input.npy"))
        let (n, h, w) = (array.shape[0], array.shape[1], array.shape[2])
        XCTAssertEqual(array.shape, [2, h, w, 3])
        let nhwc = array.floats()
        var nchw = [Float](repeating: 0, count: nhwc.count)
        for i in 0..<n { for y in 0..<h { for x in 0..<w { for c in 0..<3 {
            nchw[((i * 3 + c) * h + y) * w + x] = nhwc[((i * h + y) * w + x) * 3 + c]
        } } } }
        XCTAssertEqual(h, w)
        return (nchw, h)
    }

    func check(_ kind: BackboneKind, file: String) throws {
        let url = TestPaths.fixture("keras/\(file)")
        let backbone = try Backbone(kind: kind, stateDict: CheckpointReader.read(contentsOf: url, for: kind))
        let (x, size) = try input(kind)
        let got = try x.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: size, width: size, pool: .avg) }
        let expected = try NPYArray.read(contentsOf: TestPaths.fixture("keras/\(kind.rawValue)_expected_avg.npy")).floats()
        let error = maxRelativeError(got, expected)
        print("\(kind.rawValue) from \(file): max|Δ|/max|ref| = \(error)")
        XCTAssertLessThanOrEqual(error, tolerance, file)
    }

    func testVGG16FromLegacyH5() throws { try check(.keras_vgg16, file: "keras_vgg16.h5") }
    func testVGG16FromKeras3WeightsH5() throws { try check(.keras_vgg16, file: "keras_vgg16.weights.h5") }
    func testMobileNetV2FromLegacyH5() throws { try check(.keras_mobilenet_v2, file: "keras_mobilenet_v2.h5") }
    func testMobileNetV2FromKeras3WeightsH5() throws { try check(.keras_mobilenet_v2, file: "keras_mobilenet_v2.weights.h5") }
    func testMobileNetV2FromKerasArchive() throws { try check(.keras_mobilenet_v2, file: "keras_mobilenet_v2.keras") }
    func testEfficientNetB0FromLegacyH5() throws { try check(.keras_efficientnet_b0, file: "keras_efficientnet_b0.h5") }
    func testEfficientNetB0FromKeras3WeightsH5() throws { try check(.keras_efficientnet_b0, file: "keras_efficientnet_b0.weights.h5") }

    /// The real keras.applications MobileNetV2 file names its layers `mobl1_conv_1_expand`,
    /// `bn1_conv_1_bn_expand`…; Keras loads it by layer order, and so does Probe. This fixture also
    /// stores its name lists as variable-length strings.
    func testMobileNetV2FromLegacyFileWithOldLayerNames() throws {
        try check(.keras_mobilenet_v2, file: "keras_mobilenet_v2_oldnames.h5")
    }

    /// Keras itself writes `.keras` archives with stored (uncompressed) members, which are read in
    /// place: the same weights in such an archive, zipped here, give the same embeddings.
    func testMobileNetV2FromAKerasArchiveWithAStoredMember() throws {
        let weights = try Data(contentsOf: TestPaths.fixture("keras/keras_mobilenet_v2.weights.h5"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stored-\(getpid()).keras")
        defer { try? FileManager.default.removeItem(at: url) }
        try storedZip(["config.json": Data("{}".utf8), "model.weights.h5": weights]).write(to: url)
        let backbone = try Backbone(kind: .keras_mobilenet_v2, stateDict: CheckpointReader.read(contentsOf: url, for: .keras_mobilenet_v2))
        let (x, size) = try input(.keras_mobilenet_v2)
        let got = try x.withUnsafeBufferPointer { try backbone.embed(batch: $0, count: 2, height: size, width: size, pool: .avg) }
        let expected = try NPYArray.read(contentsOf: TestPaths.fixture("keras/keras_mobilenet_v2_expected_avg.npy")).floats()
        XCTAssertLessThanOrEqual(maxRelativeError(got, expected), tolerance)
    }

    /// A zip (PKWARE APPNOTE 4.3) with stored members: local headers, data, central directory, end record.
    /// CRC-32 fields are left 0: the stored-member path reads the bytes in place and does not check them.
    func storedZip(_ members: [String: Data]) -> Data {
        func le(_ value: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var body = Data(), central = Data()
        for (name, data) in members.sorted(by: { $0.key < $1.key }) {
            let offset = body.count, nameBytes = Array(name.utf8)
            body += le(0x0403_4B50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4)
            body += le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + nameBytes
            body += data
            central += le(0x0201_4B50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4)
            central += le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + le(0, 2) + le(0, 2)
            central += le(0, 2) + le(0, 4) + le(offset, 4) + nameBytes
        }
        let end = le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(members.count, 2) + le(members.count, 2)
            + le(central.count, 4) + le(body.count, 4) + le(0, 2)
        return body + central + Data(end)
    }

    /// Both formats give the same tensors, in Probe's layout, for every parameter.
    func testLegacyAndKeras3FilesGiveTheSameTensors() throws {
        for kind in [BackboneKind.keras_mobilenet_v2, .keras_efficientnet_b0] {
            let legacy = try CheckpointReader.read(contentsOf: TestPaths.fixture("keras/\(kind.rawValue).h5"), for: kind)
            let keras3 = try CheckpointReader.read(contentsOf: TestPaths.fixture("keras/\(kind.rawValue).weights.h5"), for: kind)
            XCTAssertEqual(Set(legacy.keys), Set(Backbone.requiredParameters(kind).map(\.key)))
            for (key, shape) in Backbone.requiredParameters(kind) {
                XCTAssertEqual(legacy[key]?.shape, shape, key)
                XCTAssertEqual(legacy[key]?.values, keras3[key]?.values, key)
            }
        }
    }
}
