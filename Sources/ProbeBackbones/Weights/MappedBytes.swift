import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The read-only bytes of a checkpoint: a private memory map of a file, or a heap copy
/// (for bytes that came out of a compressed archive). Immutable once made, so it can be
/// shared between threads; tensors that point into it keep it alive.
final class MappedBytes: @unchecked Sendable {
    let baseAddress: UnsafeRawPointer
    let count: Int
    private let release: () -> Void

    /// Maps `url` read-only. An empty file gives an empty buffer.
    init(mapping url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw WeightsError(url, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WeightsError(url, "cannot stat: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw WeightsError(url, "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 {
            let empty = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            baseAddress = UnsafeRawPointer(empty)
            count = 0
            release = { empty.deallocate() }
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw WeightsError(url, "cannot memory-map: \(String(cString: strerror(errno)))")
        }
        baseAddress = UnsafeRawPointer(mapped)
        count = size
        release = { munmap(mapped, size) }
    }

    /// Copies `data` into an aligned heap buffer.
    init(copying data: Data) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        data.withUnsafeBytes { raw in
            if let source = raw.baseAddress { buffer.copyMemory(from: source, byteCount: raw.count) }
        }
        baseAddress = UnsafeRawPointer(buffer)
        count = data.count
        release = { buffer.deallocate() }
    }

    deinit { release() }

    /// A bounds-checked view of `length` bytes at `offset`.
    func slice(_ offset: Int, _ length: Int) -> ByteSlice? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        return ByteSlice(owner: self, offset: offset, count: length)
    }

    var all: ByteSlice { ByteSlice(owner: self, offset: 0, count: count) }
}

/// A checked window into `MappedBytes`: every read is bounds-checked and returns nil past the end.
struct ByteSlice {
    let owner: MappedBytes
    let offset: Int
    let count: Int

    func slice(_ start: Int, _ length: Int) -> ByteSlice? {
        guard start >= 0, length >= 0, start <= count, length <= count - start else { return nil }
        return ByteSlice(owner: owner, offset: offset + start, count: length)
    }

    func byte(at index: Int) -> UInt8? {
        guard index >= 0, index < count else { return nil }
        return owner.baseAddress.load(fromByteOffset: offset + index, as: UInt8.self)
    }

    /// A little-endian integer of `T`'s width at `index`.
    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at index: Int) -> T? {
        let width = MemoryLayout<T>.size
        guard index >= 0, index <= count - width else { return nil }
        return T(littleEndian: owner.baseAddress.loadUnaligned(fromByteOffset: offset + index, as: T.self))
    }

    func bytes(_ start: Int, _ length: Int) -> [UInt8]? {
        guard let part = slice(start, length) else { return nil }
        return [UInt8](UnsafeRawBufferPointer(start: owner.baseAddress + part.offset, count: part.count))
    }

    var pointer: UnsafeRawPointer { owner.baseAddress + offset }
}
