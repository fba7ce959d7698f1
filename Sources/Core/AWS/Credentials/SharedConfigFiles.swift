import Foundation

/// `~/.aws/credentials` and `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`),
/// read as INI: `[name]` in the credentials file, `[profile name]` (or `[default]`) in config.
public struct SharedConfigFiles: Sendable {
    public let credentials: [String: [String: String]]
    public let config: [String: [String: String]]

    public init(variables: [String: String], home: String? = nil) {
        let home = home ?? variables["HOME"] ?? NSHomeDirectory()
        let credentialsPath = variables["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        let configPath = variables["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        credentials = Self.parse((try? String(contentsOfFile: Self.expand(credentialsPath, home), encoding: .utf8)) ?? "", isConfig: false)
        config = Self.parse((try? String(contentsOfFile: Self.expand(configPath, home), encoding: .utf8)) ?? "", isConfig: true)
    }

    /// A profile's settings: config file values, overridden by the credentials file's.
    public func profile(_ name: String) -> [String: String]? {
        let fromConfig = config[name]
        let fromCredentials = credentials[name]
        if fromConfig == nil && fromCredentials == nil { return nil }
        return (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { _, credentialsValue in credentialsValue }
    }

    static func expand(_ path: String, _ home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst() : path
    }

    static func parse(_ text: String, isConfig: Bool) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if isConfig {
                    if name.hasPrefix("profile ") {
                        name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces)
                    } else if name != "default" {
                        current = nil; continue
                    }  // sso-session and other sections
                }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]?[key] = value
        }
        return sections
    }
}
