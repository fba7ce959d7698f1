import Foundation
@testable import Core

/// A fresh database file in its own temporary folder, migrated with the repository's migrations.
func makeTestDatabase(migrate: Bool = true) throws -> (Database, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let database = try Database(path: folder.appendingPathComponent("test.sqlite").path, readers: 2)
    if migrate {
        try Migrator(migrations: repositoryMigrations()).migrate(database)
    }
    return (database, folder)
}

func repositoryMigrations() throws -> [Migration] {
    try Migration.load(from: Migrator.locateDirectory(explicit: nil))
}

/// A request body that passes validation, to be changed one field at a time.
func validBody(_ changes: [(String, JSON)] = [], removing: [String] = []) -> JSON {
    var pairs: [(String, JSON)] = [
        ("site", "us1"), ("mode", "same_region"), ("region", "us-east-1"),
        ("vpc_id", "vpc-0123456789abcdef0"), ("subnet_ids", ["subnet-01234567", "subnet-89abcdef"]),
        ("security_group_ids", ["sg-0123456789abcdef0"]),
    ]
    pairs.removeAll { removing.contains($0.0) }
    for (key, value) in changes {
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
    }
    return .object(pairs)
}

func validRequest(_ changes: [(String, JSON)] = []) throws -> SetupRequest {
    try SetupValidator(catalog: Catalog.bundled()).validate(validBody(changes)).get()
}

extension SetupStore {
    /// Test shorthand: one setup move in a transaction of its own.
    @discardableResult
    func transitionSetup(
        _ id: String, to status: SetupStatus, actor: String, reason: String?,
        error: (code: String, message: String)? = nil
    ) throws -> Bool {
        try database.write {
            try TransitionLog.moveSetup($0, id: id, to: status, actor: actor, reason: reason, error: error, now: Timestamp.string(clock.now()))
        }
    }

    /// Test shorthand: one endpoint move in a transaction of its own.
    @discardableResult
    func transitionEndpoint(_ id: String, to state: EndpointState, actor: String, reason: String?) throws -> Bool {
        try database.write { try TransitionLog.moveEndpoint($0, id: id, to: state, actor: actor, reason: reason, now: Timestamp.string(clock.now())) }
    }
}
