import Foundation

/// What AWS charges in one region for what a setup owns: interface endpoint hours per AZ and the
/// tiered price of the data they process. Hosted zones are priced globally (`RegionPrices.hostedZoneMonthlyUSD`).
public struct RegionPrices: Sendable, Equatable {
    /// One tier of the per-GB data processing price: `usdPerGB` up to `upToGB` a month (nil: no limit).
    public struct DataTier: Sendable, Equatable {
        public let upToGB: Double?
        public let usdPerGB: Double
        public init(upToGB: Double?, usdPerGB: Double) {
            self.upToGB = upToGB
            self.usdPerGB = usdPerGB
        }
    }

    public let region: String
    public let endpointHourUSD: Double
    public let dataTiers: [DataTier]
    /// The price list's `publicationDate` the rates come from.
    public let publicationDate: String
    /// `bundled` (shipped in the binary) or `imported` (by `privatelinkd prices import`).
    public let source: String

    public init(region: String, endpointHourUSD: Double, dataTiers: [DataTier], publicationDate: String, source: String) {
        self.region = region
        self.endpointHourUSD = endpointHourUSD
        self.dataTiers = dataTiers
        self.publicationDate = publicationDate
        self.source = source
    }

    /// Route53: a private hosted zone costs $0.50 a month (the first 25 zones of an account; $0.10
    /// beyond). The estimate uses the first-25 rate, the one a setup's few zones pay.
    public static let hostedZoneMonthlyUSD = 0.50
    /// The hours AWS's own calculator counts in a month.
    public static let hoursPerMonth = 730.0

    /// The tiers AWS publishes for interface endpoints in every commercial region: the first PB,
    /// the next 4 PB, and beyond (in GB: 1 PB = 1,048,576 GB).
    static let standardTiers = [
        DataTier(upToGB: 1_048_576, usdPerGB: 0.01), DataTier(upToGB: 5_242_880, usdPerGB: 0.006), DataTier(upToGB: nil, usdPerGB: 0.004),
    ]

    /// The rates shipped with privatelinkd, transcribed from AWS's PrivateLink pricing page (on-demand,
    /// interface endpoints) for the catalog's regions and the regions setups commonly come from.
    /// `privatelinkd prices import` replaces them from AWS's offer file without a build.
    public static let bundledPublicationDate = "2026-11-01T00:00:00Z"
    public static let bundled: [String: RegionPrices] = {
        let hourly: [String: Double] = [
            "us-east-1": 0.01, "us-east-2": 0.01, "us-west-1": 0.011, "us-west-2": 0.01, "ca-central-1": 0.011,
            "eu-west-1": 0.011, "eu-west-2": 0.011, "eu-west-3": 0.011, "eu-central-1": 0.012, "eu-north-1": 0.011,
            "ap-northeast-1": 0.014, "ap-northeast-2": 0.013, "ap-southeast-1": 0.013, "ap-southeast-2": 0.013, "ap-south-1": 0.011,
            "sa-east-1": 0.017,
        ]
        return hourly.reduce(into: [:]) { table, entry in
            table[entry.key] = RegionPrices(
                region: entry.key, endpointHourUSD: entry.value, dataTiers: standardTiers, publicationDate: bundledPublicationDate, source: "bundled")
        }
    }()

    /// The monthly charge for `gb` processed, tier by tier.
    public func dataProcessingUSD(gb: Double) -> Double {
        var left = gb, below = 0.0, total = 0.0
        for tier in dataTiers where left > 0 {
            let width = tier.upToGB.map { max(0, $0 - below) } ?? left
            let used = min(left, width)
            total += used * tier.usdPerGB
            left -= used
            below = tier.upToGB ?? below
        }
        return total
    }

    public var json: JSON {
        .object([
            ("region", .string(region)), ("endpoint_hour_usd", .double(endpointHourUSD)),
            (
                "data_processing_tiers",
                .array(dataTiers.map { .object([("up_to_gb", $0.upToGB.map(JSON.double) ?? .null), ("usd_per_gb", .double($0.usdPerGB))]) })
            ),
            ("hosted_zone_month_usd", .double(Self.hostedZoneMonthlyUSD)), ("hours_per_month", .double(Self.hoursPerMonth)),
            ("publication_date", .string(publicationDate)), ("source", .string(source)),
        ])
    }
}
