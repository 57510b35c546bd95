import Foundation
import ProbeCore
import XCTest
import ProbeTestSupport

/// `probe embed-tensor` on the Keras models: NHWC input exactly as Keras takes it after
/// `preprocess_input`, a Keras weight file, the embeddings the Keras model gave
/// (reference/keras_reference.py); and a Keras file given to a torchvision model is refused.
final class EmbedTensorKerasTests: XCTestCase {
    func testNHWCInputAndAKerasFileGiveTheKerasEmbeddings() throws {
        let dir = try ExtractTestSupport.temporaryFolder(self, "embed-tensor-keras")
        for (model, file) in [("keras_efficientnet_b0", "keras_efficientnet_b0.h5"), ("keras_mobilenet_v2", "keras_mobilenet_v2.keras")] {
            let output = dir.appendingPathComponent("\(model).npy")
            let result = try runProbe(["embed-tensor", "--model", model, "--weights", TestPaths.fixture("keras/\(file)").path,
                                       "--layout", "nhwc", TestPaths.fixture("keras/\(model)_input.npy").path, output.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            let got = try NPYArray.read(contentsOf: output)
            XCTAssertEqual(got.shape, [2, 1280])
            let expected = try NPYArray.read(contentsOf: TestPaths.fixture("keras/\(model)_expected_avg.npy")).floats()
            XCTAssertLessThanOrEqual(maxRelativeError(got.floats(), expected), 1e-4, model)
        }
    }

    func testAKerasFileGivenToATorchvisionModelIsRefusedNamingTheKerasModel() throws {
        let dir = try ExtractTestSupport.temporaryFolder(self, "embed-tensor-keras-refused")
        let weights = TestPaths.fixture("keras/keras_vgg16.h5")
        let result = try runProbe(["embed-tensor", "--model", "vgg16", "--weights", weights.path, "--layout", "nhwc",
                                   TestPaths.fixture("keras/keras_vgg16_input.npy").path, dir.appendingPathComponent("o.npy").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(weights.path) && result.stderr.contains("--model keras_vgg16"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.npy").path))
    }
}
