import ArgumentParser
import Core
import Foundation
import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// `privatelinkd serve` (the default): the HTTP API on an embedded SQLite database.
public struct ServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the privatelinkd HTTP API (the default command).",
        discussion: """
            Every option can also be set in the environment: PRIVATELINKD_HOST, PRIVATELINKD_PORT,
            PRIVATELINKD_DB, PRIVATELINKD_LOG_LEVEL, PRIVATELINKD_CATALOG, PRIVATELINKD_CORS_ORIGINS
            (comma-separated), PRIVATELINKD_ALLOWED_HOSTS (comma-separated), PRIVATELINKD_MIGRATIONS_DIR. A flag wins over the environment.
            """)

    @Option(help: "Address to listen on (env PRIVATELINKD_HOST).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free port and prints it (env PRIVATELINKD_PORT).")
    var port: Int?

    @Option(help: "SQLite database file, created if missing (env PRIVATELINKD_DB).")
    var db: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env PRIVATELINKD_LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "A Datadog site catalog file to use instead of the bundled one (env PRIVATELINKD_CATALOG).")
    var catalog: String?

    @Option(name: .customLong("cors-origin"), help: "An origin allowed to call the API from a browser; repeatable; * for any.")
    var corsOrigins: [String] = []

    @Option(
        name: .customLong("allowed-host"),
        help: ArgumentHelp(
            "A Host name besides localhost, 127.0.0.1 and [::1] accepted on a loopback address; repeatable (env PRIVATELINKD_ALLOWED_HOSTS, comma-separated).",
            discussion: "On a loopback address other Host names are refused (421): a web page could otherwise reach the API through DNS rebinding."))
    var allowedHosts: [String] = []

    @Option(help: "Folder of NNNN_name.sql migrations (env PRIVATELINKD_MIGRATIONS_DIR; found automatically otherwise).")
    var migrationsDir: String?

    @Option(help: "Provisioning workers that run setups' AWS steps; 0 turns provisioning off.")
    var workers: Int = 2

    @Option(help: "HTTP handler threads.")
    var httpWorkers: Int = 8

    @Option(help: "First interval of the endpoint poller (it backs off while nothing changes), e.g. 200ms, 5s.")
    var pollInterval: String = "5s"

    @Option(help: "An endpoint not available by then fails its setup, e.g. 15m.")
    var endpointTimeout: String = "15m"

    @Option(help: "How often ready and degraded setups are re-read for drift, e.g. 5m.")
    var reconcileInterval: String = "5m"

    @Option(help: "Socket event-loop threads (default: one per core, at most 4).")
    var eventLoops: Int = HTTPServer.Configuration().eventLoops

    @Option(help: "Most open connections.")
    var maxConnections: Int = 4096

    @Option(help: "Most open event streams (GET /v1/events/stream); beyond, 503 with Retry-After.")
    var maxStreams: Int = 1024

    @Option(
        help: "How long an Idempotency-Key replays its first answer, e.g. 24h (env PRIVATELINKD_IDEMPOTENCY_TTL); older keys are deleted in the background.")
    var idempotencyTTL: String?

    @Flag(inversion: .prefixedNo, help: "Verify a setup once when it becomes ready.")
    var verifyOnReady = true

    @OptionGroup var verification: VerificationOptions

    @OptionGroup var access: AuthOptions

    public init() {}

    public func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let settings = try ServeSettings(command: self, environment: environment)
        let auth = try access.settings(environment: environment, loopbackListener: settings.isLoopbackListener)
        let logger = LoggerFactory.makeLogger(level: settings.logLevel)

        let catalog = try settings.catalogPath.map { try Catalog.load(from: URL(fileURLWithPath: $0)) } ?? Catalog.bundled()
        let database = try Database(path: settings.databasePath, readers: httpWorkers + eventLoops + workers + 1)
        let migrations = try Migration.load(from: Migrator.locateDirectory(explicit: settings.migrationsDir))
        let applied = try Migrator(migrations: migrations).migrate(database)
        if !applied.isEmpty { logger.notice("applied migrations", metadata: ["versions": "\(applied)"]) }

        let store = SetupStore(database: database, idempotencyTTL: settings.idempotencyTTL)
        let janitor = IdempotencyJanitor(store: store, logger: logger)
        var verificationSettings = try verification.settings(environment: environment)
        verificationSettings.verifyOnReady = verifyOnReady
        let metrics = ServiceMetrics()
        let provisioner = try makeProvisioner(
            store: store, catalog: catalog, verification: verificationSettings,
            environment: environment, metrics: metrics, logger: logger)
        let application = Application(
            catalog: catalog, store: store, corsOrigins: settings.corsOrigins,
            loopbackListener: settings.isLoopbackListener, allowedHosts: settings.allowedHosts, auth: auth, metrics: metrics, maxStreams: maxStreams,
            logger: logger, workQueued: { provisioner?.notify() })
        var configuration = HTTPServer.Configuration()
        configuration.host = settings.host
        configuration.port = settings.port
        configuration.workers = httpWorkers
        configuration.eventLoops = eventLoops
        configuration.limits.maxConnections = maxConnections
        let server = HTTPServer(configuration: configuration, responder: application, logger: logger)

        let signals = SignalWaiter([SIGTERM, SIGINT])  // block them before any thread starts
        let port = try server.start()
        provisioner?.start()
        janitor.start()
        let shownHost = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        FileHandle.standardOutput.write(Data("privatelinkd listening on http://\(shownHost):\(port) (database \(settings.databasePath))\n".utf8))

        let signal = signals.wait()
        logger.notice("shutting down", metadata: ["signal": "\(signal)"])
        server.shutdown(grace: 10)
        provisioner?.stop(timeout: 15)
        janitor.stop()
        database.close()
        logger.notice("stopped")
    }
}

extension ServeCommand {
    /// The provisioning and verification workers, on the standard AWS environment; nil with
    /// `--workers 0`. Nothing here touches AWS: credentials are looked up at the first call.
    func makeProvisioner(
        store: SetupStore, catalog: Catalog, verification: VerificationSettings,
        environment: [String: String], metrics: ServiceMetrics, logger: Logger
    ) throws -> Provisioner? {
        guard workers > 0 else { return nil }
        guard let poll = DurationText.seconds(pollInterval), poll > 0 else {
            throw ValidationError("--poll-interval must be a duration such as 200ms or 5s, got \(pollInterval)")
        }
        guard let timeout = DurationText.seconds(endpointTimeout), timeout > 0 else {
            throw ValidationError("--endpoint-timeout must be a duration such as 15m, got \(endpointTimeout)")
        }
        guard let reconcile = DurationText.seconds(reconcileInterval), reconcile > 0 else {
            throw ValidationError("--reconcile-interval must be a duration such as 5m, got \(reconcileInterval)")
        }
        let aws = AWSEnvironment(variables: environment)
        let client = AWSClient(
            environment: aws, credentials: CredentialChain(variables: environment),
            recorder: MeteredAWSCallRecorder(AWSCallLog(database: store.database, logger: logger), metrics: metrics))
        var configuration = ProvisioningConfiguration()
        configuration.workers = workers
        configuration.pollInterval = poll
        configuration.maxPollInterval = max(poll, 60)
        configuration.endpointTimeout = timeout
        configuration.reconcileInterval = reconcile
        let access = AWSAccess(client: client, stsRegion: aws.defaultRegion ?? "us-east-1")
        let verifier = VerificationJobRunner(
            store: store, aws: access, catalog: catalog, verifier: try verification.makeVerifier(),
            settings: verification, logger: logger)
        return Provisioner(store: store, aws: access, configuration: configuration, logger: logger, verification: verifier)
    }
}

/// The serve options after applying environment defaults.
struct ServeSettings {
    var host: String
    var port: Int
    var databasePath: String
    var logLevel: Logger.Level
    var catalogPath: String?
    var corsOrigins: [String]
    var allowedHosts: [String]
    var migrationsDir: String?
    var idempotencyTTL: TimeInterval

    /// The listen address is a loopback one: only loopback `Host` names are answered there.
    var isLoopbackListener: Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    init(command: ServeCommand, environment: [String: String]) throws {
        host = command.host ?? environment["PRIVATELINKD_HOST"] ?? "127.0.0.1"
        let portText = command.port.map(String.init) ?? environment["PRIVATELINKD_PORT"] ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("port must be a number from 0 to 65535, got \(portText)")
        }
        self.port = port
        databasePath = command.db ?? environment["PRIVATELINKD_DB"] ?? "./privatelinkd.sqlite"
        let levelText = command.logLevel ?? environment["PRIVATELINKD_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("log level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \(levelText)")
        }
        logLevel = level
        catalogPath = command.catalog ?? environment["PRIVATELINKD_CATALOG"]
        corsOrigins = command.corsOrigins.isEmpty ? Self.list(environment["PRIVATELINKD_CORS_ORIGINS"]) : command.corsOrigins
        allowedHosts = command.allowedHosts.isEmpty ? Self.list(environment["PRIVATELINKD_ALLOWED_HOSTS"]) : command.allowedHosts
        migrationsDir = command.migrationsDir ?? environment["PRIVATELINKD_MIGRATIONS_DIR"]
        let ttlText = command.idempotencyTTL ?? environment["PRIVATELINKD_IDEMPOTENCY_TTL"] ?? "24h"
        guard let ttl = DurationText.seconds(ttlText), ttl > 0 else {
            throw ValidationError("--idempotency-ttl must be a duration such as 24h or 90m, got \(Echo.text(ttlText))")
        }
        idempotencyTTL = ttl
    }

    /// A comma-separated environment value as a list.
    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Waits for termination signals on the calling thread (`sigwait`), with the signals blocked in
/// every thread so no handler runs at an arbitrary point.
struct SignalWaiter {
    private var set = sigset_t()

    init(_ signals: [Int32]) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    func wait() -> Int32 {
        var set = self.set
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }
}

enum LoggerFactory {
    /// Logs to standard error with the chosen level, one line per entry.
    static func makeLogger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "privatelinkd") { label in SingleLineLogHandler(label: label) }
        logger.logLevel = level
        return logger
    }
}
