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
