import Crypto
import Foundation

/// AWS Signature Version 4 (header form), written to match botocore's `SigV4Auth` byte for byte:
/// the canonical URI is the request's already-encoded path with dot segments and repeated slashes
/// removed, encoded once more (`safe = "/~"`); the canonical query is the raw query's pairs sorted.
/// Only the headers given are signed, plus `host`, `x-amz-date` and `x-amz-security-token`.
public struct SigV4Signer: Sendable {
    public let service: String
    public let region: String

    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// What signing produced; the intermediate strings are kept for tests and debugging.
    public struct Signature: Sendable, Equatable {
        public let canonicalRequest: String
        public let stringToSign: String
        public let signature: String
        public let authorization: String
        public let amzDate: String
        /// Every header to send besides those given: `X-Amz-Date`, `Authorization` and, with a
        /// session token, `X-Amz-Security-Token`.
        public let headers: [(name: String, value: String)]

        public static func == (a: Signature, b: Signature) -> Bool {
            a.canonicalRequest == b.canonicalRequest && a.authorization == b.authorization
        }
    }

    /// Signs a request. `url` must hold the path and query exactly as they will be sent
    /// (percent-encoded); `headers` are the ones to sign (e.g. `Content-Type`).
    public func sign(
        method: String, url: URL, headers: [(name: String, value: String)], body: [UInt8],
        credentials: AWSCredentials, date: Date
    ) -> Signature {
        let amzDate = SigV4Signer.amzDate(date)
        let day = String(amzDate.prefix(8))
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var signed: [(String, String)] = headers.map { ($0.name.lowercased(), $0.value) }
        signed.append(("host", SigV4Signer.hostHeader(url)))
        signed.append(("x-amz-date", amzDate))
        if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token)) }

        // Canonical headers: lower-case names, sorted, repeated names joined with commas, values trimmed.
        var grouped: [String: [String]] = [:]
        for (name, value) in signed {
            grouped[name, default: []].append(value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " "))
        }
        let names = grouped.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))" }.joined(separator: "\n")
        let signedHeaders = names.joined(separator: ";")

        let payloadHash = headers.first { $0.name.lowercased() == "x-amz-content-sha256" }?.value ?? SigV4Signer.hexSHA256(body)
        let canonicalRequest = [
            method.uppercased(),
            SigV4Signer.canonicalURI(components?.percentEncodedPath ?? "/"),
            SigV4Signer.canonicalQuery(components?.percentEncodedQuery),
            canonicalHeaders + "\n",
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, SigV4Signer.hexSHA256(Array(canonicalRequest.utf8))].joined(separator: "\n")

        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Data(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)).hex
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        var extra: [(name: String, value: String)] = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { extra.append(("X-Amz-Security-Token", token)) }
        extra.append(("Authorization", authorization))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            authorization: authorization, amzDate: amzDate, headers: extra)
    }

    /// `20261127T105327Z`.
    public static func amzDate(_ date: Date) -> String {
        let iso = Timestamp.string(date)  // 2026-11-27T10:53:27.123Z
        let digits = iso.prefix(19).filter { $0 != "-" && $0 != ":" }
        return digits + "Z"
    }

    /// `host[:port]`, with the port only when it is not the scheme's default (as HTTP clients send it).
    public static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        guard let port = url.port else { return host }
        let defaultPort = url.scheme == "https" ? 443 : 80
        return port == defaultPort ? host : "\(host):\(port)"
    }

    /// The encoded path with dot segments and empty segments removed, then encoded again.
    static func canonicalURI(_ encodedPath: String) -> String {
        guard !encodedPath.isEmpty else { return "/" }
        var output: [Substring] = []
        for segment in encodedPath.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." { _ = output.popLast() } else { output.append(segment) }
        }
        var path = (encodedPath.hasPrefix("/") ? "/" : "") + output.joined(separator: "/")
        if encodedPath.hasSuffix("/") && !output.isEmpty { path += "/" }
        return AWSURIEncoding.encode(path, keep: "/~")
    }

    /// The raw query's `key=value` pairs sorted by key, then value (values stay as sent).
    static func canonicalQuery(_ encodedQuery: String?) -> String {
        guard let encodedQuery, !encodedQuery.isEmpty else { return "" }
        let pairs = encodedQuery.split(separator: "&", omittingEmptySubsequences: false).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    static func hexSHA256(_ bytes: [UInt8]) -> String { Data(SHA256.hash(data: bytes)).hex }
}

/// Percent-encoding as AWS specifies: everything but `A-Z a-z 0-9 - _ . ~` (and `keep`) as `%XX`.
public enum AWSURIEncoding {
    public static func encode(_ text: String, keep: String = "") -> String {
        let keepBytes = Set(keep.utf8)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                if keepBytes.contains(byte) { out.unicodeScalars.append(UnicodeScalar(byte)) } else { out += String(format: "%%%02X", byte) }
            }
        }
        return out
    }

    /// `key=value&…` for a form body or a query string, each part encoded.
    public static func form(_ parameters: [(String, String)]) -> String {
        parameters.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}

extension Data {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
