import Foundation

/// Any JSON value, with object members in the order they were given, so reports list classes in
/// class order. Keys and strings compare by their Unicode scalars: two class names Swift considers
/// equal ("café" precomposed and decomposed) stay two keys. Objects compare regardless of member
/// order and numbers by value, so a value read back from a file equals the one written.
/// Decoding sorts object keys (a decoded object has no order of its own).
public indirect enum JSONValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number: `.int` when `value` is integral (so it prints without a fraction, as JSON writers do).
    public static func number(_ value: Double) -> JSONValue {
        if let exact = Int(exactly: value) { return .int(exact) }
        return .double(value)
    }

    /// Any Encodable value as a JSONValue (via its JSON encoding).
    public static func encoding<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// The value as a `T` (the inverse of `encoding`).
    public func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            let members = try container.decode([String: JSONValue].self)
            self = .object(JSONObject(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .object(let object):
            var container = encoder.container(keyedBy: MemberKey.self)
            for (key, value) in object.members { try container.encode(value, forKey: MemberKey(key)) }
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .array, .object: break
            }
        }
    }

    private struct MemberKey: CodingKey {
        let stringValue: String
        init(_ key: String) { stringValue = key }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.members.count == y.members.count && x.members.allSatisfy { key, value in
                y.members.contains { $0.0.unicodeScalars.elementsEqual(key.unicodeScalars) && $0.1 == value }
            }
        default: return false
        }
    }

    /// Compact JSON (what `info` shows and error messages quote).
    public var description: String { serialized(pretty: false) }

    /// Compact or indented (two spaces) JSON text. Non-finite doubles become `null`.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    /// A newline and `level` levels of two-space indentation.
    private static func newline(_ level: Int, into out: inout String) {
        out += "\n"
        for _ in 0..<level { out += "  " }
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): JSONValue.appendQuoted(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            // Arrays of numbers stay on one line: confusion-matrix rows read as a table.
            let flat = indent == nil || items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat ? (indent == nil ? "," : ", ") : "," }
                if !flat, let indent { JSONValue.newline(indent + 1, into: &out) }
                item.write(into: &out, indent: flat ? nil : indent.map { $0 + 1 })
            }
            if !flat, let indent { JSONValue.newline(indent, into: &out) }
            out += "]"
        case .object(let object):
            if object.members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in object.members.enumerated() {
                if i > 0 { out += "," }
                if let indent { JSONValue.newline(indent + 1, into: &out) }
                JSONValue.appendQuoted(key, to: &out)
                out += indent == nil ? ":" : ": "
                value.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if let indent { JSONValue.newline(indent, into: &out) }
            out += "}"
        }
    }

    /// `quoted(text)` appended to `out`: in one piece when nothing in `text` needs an escape (keys,
    /// paths and hashes, nearly every string a report holds), which keeps a doctor report of a few
    /// hundred rows from costing a millisecond in string building.
    private static func appendQuoted(_ text: String, to out: inout String) {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += text
            out += "\""
        } else {
            out += quoted(text)
        }
    }

    /// A JSON string literal escaped byte for byte as Python's `json.dumps(text, ensure_ascii=False)`
    /// escapes it (the store's `.jsonl` lines must match what Python writes).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A JSON object's members in order. Written as a dictionary literal (`["a": .int(1)]`) or an
/// array of pairs; repeated keys are kept apart, as `JSONValue` says.
public struct JSONObject: Sendable, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral {
    public var members: [(String, JSONValue)]

    public init(_ members: [(String, JSONValue)]) { self.members = members }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { members = elements }
    public init(arrayLiteral elements: (String, JSONValue)...) { members = elements }
}
