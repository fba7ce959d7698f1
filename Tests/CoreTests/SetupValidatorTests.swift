import Testing
@testable import Core

@Suite struct SetupValidatorTests {
    let validator = SetupValidator(catalog: try! Catalog.bundled())

    func problems(_ body: JSON) -> [ValidationProblem] {
        switch validator.validate(body) {
        case .success: return []
        case let .failure(error): return error.problems
        }
    }

    func expectProblem(_ body: JSON, field: String, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = problems(body)
        #expect(
            found.contains { $0.field == field && $0.code == code },
            "expected \(field)/\(code), got \(found.map { "\($0.field)/\($0.code)" })", sourceLocation: sourceLocation)
    }

    @Test func validRequestIsNormalizedWithDefaults() throws {
        let request = try validator.validate(validBody(removing: ["mode"])).get()
        #expect(request.mode == .sameRegion)
        #expect(request.serviceRegion == "us-east-1")
        #expect(request.services == Catalog.serviceIDs)
        #expect(request.dryRun == false)
        let cross = try validator.validate(validBody([("region", "eu-west-1")], removing: ["mode"])).get()
        #expect(cross.mode == .crossRegion)
        #expect(cross.serviceRegion == "us-east-1")
    }

    @Test func aHubIsInTheSitesRegionAndTakesNoPeer() throws {
        let hub = try validator.validate(validBody([("mode", "hub")])).get()
        #expect(hub.mode == .hub && hub.mode.makesHostedZones && hub.peer == nil)
        expectProblem(validBody([("mode", "hub"), ("region", "eu-west-1")]), field: "region", code: "mode_region_mismatch")
        expectProblem(
            validBody([("mode", "hub"), ("peer", .object([("vpc_id", "vpc-0aaaaaaaaaaaaaaaa"), ("region", "us-east-1")]))]), field: "peer",
            code: "not_allowed")
    }

    @Test func everyProblemIsReportedAtOnce() {
        let body: JSON = .object([
            ("site", "us1"), ("mode", "sideways"), ("region", "mars-north-1"), ("vpc_id", "vpc-xyz"),
            ("subnet_ids", ["subnet-01234567", "subnet-01234567", 7]), ("security_group_ids", []),
            ("services", ["metrics", "billing", "metrics"]), ("account_id", "12345"), ("colour", "blue"),
            ("dry_run", "yes"), ("agent_version", "seven"),
        ])
        let found = problems(body)
        let pairs = Set(found.map { "\($0.field)/\($0.code)" })
        let expected: Set<String> = [
            "colour/unknown_field", "mode/invalid_value", "region/unknown_region", "vpc_id/invalid_format",
            "subnet_ids[2]/invalid_type", "security_group_ids/required", "services[1]/unknown_service",
            "services[2]/duplicate", "account_id/invalid_format", "dry_run/invalid_type", "agent_version/invalid_format",
        ]
        #expect(expected.isSubset(of: pairs), "missing \(expected.subtracting(pairs))")
        #expect(found.count >= expected.count)
    }

    @Test func requiredFieldsAndTypes() {
        expectProblem(.array([]), field: "", code: "invalid_type")
        for field in ["site", "region", "vpc_id", "subnet_ids", "security_group_ids"] {
            expectProblem(validBody(removing: [field]), field: field, code: "required")
        }
        expectProblem(validBody([("site", 5)]), field: "site", code: "invalid_type")
        expectProblem(validBody([("subnet_ids", "subnet-01234567")]), field: "subnet_ids", code: "invalid_type")
        expectProblem(validBody([("services", [])]), field: "services", code: "empty")
    }

    @Test func sitesUnknownAndUnsupported() {
        expectProblem(validBody([("site", "us9")]), field: "site", code: "unknown_site")
        for site in ["us3", "us5", "eu1", "us1_fed", "us2_fed"] {
            guard case let .failure(error) = validator.validate(validBody([("site", .string(site))])) else {
                Issue.record("\(site) accepted")
                continue
            }
            #expect(error.siteNotSupported)
            #expect(error.supportedSites == ["us1", "ap1", "ap2", "uk1"])
            #expect(error.problems.contains { $0.message == "Datadog PrivateLink does not support the selected Datadog site." })
        }
    }

    @Test func awsIdentifierShapes() {
        expectProblem(validBody([("vpc_id", "vpc-0123")]), field: "vpc_id", code: "invalid_format")
        expectProblem(validBody([("vpc_id", "VPC-0123456789ABCDEF0")]), field: "vpc_id", code: "invalid_format")
        expectProblem(validBody([("subnet_ids", ["sg-01234567"])]), field: "subnet_ids[0]", code: "invalid_format")
        expectProblem(validBody([("security_group_ids", ["sg-0123456"])]), field: "security_group_ids[0]", code: "invalid_format")
        expectProblem(validBody([("security_group_ids", ["sg-01234567", "sg-01234567"])]), field: "security_group_ids[1]", code: "duplicate")
        let many = JSON.array((0..<17).map { .string(String(format: "subnet-%08x", $0)) })
        expectProblem(validBody([("subnet_ids", many)]), field: "subnet_ids", code: "too_many")
        #expect(problems(validBody([("subnet_ids", ["subnet-0123456789abcdef0"])])).isEmpty)
    }

    @Test func modeMustFitTheRegions() {
        expectProblem(validBody([("region", "eu-west-1")]), field: "region", code: "mode_region_mismatch")
        expectProblem(validBody([("mode", "cross_region")]), field: "region", code: "mode_region_mismatch")
        expectProblem(
            validBody([
                ("mode", "vpc_peering"), ("region", "eu-west-1"),
                ("peer", .object([("vpc_id", "vpc-89abcdef"), ("region", "eu-west-1")])),
            ]),
            field: "region", code: "mode_region_mismatch")
        #expect(problems(validBody([("mode", "cross_region"), ("region", "eu-west-1")])).isEmpty)
    }

    @Test func peerOnlyForPeeringAndThenRequired() throws {
        expectProblem(validBody([("mode", "vpc_peering")]), field: "peer", code: "required")
        expectProblem(validBody([("peer", .object([("vpc_id", "vpc-89abcdef"), ("region", "eu-west-1")]))]), field: "peer", code: "not_allowed")
        // JSON null is the same as leaving the field out (found by schemathesis: null was "not allowed").
        #expect(problems(validBody([("peer", .null), ("mode", .null)])).isEmpty)
        let peerBody = validBody([
            ("mode", "vpc_peering"),
            (
                "peer",
                .object([
                    ("vpc_id", "vpc-0123456789abcdef0"), ("region", "nowhere-1"), ("peering_connection_id", "pcx-12"),
                    ("route_table_ids", ["rtb-01234567", "rtb-01234567"]), ("account_id", "111111111111"),
                    ("role_arn", "arn:aws:iam::222222222222:role/peer"), ("extra", true),
                ])
            ),
        ])
        let pairs = Set(problems(peerBody).map { "\($0.field)/\($0.code)" })
        #expect(
            pairs.isSuperset(of: [
                "peer.vpc_id/same_vpc", "peer.region/unknown_region", "peer.peering_connection_id/invalid_format",
                "peer.route_table_ids[1]/duplicate", "peer.role_arn/account_mismatch", "peer.extra/unknown_field",
            ]), "got \(pairs)")
        let good = try validator.validate(
            validBody([
                ("mode", "vpc_peering"),
                (
                    "peer",
                    .object([
                        ("vpc_id", "vpc-89abcdef"), ("region", "eu-west-1"), ("role_arn", "arn:aws:iam::222222222222:role/peer"),
                    ])
                ),
            ])
        ).get()
        #expect(good.peer?.accountID == "222222222222")
    }

    @Test func identityFields() throws {
        expectProblem(validBody([("role_arn", "arn:aws:iam::123:role/x")]), field: "role_arn", code: "invalid_format")
        expectProblem(
            validBody([("account_id", "111111111111"), ("role_arn", "arn:aws:iam::222222222222:role/x")]),
            field: "role_arn", code: "account_mismatch")
        expectProblem(validBody([("external_id", "abc")]), field: "external_id", code: "requires_role_arn")
        let request = try validator.validate(validBody([("role_arn", "arn:aws:iam::222222222222:role/privatelinkd")])).get()
        #expect(request.accountID == "222222222222")
    }

    @Test func agentVersions() {
        #expect(AgentVersion("7.52.1")! > AgentVersion("7.19")!)
        #expect(AgentVersion("6.18.9")! < AgentVersion("6.19.0")!)
        #expect(AgentVersion("7.60.0-rc.2") != nil)
        #expect(AgentVersion("7..1") == nil)
        #expect(AgentVersion("") == nil)
    }

    // MARK: Hardening: ASCII only, bounded echoes

    /// Digits and letters of other scripts, or canonically equivalent to ASCII ones, are not
    /// identifiers AWS knows: none is stored or sent.
    @Test(
        arguments: [
            ("vpc_id", JSON.string("vpc-０１２３４５６７")), ("vpc_id", "vpc-٠١٢٣٤٥٦٧"), ("vpc_id", "vpc-0123456７"),
            ("subnet_ids", ["subnet-０１２３４５６７"]), ("security_group_ids", ["sg-ａｂｃｄ０１２３"]),
            ("account_id", "１２３４５６７８９０１２"), ("account_id", "+12345678901"),
            ("role_arn", "arn:aws:iam::123456789012:role/\u{212A}elvin"), ("role_arn", "arn:aws:iam::１２３４５６７８９０１２:role/x"),
            ("agent_version", "７.52.1"), ("agent_version", "+7.52.1"), ("agent_version", "7.52.1-rc\n1"), ("agent_version", "7.52.1-"),
        ] as [(String, JSON)])
    func nonASCIIIdentifiersAreRefused(field: String, value: JSON) {
        var changes: [(String, JSON)] = [(field, value)]
        if field == "role_arn" { changes.append(("account_id", "123456789012")) }
        let found = problems(validBody(changes))
        #expect(found.contains { $0.field.hasPrefix(field) && $0.code == "invalid_format" }, "\(found.map { "\($0.field)/\($0.code)" })")
    }

    @Test func externalIDsAreASCIIOnly() {
        let arn: JSON = "arn:aws:iam::123456789012:role/x"
        #expect(problems(validBody([("role_arn", arn), ("external_id", "abc-\u{212A}")])).contains { $0.field == "external_id" })
        #expect(problems(validBody([("role_arn", arn), ("external_id", "abc-K:/=@")])).isEmpty)
        #expect(problems(validBody([("agent_version", "7.52.1-rc.1")])).isEmpty)
    }

    @Test func echoedInputIsCappedAndProblemsAreCounted() {
        let huge = String(repeating: "9", count: 200_000)
        let found = problems(validBody([("vpc_id", .string("vpc-" + huge)), (huge, "x")]))
        #expect(!found.isEmpty)
        for problem in found {
            #expect(problem.message.utf8.count < 300, "\(problem.code): \(problem.message.utf8.count) bytes")
            #expect(problem.field.utf8.count < 100)
        }
        let many = problems(validBody([("subnet_ids", .strings((0..<500).map { "subnet-x\($0)" }))]))
        #expect(many.count == Problems.maxReported + 1)
        #expect(many.last?.code == "too_many_problems")
        #expect(many.last?.message.contains("more problems") == true)
    }
}
