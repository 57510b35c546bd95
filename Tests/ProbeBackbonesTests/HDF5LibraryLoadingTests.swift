import CHDF5
import ProbeCore
import XCTest

/// libhdf5 is opened with dlopen by the first Keras file read (Sources/CHDF5): the loader finds it
/// under the soname the build links against and reads the type "constants" H5open sets up, and a
/// missing library is one line naming it and its package. (The Keras tests read every committed
/// .h5/.keras fixture through the loaded table.)
final class HDF5LibraryLoadingTests: XCTestCase {
    func testLibhdf5LoadsUnderItsSonameWithItsTypeConstants() throws {
        let h5 = try LazyLibrary.load { probe_hdf5_load(PROBE_HDF5_SONAME, $0, $1, $2) }.get()
        // The globals are valid type ids only after H5open: a float of 4 bytes, a 1-byte C string.
        XCTAssertEqual(h5.H5Tget_class(h5.native_float), H5T_FLOAT)
        XCTAssertEqual(h5.H5Tget_size(h5.native_float), 4)
        XCTAssertEqual(h5.H5Tget_class(h5.c_s1), H5T_STRING)
        let fapl = h5.H5Pcreate(h5.file_access_class)
        XCTAssertGreaterThanOrEqual(fapl, 0)
        _ = h5.H5Pclose(fapl)
    }

    func testAMissingLibhdf5IsOneLineNamingTheSonameAndThePackage() {
        let result = LazyLibrary.load { probe_hdf5_load("libhdf5_serial.so.999", $0, $1, $2) }
        guard case .failure(let error) = result else { return XCTFail("a library that does not exist was loaded") }
        XCTAssertEqual("\(error)", "libhdf5_serial.so.999 not found (Debian package libhdf5-103-1)")
    }
}
