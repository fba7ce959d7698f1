import Foundation

/// Imported rates (`region_prices`), which override the bundled ones region by region.
public enum PriceRows {
    public static func all(_ db: Connection) throws -> [RegionPrices] {
        try db.rows("SELECT region, endpoint_hour_usd, data_tiers, publication_date FROM region_prices ORDER BY region", []) { row in
            let tiers = ((try? JSON.parse(row.string(2)))?.arrayValue ?? []).compactMap { tier -> RegionPrices.DataTier? in
                guard let rate = tier["usd_per_gb"]?.doubleValue else { return nil }
                return RegionPrices.DataTier(upToGB: tier["up_to_gb"]?.doubleValue, usdPerGB: rate)
            }
            return RegionPrices(
                region: row.string(0), endpointHourUSD: row.double(1), dataTiers: tiers, publicationDate: row.string(3), source: "imported")
        }
    }

    public static func upsert(_ db: Connection, _ prices: RegionPrices, actor: String, now: String) throws {
        let tiers = JSON.array(prices.dataTiers.map { .object([("up_to_gb", $0.upToGB.map(JSON.double) ?? .null), ("usd_per_gb", .double($0.usdPerGB))]) })
        try db.run(
            """
            INSERT INTO region_prices (region, endpoint_hour_usd, data_tiers, publication_date, imported_at, imported_by)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (region) DO UPDATE SET endpoint_hour_usd = excluded.endpoint_hour_usd, data_tiers = excluded.data_tiers,
                publication_date = excluded.publication_date, imported_at = excluded.imported_at, imported_by = excluded.imported_by
            """,
            [.text(prices.region), .real(prices.endpointHourUSD), .text(tiers.serializedString), .text(prices.publicationDate), .text(now), .text(actor)])
    }
}

/// The rates an estimate uses: imported ones where there are, else the bundled table.
public struct PriceBook: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Every region's rates, imported over bundled.
    public func all() throws -> [String: RegionPrices] {
        var table = RegionPrices.bundled
        for imported in try database.read({ try PriceRows.all($0) }) { table[imported.region] = imported }
        return table
    }

    public func estimate(_ shape: CostEstimate.Shape, gbPerMonth: Double? = nil) throws -> JSON {
        let table = try all()
        return CostEstimate(shape: shape, prices: table[shape.region], gbPerMonth: gbPerMonth).json { table[$0] }
    }

    /// Stores an offer file's rates; returns them.
    public func importOffer(_ data: some DataProtocol, actor: String, clock: Clock = .system) throws -> [RegionPrices] {
        let prices = try PriceListOffer.regionPrices(from: data)
        guard !prices.isEmpty else { throw PriceListOffer.Invalid(description: "the file has no interface endpoint (VpcEndpoint-Hours) prices") }
        let now = Timestamp.string(clock.now())
        try database.write { db in
            for region in prices { try PriceRows.upsert(db, region, actor: actor, now: now) }
        }
        return prices
    }
}
