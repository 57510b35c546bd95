// Loads libcurl with dlopen and fills the function table (why: include/CCurl.h), and the
// non-variadic wrappers Swift calls curl_easy_setopt through.
#include "CCurl.h"

#include <dlfcn.h>
#include <stdio.h>

int probe_curl_load(const char *soname, probe_curl_api *api, char *error, size_t error_size) {
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(error, error_size, "%s not found (Debian package %s)", soname, PROBE_CURL_PACKAGE);
        return -1;
    }
#define RESOLVE(name)                                                                              \
    if (!(api->name = (__typeof__(api->name))dlsym(library, #name))) {                             \
        snprintf(error, error_size, "%s has no %s (Debian package %s, wrong version?)", soname,    \
                 #name, PROBE_CURL_PACKAGE);                                                       \
        dlclose(library);                                                                          \
        return -1;                                                                                 \
    }
    RESOLVE(curl_global_init)
    RESOLVE(curl_easy_init)
    RESOLVE(curl_easy_cleanup)
    RESOLVE(curl_easy_perform)
    RESOLVE(curl_easy_strerror)
    RESOLVE(curl_easy_setopt)
#undef RESOLVE
    // Once per process, before any handle exists (curl_easy_init would do it lazily, but not
    // thread-safely on every libcurl version).
    if (api->curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(error, error_size, "%s failed to initialise (curl_global_init)", soname);
        dlclose(library);
        return -1;
    }
    return 0;
}

CURLcode probe_curl_setopt_long(const probe_curl_api *api, CURL *easy, CURLoption option, long value) {
    return api->curl_easy_setopt(easy, option, value);
}

CURLcode probe_curl_setopt_pointer(const probe_curl_api *api, CURL *easy, CURLoption option, const void *value) {
    return api->curl_easy_setopt(easy, option, value);
}

CURLcode probe_curl_setopt_offset(const probe_curl_api *api, CURL *easy, CURLoption option, curl_off_t value) {
    return api->curl_easy_setopt(easy, option, value);
}

CURLcode probe_curl_setopt_callback(const probe_curl_api *api, CURL *easy, CURLoption option,
                                    curl_write_callback callback) {
    return api->curl_easy_setopt(easy, option, callback);
}
