import Foundation

/// The built `privatelinkd`, beside the test bundle in the build products folder, for tests that
/// run the binary as users do.
public enum BuiltExecutable {
    public static var privatelinkd: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("privatelinkd")
    }
}
