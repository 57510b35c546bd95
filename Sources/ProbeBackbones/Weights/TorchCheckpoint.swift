import Foundation

/// PyTorch `.pth` files, both layouts `torch.save` has written:
///
/// - zip (torch >= 1.6): `<name>/data.pkl` is the pickled state dict; each storage is the
///   stored entry `<name>/data/<key>`, named by the persistent id
///   `('storage', torch.FloatStorage, key, location, numel)`.
/// - legacy (before 1.6): five pickles back to back — magic number, protocol version (1001),
///   sys_info, the state dict, the sorted list of storage keys — then, for each key in that
///   order, an int64 element count followed by the raw little-endian elements. Persistent ids
///   are `('storage', type, root_key, location, numel, view_metadata)`.
enum TorchCheckpoint {
    /// The legacy magic number 0x1950a86a20f9469cfc6c as pickle LONG1 bytes (little-endian).
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    // MARK: zip

    static func readZip(_ bytes: MappedBytes, url: URL) throws -> StateDict {
        let zip = try ZipDirectory(bytes.all, url: url)
        guard let pickleEntry = zip.entries.values.filter({ $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") })
                .min(by: { $0.name.count < $1.name.count }) else {
            throw WeightsError(url, "zip file without data.pkl: not a PyTorch checkpoint (TorchScript archives are not supported)")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = zip.entries[prefix + "byteorder"] {
            let text = try zip.storedData(order)
            guard text.bytes(0, text.count) == Array("little".utf8) else {
                throw WeightsError(url, "big-endian checkpoint: not supported")
            }
        }
        let machine = PickleMachine(url: url, what: "data.pkl", persistentLoad: { try storageReference($0, url: url) })
        let pickle = try zip.storedData(pickleEntry)
        let (root, _) = try machine.run(pickle, from: 0)
        return try stateDict(from: root, url: url) { storage in
            guard let entry = zip.entries[prefix + "data/" + storage.key] else {
                throw WeightsError(url, "storage '\(storage.key)' is missing from the zip")
            }
            return try zip.storedData(entry)
        }
    }

    // MARK: legacy

    static func isLegacy(_ bytes: ByteSlice) -> Bool {
        bytes.byte(at: 0) == 0x80 && bytes.byte(at: 2) == 0x8A && bytes.byte(at: 3) == 0x0A
            && bytes.bytes(4, 10) == legacyMagic
    }

    static func readLegacy(_ bytes: MappedBytes, url: URL) throws -> StateDict {
        let all = bytes.all
        let noStorages: (PickleValue) throws -> PickleValue = { _ in
            throw WeightsError(url, "unexpected persistent id in a legacy header pickle")
        }
        var pos = 0
        let (magic, afterMagic) = try PickleMachine(url: url, what: "magic number", persistentLoad: noStorages).run(all, from: pos)
        guard case .bigInt(let digits) = magic, digits == legacyMagic else { throw WeightsError(url, "bad legacy magic number") }
        pos = afterMagic
        let (version, afterVersion) = try PickleMachine(url: url, what: "protocol version", persistentLoad: noStorages).run(all, from: pos)
        guard version.integer == 1001 else { throw WeightsError(url, "unsupported legacy protocol version \(version.integer.map(String.init) ?? version.kindName)") }
        pos = afterVersion
        let (sysInfo, afterSysInfo) = try PickleMachine(url: url, what: "sys_info", persistentLoad: noStorages).run(all, from: pos)
        if case .dict(let info) = sysInfo,
           let endian = info.items.first(where: { $0.key.text == "little_endian" })?.value, case .bool(false) = endian {
            throw WeightsError(url, "big-endian checkpoint: not supported")
        }
        pos = afterSysInfo

        // The main pickle: remember each root storage's dtype, since the raw records carry none.
        var dtypes: [String: TensorDType] = [:]
        var dtypeConflict: String?
        let main = PickleMachine(url: url, what: "state dict pickle", persistentLoad: { id in
            let value = try storageReference(id, url: url)
            if case .storage(let s) = value {
                if let known = dtypes[s.key], known != s.dtype { dtypeConflict = s.key }
                dtypes[s.key] = s.dtype
            }
            return value
        })
        let (root, afterMain) = try main.run(all, from: pos)
        if let key = dtypeConflict { throw WeightsError(url, "storage '\(key)' is used with two dtypes") }
        pos = afterMain

        let (keyList, afterKeys) = try PickleMachine(url: url, what: "storage key list", persistentLoad: noStorages).run(all, from: pos)
        guard case .list(let keys) = keyList else { throw WeightsError(url, "storage key list is a \(keyList.kindName)") }
        pos = afterKeys

        var storages: [String: ByteSlice] = [:]
        for keyValue in keys.items {
            guard let key = keyValue.text else { throw WeightsError(url, "storage key is a \(keyValue.kindName)") }
            guard let dtype = dtypes[key] else { throw WeightsError(url, "storage '\(key)' is listed but no tensor uses it") }
            guard let count = all.littleEndian(Int64.self, at: pos), count >= 0 else {
                throw WeightsError(url, "truncated: storage '\(key)' header at byte \(pos) is past the end")
            }
            let (byteCount, overflow) = Int(count).multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, let data = all.slice(pos + 8, byteCount) else {
                throw WeightsError(url, "truncated: storage '\(key)' needs \(count) elements at byte \(pos + 8), the file has \(all.count) bytes")
            }
            storages[key] = data
            pos += 8 + byteCount
        }
        return try stateDict(from: root, url: url) { storage in
            guard let data = storages[storage.key] else { throw WeightsError(url, "storage '\(storage.key)' has no data") }
            return data
        }
    }

    // MARK: shared

    /// Interprets a persistent id tuple as a storage reference (zip: 5 fields, legacy: 6).
    static func storageReference(_ id: PickleValue, url: URL) throws -> PickleValue {
        guard case .tuple(let f, _) = id, f.count == 5 || f.count == 6, f[0].text == "storage",
              case .global(let typeName) = f[1], let key = f[2].text, let numel = f[4].integer, numel >= 0 else {
            throw WeightsError(url, "unexpected persistent id (\(id.kindName)); only tensor storages are read")
        }
        guard let dtype = TensorDType(torchStorageClass: typeName) else {
            throw WeightsError(url, "storage type \(typeName) is not a tensor storage")
        }
        var viewOffset = 0, viewCount = numel
        if f.count == 6, case .tuple(let view, _) = f[5] {
            guard view.count == 3, let offset = view[1].integer, let count = view[2].integer,
                  offset >= 0, count >= 0, offset <= numel, count <= numel - offset else {
                throw WeightsError(url, "bad storage view of '\(key)'")
            }
            viewOffset = offset; viewCount = count
        }
        return .storage(StorageReference(key: key, dtype: dtype, elementCount: numel, viewOffset: viewOffset, viewCount: viewCount))
    }

    /// The tensors of the unpickled root: a state dict (OrderedDict), or a checkpoint dict that
    /// holds one under `state_dict` or `model`. Non-tensor values are ignored.
    static func stateDict(from root: PickleValue, url: URL,
                          storageBytes: (StorageReference) throws -> ByteSlice) throws -> StateDict {
        guard case .dict(var dict) = root else { throw WeightsError(url, "the checkpoint holds a \(root.kindName), not a state dict") }
        let hasTensors = dict.items.contains { if case .tensor = $0.value { return true } else { return false } }
        if !hasTensors, let inner = dict.items.first(where: { $0.key.text == "state_dict" || $0.key.text == "model" })?.value,
           case .dict(let nested) = inner {
            dict = nested
        }
        var result: StateDict = [:]
        for (keyValue, value) in dict.items {
            guard case .tensor(let record) = value else { continue }
            guard let key = keyValue.text else { throw WeightsError(url, "state dict key is a \(keyValue.kindName)") }
            let storage = record.storage
            let all = try storageBytes(storage)
            let size = storage.dtype.byteSize
            guard storage.elementCount <= all.count / size,
                  let view = all.slice(storage.viewOffset * size, storage.viewCount * size) else {
                throw WeightsError(url, "tensor '\(key)': storage '\(storage.key)' has \(all.count) bytes, fewer than its \(storage.elementCount) \(storage.dtype.rawValue) elements")
            }
            result[key] = try materializeTensor(key: key, dtype: storage.dtype, storage: view, storageElements: storage.viewCount,
                                                storageOffset: record.storageOffset, size: record.size, stride: record.stride, url: url)
        }
        guard !result.isEmpty else { throw WeightsError(url, "no tensors in the checkpoint") }
        return result
    }
}
