// Loads libcrypto with dlopen and fills the function table (why: include/CCrypto.h).
#include "CCrypto.h"

#include <dlfcn.h>
#include <stdio.h>

int probe_crypto_load(const char *soname, probe_crypto_api *api, char *error, size_t error_size) {
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(error, error_size, "%s not found (Debian package %s)", soname, PROBE_CRYPTO_PACKAGE);
        return -1;
    }
#define RESOLVE(name)                                                                              \
    if (!(api->name = (__typeof__(api->name))dlsym(library, #name))) {                             \
        snprintf(error, error_size, "%s has no %s (Debian package %s, wrong version?)", soname,    \
                 #name, PROBE_CRYPTO_PACKAGE);                                                     \
        dlclose(library);                                                                          \
        return -1;                                                                                 \
    }
    RESOLVE(EVP_MD_CTX_new)
    RESOLVE(EVP_MD_CTX_free)
    RESOLVE(EVP_DigestInit_ex)
    RESOLVE(EVP_DigestUpdate)
    RESOLVE(EVP_DigestFinal_ex)
    RESOLVE(EVP_sha256)
    RESOLVE(EVP_md5)
#undef RESOLVE
    return 0;
}
