import Core
import HTTPTypes

/// `GET /v1/sites`, `GET /v1/sites/{id}`: the Datadog site catalog.
struct SitesAPI: Sendable {
    let catalog: Catalog

    func register(_ router: inout Router) {
        router.add(.get, "/v1/sites", runs: .inline, needs: .role(.reader)) { _ in
            .json(200, .object([("sites", .array(catalog.sites.map { Representation.site($0, message: catalog.unsupportedMessage) }))]))
        }
        router.add(.get, "/v1/sites/{id}", runs: .inline, needs: .role(.reader)) { context in
            let id = try context.parameter("id")
            guard let site = catalog.site(id) else { throw APIError.notFound("site \(id)") }
            return .json(200, Representation.site(site, message: catalog.unsupportedMessage))
        }
    }
}

/// `GET /healthz`: 200 once the server runs, which is after migrations were applied.
struct HealthAPI: Sendable {
    let database: Database

    func register(_ router: inout Router) {
        router.add(.get, "/healthz", runs: .inline, needs: .open) { _ in
            try database.ping()
            return .json(200, .object([("status", "ok")]))
        }
    }
}
