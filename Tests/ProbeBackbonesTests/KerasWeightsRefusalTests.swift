import XCTest
import ProbeBackbones
import ProbeTestSupport

/// Keras weight files that do not fit the model asked for, or are not Keras files, or are damaged,
/// are refused with one line that names the file and the reason (and the right model when known).
final class KerasWeightsRefusalTests: XCTestCase {
    func message(_ url: URL, _ kind: BackboneKind) -> String? {
        do {
            _ = try CheckpointReader.read(contentsOf: url, for: kind)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func assertRefused(_ url: URL, _ kind: BackboneKind, mentions parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let text = message(url, kind) else { return XCTFail("\(url.lastPathComponent) was accepted for \(kind.rawValue)", file: file, line: line) }
        print(text)
        XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
        XCTAssertTrue(text.hasPrefix(url.path), "names the file: \(text)", file: file, line: line)
        for part in parts { XCTAssertTrue(text.contains(part), "'\(part)' in: \(text)", file: file, line: line) }
    }

    func testKerasFileGivenToATorchvisionModelNamesTheKerasModel() {
        assertRefused(TestPaths.fixture("keras/keras_vgg16.h5"), .vgg16, mentions: ["Keras weights file", "--model keras_vgg16"])
        assertRefused(TestPaths.fixture("keras/keras_mobilenet_v2.keras"), .mobilenet_v2, mentions: ["--model keras_mobilenet_v2"])
    }

    func testPyTorchCheckpointGivenToAKerasModelNamesTheTorchvisionModel() {
        assertRefused(TestPaths.fixture("weights/tiny_zip.pth"), .keras_efficientnet_b0,
                      mentions: ["PyTorch zip checkpoint", "--model efficientnet_b0"])
        assertRefused(TestPaths.fixture("weights/tiny_f32.safetensors"), .keras_vgg16, mentions: ["safetensors", "--model vgg16"])
    }

    func testAnotherKerasBackboneIsRefusedNamingTheFirstMismatchAndTheRightModel() {
        assertRefused(TestPaths.fixture("keras/keras_vgg16.h5"), .keras_mobilenet_v2,
                      mentions: ["layer 1", "'Conv1'", "use --model keras_vgg16"])
        assertRefused(TestPaths.fixture("keras/keras_efficientnet_b0.weights.h5"), .keras_mobilenet_v2,
                      mentions: ["use --model keras_efficientnet_b0"])
    }

    func testTooFewLayersIsRefusedNamingTheFirstMissingLayer() {
        assertRefused(TestPaths.fixture("keras/keras_mobilenet_v2_first10.h5"), .keras_mobilenet_v2,
                      mentions: ["has 10 layers with weights", "nothing for layer 11, 'block_1_project'"])
    }

    func testShapeMismatchIsRefusedNamingTheLayerAndBothShapes() {
        assertRefused(TestPaths.fixture("keras/keras_mobilenet_v2_badshape.h5"), .keras_mobilenet_v2,
                      mentions: ["layer 2, 'bn_Conv1'", "[16]", "expects [32]"])
    }

    func testTruncatedAndGarbageFilesAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keras-refusal-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = try Data(contentsOf: TestPaths.fixture("keras/keras_vgg16.h5"))
        for (name, bytes) in [("truncated.h5", whole.prefix(whole.count / 3)), ("head_only.h5", whole.prefix(600)),
                              ("signature_then_garbage.h5", whole.prefix(8) + Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))] {
            let url = folder.appendingPathComponent(name)
            try bytes.write(to: url)
            assertRefused(url, .keras_vgg16, mentions: [])
        }
        let text = folder.appendingPathComponent("text.h5")
        try Data("not weights at all\n".utf8).write(to: text)
        assertRefused(text, .keras_vgg16, mentions: ["not a Keras weights file"])
        let empty = folder.appendingPathComponent("empty.weights.h5")
        try Data().write(to: empty)
        assertRefused(empty, .keras_mobilenet_v2, mentions: [])
        // A .keras archive cut short: its zip directory is gone.
        let archive = try Data(contentsOf: TestPaths.fixture("keras/keras_mobilenet_v2.keras"))
        let cut = folder.appendingPathComponent("cut.keras")
        try archive.prefix(archive.count / 2).write(to: cut)
        assertRefused(cut, .keras_mobilenet_v2, mentions: [])
    }
}
