import ArgumentParser
import Core
import Foundation

/// `privatelinkd token create|list|revoke`: API tokens, managed on the database directly (also
/// while the server runs: SQLite's WAL lets both write). The secret is printed once by `create`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// Where the database is: the same flag and environment as `serve`.
    struct DatabaseOptions: ParsableArguments {
        @Option(help: "SQLite database file, created if missing (env PRIVATELINKD_DB).")
        var db: String?

        @Option(help: "Folder of NNNN_name.sql migrations (env PRIVATELINKD_MIGRATIONS_DIR; found automatically otherwise).")
        var migrationsDir: String?

        /// The token store on a migrated database, and who the audit rows name (`cli:<user>`).
        func open() throws -> (TokenStore, Database, actor: String) {
            let environment = ProcessInfo.processInfo.environment
            let path = db ?? environment["PRIVATELINKD_DB"] ?? "./privatelinkd.sqlite"
            let database = try Database(path: path, readers: 1)
            let migrations = try Migration.load(from: Migrator.locateDirectory(explicit: migrationsDir ?? environment["PRIVATELINKD_MIGRATIONS_DIR"]))
            _ = try Migrator(migrations: migrations).migrate(database)
            let user = environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
            return (TokenStore(database: database), database, "cli:\(user)")
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print its secret (shown only this once).")

        @Option(help: "A unique name, used in the audit trail as token:<name> (letters, digits, -_.@).")
        var name: String

        @Option(help: "reader, operator or admin.")
        var role: String

        @Option(help: "Limit the token to this team's setups (default: platform-wide).")
        var team: String?

        @Option(help: "Lifetime, e.g. 90d, 12h (default: no expiry).")
        var expires: String?

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be reader, operator or admin, got \(Echo.text(role))") }
            if let team, !TokenRows.isValidName(team) { throw ValidationError("--team must be 1 to 64 letters, digits and -_.@") }
            let lifetime = try expires.map { text -> TimeInterval in
                guard let seconds = DurationText.seconds(text), seconds > 0 else {
                    throw ValidationError("--expires must be a duration such as 90d or 12h, got \(Echo.text(text))")
                }
                return seconds
            }
            let (tokens, db, actor) = try database.open()
            defer { db.close() }
            let record: TokenRecord, secret: String
            do { (record, secret) = try tokens.create(name: name, role: role, team: team, expiresIn: lifetime, actor: actor) } catch let error as StateConflict
            {
                throw ValidationError(error.message)
            }
            print(secret)
            FileHandle.standardError.write(
                Data(
                    "token \(record.name): role \(record.role.rawValue), \(record.team.map { "team \($0)" } ?? "platform-wide"), expires \(record.expiresAt ?? "never"). The secret above is shown only once.\n"
                        .utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let (tokens, db, _) = try database.open()
            defer { db.close() }
            let now = Timestamp.string(Date())
            let rows = try tokens.list()
            if json {
                print(
                    JSON.array(
                        rows.map { token in
                            .object([
                                ("name", .string(token.name)), ("id", .string(token.id)), ("role", .string(token.role.rawValue)),
                                ("team", .optional(token.team)), ("created_at", .string(token.createdAt)), ("expires_at", .optional(token.expiresAt)),
                                ("last_used_at", .optional(token.lastUsedAt)), ("revoked_at", .optional(token.revokedAt)),
                                ("state", .string(Self.state(token, now: now))),
                            ])
                        }
                    ).serializedString)
                return
            }
            print("NAME                 ROLE      TEAM         STATE     CREATED                   LAST USED")
            for token in rows {
                print(
                    [
                        token.name.padding(20), token.role.rawValue.padding(9), (token.team ?? "-").padding(12), Self.state(token, now: now).padding(9),
                        token.createdAt.padding(25), token.lastUsedAt ?? "never",
                    ].joined(separator: " "))
            }
        }

        static func state(_ token: TokenRecord, now: String) -> String {
            token.revokedAt != nil ? "revoked" : token.isExpired(at: now) ? "expired" : "active"
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token; the next request with it is refused.")

        @Argument(help: "The token's name.")
        var name: String

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let (tokens, db, actor) = try database.open()
            defer { db.close() }
            do {
                let token = try tokens.revoke(name: name, actor: actor)
                print("token \(token.name) revoked at \(token.revokedAt ?? "")")
            } catch let error as NotFound {
                throw ValidationError(error.description)
            } catch let error as StateConflict {
                throw ValidationError(error.message)
            }
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
