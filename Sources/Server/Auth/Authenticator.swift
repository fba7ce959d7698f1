import Foundation
import Core
import HTTPTypes

/// How callers are recognised. `none` (loopback only) makes everyone `Identity.unauthenticated`;
/// `tokens` takes a bearer token, or, from a trusted SSO proxy only, the person it names.
public struct AuthSettings: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case tokens, none }

    /// An SSO proxy in front (oauth2-proxy and the like): its addresses, the header naming the
    /// person, optionally the header listing their groups, and who gets which role.
    public struct TrustedProxy: Sendable {
        public let networks: [NetworkBlock]
        public let identityHeader: HTTPField.Name
        public let groupsHeader: HTTPField.Name?
        public let access: AccessFile

        public init(networks: [NetworkBlock], identityHeader: HTTPField.Name, groupsHeader: HTTPField.Name?, access: AccessFile) {
            self.networks = networks
            self.identityHeader = identityHeader
            self.groupsHeader = groupsHeader
            self.access = access
        }
    }

    public var mode: Mode
    public var proxy: TrustedProxy?

    public init(mode: Mode, proxy: TrustedProxy? = nil) {
        self.mode = mode
        self.proxy = proxy
    }
}

/// Why a request was not authenticated: each is a 401 with its own message (or a 403 for a
/// person the access file does not name).
public enum AuthFailure: Error, Equatable, Sendable {
    case missing, malformed, unknown, revoked(String), expired(String, String)
    case unmappedUser(String)

    public var response: Response {
        let message: String
        switch self {
        case .missing: message = "send Authorization: Bearer <token>; an admin creates one with privatelinkd token create"
        case .malformed: message = "the Authorization header must be Bearer followed by a token (plk_…)"
        case .unknown: message = "the bearer token is not valid"
        case let .revoked(name): message = "token \(name) was revoked"
        case let .expired(name, at): message = "token \(name) expired at \(at); create a new one"
        case let .unmappedUser(user):
            return APIError(status: 403, code: "forbidden", message: "\(Echo.text(user)) has no role in the access file").response
        }
        var response = APIError(status: 401, code: "unauthenticated", message: message).response
        response.headerFields[.wwwAuthenticate] = #"Bearer realm="privatelinkd""#
        return response
    }

    /// A short label for the denied-requests counter.
    public var label: String {
        switch self {
        case .missing: return "missing"
        case .malformed: return "malformed"
        case .unknown: return "unknown"
        case .revoked: return "revoked"
        case .expired: return "expired"
        case .unmappedUser: return "unmapped_user"
        }
    }
}

/// Recognises a request's caller (see `AuthSettings`).
public struct Authenticator: Sendable {
    public let settings: AuthSettings
    public let tokens: TokenStore

    public init(settings: AuthSettings, tokens: TokenStore) {
        self.settings = settings
        self.tokens = tokens
    }

    public func identify(_ request: Request) throws -> Result<Identity, AuthFailure> {
        guard settings.mode == .tokens else { return .success(.unauthenticated) }
        if let proxy = settings.proxy, proxy.networks.contains(where: { $0.contains(request.peerHost) }),
            let user = request.header(proxy.identityHeader), !user.isEmpty
        {
            let groups =
                proxy.groupsHeader.flatMap { request.header($0) }?
                .split(separator: ",").map { String($0.trimmingASCIISpaces) }.filter { !$0.isEmpty } ?? []
            guard let grant = proxy.access.grant(user: user, groups: groups) else { return .failure(.unmappedUser(user)) }
            return .success(Identity(actor: "user:\(user)", role: grant.role, team: grant.team))
        }
        guard let authorization = request.header(.authorization) else { return .failure(.missing) }
        guard let token = Self.bearerToken(authorization) else { return .failure(.malformed) }
        switch try tokens.check(token) {
        case let .valid(token): return .success(Identity(actor: "token:\(token.name)", role: token.role, team: token.team))
        case .unknown: return .failure(.unknown)
        case let .revoked(token): return .failure(.revoked(token.name))
        case let .expired(token): return .failure(.expired(token.name, token.expiresAt ?? ""))
        }
    }

    /// The credentials of `Bearer <token>` (the scheme in any case), or nil for another scheme.
    static func bearerToken(_ authorization: String) -> String? {
        var authorization = authorization
        return authorization.withUTF8 { bytes -> String? in
            let scheme: StaticString = "bearer "
            guard bytes.count > scheme.utf8CodeUnitCount else { return nil }
            for i in 0..<scheme.utf8CodeUnitCount {
                let byte = bytes[i]
                guard (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) == scheme.utf8Start[i] else { return nil }
            }
            var start = scheme.utf8CodeUnitCount
            var end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
