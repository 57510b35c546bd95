// OpenSSL's libcrypto (headers from Debian libssl-dev), for SHA-256 and MD5: its EVP digests use the
// CPU's SHA instructions where present.
//
// Loaded with dlopen on first use, not linked: a library in the executable's NEEDED list is mapped
// and relocated at every start, and libcrypto alone took a Swift hello-world from 7.3 ms to 12.3 ms
// (perf stat -r 30), while most runs of `probe` (doctor, cv, fit) hash nothing. The header is still
// included for the exact types; each pointer in the table has the type of the function it names.
#ifndef PROBE_CCRYPTO_H
#define PROBE_CCRYPTO_H

#include <stddef.h>
#include <openssl/evp.h>

/// The soname the loader opens (the one Debian's libssl-dev links against) and the package
/// that ships it, for the error message.
#define PROBE_CRYPTO_SONAME "libcrypto.so.3"
#define PROBE_CRYPTO_PACKAGE "libssl3"

/// The libcrypto functions Probe calls, resolved with dlsym.
typedef struct {
    __typeof__(EVP_MD_CTX_new) *_Nonnull EVP_MD_CTX_new;
    __typeof__(EVP_MD_CTX_free) *_Nonnull EVP_MD_CTX_free;
    __typeof__(EVP_DigestInit_ex) *_Nonnull EVP_DigestInit_ex;
    __typeof__(EVP_DigestUpdate) *_Nonnull EVP_DigestUpdate;
    __typeof__(EVP_DigestFinal_ex) *_Nonnull EVP_DigestFinal_ex;
    __typeof__(EVP_sha256) *_Nonnull EVP_sha256;
    __typeof__(EVP_md5) *_Nonnull EVP_md5;
} probe_crypto_api;

/// Opens `soname` and fills `api`. Returns 0, or -1 with a one-line reason in `error` (which names
/// the soname and the Debian package). Not synchronised: the caller loads once (ProbeCore keeps
/// the table in a Swift `static let`).
int probe_crypto_load(const char *_Nonnull soname, probe_crypto_api *_Nonnull api,
                      char *_Nonnull error, size_t error_size);

#endif
