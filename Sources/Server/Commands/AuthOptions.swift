import ArgumentParser
import Core
import HTTPTypes

/// `privatelinkd serve`'s access options: `--auth`, and the SSO proxy mode.
struct AuthOptions: ParsableArguments {
    @Option(help: "tokens or none (env PRIVATELINKD_AUTH). Default: none on a loopback address, tokens on any other; none is refused off loopback.")
    var auth: String?

    @Option(name: .customLong("trusted-proxy"), help: "An SSO proxy's address or CIDR whose identity header is believed; repeatable.")
    var trustedProxies: [String] = []

    @Option(name: .customLong("identity-header"), help: "The header a trusted proxy names the person in, e.g. X-Forwarded-Email.")
    var identityHeader: String?

    @Option(name: .customLong("groups-header"), help: "The header a trusted proxy lists the person's groups in (comma-separated), e.g. X-Forwarded-Groups.")
    var groupsHeader: String?

    @Option(name: .customLong("access-file"), help: "JSON mapping people and groups to a role and team (needed with --trusted-proxy).")
    var accessFile: String?

    func settings(environment: [String: String], loopbackListener: Bool) throws -> AuthSettings {
        let modeText = auth ?? environment["PRIVATELINKD_AUTH"] ?? (loopbackListener ? "none" : "tokens")
        guard let mode = AuthSettings.Mode(rawValue: modeText) else {
            throw ValidationError("--auth must be tokens or none, got \(Echo.text(modeText))")
        }
        guard mode == .tokens || loopbackListener else {
            throw ValidationError(
                "--auth none is refused on a non-loopback address: anyone on the network could create and delete endpoints. "
                    + "Use --auth tokens (create one with privatelinkd token create --name NAME --role admin), or listen on 127.0.0.1")
        }
        guard !trustedProxies.isEmpty else {
            guard identityHeader == nil, groupsHeader == nil, accessFile == nil else {
                throw ValidationError("--identity-header, --groups-header and --access-file need --trusted-proxy")
            }
            return AuthSettings(mode: mode)
        }
        guard mode == .tokens else { throw ValidationError("--trusted-proxy needs --auth tokens") }
        let networks = try trustedProxies.map { text in
            guard let block = NetworkBlock(text) else { throw ValidationError("--trusted-proxy must be an IP address or CIDR, got \(Echo.text(text))") }
            return block
        }
        guard let identityText = identityHeader, let identity = HTTPField.Name(identityText) else {
            throw ValidationError("--trusted-proxy needs --identity-header with a header name, e.g. X-Forwarded-Email")
        }
        let groups = try groupsHeader.map { text in
            guard let name = HTTPField.Name(text) else { throw ValidationError("--groups-header is not a header name: \(Echo.text(text))") }
            return name
        }
        guard let accessFile else { throw ValidationError("--trusted-proxy needs --access-file (who gets which role and team)") }
        let access: AccessFile
        do { access = try AccessFile.load(path: accessFile) } catch { throw ValidationError("\(error)") }
        return AuthSettings(mode: .tokens, proxy: .init(networks: networks, identityHeader: identity, groupsHeader: groups, access: access))
    }
}
