/// A C library that Probe opens with dlopen on first use instead of linking it (libcrypto,
/// libcurl, libhdf5): each C target (CCrypto, CCurl, CHDF5) has a loader that fills a table of
/// function pointers, and the Swift side keeps the table in a `static let`, so the library is
/// loaded once, by the first caller, and a start of `probe` that needs none of them maps none.
public enum LazyLibrary {
    /// Why a library could not be loaded, in one line naming its soname and Debian package.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Runs a C loader (`probe_*_load`: fills the table it is given and returns 0, or returns -1
    /// with a NUL-terminated reason in the buffer) and returns the table or that reason.
    public static func load<Table>(
        _ loader: (UnsafeMutablePointer<Table>, UnsafeMutablePointer<CChar>, Int) -> Int32
    ) -> Result<Table, LoadError> {
        let table = UnsafeMutablePointer<Table>.allocate(capacity: 1)
        defer { table.deallocate() }
        var reason = [CChar](repeating: 0, count: 512)
        guard loader(table, &reason, reason.count) == 0 else {
            return .failure(LoadError(description: String(cString: reason)))
        }
        return .success(table.move())
    }
}
