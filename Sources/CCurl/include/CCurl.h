// libcurl's easy API (headers from Debian libcurl4-openssl-dev), for ProbeFetch's downloads.
//
// Loaded with dlopen on first use, not linked: a library in the executable's NEEDED list is mapped
// and relocated at every start, and libcurl brings gnutls or OpenSSL, Kerberos, LDAP, ssh2, nghttp2
// and more. Foundation's URLSession (libFoundationNetworking) linked it for every run of `probe`:
// that library alone took a Swift hello-world's start from 7.3 ms to 14.5 ms (perf stat -r 30),
// while only a download of weights needs it. The header is still included for the types; each
// pointer in the table has the exact type of the function it names.
#ifndef PROBE_CCURL_H
#define PROBE_CCURL_H

#include <stddef.h>
// The table's fields are named after the functions: keep curl.h from turning curl_easy_setopt
// into its type-checking macro.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/// The soname the loader opens (the one libcurl4-openssl-dev links against) and its package.
#define PROBE_CURL_SONAME "libcurl.so.4"
#define PROBE_CURL_PACKAGE "libcurl4"

/// The libcurl functions Probe calls, resolved with dlsym. curl_easy_setopt is variadic, which
/// Swift cannot call: use the probe_curl_setopt_* wrappers below, one per argument type.
typedef struct {
    __typeof__(curl_global_init) *_Nonnull curl_global_init;
    __typeof__(curl_easy_init) *_Nonnull curl_easy_init;
    __typeof__(curl_easy_cleanup) *_Nonnull curl_easy_cleanup;
    __typeof__(curl_easy_perform) *_Nonnull curl_easy_perform;
    __typeof__(curl_easy_strerror) *_Nonnull curl_easy_strerror;
    __typeof__(curl_easy_setopt) *_Nonnull curl_easy_setopt;
} probe_curl_api;

/// Opens `soname`, fills `api` and runs curl_global_init. Returns 0, or -1 with a one-line reason
/// in `error` (naming the soname and the Debian package). Not synchronised: the caller loads once
/// (ProbeFetch keeps the table in a Swift `static let`), before any transfer starts.
int probe_curl_load(const char *_Nonnull soname, probe_curl_api *_Nonnull api,
                    char *_Nonnull error, size_t error_size);

/// curl_easy_setopt for options that take a long, a pointer (strings, callback data), a curl_off_t,
/// or a write/header callback.
CURLcode probe_curl_setopt_long(const probe_curl_api *_Nonnull api, CURL *_Nonnull easy,
                                CURLoption option, long value);
CURLcode probe_curl_setopt_pointer(const probe_curl_api *_Nonnull api, CURL *_Nonnull easy,
                                   CURLoption option, const void *_Nullable value);
CURLcode probe_curl_setopt_offset(const probe_curl_api *_Nonnull api, CURL *_Nonnull easy,
                                  CURLoption option, curl_off_t value);
CURLcode probe_curl_setopt_callback(const probe_curl_api *_Nonnull api, CURL *_Nonnull easy,
                                    CURLoption option, curl_write_callback _Nonnull callback);

#endif
