import Foundation

/// Element types Probe reads and writes in `.npy` files (always little-endian).
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "<f4"
    case float16 = "<f2"
    case float64 = "<f8"
    case int32 = "<i4"
    case int64 = "<i8"
    case uint8 = "|u1"

    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16: return 2
        case .float64, .int64: return 8
        case .uint8: return 1
        }
    }
}

public struct NPYError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The header of a NumPy `.npy` file (format versions 1.0–3.0).
///
/// Layout: `\x93NUMPY`, major, minor, header length (u16 LE for 1.x, u32 LE for 2.x/3.x),
/// then an ASCII Python dict literal padded with spaces and a final `\n` so the data
/// starts on a 64-byte boundary. The data follows in C order.
public struct NPYHeader: Equatable, Sendable {
    public var dtype: NPYDType
    public var shape: [Int]
    /// Byte offset of the first element in the file.
    public var dataOffset: Int

    public var count: Int { shape.reduce(1, *) }
    public var dataByteCount: Int { count * dtype.byteSize }

    public init(dtype: NPYDType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
        self.dataOffset = 0
        self.dataOffset = encoded().count
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// The header bytes exactly as `numpy.save` writes them (version 1.0, including the
    /// spare spaces numpy leaves so the first axis can grow in place).
    public func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = shape.first {
            // numpy pads for a first axis of up to 21 digits (GROWTH_AXIS_MAX_DIGITS).
            dict += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        let preamble = 6 + 2 + 2
        let unpadded = preamble + dict.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        dict += String(repeating: " ", count: padding) + "\n"
        var bytes = NPYHeader.magic + [1, 0]
        let length = UInt16(dict.utf8.count)
        bytes += [UInt8(length & 0xff), UInt8(length >> 8)]
        bytes += Array(dict.utf8)
        return bytes
    }

    /// Parses the header at the start of `bytes` (which may be the whole file or a prefix of it).
    public static func parse(_ bytes: UnsafeRawBufferPointer, name: String = "npy") throws -> NPYHeader {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NPYError("\(name): not a .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let preamble: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            preamble = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError("\(name): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            preamble = 12
        default:
            throw NPYError("\(name): unsupported .npy version \(major)")
        }
        guard headerLength <= 1 << 20, preamble + headerLength <= bytes.count else {
            throw NPYError("\(name): truncated .npy header")
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[preamble..<(preamble + headerLength)]), as: UTF8.self)
        guard let descr = Self.value(of: "descr", in: text)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) else {
            throw NPYError("\(name): .npy header has no descr")
        }
        // Single-byte types are written with '|' but '<' or '=' are equivalent for them.
        let normalized = descr == "<u1" || descr == "=u1" ? "|u1" : descr
        guard let dtype = NPYDType(rawValue: normalized) else {
            throw NPYError("\(name): unsupported .npy dtype \(descr) (Probe reads <f4, <f2, <f8, <i4, <i8, |u1)")
        }
        guard Self.value(of: "fortran_order", in: text) == "False" else {
            throw NPYError("\(name): Fortran-ordered .npy arrays are not supported; save with C order")
        }
        guard let shapeText = Self.value(of: "shape", in: text) else { throw NPYError("\(name): .npy header has no shape") }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed), dim >= 0 else { throw NPYError("\(name): bad .npy shape \(shapeText)") }
            shape.append(dim)
        }
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) * 64 else { throw NPYError("\(name): .npy shape \(shapeText) is too large") }
            count = product
        }
        var header = NPYHeader(dtype: dtype, shape: shape)
        header.dataOffset = preamble + headerLength
        return header
    }

    /// The text after `'key':` up to the next top-level comma (parentheses kept together).
    private static func value(of key: String, in text: String) -> String? {
        guard let range = text.range(of: "'\(key)':") ?? text.range(of: "\"\(key)\":") else { return nil }
        var depth = 0
        var result = ""
        for ch in text[range.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if (ch == "," || ch == "}") && depth == 0 { break }
            result.append(ch)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }
}

/// A whole `.npy` array held in memory: header plus raw little-endian element bytes.
///
/// For large files that should stay on disk, parse the header with `NPYHeader.parse`
/// and memory-map the data from `dataOffset` instead (ProbeStore does this).
public struct NPYArray: Sendable {
    public let dtype: NPYDType
    public let shape: [Int]
    /// Raw element bytes in C order, little-endian.
    public let data: Data

    public var count: Int { shape.reduce(1, *) }

    public init(dtype: NPYDType, shape: [Int], data: Data) throws {
        guard data.count == shape.reduce(1, *) * dtype.byteSize else {
            throw NPYError("npy: \(data.count) bytes do not fit shape \(shape) of \(dtype.rawValue)")
        }
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    public init(float32 values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "NPYArray: \(values.count) values for shape \(shape)")
        self.dtype = .float32
        self.shape = shape
        self.data = values.withUnsafeBytes { Data($0) }
    }

    public init(float16 values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "NPYArray: \(values.count) values for shape \(shape)")
        self.dtype = .float16
        self.shape = shape
        self.data = values.map { Float16($0) }.withUnsafeBytes { Data($0) }
    }

    public init(int32 values: [Int32], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "NPYArray: \(values.count) values for shape \(shape)")
        self.dtype = .int32
        self.shape = shape
        self.data = values.withUnsafeBytes { Data($0) }
    }

    public init(int64 values: [Int64], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "NPYArray: \(values.count) values for shape \(shape)")
        self.dtype = .int64
        self.shape = shape
        self.data = values.withUnsafeBytes { Data($0) }
    }

    public static func read(contentsOf url: URL) throws -> NPYArray {
        let file: Data
        do { file = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw NPYError("\(url.path): cannot read (\(error.localizedDescription))")
        }
        let header = try file.withUnsafeBytes { try NPYHeader.parse($0, name: url.path) }
        guard file.count >= header.dataOffset + header.dataByteCount else {
            throw NPYError("\(url.path): truncated .npy data (\(file.count - header.dataOffset) of \(header.dataByteCount) bytes)")
        }
        let body = file.subdata(in: header.dataOffset..<(header.dataOffset + header.dataByteCount))
        return try NPYArray(dtype: header.dtype, shape: header.shape, data: body)
    }

    /// Writes the array as `numpy.save` would (version 1.0 header), atomically.
    public func write(to url: URL) throws {
        var bytes = Data(NPYHeader(dtype: dtype, shape: shape).encoded())
        bytes.append(data)
        try bytes.write(to: url, options: .atomic)
    }

    /// The elements as Float, converting from any numeric dtype.
    public func floats() -> [Float] {
        data.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .float32: return Array(raw.bindMemory(to: Float.self))
            case .float16: return raw.bindMemory(to: Float16.self).map { Float($0) }
            case .float64: return raw.bindMemory(to: Double.self).map { Float($0) }
            case .int32: return raw.bindMemory(to: Int32.self).map { Float($0) }
            case .int64: return raw.bindMemory(to: Int64.self).map { Float($0) }
            case .uint8: return raw.map { Float($0) }
            }
        }
    }

    /// The elements as Double (float64 fixtures keep their precision).
    public func doubles() -> [Double] {
        data.withUnsafeBytes { raw -> [Double] in
            switch dtype {
            case .float64: return Array(raw.bindMemory(to: Double.self))
            default: return floats().map(Double.init)
            }
        }
    }

    /// The elements as Int, for integer dtypes (labels); float dtypes are truncated, and a float
    /// that is NaN, infinite or beyond Int's range is an error (the file is someone else's: a
    /// label array of floats must not be able to trap the conversion).
    public func ints() throws -> [Int] {
        try data.withUnsafeBytes { raw -> [Int] in
            switch dtype {
            case .int32: return raw.bindMemory(to: Int32.self).map { Int($0) }
            case .int64: return raw.bindMemory(to: Int64.self).map { Int($0) }
            case .uint8: return raw.map { Int($0) }
            default:
                return try doubles().enumerated().map { index, value in
                    guard let whole = Int(exactly: value.rounded(.towardZero)) else {
                        throw NPYError("npy: element \(index) is \(value), not an integer")
                    }
                    return whole
                }
            }
        }
    }
}
