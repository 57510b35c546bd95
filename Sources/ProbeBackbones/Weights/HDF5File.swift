import CHDF5
import Foundation
import ProbeCore

/// A read-only HDF5 file opened through libhdf5: what the Keras weight readers need of it (groups,
/// their children, string-array attributes, float datasets) and nothing more. libhdf5 is loaded
/// with dlopen when the first file is opened (Sources/CHDF5 says why); without it, opening fails
/// with a one-line error naming the library and its Debian package.
///
/// The file is hostile input: every dataset's class, rank and element count is checked against
/// what the caller expects before a byte of it is read, and string attributes are bounded. libhdf5
/// is not thread-safe in Debian's serial build, so every call into it holds `HDF5File.lock`; its own
/// error printing is switched off (every failure becomes a `WeightsError` naming the file).
final class HDF5File {
    /// The file's name in errors (for a `.keras` member: "archive.keras (model.weights.h5)").
    let url: URL
    let displayName: String
    private let file: hid_t
    /// libhdf5's functions and constants.
    private let h5: probe_hdf5_api

    static let lock = NSLock()
    /// The table, loaded by the first file opened (`H5open` included), or why it could not be.
    static let library = LazyLibrary.load { probe_hdf5_load(PROBE_HDF5_SONAME, $0, $1, $2) }
    /// HDF5's superblock signature, at offset 0 of every file Keras writes.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Bounds on hostile metadata: layer-name lists, one name, a dataset's rank.
    static let maxStrings = 100_000, maxStringBytes = 65_536, maxRank = 8

    /// Opens the file at `url`.
    init(url: URL) throws {
        self.url = url
        displayName = url.path
        let h5 = try HDF5File.loadLibrary(displayName)
        self.h5 = h5
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        HDF5File.silenceErrorPrinting(h5)
        let id = h5.H5Fopen(url.path, probe_h5f_acc_rdonly(), probe_h5p_default())
        guard id >= 0 else { throw WeightsError(url, "not a readable HDF5 file (truncated or damaged)") }
        file = id
    }

    /// Opens an HDF5 file image held in memory (a `.keras` archive's `model.weights.h5`).
    init(image: Data, url: URL, member: String) throws {
        self.url = url
        displayName = "\(url.path) (\(member))"
        let h5 = try HDF5File.loadLibrary(displayName)
        self.h5 = h5
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        HDF5File.silenceErrorPrinting(h5)
        let fapl = h5.H5Pcreate(h5.file_access_class)
        guard fapl >= 0 else { throw WeightsError(url, "libhdf5 cannot create a file-access list") }
        defer { _ = h5.H5Pclose(fapl) }
        // The core driver serves the file from memory; H5Pset_file_image copies the bytes.
        var id: hid_t = -1
        if h5.H5Pset_fapl_core(fapl, 1 << 20, false) >= 0 {
            id = image.withUnsafeBytes { bytes -> hid_t in
                guard let base = bytes.baseAddress, h5.H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: base), bytes.count) >= 0 else { return -1 }
                return h5.H5Fopen(member, probe_h5f_acc_rdonly(), fapl)
            }
        }
        guard id >= 0 else { throw WeightsError(message: "\(displayName): not a readable HDF5 file (truncated or damaged)") }
        file = id
    }

    deinit {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        _ = h5.H5Fclose(file)
    }

    /// The loaded table, or an error for `displayName` naming the missing library.
    private static func loadLibrary(_ displayName: String) throws -> probe_hdf5_api {
        switch library {
        case .success(let api): return api
        case .failure(let reason): throw WeightsError(message: "\(displayName): \(reason)")
        }
    }

    /// Turns off libhdf5's own error printing (to stderr) for the default error stack: Probe
    /// reports every failure itself, in one line.
    private static func silenceErrorPrinting(_ h5: probe_hdf5_api) { _ = h5.H5Eset_auto2(probe_h5e_default(), nil, nil) }

    /// True when the first bytes of `url` are HDF5's signature.
    static func looksLike(_ prefix: [UInt8]) -> Bool { prefix.count >= 8 && Array(prefix.prefix(8)) == signature }

    func error(_ reason: String) -> WeightsError { WeightsError(message: "\(displayName): \(reason)") }

    /// Whether `path` (absolute, "/a/b") names a group.
    func isGroup(_ path: String) -> Bool {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        return objectType(path) == H5I_GROUP
    }

    /// Whether `path` names a dataset.
    func isDataset(_ path: String) -> Bool {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        return objectType(path) == H5I_DATASET
    }

    /// The type of the object at `path`, checking each link on the way (H5Oopen on a missing
    /// intermediate group would fail anyway, but H5Lexists must be asked one level at a time).
    private func objectType(_ path: String) -> H5I_type_t {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            guard h5.H5Lexists(file, prefix, probe_h5p_default()) > 0 else { return H5I_BADID }
        }
        let object = h5.H5Oopen(file, path.isEmpty ? "/" : path, probe_h5p_default())
        guard object >= 0 else { return H5I_BADID }
        defer { _ = h5.H5Oclose(object) }
        return h5.H5Iget_type(object)
    }

    /// The names of the links in the group at `path`, in HDF5's (alphabetical) order.
    func children(of path: String) throws -> [String] {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        let group = h5.H5Gopen2(file, path, probe_h5p_default())
        guard group >= 0 else { throw error("no group '\(path)'") }
        defer { _ = h5.H5Gclose(group) }
        var info = H5G_info_t()
        guard h5.H5Gget_info(group, &info) >= 0 else { throw error("cannot list group '\(path)'") }
        guard info.nlinks <= UInt64(HDF5File.maxStrings) else { throw error("group '\(path)' has \(info.nlinks) members (too many)") }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = h5.H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, probe_h5p_default())
            guard length >= 0, length < HDF5File.maxStringBytes else { throw error("cannot read a member name of '\(path)'") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard h5.H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, probe_h5p_default()) >= 0 else {
                throw error("cannot read a member name of '\(path)'")
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Whether the object at `path` has an attribute `name`.
    func hasAttribute(_ name: String, of path: String) -> Bool {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        let object = h5.H5Oopen(file, path, probe_h5p_default())
        guard object >= 0 else { return false }
        defer { _ = h5.H5Oclose(object) }
        return h5.H5Aexists(object, name) > 0
    }

    /// A string attribute (scalar or 1-D array) of the object at `path`, stored with fixed- or
    /// variable-length strings (Keras writes fixed-length byte strings; other writers, variable);
    /// nil when there is no such attribute. Fixed-length strings are NUL-padded; the padding is cut.
    func stringArrayAttribute(_ name: String, of path: String) throws -> [String]? {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        let object = h5.H5Oopen(file, path, probe_h5p_default())
        guard object >= 0 else { throw error("no object '\(path)'") }
        defer { _ = h5.H5Oclose(object) }
        guard h5.H5Aexists(object, name) > 0 else { return nil }
        let attribute = h5.H5Aopen(object, name, probe_h5p_default())
        guard attribute >= 0 else { throw error("cannot open attribute '\(name)' of '\(path)'") }
        defer { _ = h5.H5Aclose(attribute) }
        let type = h5.H5Aget_type(attribute), space = h5.H5Aget_space(attribute)
        defer { _ = h5.H5Tclose(type); _ = h5.H5Sclose(space) }
        // Keras writes an empty list (a weightless layer's `weight_names`) as an empty float array.
        if h5.H5Sget_simple_extent_npoints(space) == 0 { return [] }
        guard h5.H5Tget_class(type) == H5T_STRING else { throw error("attribute '\(name)' of '\(path)' is not a string list") }
        let rank = h5.H5Sget_simple_extent_ndims(space)
        guard rank == 0 || rank == 1 else { throw error("attribute '\(name)' of '\(path)' has rank \(rank), expected a list") }
        var dims: [hsize_t] = [1]
        if rank == 1 { _ = h5.H5Sget_simple_extent_dims(space, &dims, nil) }
        guard dims[0] <= UInt64(HDF5File.maxStrings) else { throw error("attribute '\(name)' of '\(path)' lists \(dims[0]) strings (too many)") }
        let count = Int(dims[0])
        if count == 0 { return [] }
        let memoryType = h5.H5Tcopy(h5.c_s1)
        defer { _ = h5.H5Tclose(memoryType) }
        // The same character set as the file's (ASCII or UTF-8): libhdf5 converts between none.
        _ = h5.H5Tset_cset(memoryType, h5.H5Tget_cset(type))
        if h5.H5Tis_variable_str(type) > 0 {
            _ = h5.H5Tset_size(memoryType, probe_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard h5.H5Aread(attribute, memoryType, &pointers) >= 0 else { throw error("cannot read attribute '\(name)' of '\(path)'") }
            defer { for pointer in pointers where pointer != nil { _ = h5.H5free_memory(pointer) } }
            return try pointers.map { pointer in
                guard let pointer else { return "" }
                guard strnlen(pointer, HDF5File.maxStringBytes) < HDF5File.maxStringBytes else {
                    throw error("attribute '\(name)' of '\(path)' holds a string longer than \(HDF5File.maxStringBytes) bytes")
                }
                return String(cString: pointer)
            }
        }
        let size = h5.H5Tget_size(type)
        guard size > 0, size <= HDF5File.maxStringBytes else { throw error("attribute '\(name)' of '\(path)' has \(size)-byte strings") }
        _ = h5.H5Tset_size(memoryType, size)
        // Read the bytes as stored (NUL-padded, as numpy writes them): a NUL-terminated memory type
        // would give up the last character of a name that fills its slot.
        _ = h5.H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
        var buffer = [UInt8](repeating: 0, count: count * size)
        guard h5.H5Aread(attribute, memoryType, &buffer) >= 0 else { throw error("cannot read attribute '\(name)' of '\(path)'") }
        return (0..<count).map { index in
            let bytes = buffer[(index * size)..<((index + 1) * size)]
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The shape of the dataset at `path` and whether it holds floating-point numbers.
    func datasetShape(_ path: String) throws -> (shape: [Int], isFloat: Bool) {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        let dataset = h5.H5Dopen2(file, path, probe_h5p_default())
        guard dataset >= 0 else { throw error("no dataset '\(path)'") }
        defer { _ = h5.H5Dclose(dataset) }
        return try shape(of: dataset, path)
    }

    private func shape(of dataset: hid_t, _ path: String) throws -> (shape: [Int], isFloat: Bool) {
        let type = h5.H5Dget_type(dataset), space = h5.H5Dget_space(dataset)
        defer { _ = h5.H5Tclose(type); _ = h5.H5Sclose(space) }
        let rank = h5.H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= Int32(HDF5File.maxRank) else { throw error("dataset '\(path)' has rank \(rank)") }
        var dims = [hsize_t](repeating: 0, count: Swift.max(Int(rank), 1))
        if rank > 0 { _ = h5.H5Sget_simple_extent_dims(space, &dims, nil) }
        let shape = rank == 0 ? [] : dims.map { Int(clamping: $0) }
        let typeClass = h5.H5Tget_class(type)
        return (shape, typeClass == H5T_FLOAT && [2, 4, 8].contains(h5.H5Tget_size(type)))
    }

    /// The float dataset at `path` as float32, C order. Its shape must be `expected` (checked
    /// before anything is read) and its values finite.
    func readFloats(_ path: String, expected: [Int]) throws -> [Float] {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        let dataset = h5.H5Dopen2(file, path, probe_h5p_default())
        guard dataset >= 0 else { throw error("no dataset '\(path)'") }
        defer { _ = h5.H5Dclose(dataset) }
        let (shape, isFloat) = try shape(of: dataset, path)
        guard isFloat else { throw error("dataset '\(path)' does not hold floating-point numbers") }
        guard shape == expected else { throw error("dataset '\(path)' has shape \(shape), expected \(expected)") }
        var values = [Float](repeating: 0, count: expected.reduce(1, *))
        let status = values.withUnsafeMutableBytes { h5.H5Dread(dataset, h5.native_float, probe_h5s_all(), probe_h5s_all(), probe_h5p_default(), $0.baseAddress) }
        guard status >= 0 else { throw error("cannot read dataset '\(path)' (truncated or damaged file)") }
        guard values.allSatisfy(\.isFinite) else { throw error("dataset '\(path)' holds NaN or infinite values") }
        return values
    }
}
