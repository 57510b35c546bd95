import Foundation

/// Reads a checkpoint into a `StateDict`, whatever its format, detected from its first bytes:
/// PyTorch zip (`PK\3\4`), PyTorch legacy (pickle of the legacy magic number) or safetensors
/// (a header length followed by `{`). Nothing in the file is executed.
public enum CheckpointReader {
    public enum Format: String, Sendable {
        case torchZip = "PyTorch zip"
        case torchLegacy = "PyTorch legacy"
        case safetensors = "safetensors"
    }

    /// Reads `url` as weights for `kind`: a Keras file (`.h5`, `.weights.h5`, `.keras`) for a Keras
    /// model, a PyTorch or safetensors checkpoint for the others. A file of the other family is
    /// refused with a message naming the model that reads it.
    public static func read(contentsOf url: URL, for kind: BackboneKind) throws -> StateDict {
        let keras = try isKerasFile(url)
        if kind.isKeras {
            // A zip whose directory cannot be read may be a damaged .keras: let the Keras reader say why.
            if !keras, let bytes = try? MappedBytes(mapping: url), bytes.all.bytes(0, 4) == [0x50, 0x4B, 0x03, 0x04],
               (try? ZipDirectory(bytes.all, url: url)) == nil {
                return try KerasWeights.read(url, kind: kind)
            }
            guard keras else {
                let format = (try? format(of: url)).map { "a \($0.rawValue) checkpoint" } ?? "not a Keras weights file"
                let hint = kind.twin.map { " (use --model \($0.rawValue) for PyTorch weights)" } ?? ""
                throw WeightsError(url, "\(format): \(kind.rawValue) reads Keras files (.h5, .weights.h5, .keras)\(hint)")
            }
            return try KerasWeights.read(url, kind: kind)
        }
        if keras {
            let hint = kind.twin.map { "use --model \($0.rawValue)" } ?? "Probe reads Keras files for keras_vgg16, keras_mobilenet_v2, keras_efficientnet_b0"
            throw WeightsError(url, "a Keras weights file: \(kind.rawValue) reads PyTorch checkpoints and safetensors (\(hint))")
        }
        return try read(contentsOf: url)
    }

    /// Whether `url` is a Keras weights file: HDF5 (`.h5`, `.weights.h5`) or a zip holding
    /// `model.weights.h5` (`.keras`).
    public static func isKerasFile(_ url: URL) throws -> Bool {
        let bytes = try MappedBytes(mapping: url)
        if HDF5File.looksLike(bytes.all.bytes(0, 8) ?? []) { return true }
        if bytes.all.bytes(0, 4) == [0x50, 0x4B, 0x03, 0x04], let directory = try? ZipDirectory(bytes.all, url: url) {
            return directory.entries["model.weights.h5"] != nil
        }
        return false
    }

    public static func read(contentsOf url: URL) throws -> StateDict {
        let bytes = try MappedBytes(mapping: url)
        switch try format(of: bytes.all, url: url) {
        case .torchZip: return try TorchCheckpoint.readZip(bytes, url: url)
        case .torchLegacy: return try TorchCheckpoint.readLegacy(bytes, url: url)
        case .safetensors: return try Safetensors.read(bytes, url: url)
        }
    }

    /// The checkpoint format of the file at `url`, from its first bytes.
    public static func format(of url: URL) throws -> Format {
        try format(of: MappedBytes(mapping: url).all, url: url)
    }

    static func format(of bytes: ByteSlice, url: URL) throws -> Format {
        if bytes.bytes(0, 4) == [0x50, 0x4B, 0x03, 0x04] { return .torchZip }
        if TorchCheckpoint.isLegacy(bytes) { return .torchLegacy }
        if Safetensors.looksLike(bytes) { return .safetensors }
        if bytes.count == 0 { throw WeightsError(url, "empty file: not a checkpoint") }
        throw WeightsError(url, "not a checkpoint: expected safetensors, a PyTorch zip .pth or a legacy .pth")
    }
}
