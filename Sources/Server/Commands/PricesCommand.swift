import ArgumentParser
import Core
import Foundation

/// `privatelinkd prices import FILE | list`: the rates cost estimates use. `import` reads AWS's
/// public price list offer file for AmazonVPC into the database (also beside a running server),
/// so a price change needs no build; regions it does not name keep their rates.
struct PricesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices", abstract: "Import and list the rates cost estimates use.", subcommands: [Import.self, List.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import AWS's AmazonVPC offer file (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonVPC/current/<region>/index.json).")

        @Argument(help: "The offer file (index.json), or - for standard input.")
        var file: String

        @OptionGroup var database: TokenCommand.DatabaseOptions

        func run() throws {
            guard let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            let (_, db, actor) = try database.open()
            defer { db.close() }
            let imported: [RegionPrices]
            do { imported = try PriceBook(database: db).importOffer(data, actor: actor) } catch let error as PriceListOffer.Invalid {
                throw ValidationError("\(file): \(error.description)")
            }
            for region in imported {
                print("\(region.region)\t$\(region.endpointHourUSD)/endpoint-AZ hour\tpublished \(region.publicationDate)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List each region's rates and where they come from.")

        @OptionGroup var database: TokenCommand.DatabaseOptions

        func run() throws {
            let (_, db, _) = try database.open()
            defer { db.close() }
            print("region\tendpoint_hour_usd\tfirst_tier_usd_per_gb\tsource\tpublication_date")
            for region in try PriceBook(database: db).all().values.sorted(by: { $0.region < $1.region }) {
                print("\(region.region)\t\(region.endpointHourUSD)\t\(region.dataTiers.first?.usdPerGB ?? 0)\t\(region.source)\t\(region.publicationDate)")
            }
        }
    }
}
