// A TLS client handshake through the system OpenSSL (Debian: libssl-dev), for the verifier: does the
// service at an address present a certificate valid for the hostname Agents use?
#ifndef CTLS_H
#define CTLS_H

// Outcomes of ctls_handshake.
enum {
    CTLS_OK = 0,                // handshake done, certificate chain trusted and valid for the name
    CTLS_TIMEOUT = 1,           // no handshake within the timeout
    CTLS_HANDSHAKE_FAILED = 2,  // the peer closed, or no common protocol (not TLS, alert, reset)
    CTLS_CERT_INVALID = 3,      // handshake done, but the certificate failed verification: see verify_result
    CTLS_SETUP_FAILED = 4       // the context or CA file could not be used
};

typedef struct {
    long verify_result;         // OpenSSL's X509_V_* code (62 = X509_V_ERR_HOSTNAME_MISMATCH)
    char detail[256];           // OpenSSL's reason, or the verify error's text
    char subject[256];          // the peer certificate's subject, one line
    char issuer[256];
    char protocol[32];          // "TLSv1.3", …
} ctls_result;

// A client context trusting the system's CAs and, when `extra_ca_file` is not NULL, the CAs in that
// PEM file too. NULL when the file cannot be loaded (reason in `error`, `error_len` bytes).
void *ctls_context_new(const char *extra_ca_file, char *error, int error_len);
void ctls_context_free(void *context);

// Runs a TLS handshake on the connected socket `fd` with `hostname` as SNI, and checks the
// peer's certificate for that hostname. Does not close `fd`. Returns a CTLS_* outcome.
int ctls_handshake(void *context, int fd, const char *hostname, int timeout_ms, ctls_result *out);
#endif
