import Testing
@testable import Core

/// The typed steps and their stored spelling: every step reads back as itself, and what this
/// version does not know is refused rather than guessed.
@Suite struct StepTests {
    static let all: [Step] = [
        .preflightVPC, .preflightSubnets, .preflightServices, .preflightSecurityGroups, .preflightExistingEndpoints,
        .preflightPeerVPC, .createEndpoint("metrics"), .waitAvailable, .createHostedZone("logs_agent"),
        .upsertAliasRecord("api"), .checkPeering, .createPeering, .acceptPeering, .checkRoutes,
        .authorizeAssociation("traces"), .associateZone("traces"), .deleteZones, .deletePeering,
        .deleteEndpoints(includeAdopted: false), .deleteEndpoints(includeAdopted: true), .waitDeleted, .verify,
    ]

    @Test(arguments: all)
    func storedSpellingReadsBackAsTheSameStep(step: Step) {
        #expect(Step(text: step.text) == step)
    }

    @Test func theSpellingIsTheOneTheJobsTableHolds() {
        #expect(Step.createEndpoint("logs_agent").text == "create_endpoint:logs_agent")
        #expect(Step.deleteEndpoints(includeAdopted: true).text == "delete_endpoints:adopted")
        #expect(Set(Self.all.map(\.text)).count == Self.all.count)
    }

    @Test(arguments: ["", "create_endpoint", "create_endpoint:", "wait_available:x", "delete_endpoints:all", "Preflight_vpc", "teleport"])
    func unknownSpellingsAreRefused(text: String) {
        #expect(Step(text: text) == nil)
    }
}
