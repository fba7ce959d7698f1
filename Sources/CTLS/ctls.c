#include "ctls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void copy(char *to, int len, const char *from) {
    if (len <= 0) return;
    strncpy(to, from ? from : "", (size_t)len - 1);
    to[len - 1] = 0;
}

static void openssl_reason(char *to, int len, const char *fallback) {
    unsigned long code = ERR_get_error();
    if (code != 0) {
        ERR_error_string_n(code, to, (size_t)len);
    } else {
        copy(to, len, fallback);
    }
    ERR_clear_error();
}

void *ctls_context_new(const char *extra_ca_file, char *error, int error_len) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        openssl_reason(error, error_len, "SSL_CTX_new failed");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // Verification is judged after the handshake (SSL_get_verify_result), so a bad certificate is
    // told apart from a failed handshake.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        openssl_reason(error, error_len, "cannot load the system's CA certificates");
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (extra_ca_file && SSL_CTX_load_verify_locations(ctx, extra_ca_file, NULL) != 1) {
        openssl_reason(error, error_len, "cannot load the CA file");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

void ctls_context_free(void *context) { SSL_CTX_free((SSL_CTX *)context); }

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctls_handshake(void *context, int fd, const char *hostname, int timeout_ms, ctls_result *out) {
    memset(out, 0, sizeof(*out));
    ERR_clear_error();
    SSL *ssl = SSL_new((SSL_CTX *)context);
    if (!ssl) {
        openssl_reason(out->detail, sizeof(out->detail), "SSL_new failed");
        return CTLS_SETUP_FAILED;
    }
    SSL_set_tlsext_host_name(ssl, hostname);
    SSL_set1_host(ssl, hostname);  // the name the certificate must be valid for
    SSL_set_fd(ssl, fd);
    int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);

    long long deadline = now_ms() + timeout_ms;
    int outcome = CTLS_OK;
    for (;;) {
        int rc = SSL_connect(ssl);
        if (rc == 1) break;
        int reason = SSL_get_error(ssl, rc);
        short events = reason == SSL_ERROR_WANT_READ ? POLLIN : reason == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (events == 0) {
            if (reason == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
                copy(out->detail, sizeof(out->detail), errno ? strerror(errno) : "the peer closed the connection during the handshake");
            } else {
                openssl_reason(out->detail, sizeof(out->detail), "handshake failed");
            }
            outcome = CTLS_HANDSHAKE_FAILED;
            break;
        }
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            copy(out->detail, sizeof(out->detail), "no TLS handshake within the timeout");
            outcome = CTLS_TIMEOUT;
            break;
        }
    }
    if (outcome == CTLS_OK) {
        copy(out->protocol, sizeof(out->protocol), SSL_get_version(ssl));
        X509 *peer = SSL_get1_peer_certificate(ssl);
        if (peer) {
            X509_NAME_oneline(X509_get_subject_name(peer), out->subject, sizeof(out->subject));
            X509_NAME_oneline(X509_get_issuer_name(peer), out->issuer, sizeof(out->issuer));
            X509_free(peer);
        }
        out->verify_result = SSL_get_verify_result(ssl);
        if (!peer && out->verify_result == X509_V_OK) out->verify_result = X509_V_ERR_UNSPECIFIED;
        if (out->verify_result != X509_V_OK) {
            copy(out->detail, sizeof(out->detail), X509_verify_cert_error_string(out->verify_result));
            outcome = CTLS_CERT_INVALID;
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ERR_clear_error();
    return outcome;
}
