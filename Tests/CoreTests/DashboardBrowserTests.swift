import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// The built-in dashboard in Chromium (`Tests/Browser/dashboard_test.py`, selenium): privatelinkd
/// serves on loopback with tokens on, moto behind the fault proxy holds new endpoints pending
/// until the page has shown `waiting`, and the verifier asks a DNS responder on loopback that
/// knows no name. Screenshots of each page go to `.build/dashboard-screenshots` (or
/// `$PRIVATELINKD_SCREENSHOTS`).
@Suite struct DashboardBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func aPersonCreatesWatchesAndVerifiesASetupInTheBrowser() throws {
        let dns = try FakeDNSServer([:])
        let world = try ProvisioningTests.world(
            rules: .init(pendingPolls: .max), services: ["metrics", "api"], endpointTimeout: 240,
            verifier: Verifier(resolver: SystemDNSResolver(server: dns.server, timeout: 1), prober: VerificationJobTests.AcceptingProber()))
        let tokens = TokenStore(database: world.store.database)
        let (_, admin) = try tokens.create(name: "dashboard-admin", role: .admin, team: nil, expiresIn: nil, actor: "cli:test")
        let (_, reader) = try tokens.create(name: "dashboard-reader", role: .reader, team: nil, expiresIn: nil, actor: "cli:test")
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let provisioner = world.provisioner
        let app = Application(
            catalog: world.catalog, store: world.store, auth: AuthSettings(mode: .tokens), tokens: tokens, logger: logger,
            workQueued: { provisioner.notify() })
        var configuration = HTTPServer.Configuration()
        configuration.port = 0
        let server = HTTPServer(configuration: configuration, responder: app, logger: logger)
        let port = try server.start()
        defer { server.shutdown(grace: 2) }
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }

        // A spoke VPC for the hub the script makes (a range apart from the hub's).
        let spoke = try MotoFixture(region: "us-east-1").network(cidr: "10.77.0.0/16")
        try world.fixture.admit("10.77.0.0/16", to: world.net.securityGroup)  // the spoke's range reaches the hub's endpoints
        let screenshots =
            ProcessInfo.processInfo.environment["PRIVATELINKD_SCREENSHOTS"]
            ?? Self.packageRoot.appendingPathComponent(".build/dashboard-screenshots").path
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        script.arguments = ["python3", Self.packageRoot.appendingPathComponent("Tests/Browser/dashboard_test.py").path]
        script.environment = ProcessInfo.processInfo.environment.merging([
            "BASE_URL": "http://127.0.0.1:\(port)", "ADMIN_TOKEN": admin, "READER_TOKEN": reader, "VPC_ID": world.net.vpc,
            "SUBNET_IDS": world.net.subnets.joined(separator: " "), "SECURITY_GROUP_ID": world.net.securityGroup, "SCREENSHOTS": screenshots,
            "SPOKE_VPC_ID": spoke.vpc,
        ]) { $1 }
        let output = Pipe()
        script.standardOutput = output
        script.standardError = output
        try script.run()
        // The script says when the page has shown the setup waiting; then AWS "finishes".
        let transcript = Locked("")
        let handle = output.fileHandleForReading
        while case let data = handle.availableData, !data.isEmpty {
            let text = String(decoding: data, as: UTF8.self)
            transcript.withLock { $0 += text }
            if text.contains("release-endpoints") { world.proxy.rules.withLock { $0.pendingPolls = 0 } }
        }
        script.waitUntilExit()  // the script bounds itself (selenium waits, and an alarm at 240 s)
        let log = transcript.withLock { $0 }
        for line in log.split(separator: "\n") where line.hasPrefix("first load:") { print("dashboard \(line)") }  // a figure, not asserted
        #expect(script.terminationStatus == 0, "the browser test failed (screenshots in \(screenshots)):\n\(log.suffix(6000))")
        #expect(log.contains("dashboard: all checks passed"))
        for page in [
            "01-token", "02-setups-empty", "04-new-setup-plan", "05-setup-waiting", "06-setup-ready-verified", "07-setup-edit-plan", "08-setups-list",
            "09-reader-view", "10-hub-spokes",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(screenshots)/\(page).png"), "no screenshot \(page)")
        }
    }
}
