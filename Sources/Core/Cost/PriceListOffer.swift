import Foundation

/// Reads AWS's public price list offer file for `AmazonVPC` (the per-region `index.json` under
/// `https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonVPC/current/<region>/index.json`,
/// or the all-regions one): the interface endpoint products (`productFamily: VpcEndpoint`, usage
/// types ending in `VpcEndpoint-Hours` and `VpcEndpoint-Bytes`) and their on-demand USD prices.
public enum PriceListOffer {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The regions' rates found in the file, by region code.
    public static func regionPrices(from data: some DataProtocol) throws -> [RegionPrices] {
        let offer: JSON
        do { offer = try JSON.parse(data) } catch { throw Invalid(description: "not JSON: \(error)") }
        guard offer["offerCode"]?.stringValue == "AmazonVPC" else {
            throw Invalid(description: "not an AmazonVPC offer file (offerCode is \(offer["offerCode"]?.stringValue ?? "missing"))")
        }
        guard let publication = offer["publicationDate"]?.stringValue else { throw Invalid(description: "the file has no publicationDate") }
        guard case let .object(products)? = offer["products"], let onDemand = offer["terms"]?["OnDemand"] else {
            throw Invalid(description: "the file has no products or no terms.OnDemand")
        }
        var hourly: [String: Double] = [:]
        var tiers: [String: [RegionPrices.DataTier]] = [:]
        for (sku, product) in products where product["productFamily"]?.stringValue == "VpcEndpoint" {
            guard let attributes = product["attributes"], let usage = attributes["usagetype"]?.stringValue,
                let region = attributes["regionCode"]?.stringValue
            else { continue }
            // `USE1-VpcEndpoint-Hours` (or unprefixed): not GWLB, resource or service-network endpoints.
            let isHours = usage == "VpcEndpoint-Hours" || usage.hasSuffix("-VpcEndpoint-Hours")
            guard isHours || usage == "VpcEndpoint-Bytes" || usage.hasSuffix("-VpcEndpoint-Bytes") else { continue }
            let dimensions = priceDimensions(onDemand[sku])
            if isHours {
                guard let price = dimensions.first?.usd else { throw Invalid(description: "\(sku) (\(usage)) has no USD price") }
                hourly[region] = price
            } else {
                let sorted = dimensions.sorted { $0.begin < $1.begin }
                guard !sorted.isEmpty else { throw Invalid(description: "\(sku) (\(usage)) has no USD price") }
                tiers[region] = sorted.map { RegionPrices.DataTier(upToGB: $0.end, usdPerGB: $0.usd) }
            }
        }
        return hourly.keys.sorted().map { region in
            RegionPrices(
                region: region, endpointHourUSD: hourly[region]!, dataTiers: tiers[region] ?? RegionPrices.standardTiers,
                publicationDate: publication, source: "imported")
        }
    }

    /// `terms.OnDemand.<sku>.<offerTerm>.priceDimensions.*`: each range's begin, end (nil: Inf) and USD.
    static func priceDimensions(_ terms: JSON?) -> [(begin: Double, end: Double?, usd: Double)] {
        guard case let .object(offerTerms)? = terms else { return [] }
        var found: [(Double, Double?, Double)] = []
        for (_, term) in offerTerms {
            guard case let .object(dimensions)? = term["priceDimensions"] else { continue }
            for (_, dimension) in dimensions {
                guard let usd = dimension["pricePerUnit"]?["USD"]?.stringValue.flatMap(Double.init) else { continue }
                let begin = dimension["beginRange"]?.stringValue.flatMap(Double.init) ?? 0
                let end = dimension["endRange"]?.stringValue.flatMap { $0 == "Inf" ? nil : Double($0) }
                found.append((begin, end, usd))
            }
        }
        return found
    }
}
