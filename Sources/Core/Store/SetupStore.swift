import Crypto
import Foundation

/// An `Idempotency-Key` with the hash of the request it came with.
public struct IdempotencyKey: Sendable, Equatable {
    public let scope: String
    public let key: String
    public let requestHash: String

    public init(scope: String, key: String, request: JSON) {
        self.scope = scope
        self.key = key
        self.requestHash = SHA256.hash(data: request.serialized()).map { String(format: "%02x", $0) }.joined()
    }
}

/// The same `Idempotency-Key` came with a different request.
public struct IdempotencyConflict: Error, Sendable {
    public let key: String
}

/// What a create with an `Idempotency-Key` did (`SetupStore.create`, `requestSpoke`).
public enum StoredOutcome<Value: Sendable>: Sendable {
    /// Stored now; `body` is the answer that was also recorded for the idempotency key.
    case created(Value, status: Int, body: [UInt8])
    /// The key was seen before with the same request: the first answer, replayed.
    case replayed(status: Int, body: [UInt8])
}

public typealias CreateOutcome = StoredOutcome<SetupDetail>

/// Setups, their endpoints and jobs: every SQL statement about them lives here.
public final class SetupStore: Sendable {
    public let database: Database
    public let clock: Clock
    /// How long an `Idempotency-Key` replays its first answer (then the key is free again).
    public let idempotencyTTL: TimeInterval

    public static let defaultIdempotencyTTL: TimeInterval = 24 * 3600

    public init(database: Database, clock: Clock = .system, idempotencyTTL: TimeInterval = SetupStore.defaultIdempotencyTTL) {
        self.database = database
        self.clock = clock
        self.idempotencyTTL = idempotencyTTL
    }

    static let setupColumns = """
        id, site, mode, region, service_region, vpc_id, subnet_ids, security_group_ids, services,
        account_id, role_arn, peer, agent_version, status, current_step, error_code, error_message,
        created_at, updated_at, revision, extra_services, created_by, team
        """
    static let endpointColumns = """
        id, setup_id, services, service_name, private_dns_name, state, vpc_endpoint_id, dns_name,
        client_token, adopted, last_error, created_at, updated_at, generation, dns_hosted_zone_id, network_interface_ids, created_by
        """
    static let jobColumns = """
        id, setup_id, kind, state, steps, current_step, completed_steps, attempts, run_after,
        lease_owner, lease_expires_at, last_error, created_at, updated_at, requested_by, api_request_id
        """

    // MARK: Create

    /// Stores a new setup with its endpoints (`requested`), its provisioning job (`queued`) and
    /// their first transitions in one transaction; with an idempotency key, records `render`'s
    /// answer in the same transaction, or replays the first answer for that key.
    public func create(
        request: SetupRequest, plan: Plan, idempotency: IdempotencyKey?, actor: Actor, team: String? = nil,
        render: (SetupDetail) -> (status: Int, body: [UInt8])
    ) throws -> CreateOutcome {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            if let idempotency, let previous = try replay(db, idempotency) { return .replayed(status: previous.status, body: previous.body) }
            let setupID = Identifier.make(prefix: "su_")
            try db.run(
                "INSERT INTO setups (\(Self.setupColumns), request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                [
                    .text(setupID), .text(request.site), .text(request.mode.rawValue), .text(request.region),
                    .text(request.serviceRegion), .text(request.vpcID), StoredJSON.text(request.subnetIDs),
                    StoredJSON.text(request.securityGroupIDs), StoredJSON.text(request.services),
                    .optional(request.accountID), .optional(request.roleARN),
                    StoredJSON.text(request.peer?.json ?? .null), .optional(request.agentVersion),
                    .text(SetupStatus.pending.rawValue), .null, .null, .null, .text(now), .text(now),
                    StoredJSON.text(request.extraServices), .text(actor.name), .optional(team), .text(request.json.serializedString),
                ])
            try TransitionLog.moveSetup(
                db, id: setupID, to: .pending, actor: actor.name, requestID: actor.requestID, reason: "requested", created: true, now: now)
            for endpoint in plan.endpoints { try Self.insertPlanned(db, endpoint, setupID: setupID, actor: actor, now: now) }
            // A `vpc_peering` setup is a hub with one spoke made in the same request; the setup's
            // provisioning job runs that spoke's steps, so `ready` still means the peer is associated.
            if request.mode == .vpcPeering, let peer = request.peer {
                let spoke = SpokeRequest.peer(peer)
                _ = try SpokeRows.insert(db, setupID: setupID, request: spoke, actor: actor, setupPeer: true, now: now)
            }
            try Self.enqueue(db, setupID: setupID, kind: .provision, steps: plan.stepValues, actor: actor, now: now)
            guard let detail = try Self.detail(db, id: setupID) else {
                throw SQLiteError(extendedCode: 1, message: "setup vanished inside its own transaction", sql: nil)
            }
            let answer = render(detail)
            if let idempotency {
                try IdempotencyKeys.record(
                    db, idempotency, status: answer.status, body: String(decoding: answer.body, as: UTF8.self),
                    setupID: setupID, now: now)
            }
            return .created(detail, status: answer.status, body: answer.body)
        }
    }

    /// A planned endpoint's row, `requested`, with its first transition.
    static func insertPlanned(_ db: Connection, _ endpoint: PlannedEndpoint, setupID: String, actor: Actor, now: String) throws {
        let endpointID = Identifier.make(prefix: "ep_")
        try db.run(
            "INSERT INTO endpoints (\(Self.endpointColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, NULL)",
            [
                .text(endpointID), .text(setupID), StoredJSON.text(endpoint.services), .text(endpoint.serviceName),
                .text(endpoint.privateDNSName), .text(EndpointState.requested.rawValue), .null, .null, .null,
                .int(0), .null, .text(now), .text(now),
            ])
        try TransitionLog.moveEndpoint(
            db, id: endpointID, to: .requested, actor: actor.name, requestID: actor.requestID,
            reason: "planned for \(endpoint.services.joined(separator: ", "))", created: true, now: now)
    }

    /// The first answer to a live idempotency key, when the same request comes again; a different
    /// request under that key is an `IdempotencyConflict`.
    func replay(_ db: Connection, _ key: IdempotencyKey) throws -> (status: Int, body: [UInt8])? {
        let notBefore = Timestamp.string(clock.now().addingTimeInterval(-idempotencyTTL))
        guard let previous = try IdempotencyKeys.answer(db, key, notBefore: notBefore) else { return nil }
        guard previous.requestHash == key.requestHash else { throw IdempotencyConflict(key: key.key) }
        return (previous.status, Array(previous.body.utf8))
    }

    // MARK: Reads

    public func get(_ id: String) throws -> SetupDetail? {
        try database.read { db in try Self.detail(db, id: id) }
    }

    /// The setup's revision: bumped by triggers on any change to it, its endpoints or its jobs.
    /// One indexed lookup, so callers can tell whether what they rendered before is still current.
    public func revision(_ id: String) throws -> Int? {
        try database.read { db in try db.firstRow("SELECT revision FROM setups WHERE id = ?", [.text(id)], { $0.int(0) }) }
    }

    /// Whose a setup is, or nil when there is no such setup.
    public func owner(of id: String) throws -> SetupOwner? {
        try database.read { db in
            try db.firstRow("SELECT team, created_by FROM setups WHERE id = ?", [.text(id)]) {
                SetupOwner(team: $0.optionalString("team"), createdBy: $0.optionalString("created_by"))
            }
        }
    }

    /// The setup's revision and team in one indexed lookup (the `GET /v1/setups/{id}` fast path).
    public func revisionAndTeam(_ id: String) throws -> (revision: Int, team: String?)? {
        try database.readOne { db in
            try db.firstRow("SELECT revision, team FROM setups WHERE id = ?", [.text(id)], { ($0.int(0), $0.optionalString(1)) })
        }
    }

    public func events(_ id: String) throws -> [TransitionRecord]? {
        try database.read { db in
            guard try db.firstRow("SELECT 1 FROM setups WHERE id = ?", [.text(id)], { _ in true }) != nil else { return nil }
            return try TransitionLog.forSetup(db, setupID: id)
        }
    }

    /// Newest first; continues strictly after `cursor` (a setup id) when given.
    public func list(filter: SetupFilter, limit: Int, after cursor: String?) throws -> SetupPage {
        // The SQL is assembled only from fixed fragments; every value is bound.
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let status = filter.status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
        if let site = filter.site { conditions.append("site = ?"); values.append(.text(site)) }
        if let vpc = filter.vpcID { conditions.append("vpc_id = ?"); values.append(.text(vpc)) }
        if let region = filter.region { conditions.append("region = ?"); values.append(.text(region)) }
        if let team = filter.team { conditions.append("team = ?"); values.append(.text(team)) }
        if let cursor { conditions.append("id < ?"); values.append(.text(cursor)) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        values.append(.int(limit + 1))
        let rows = try database.read { db in
            try db.rows("SELECT \(Self.setupColumns) FROM setups \(whereClause) ORDER BY id DESC LIMIT ?", values, Self.setup)
        }
        let page = Array(rows.prefix(limit))
        return SetupPage(setups: page, nextCursor: rows.count > limit ? page.last?.id : nil)
    }

    /// How many setups are in each status (every status, zeros included), of one team or of all:
    /// an index-only count (`setups_by_status`, `setups_by_team`).
    public func statusCounts(team: String?) throws -> [(SetupStatus, Int)] {
        let rows = try database.read { db in
            if let team {
                return try db.rows("SELECT status, count(*) FROM setups WHERE team = ? GROUP BY status", [.text(team)]) { ($0.string(0), $0.int(1)) }
            }
            return try db.rows("SELECT status, count(*) FROM setups GROUP BY status", []) { ($0.string(0), $0.int(1)) }
        }
        let counted = Dictionary(rows, uniquingKeysWith: +)
        return SetupStatus.allCases.map { ($0, counted[$0.rawValue] ?? 0) }
    }

    /// The request as it was accepted (`external_id` and the peer's details live only here).
    public func storedRequest(_ id: String) throws -> JSON {
        try database.read { db in
            StoredJSON.value(try db.firstRow("SELECT request FROM setups WHERE id = ?", [.text(id)]) { $0.string(0) })
        }
    }

    static func detail(_ db: Connection, id: String) throws -> SetupDetail? {
        guard let setup = try db.firstRow("SELECT \(setupColumns) FROM setups WHERE id = ?", [.text(id)], Self.setup) else {
            return nil
        }
        let endpoints = try db.rows("SELECT \(endpointColumns) FROM endpoints WHERE setup_id = ? ORDER BY id", [.text(id)], Self.endpoint)
        let jobs = try db.rows("SELECT \(jobColumns) FROM jobs WHERE setup_id = ? ORDER BY id", [.text(id)], Self.job)
        return SetupDetail(setup: setup, endpoints: endpoints, jobs: jobs, latestVerification: try VerificationRows.latest(db, setupID: id))
    }

    static func setup(_ row: Row) throws -> SetupRecord {
        SetupRecord(
            id: row.string("id"), site: row.string("site"), mode: try StoredValueError.decode(SetupMode.self, row.string("mode")),
            region: row.string("region"), serviceRegion: row.string("service_region"), vpcID: row.string("vpc_id"),
            subnetIDs: StoredJSON.stringArray(row.string("subnet_ids")), securityGroupIDs: StoredJSON.stringArray(row.string("security_group_ids")),
            services: StoredJSON.stringArray(row.string("services")), accountID: row.optionalString("account_id"),
            roleARN: row.optionalString("role_arn"), peer: StoredJSON.value(row.optionalString("peer")),
            agentVersion: row.optionalString("agent_version"), status: try StoredValueError.decode(SetupStatus.self, row.string("status")),
            currentStep: row.optionalString("current_step"), errorCode: row.optionalString("error_code"),
            errorMessage: row.optionalString("error_message"), createdAt: row.string("created_at"), updatedAt: row.string("updated_at"),
            revision: row.int("revision"), extraServices: StoredJSON.stringArray(row.string("extra_services")),
            createdBy: row.optionalString("created_by"), team: row.optionalString("team"))
    }

    static func endpoint(_ row: Row) throws -> EndpointRecord {
        EndpointRecord(
            id: row.string("id"), setupID: row.string("setup_id"), services: StoredJSON.stringArray(row.string("services")),
            serviceName: row.string("service_name"), privateDNSName: row.string("private_dns_name"),
            state: try StoredValueError.decode(EndpointState.self, row.string("state")), vpcEndpointID: row.optionalString("vpc_endpoint_id"),
            dnsName: row.optionalString("dns_name"), clientToken: row.optionalString("client_token"), adopted: row.int("adopted") != 0,
            lastError: row.optionalString("last_error"), createdAt: row.string("created_at"), updatedAt: row.string("updated_at"),
            generation: row.int("generation"), dnsHostedZoneID: row.optionalString("dns_hosted_zone_id"),
            networkInterfaceIDs: row.optionalString("network_interface_ids").map(StoredJSON.stringArray) ?? [],
            createdBy: row.optionalString("created_by"))
    }

    static func job(_ row: Row) throws -> JobRecord {
        JobRecord(
            id: row.string("id"), setupID: row.string("setup_id"), kind: try StoredValueError.decode(JobKind.self, row.string("kind")),
            state: try StoredValueError.decode(JobState.self, row.string("state")), steps: StoredJSON.stringArray(row.string("steps")),
            currentStep: row.optionalString("current_step"), completedSteps: row.int("completed_steps"), attempts: row.int("attempts"),
            runAfter: row.string("run_after"), leaseOwner: row.optionalString("lease_owner"), leaseExpiresAt: row.optionalString("lease_expires_at"),
            lastError: row.optionalString("last_error"), createdAt: row.string("created_at"), updatedAt: row.string("updated_at"),
            requestedBy: row.optionalString("requested_by"), apiRequestID: row.optionalString("api_request_id"))
    }
}

/// No such row.
public struct NotFound: Error, Sendable, CustomStringConvertible {
    public let kind: String
    public let id: String
    public var description: String { "\(kind) \(id) not found" }
}
