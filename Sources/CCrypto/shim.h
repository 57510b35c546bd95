// OpenSSL's libcrypto (Debian libssl-dev), for SHA-256 only: its EVP digest uses the CPU's SHA
// instructions where present.
#include <openssl/evp.h>
