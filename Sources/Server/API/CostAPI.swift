import Core
import Foundation

/// `GET /v1/setups/{id}/cost` (`?gb_per_month=` adds data processing), and the `cost` every plan
/// carries: what the setup costs a month at on-demand rates, item by item, with the rates used.
struct CostAPI: Sendable {
    let catalog: Catalog
    let store: SetupStore
    let prices: PriceBook

    func register(_ router: inout Router) {
        router.add(.get, "/v1/setups/{id}/cost", runs: .inline, needs: .role(.reader), cost)
    }

    @Sendable func cost(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        var problems = context.request.unknownQueryParameters(known: ["gb_per_month"])
        let gb = try Self.gbPerMonth(context.request, problems: &problems)
        guard problems.isEmpty else { throw APIError.validation(problems, status: 400) }
        try context.requireVisibleSetup(id, in: store)
        guard let setup = try store.get(id)?.setup else { throw APIError.notFound("setup \(id)") }
        // The stored request, read back as a merge with no change does (derived fields dropped).
        guard case let .success(stored) = SetupChange.merge(stored: try store.storedRequest(id), patch: .object([])),
            case let .success(request) = SetupValidator(catalog: catalog).validate(stored), let site = catalog.site(request.site)
        else { throw APIError.internalError() }
        var cost = try estimate(request, plan: Plan(request: request, site: site), gbPerMonth: gb)
        if case var .object(fields) = cost {
            fields.insert(contentsOf: [("setup_id", .string(id)), ("status", .string(setup.status.rawValue))], at: 0)
            cost = .object(fields)
        }
        return .json(200, cost)
    }

    /// The estimate for a request and its plan.
    func estimate(_ request: SetupRequest, plan: Plan, gbPerMonth: Double? = nil) throws -> JSON {
        try prices.estimate(CostEstimate.Shape(request: request, plan: plan), gbPerMonth: gbPerMonth)
    }

    /// A plan's JSON with its `cost`.
    func planJSON(_ request: SetupRequest, _ plan: Plan) throws -> JSON {
        guard case var .object(fields) = plan.json else { return plan.json }
        fields.append(("cost", try estimate(request, plan: plan)))
        return .object(fields)
    }

    /// `?gb_per_month=`: a non-negative number of GB, or nil when absent.
    static func gbPerMonth(_ request: Request, problems: inout [ValidationProblem]) throws -> Double? {
        guard let text = request.queryValue("gb_per_month") else { return nil }
        guard let gb = Double(text), gb.isFinite, gb >= 0, gb <= 1e12 else {
            problems.append(
                ValidationProblem(
                    field: "gb_per_month", code: "invalid_value",
                    message: "gb_per_month must be a number of GB from 0 to 1e12, got \(Echo.text(text, limit: 40))"))
            return nil
        }
        return gb
    }
}
