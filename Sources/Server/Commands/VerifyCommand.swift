import ArgumentParser
import Core
import Foundation

/// `privatelinkd verify`: the guide's `dig` and port-443 check, plus TLS, from any machine in the
/// VPC, without the server or AWS. Exits 1 when any name fails.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a site's intake names resolve to private addresses and that TCP 443 and TLS connect.",
        discussion: """
            Without AWS it cannot know this VPC's endpoint addresses: it checks that every answer is a \
            private (RFC 1918) address, and says so. The server's verifications (POST /v1/setups/{id}/verify) \
            also compare the answers with the endpoints' network-interface IPs.
            """)

    @Option(help: "The Datadog site: us1, us3, us5, eu1, ap1, ap2, …")
    var site: String

    @Option(help: "Comma-separated service ids (default: all of the site's): metrics,logs_agent,api,…")
    var services: String?

    @OptionGroup var verification: VerificationOptions

    @Flag(help: "Print {\"results\": [...]} as JSON instead of a table.")
    var json = false

    @Option(help: "TCP/TLS port of the intakes.")
    var port: Int = 443

    @Option(help: "Connect and handshake timeout per address, e.g. 3s, 500ms.")
    var timeout: String = "3s"

    @Option(help: "A Datadog site catalog file to use instead of the bundled one (env PRIVATELINKD_CATALOG).")
    var catalog: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        var settings = try verification.settings(environment: environment)
        guard let seconds = DurationText.seconds(timeout), seconds > 0 else {
            throw ValidationError("--timeout must be a duration such as 3s or 500ms, got \(timeout)")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be from 1 to 65535, got \(port)") }
        settings.connectTimeout = seconds
        settings.port = port
        let catalogPath = catalog ?? environment["PRIVATELINKD_CATALOG"]
        let catalog = try catalogPath.map { try Catalog.load(from: URL(fileURLWithPath: $0)) } ?? Catalog.bundled()
        let targets = try Self.targets(catalog: catalog, site: site, services: services)
        let checks = try settings.makeVerifier().check(targets)
        let note = "Without AWS access the answers were checked for private addresses, not compared with this VPC's endpoint addresses."
        if json {
            let document = JSON.object([
                ("site", .string(site)), ("resolver", .string(settings.resolverLabel)), ("note", .string(note)),
                ("results", .array(checks.map(\.json))),
            ])
            print(String(decoding: document.serialized(), as: UTF8.self))
        } else {
            print(VerificationTable.render(checks))
            print("\n\(note)")
        }
        if !checks.allSatisfy(\.passed) { throw ExitCode(1) }
    }

    /// The names to check: each chosen service's hostname and, on two-level DNS sites, its anchor.
    static func targets(catalog: Catalog, site siteID: String, services: String?) throws -> [VerificationTarget] {
        guard let site = catalog.site(siteID) else {
            throw ValidationError("unknown site \(siteID); sites: \(catalog.sites.map(\.id).joined(separator: ", "))")
        }
        guard site.privateLinkSupported else { throw ValidationError("site \(siteID): \(catalog.unsupportedMessage)") }
        let wanted =
            services?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            ?? site.services.map(\.id)
        var targets: [VerificationTarget] = []
        for id in wanted {
            guard let service = site.service(id), !service.verificationNames.isEmpty else {
                throw ValidationError("unknown service \(id) at \(siteID); services: \(site.services.map(\.id).joined(separator: ", "))")
            }
            for name in service.verificationNames where !targets.contains(where: { $0.hostname == name }) {
                targets.append(VerificationTarget(service: id, hostname: name, expectedAddresses: nil))
            }
        }
        return targets
    }
}

/// The table `privatelinkd verify` prints: service, hostname, answer, verdict; then each
/// failure's explanation.
enum VerificationTable {
    static func render(_ checks: [VerificationCheck]) -> String {
        let rows = checks.map { check -> [String] in
            let chain = check.answer.cnameChain.map { "\($0) → " }.joined()
            let answer: String
            switch check.answer.outcome {
            case .noError: answer = check.answer.addresses.isEmpty ? "(no A record)" : chain + check.answer.addresses.joined(separator: ", ")
            default: answer = check.answer.outcome.rawValue
            }
            return [check.target.service, check.target.hostname, answer, check.passed ? "ok" : "FAIL \(check.code)"]
        }
        let header = ["SERVICE", "HOSTNAME", "ANSWER", "VERDICT"]
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var lines = [line(header)] + rows.map(line)
        let failures = checks.filter { !$0.passed }
        if !failures.isEmpty {
            lines.append("")
            lines += failures.map { "\($0.target.hostname): \($0.message)" }
        }
        let passed = checks.count - failures.count
        lines.append("")
        lines.append("\(passed) of \(checks.count) names pass" + (failures.isEmpty ? "." : "; \(failures.count) fail."))
        return lines.joined(separator: "\n")
    }
}
