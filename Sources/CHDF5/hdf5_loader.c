// Loads libhdf5 with dlopen and fills the function table (why: include/CHDF5.h).
#include "CHDF5.h"

#include <dlfcn.h>
#include <stdio.h>

int probe_hdf5_load(const char *soname, probe_hdf5_api *api, char *error, size_t error_size) {
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(error, error_size, "%s not found (Debian package %s)", soname, PROBE_HDF5_PACKAGE);
        return -1;
    }
#define MISSING(name)                                                                              \
    do {                                                                                           \
        snprintf(error, error_size, "%s has no %s (Debian package %s, wrong version?)", soname,    \
                 name, PROBE_HDF5_PACKAGE);                                                        \
        dlclose(library);                                                                          \
        return -1;                                                                                 \
    } while (0)
#define RESOLVE(name)                                                                              \
    if (!(api->name = (__typeof__(api->name))dlsym(library, #name))) MISSING(#name);
    RESOLVE(H5open)
    RESOLVE(H5Eset_auto2)
    RESOLVE(H5free_memory)
    RESOLVE(H5Fopen)
    RESOLVE(H5Fclose)
    RESOLVE(H5Pcreate)
    RESOLVE(H5Pclose)
    RESOLVE(H5Pset_fapl_core)
    RESOLVE(H5Pset_file_image)
    RESOLVE(H5Lexists)
    RESOLVE(H5Lget_name_by_idx)
    RESOLVE(H5Oopen)
    RESOLVE(H5Oclose)
    RESOLVE(H5Iget_type)
    RESOLVE(H5Gopen2)
    RESOLVE(H5Gclose)
    RESOLVE(H5Gget_info)
    RESOLVE(H5Aexists)
    RESOLVE(H5Aopen)
    RESOLVE(H5Aclose)
    RESOLVE(H5Aget_type)
    RESOLVE(H5Aget_space)
    RESOLVE(H5Aread)
    RESOLVE(H5Dopen2)
    RESOLVE(H5Dclose)
    RESOLVE(H5Dget_type)
    RESOLVE(H5Dget_space)
    RESOLVE(H5Dread)
    RESOLVE(H5Sclose)
    RESOLVE(H5Sget_simple_extent_npoints)
    RESOLVE(H5Sget_simple_extent_ndims)
    RESOLVE(H5Sget_simple_extent_dims)
    RESOLVE(H5Tclose)
    RESOLVE(H5Tcopy)
    RESOLVE(H5Tget_class)
    RESOLVE(H5Tget_size)
    RESOLVE(H5Tset_size)
    RESOLVE(H5Tget_cset)
    RESOLVE(H5Tset_cset)
    RESOLVE(H5Tset_strpad)
    RESOLVE(H5Tis_variable_str)
#undef RESOLVE

    // The type and class "constants" are globals that H5open initialises.
    if (api->H5open() < 0) {
        snprintf(error, error_size, "%s failed to initialise (H5open)", soname);
        dlclose(library);
        return -1;
    }
    const hid_t *file_access = dlsym(library, "H5P_CLS_FILE_ACCESS_ID_g");
    const hid_t *native_float = dlsym(library, "H5T_NATIVE_FLOAT_g");
    const hid_t *c_s1 = dlsym(library, "H5T_C_S1_g");
    if (!file_access) MISSING("H5P_CLS_FILE_ACCESS_ID_g");
    if (!native_float) MISSING("H5T_NATIVE_FLOAT_g");
    if (!c_s1) MISSING("H5T_C_S1_g");
    api->file_access_class = *file_access;
    api->native_float = *native_float;
    api->c_s1 = *c_s1;
    return 0;
}
