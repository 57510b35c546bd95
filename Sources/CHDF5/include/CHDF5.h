// libhdf5 (Debian's serial build; headers from libhdf5-dev in /usr/include/hdf5/serial), for
// reading Keras weight files.
//
// Loaded with dlopen on first use, not linked: a library in the executable's NEEDED list is mapped
// and relocated at every start, and libhdf5_serial drags in libcurl, gnutls, Kerberos, LDAP, ssh2
// and libcrypto (about 30 libraries): linked into a Swift hello-world it took the start from 7.3 ms
// to 13.8 ms (perf stat -r 30), paid by every `probe doctor` or `probe cv` that reads no Keras file.
// The header is still included for the types; each pointer in the table has the exact type of the
// function it names.
#ifndef PROBE_CHDF5_H
#define PROBE_CHDF5_H

#include <stddef.h>
#include <hdf5/serial/hdf5.h>

/// The soname the loader opens (the one libhdf5-dev links against) and the package that ships it.
#define PROBE_HDF5_SONAME "libhdf5_serial.so.103"
#define PROBE_HDF5_PACKAGE "libhdf5-103-1"

/// The libhdf5 functions Probe calls, resolved with dlsym, and the values of the library's
/// global "constants" (H5T_NATIVE_FLOAT and friends are macros over globals that H5open sets up).
typedef struct {
    __typeof__(H5open) *_Nonnull H5open;
    __typeof__(H5Eset_auto2) *_Nonnull H5Eset_auto2;
    __typeof__(H5free_memory) *_Nonnull H5free_memory;
    __typeof__(H5Fopen) *_Nonnull H5Fopen;
    __typeof__(H5Fclose) *_Nonnull H5Fclose;
    __typeof__(H5Pcreate) *_Nonnull H5Pcreate;
    __typeof__(H5Pclose) *_Nonnull H5Pclose;
    __typeof__(H5Pset_fapl_core) *_Nonnull H5Pset_fapl_core;
    __typeof__(H5Pset_file_image) *_Nonnull H5Pset_file_image;
    __typeof__(H5Lexists) *_Nonnull H5Lexists;
    __typeof__(H5Lget_name_by_idx) *_Nonnull H5Lget_name_by_idx;
    __typeof__(H5Oopen) *_Nonnull H5Oopen;
    __typeof__(H5Oclose) *_Nonnull H5Oclose;
    __typeof__(H5Iget_type) *_Nonnull H5Iget_type;
    __typeof__(H5Gopen2) *_Nonnull H5Gopen2;
    __typeof__(H5Gclose) *_Nonnull H5Gclose;
    __typeof__(H5Gget_info) *_Nonnull H5Gget_info;
    __typeof__(H5Aexists) *_Nonnull H5Aexists;
    __typeof__(H5Aopen) *_Nonnull H5Aopen;
    __typeof__(H5Aclose) *_Nonnull H5Aclose;
    __typeof__(H5Aget_type) *_Nonnull H5Aget_type;
    __typeof__(H5Aget_space) *_Nonnull H5Aget_space;
    __typeof__(H5Aread) *_Nonnull H5Aread;
    __typeof__(H5Dopen2) *_Nonnull H5Dopen2;
    __typeof__(H5Dclose) *_Nonnull H5Dclose;
    __typeof__(H5Dget_type) *_Nonnull H5Dget_type;
    __typeof__(H5Dget_space) *_Nonnull H5Dget_space;
    __typeof__(H5Dread) *_Nonnull H5Dread;
    __typeof__(H5Sclose) *_Nonnull H5Sclose;
    __typeof__(H5Sget_simple_extent_npoints) *_Nonnull H5Sget_simple_extent_npoints;
    __typeof__(H5Sget_simple_extent_ndims) *_Nonnull H5Sget_simple_extent_ndims;
    __typeof__(H5Sget_simple_extent_dims) *_Nonnull H5Sget_simple_extent_dims;
    __typeof__(H5Tclose) *_Nonnull H5Tclose;
    __typeof__(H5Tcopy) *_Nonnull H5Tcopy;
    __typeof__(H5Tget_class) *_Nonnull H5Tget_class;
    __typeof__(H5Tget_size) *_Nonnull H5Tget_size;
    __typeof__(H5Tset_size) *_Nonnull H5Tset_size;
    __typeof__(H5Tget_cset) *_Nonnull H5Tget_cset;
    __typeof__(H5Tset_cset) *_Nonnull H5Tset_cset;
    __typeof__(H5Tset_strpad) *_Nonnull H5Tset_strpad;
    __typeof__(H5Tis_variable_str) *_Nonnull H5Tis_variable_str;
    /// H5P_FILE_ACCESS (the global H5P_CLS_FILE_ACCESS_ID_g after H5open).
    hid_t file_access_class;
    /// H5T_NATIVE_FLOAT (H5T_NATIVE_FLOAT_g).
    hid_t native_float;
    /// H5T_C_S1 (H5T_C_S1_g).
    hid_t c_s1;
} probe_hdf5_api;

/// Opens `soname`, fills `api`, calls H5open and reads the globals. Returns 0, or -1 with a
/// one-line reason in `error` (naming the soname and the Debian package). Not synchronised: the
/// caller loads once (ProbeBackbones keeps the table in a Swift `static let`).
int probe_hdf5_load(const char *_Nonnull soname, probe_hdf5_api *_Nonnull api,
                    char *_Nonnull error, size_t error_size);

// The plain-number macros Swift cannot import (they need no library call; H5F_ACC_RDONLY's own
// definition would call H5check_version and H5open through the linker, so it is spelled out).
static inline hid_t probe_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t probe_h5s_all(void) { return H5S_ALL; }
static inline hid_t probe_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned probe_h5f_acc_rdonly(void) { return 0x0000u; }
static inline size_t probe_h5t_variable(void) { return H5T_VARIABLE; }

#endif
