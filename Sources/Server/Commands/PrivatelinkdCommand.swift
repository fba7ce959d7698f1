import ArgumentParser

/// `privatelinkd`: serves the API by default; other subcommands sit beside `serve`.
public struct PrivatelinkdCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "privatelinkd",
        abstract: "Request, track and verify AWS PrivateLink connections to Datadog.",
        subcommands: [ServeCommand.self, VerifyCommand.self, TokenCommand.self, PricesCommand.self],
        defaultSubcommand: ServeCommand.self)

    public init() {}
}
