import Foundation

/// What a setup costs a month at on-demand rates, item by item: its endpoint-AZ hours, its hosted
/// zones, optionally the data it processes, and the Transit Gateway attachments its spokes use
/// (named, not charged: the network team owns them). For a hub, also what the same services would
/// cost as endpoints in every spoke VPC, so the saving is one number.
public struct CostEstimate: Sendable {
    /// What the estimate is made from: a setup (or a request for one) and its spokes.
    public struct Shape: Sendable {
        public var region: String
        public var endpoints: Int
        public var availabilityZones: Int
        public var hostedZones: Int
        /// Spoke VPCs by region (a hub's; a `vpc_peering` setup's peer is its one spoke).
        public var spokeRegions: [String]
        public var transitGatewayAttachments: [String]

        public init(
            region: String, endpoints: Int, availabilityZones: Int, hostedZones: Int = 0, spokeRegions: [String] = [],
            transitGatewayAttachments: [String] = []
        ) {
            self.region = region
            self.endpoints = endpoints
            self.availabilityZones = availabilityZones
            self.hostedZones = hostedZones
            self.spokeRegions = spokeRegions
            self.transitGatewayAttachments = transitGatewayAttachments
        }

        /// A request's shape: one endpoint per planned endpoint in each of its subnets' AZs (at most
        /// one subnet per AZ is allowed), a zone per endpoint where privatelinkd makes zones.
        public init(request: SetupRequest, plan: Plan, spokeRegions: [String] = [], transitGatewayAttachments: [String] = []) {
            let zones = request.mode.makesHostedZones ? plan.endpoints.count : 0
            var spokes = spokeRegions
            if spokes.isEmpty, let peer = request.peer { spokes = [peer.region] }
            self.init(
                region: request.region, endpoints: plan.endpoints.count, availabilityZones: request.subnetIDs.count, hostedZones: zones,
                spokeRegions: spokes, transitGatewayAttachments: transitGatewayAttachments)
        }
    }

    public let shape: Shape
    public let prices: RegionPrices?
    public let gbPerMonth: Double?

    public init(shape: Shape, prices: RegionPrices?, gbPerMonth: Double? = nil) {
        self.shape = shape
        self.prices = prices
        self.gbPerMonth = gbPerMonth
    }

    static func cents(_ usd: Double) -> Double { (usd * 100).rounded() / 100 }

    /// The endpoints' hourly charge for a month.
    static func endpointHoursUSD(endpoints: Int, zones: Int, rate: Double) -> Double {
        Double(endpoints * zones) * RegionPrices.hoursPerMonth * rate
    }

    /// The total, or nil when the region has no price.
    public var monthlyUSD: Double? {
        guard let prices else { return nil }
        var total = Self.endpointHoursUSD(endpoints: shape.endpoints, zones: shape.availabilityZones, rate: prices.endpointHourUSD)
        total += Double(shape.hostedZones) * RegionPrices.hostedZoneMonthlyUSD
        if let gbPerMonth { total += prices.dataProcessingUSD(gb: gbPerMonth) }
        return Self.cents(total)
    }

    public func json(spokePrices: (String) -> RegionPrices?) -> JSON {
        guard let prices, let monthly = monthlyUSD else {
            return .object([
                ("monthly_usd", .null), ("currency", "USD"), ("region", .string(shape.region)),
                (
                    "unknown_region",
                    .string("no price is known for \(shape.region): import AWS's offer file for it with privatelinkd prices import FILE")
                ),
            ])
        }
        let endpointHours = Double(shape.endpoints * shape.availabilityZones) * RegionPrices.hoursPerMonth
        var items: [JSON] = [
            item(
                "endpoint_hours", quantity: endpointHours, unit: "endpoint-AZ hours", rate: prices.endpointHourUSD,
                usd: endpointHours * prices.endpointHourUSD,
                "\(shape.endpoints) endpoints × \(shape.availabilityZones) AZs × \(Int(RegionPrices.hoursPerMonth)) hours")
        ]
        if shape.hostedZones > 0 {
            items.append(
                item(
                    "hosted_zones", quantity: Double(shape.hostedZones), unit: "zone-months", rate: RegionPrices.hostedZoneMonthlyUSD,
                    usd: Double(shape.hostedZones) * RegionPrices.hostedZoneMonthlyUSD, "one private hosted zone per intake name"))
        }
        if let gbPerMonth {
            items.append(
                item(
                    "data_processing", quantity: gbPerMonth, unit: "GB", rate: nil, usd: prices.dataProcessingUSD(gb: gbPerMonth),
                    "data processed by the endpoints, at the tiered per-GB rates"))
        }
        for attachment in shape.transitGatewayAttachments {
            items.append(
                .object([
                    ("kind", "transit_gateway_attachment"), ("name", .string(attachment)), ("monthly_usd", .double(0)),
                    ("charged", false), ("description", "owned by the network team: not charged to this setup"),
                ]))
        }
        var fields: [(String, JSON)] = [
            ("monthly_usd", .double(monthly)), ("currency", "USD"), ("region", .string(shape.region)), ("items", .array(items)),
            ("rates", prices.json),
        ]
        if !shape.spokeRegions.isEmpty { fields.append(("without_hub", withoutHub(prices: prices, spokePrices: spokePrices, hubMonthly: monthly))) }
        return .object(fields)
    }

    /// The same services as endpoints in the hub's VPC and in every spoke VPC (each with as many
    /// AZs as the hub), against what the hub costs.
    func withoutHub(prices: RegionPrices, spokePrices: (String) -> RegionPrices?, hubMonthly: Double) -> JSON {
        var total = Self.endpointHoursUSD(endpoints: shape.endpoints, zones: shape.availabilityZones, rate: prices.endpointHourUSD)
        var unpriced: [String] = []
        for region in shape.spokeRegions {
            guard let rates = region == prices.region ? prices : spokePrices(region) else {
                unpriced.append(region)
                continue
            }
            total += Self.endpointHoursUSD(endpoints: shape.endpoints, zones: shape.availabilityZones, rate: rates.endpointHourUSD)
        }
        guard unpriced.isEmpty else {
            return .object([("monthly_usd", .null), ("unknown_regions", .strings(Array(Set(unpriced)).sorted()))])
        }
        let vpcs = shape.spokeRegions.count + 1
        return .object([
            ("vpcs", .int(vpcs)), ("monthly_usd", .double(Self.cents(total))), ("saving_usd", .double(Self.cents(total - hubMonthly))),
            ("description", .string("\(shape.endpoints) endpoints in each of \(vpcs) VPCs instead of one hub")),
        ])
    }

    private func item(_ kind: String, quantity: Double, unit: String, rate: Double?, usd: Double, _ description: String) -> JSON {
        var fields: [(String, JSON)] = [("kind", .string(kind)), ("quantity", .double(quantity)), ("unit", .string(unit))]
        if let rate { fields.append(("rate_usd", .double(rate))) }
        fields += [("monthly_usd", .double(Self.cents(usd))), ("description", .string(description))]
        return .object(fields)
    }
}
