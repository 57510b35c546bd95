import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// Runs every `sh` block of docs/from-keras.md, command by command, on the committed pets-mini photos:
/// `--dataset NAME` becomes `--data data/pets-mini` and each `--weights FILE` the deterministic Keras
/// weights file of that model that `reference/keras_reference.py` wrote (the real `.h5` files are not
/// in the repository; the networks take any input size, so the small fixtures' weights serve at 160 and 224).
/// Every command must succeed, and each extract must record the recipe the doc says it uses.
final class FromKerasDocTests: XCTestCase {
    struct Command {
        let words: [String]
        var model: String? { words.firstIndex(of: "--model").map { words[$0 + 1] } }
    }

    /// The doc's commands: `sh` code blocks, `\` continuations joined, one `probe …` per line.
    static func commands() throws -> [Command] {
        let text = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("docs/from-keras.md"), encoding: .utf8)
        var commands: [Command] = []
        var inBlock = false, pending = ""
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                inBlock = line == "```sh"
                continue
            }
            guard inBlock else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("\\") {
                pending += String(trimmed.dropLast()) + " "
                continue
            }
            let full = pending + trimmed
            pending = ""
            if !full.isEmpty { commands.append(Command(words: full.split(separator: " ").map(String.init))) }
        }
        return commands
    }

    func testTheDocHasTheFourNotebooksCommands() throws {
        let commands = try Self.commands()
        XCTAssertTrue(commands.allSatisfy { $0.words.first == "probe" }, "\(commands.map { $0.words })")
        let extracts = commands.filter { $0.words.dropFirst().first == "extract" }
        XCTAssertEqual(extracts.map(\.model), ["keras_mobilenet_v2", "keras_mobilenet_v2", "keras_vgg16", "keras_efficientnet_b0"])
        XCTAssertEqual(commands.filter { $0.words.contains("fit-logreg") }.count, 4)
    }

    func testEveryCommandOfTheDocRunsOnPetsMini() throws {
        let work = try ExtractTestSupport.temporaryFolder(self, "from-keras")
        let fixtures = TestPaths.fixture("keras")
        for command in try Self.commands() {
            var words = Array(command.words.dropFirst())
            if let i = words.firstIndex(of: "--dataset") {
                words[i] = "--data"
                words[i + 1] = ExtractTestSupport.petsMini.path
            }
            if let i = words.firstIndex(of: "--weights"), let model = command.model {
                // A copy: Probe caches a weights file's sha256 beside it, which must not land in Tests/Fixtures.
                let copy = work.appendingPathComponent("\(model).h5")
                if !FileManager.default.fileExists(atPath: copy.path) {
                    try FileManager.default.copyItem(at: fixtures.appendingPathComponent("\(model).h5"), to: copy)
                }
                words[i + 1] = copy.path
            }
            let result = try runProbe(words, currentDirectory: work)
            XCTAssertEqual(result.status, 0, "probe \(words.joined(separator: " ")): \(result.stderr)")
            guard words.first == "extract", let out = words.firstIndex(of: "--out").map({ words[$0 + 1] }) else { continue }
            let store = try FeatureStore(directory: work.appendingPathComponent(out))
            XCTAssertEqual(store.rowCount, 100, out)
            let recipe = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(store.manifest.identity.preprocessing)) as? [String: Any])
            let expectedPipeline = words.contains("keras-load-img") ? "keras-load-img" : "keras-directory"
            XCTAssertEqual(recipe["pipeline"] as? String, expectedPipeline, out)
            XCTAssertEqual(recipe["imageSize"] as? Int, words.firstIndex(of: "--image-size").map { Int(words[$0 + 1])! } ?? 224, out)
            let normalization = ["keras_vgg16": "caffe", "keras_mobilenet_v2": "tf", "keras_efficientnet_b0": "raw"][command.model!]
            XCTAssertEqual(recipe["normalization"] as? String, normalization, out)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("flowers-report.html").path))
    }
}
