import Foundation

// A restricted pickle reader for PyTorch state dicts.
//
// Python's pickle is a small stack machine whose GLOBAL/REDUCE opcodes can call any
// importable function, which is why loading an untrusted .pth with `pickle` runs code.
// This reader implements only the opcodes a state dict uses and resolves only the globals
// listed in `allowedGlobals`, into inert values: nothing is ever called or executed.
// Every read is bounds-checked against the pickle's bytes; any other opcode or global is
// an error that names it.

/// What a persistent id (BINPERSID) resolved to: a typed view of one raw storage.
struct StorageReference {
    /// The storage's key in the file (zip: `data/<key>`; legacy: the key list after the pickle).
    let key: String
    let dtype: TensorDType
    /// Elements in the whole storage.
    let elementCount: Int
    /// For legacy views of a storage: the first element and the length of the view.
    let viewOffset: Int
    let viewCount: Int
}

/// The arguments of `torch._utils._rebuild_tensor_v2`: a strided view of a storage.
struct TensorRecord {
    let storage: StorageReference
    let storageOffset: Int
    let size: [Int]
    let stride: [Int]
}

/// Lists and dicts are shared through the memo, so they are objects. `depth` is their nesting
/// depth; once a container is put inside another one it is `sealed` and can no longer change,
/// so the depth recorded for every enclosing container stays true (pickle fills each
/// container before handing it to its parent, so real files never trip this).
final class PickleList { var items: [PickleValue] = []; var depth = 1; var sealed = false }
final class PickleDict { var items: [(key: PickleValue, value: PickleValue)] = []; var depth = 1; var sealed = false }

indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer too wide for Int64, as little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// Items and nesting depth (1 + the deepest item).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    /// One of `allowedGlobals`, by its dotted name.
    case global(String)
    case storage(StorageReference)
    case tensor(TensorRecord)

    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let name): return name
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    /// Python's `str` or (from Python 2 pickles) `bytes` decoded as ASCII/Latin-1.
    var text: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    /// How deeply containers nest inside this value (0 for scalars).
    var depth: Int {
        switch self {
        case .tuple(_, let depth): return depth
        case .list(let list): return list.depth
        case .dict(let dict): return dict.depth
        case .tensor, .storage: return 1
        default: return 0
        }
    }

    /// Freezes a list or dict that has just been put inside another container.
    func seal() {
        if case .list(let list) = self { list.sealed = true }
        if case .dict(let dict) = self { dict.sealed = true }
    }

    var integer: Int? {
        if case .int(let v) = self, let i = Int(exactly: v) { return i }
        return nil
    }
}

/// The only globals a state dict may name. Any other is refused before anything else happens.
let allowedGlobals: Set<String> = [
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor_v2",
    // The 4-argument form torch < 0.4 wrote; torchvision's official vgg16-397923af.pth uses it.
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_parameter",
    "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.LongStorage", "torch.IntStorage",
]

struct PickleMachine {
    /// Deepest container nesting accepted. State dicts nest a handful of levels; the cap keeps
    /// a hostile file from building a chain so deep that freeing it would overflow the stack.
    static let maxDepth = 64

    /// Where errors point: the checkpoint file and, inside it, which pickle.
    let url: URL
    let what: String
    /// Resolves a persistent id (the tuple torch writes for each storage).
    let persistentLoad: (PickleValue) throws -> PickleValue

    private func fail(_ reason: String, at offset: Int) -> WeightsError {
        WeightsError(url, "\(what): \(reason) (byte \(offset))")
    }

    /// Runs the pickle that starts at `start` of `bytes` up to its STOP opcode.
    /// Returns the unpickled value and the offset just after STOP.
    func run(_ bytes: ByteSlice, from start: Int) throws -> (value: PickleValue, end: Int) {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        var pos = start

        func need(_ n: Int) throws -> ByteSlice {
            guard n >= 0, let part = bytes.slice(pos, n) else { throw fail("truncated pickle", at: pos) }
            pos += n
            return part
        }
        func u8() throws -> Int { Int(try need(1).byte(at: 0)!) }
        func le<T: FixedWidthInteger>(_ type: T.Type) throws -> T { try need(MemoryLayout<T>.size).littleEndian(T.self, at: 0)! }
        func length(_ raw: UInt64) throws -> Int {
            guard raw <= UInt64(bytes.count) else { throw fail("length \(raw) runs past the end of the file", at: pos) }
            return Int(raw)
        }
        func line() throws -> String {
            var end = pos
            while true {
                guard let b = bytes.byte(at: end) else { throw fail("truncated pickle", at: pos) }
                if b == 0x0A { break }
                end += 1
                guard end - pos <= 256 else { throw fail("GLOBAL name too long", at: pos) }
            }
            let text = String(decoding: bytes.bytes(pos, end - pos)!, as: UTF8.self)
            pos = end + 1
            return text
        }
        func pop() throws -> PickleValue {
            guard let top = stack.popLast() else { throw fail("stack underflow", at: pos - 1) }
            if let mark = marks.last, stack.count < mark { throw fail("stack underflow past a MARK", at: pos - 1) }
            return top
        }
        func popMark() throws -> [PickleValue] {
            guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK on the stack", at: pos - 1) }
            let items = Array(stack[mark...])
            stack.removeSubrange(mark...)
            return items
        }
        func top() throws -> PickleValue {
            // As in Python's unpickler, values below the last MARK are out of reach.
            guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow", at: pos - 1) }
            return value
        }
        func global(_ module: String, _ name: String) throws -> PickleValue {
            let dotted = "\(module).\(name)"
            guard allowedGlobals.contains(dotted) else {
                throw fail("refusing global '\(dotted)': only plain state dicts are read (nothing in a checkpoint is executed)", at: pos)
            }
            return .global(dotted)
        }
        /// The depth of a container holding `children`, after checking the cap and sealing them.
        func adopt(_ children: [PickleValue], into container: AnyObject? = nil, depth: Int = 1) throws -> Int {
            var result = depth
            for child in children {
                if let container {
                    switch child {
                    case .list(let l) where l === container: throw fail("a list inside itself", at: pos - 1)
                    case .dict(let d) where d === container: throw fail("a dict inside itself", at: pos - 1)
                    default: break
                    }
                }
                result = max(result, child.depth + 1)
            }
            guard result <= PickleMachine.maxDepth else { throw fail("containers nested deeper than \(PickleMachine.maxDepth)", at: pos - 1) }
            children.forEach { $0.seal() }
            return result
        }
        func tuple(_ items: [PickleValue]) throws -> PickleValue {
            .tuple(items, depth: try adopt(items))
        }
        func setItems(_ target: PickleValue, _ pairs: [PickleValue]) throws {
            guard case .dict(let dict) = target, pairs.count % 2 == 0 else {
                throw fail("SETITEM(S) on \(target.kindName)", at: pos - 1)
            }
            guard !dict.sealed else { throw fail("a dict changed after it was nested", at: pos - 1) }
            dict.depth = try adopt(pairs, into: dict, depth: dict.depth)
            var i = 0
            while i < pairs.count { dict.items.append((pairs[i], pairs[i + 1])); i += 2 }
        }
        func append(_ target: PickleValue, _ items: [PickleValue]) throws {
            guard case .list(let list) = target else { throw fail("APPEND(S) on \(target.kindName)", at: pos - 1) }
            guard !list.sealed else { throw fail("a list changed after it was nested", at: pos - 1) }
            list.depth = try adopt(items, into: list, depth: list.depth)
            list.items.append(contentsOf: items)
        }

        while true {
            let opAt = pos
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()                                   // PROTO
            case 0x95: _ = try le(UInt64.self)                       // FRAME (length hint only)
            case 0x2E:                                                // STOP
                guard stack.count == 1, marks.isEmpty else { throw fail("STOP with \(stack.count) values on the stack", at: opAt) }
                return (stack[0], pos)
            case 0x28: marks.append(stack.count)                     // MARK
            case 0x30: _ = try pop()                                  // POP
            case 0x31: _ = try popMark()                              // POP_MARK
            case 0x32: stack.append(try top())                       // DUP
            case 0x4E: stack.append(.none)                            // NONE
            case 0x88: stack.append(.bool(true))                      // NEWTRUE
            case 0x89: stack.append(.bool(false))                     // NEWFALSE
            case 0x4A: stack.append(.int(Int64(try le(Int32.self)))) // BININT
            case 0x4B: stack.append(.int(Int64(try u8())))            // BININT1
            case 0x4D: stack.append(.int(Int64(try le(UInt16.self)))) // BININT2
            case 0x8A, 0x8B:                                          // LONG1, LONG4
                let n = op == 0x8A ? try u8() : try length(UInt64(try le(UInt32.self)))
                guard n <= 64 else { throw fail("integer of \(n) bytes", at: opAt) }
                let digits = try need(n).bytes(0, n)!
                if n == 0 {
                    stack.append(.int(0))
                } else if n <= 8 {
                    var value: UInt64 = 0
                    for (i, b) in digits.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
                    let negative = digits[n - 1] & 0x80 != 0
                    if negative && n < 8 { value |= ~0 << (8 * UInt64(n)) }   // sign-extend
                    stack.append(.int(Int64(bitPattern: value)))
                } else {
                    stack.append(.bigInt(digits))
                }
            case 0x47:                                                // BINFLOAT (big-endian)
                stack.append(.float(Double(bitPattern: UInt64(bigEndian: UInt64(littleEndian: try le(UInt64.self))))))
            case 0x58, 0x8C, 0x8D:                                    // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                let n = op == 0x8C ? try u8() : op == 0x58 ? try length(UInt64(try le(UInt32.self))) : try length(try le(UInt64.self))
                stack.append(.string(String(decoding: try need(n).bytes(0, n)!, as: UTF8.self)))
            case 0x54, 0x55, 0x42, 0x43:                              // BINSTRING, SHORT_BINSTRING, BINBYTES, SHORT_BINBYTES
                let n = (op == 0x55 || op == 0x43) ? try u8() : try length(UInt64(try le(UInt32.self)))
                stack.append(.bytes(try need(n).bytes(0, n)!))
            case 0x29: stack.append(.tuple([], depth: 1))              // EMPTY_TUPLE
            case 0x74: stack.append(try tuple(try popMark()))         // TUPLE
            case 0x85: stack.append(try tuple([try pop()]))            // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(try tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(try tuple([a, b, c]))  // TUPLE3
            case 0x5D: stack.append(.list(PickleList()))               // EMPTY_LIST
            case 0x6C: let list = PickleValue.list(PickleList()); try append(list, try popMark()); stack.append(list)  // LIST
            case 0x61: let item = try pop(); try append(try top(), [item])      // APPEND
            case 0x65: let items = try popMark(); try append(try top(), items)  // APPENDS
            case 0x7D: stack.append(.dict(PickleDict()))               // EMPTY_DICT
            case 0x64: let dict = PickleValue.dict(PickleDict()); try setItems(dict, try popMark()); stack.append(dict)  // DICT
            case 0x73: let v = try pop(), k = try pop(); try setItems(try top(), [k, v])  // SETITEM
            case 0x75: let pairs = try popMark(); try setItems(try top(), pairs)       // SETITEMS
            case 0x63:                                                // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.text, let n = name.text else { throw fail("STACK_GLOBAL needs two strings", at: opAt) }
                stack.append(try global(m, n))
            case 0x52:                                                // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try reduce(callable, args, at: opAt))
            case 0x62:                                                // BUILD
                let state = try pop()
                switch try top() {
                case .dict, .tensor: break    // OrderedDict `_metadata` or tensor attributes: not needed, dropped.
                case let other: throw fail("BUILD on \(other.kindName) (state \(state.kindName))", at: opAt)
                }
            case 0x71: memo[try u8()] = try top()                     // BINPUT
            case 0x72: memo[Int(try le(UInt32.self))] = try top()     // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                   // MEMOIZE
            case 0x68, 0x6A:                                          // BINGET, LONG_BINGET
                let index = op == 0x68 ? try u8() : Int(try le(UInt32.self))
                guard let value = memo[index] else { throw fail("memo \(index) read before it was written", at: opAt) }
                stack.append(value)
            case 0x51:                                                // BINPERSID
                stack.append(try persistentLoad(try pop()))
            default:
                throw fail(String(format: "unsupported pickle opcode 0x%02x", op), at: opAt)
            }
        }
    }

    /// REDUCE: the only calls a state dict makes, interpreted (never executed).
    private func reduce(_ callable: PickleValue, _ args: PickleValue, at offset: Int) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let a, _) = args else {
            throw fail("REDUCE on \(callable.kindName)", at: offset)
        }
        switch name {
        case "collections.OrderedDict":
            let dict = PickleDict()
            if let first = a.first {
                // OrderedDict([(k, v), ...])
                guard a.count == 1, case .list(let pairs) = first else { throw fail("OrderedDict arguments", at: offset) }
                for pair in pairs.items {
                    guard case .tuple(let kv, _) = pair, kv.count == 2 else { throw fail("OrderedDict item", at: offset) }
                    dict.items.append((kv[0], kv[1]))
                }
                dict.depth = first.depth
            }
            return .dict(dict)
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            // v2: (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]);
            // v1: (storage, storage_offset, size, stride).
            guard a.count >= 4, case .storage(let storage) = a[0], let storageOffset = a[1].integer,
                  case .tuple(let sizeValues, _) = a[2], case .tuple(let strideValues, _) = a[3] else {
                throw fail("unexpected _rebuild_tensor_v2 arguments", at: offset)
            }
            let size = sizeValues.compactMap(\.integer), stride = strideValues.compactMap(\.integer)
            guard size.count == sizeValues.count, stride.count == strideValues.count, size.count == stride.count,
                  storageOffset >= 0, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
                throw fail("bad tensor size/stride/offset", at: offset)
            }
            return .tensor(TensorRecord(storage: storage, storageOffset: storageOffset, size: size, stride: stride))
        case "torch._utils._rebuild_parameter":
            // (data, requires_grad, backward_hooks): a Parameter is its data here.
            guard let data = a.first, case .tensor = data else { throw fail("unexpected _rebuild_parameter arguments", at: offset) }
            return data
        default:
            throw fail("\(name) cannot be called", at: offset)
        }
    }
}
