import CTLS
import Foundation

/// What a TLS handshake with the hostname as SNI showed.
public struct TLSOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Handshake done; the certificate chains to a trusted CA and is valid for the hostname.
        case ok
        case timeout
        /// No TLS at all: the peer closed, reset, or sent an alert.
        case handshakeFailed = "handshake_failed"
        /// The certificate is not valid for the hostname (OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH).
        case nameMismatch = "name_mismatch"
        /// The certificate does not chain to a trusted CA, or is expired, or otherwise invalid.
        case untrusted
    }

    public let status: Status
    public let detail: String
    public let subject: String
    public let issuer: String
    public let protocolVersion: String

    public var json: JSON {
        var fields: [(String, JSON)] = [("status", .string(status.rawValue))]
        if !detail.isEmpty { fields.append(("detail", .string(detail))) }
        if !protocolVersion.isEmpty { fields.append(("protocol", .string(protocolVersion))) }
        if !subject.isEmpty { fields.append(("subject", .string(subject))) }
        if !issuer.isEmpty { fields.append(("issuer", .string(issuer))) }
        return .object(fields)
    }
}

/// An OpenSSL client context: the system's CAs plus, optionally, an extra CA file (as behind a
/// TLS-inspecting proxy). Built once and shared by probes; freed with the last reference.
///
/// Without an extra CA file the context is built on the first handshake, not at start: loading
/// the system's CAs initialises OpenSSL and keeps about 2.5 MB resident that a server which never
/// verifies does not need. With one, it is built at once, so an unreadable file stops the start.
public final class TLSProbe: @unchecked Sendable {
    private let extraCAFile: String?
    private let lock = NSLock()
    private var built: UnsafeMutableRawPointer?  // guarded by `lock`

    /// Fails when the extra CA file cannot be read as PEM certificates.
    public init(extraCAFile: String? = nil) throws {
        self.extraCAFile = extraCAFile
        if extraCAFile != nil { built = try Self.makeContext(extraCAFile) }
    }

    deinit { if let built { ctls_context_free(built) } }

    private static func makeContext(_ extraCAFile: String?) throws -> UnsafeMutableRawPointer {
        var error = [CChar](repeating: 0, count: 256)
        guard let context = ctls_context_new(extraCAFile, &error, Int32(error.count)) else {
            throw VerificationSetupError(message: "TLS: \(String(nulTerminated: error))" + (extraCAFile.map { " (\($0))" } ?? ""))
        }
        return context
    }

    private func context() throws -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let made = try Self.makeContext(extraCAFile)
        built = made
        return made
    }

    /// Runs the handshake on a connected socket (left open for the caller to close).
    public func handshake(fd: Int32, hostname: String, timeout: TimeInterval) -> TLSOutcome {
        let context: UnsafeMutableRawPointer
        do { context = try self.context() } catch {
            return TLSOutcome(status: .handshakeFailed, detail: "\(error)", subject: "", issuer: "", protocolVersion: "")
        }
        var result = ctls_result()
        let code = ctls_handshake(context, fd, hostname, Int32(timeout * 1000), &result)
        let status: TLSOutcome.Status
        switch Int(code) {
        case Int(CTLS_OK): status = .ok
        case Int(CTLS_TIMEOUT): status = .timeout
        case Int(CTLS_CERT_INVALID): status = result.verify_result == 62 ? .nameMismatch : .untrusted
        default: status = .handshakeFailed
        }
        func text<T>(_ field: inout T) -> String {
            withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return TLSOutcome(
            status: status, detail: text(&result.detail), subject: text(&result.subject),
            issuer: text(&result.issuer), protocolVersion: text(&result.protocol))
    }
}

/// The verifier cannot start (an unreadable CA file, a malformed DNS server).
public struct VerificationSetupError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
