import Foundation
import Logging
import Testing
@testable import Core

/// The provisioning tests' world: moto behind the fault proxy, stand-in Datadog services, a store
/// and real workers; and the helpers that submit a setup and wait (bounded) for its end.
extension ProvisioningTests {
    struct World {
        let fixture: MotoFixture
        let proxy: AWSFaultProxy
        let store: SetupStore
        let provisioner: Provisioner
        let catalog: Catalog
        let net: (vpc: String, subnets: [String], securityGroup: String)
        let callLog: AWSCallLog
    }

    /// Stand-in endpoint services in us-east-1 for the given catalog services, on an NLB in the
    /// subnets' zones; returns a us1 catalog whose service names point at them.
    static func standIns(_ moto: MotoServer, services: [String], subnets: [String]) throws -> Catalog {
        let names = try boto3(
            moto,
            """
            elb = session.client("elbv2", endpoint_url="\(moto.url.absoluteString)")
            names = {}
            for key, dns in [\(services.map { "(\"\($0)\", \"\($0).stand-in.datadoghq.com\")" }.joined(separator: ", "))]:
                lb = elb.create_load_balancer(Name=("%s-%s" % (key, "\(UUID().uuidString.prefix(8))"))[:32].replace("_", "-"),
                                              Subnets=\(subnets), Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
                svc = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[lb], AcceptanceRequired=False, PrivateDnsName=dns)
                names[key] = svc["ServiceConfiguration"]["ServiceName"]
            print(json.dumps(names))
            """)
        var text = String(decoding: try Data(contentsOf: Catalog.bundledURL!), as: UTF8.self)
        let bundled = try Catalog.bundled()
        for key in services {
            let old = bundled.site("us1")!.service(key)!.serviceName!
            text = text.replacingOccurrences(of: old, with: names[key]!.stringValue!)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return try Catalog.load(from: url)
    }

    static func world(
        region: String = "us-east-1", rules: AWSFaultProxy.Rules = .init(), services: [String] = ["metrics", "api"],
        endpointTimeout: TimeInterval = 30, sgPort: Int = 443, verifier: Verifier? = nil
    ) throws -> World {
        let fixture = try MotoFixture(region: region)
        let cidr = "10.\(Int.random(in: 60...250)).0.0/16"
        var net = try fixture.network(cidr: cidr)
        if sgPort != 443 {
            let group = try fixture.raw(
                "CreateSecurityGroup", [("GroupName", "closed-\(UUID().uuidString.prefix(8))"), ("GroupDescription", "no 443"), ("VpcId", net.vpc)]
            ).text("groupId")!
            net.securityGroup = group
        }
        // The services live in us-east-1 (the site's region); for cross-region the setup is elsewhere.
        let serviceSubnets: [String]
        if region == "us-east-1" {
            serviceSubnets = net.subnets
        } else {
            serviceSubnets = try MotoFixture(region: "us-east-1").network(cidr: "10.\(Int.random(in: 60...250)).0.0/16").subnets
        }
        let catalog = try standIns(fixture.moto, services: services, subnets: serviceSubnets)
        let proxy = try AWSFaultProxy(moto: fixture.moto, rules: rules)
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let callLog = AWSCallLog(database: database)
        let client = AWSClient(
            environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": proxy.url]),
            credentials: StaticCredentialProvider(MotoServer.credentials), recorder: callLog, sleep: { _ in })
        var configuration = ProvisioningConfiguration()
        configuration.pollInterval = 0.1
        configuration.maxPollInterval = 0.4
        configuration.endpointTimeout = endpointTimeout
        configuration.lease = 10
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let access = AWSAccess(client: client, stsRegion: "us-east-1")
        let verification = verifier.map {
            VerificationJobRunner(store: store, aws: access, catalog: catalog, verifier: $0, settings: VerificationSettings(), logger: logger)
        }
        let provisioner = Provisioner(store: store, aws: access, configuration: configuration, logger: logger, verification: verification)
        return World(fixture: fixture, proxy: proxy, store: store, provisioner: provisioner, catalog: catalog, net: net, callLog: callLog)
    }

    func request(
        _ world: World, mode: String = "same_region", region: String = "us-east-1", services: [String] = ["metrics", "api"],
        extraServices: [String] = []
    ) throws -> SetupRequest {
        try SetupValidator(catalog: world.catalog).validate(
            .object([
                ("site", "us1"), ("mode", .string(mode)), ("region", .string(region)), ("vpc_id", .string(world.net.vpc)),
                ("subnet_ids", .strings(world.net.subnets)), ("security_group_ids", .strings([world.net.securityGroup])),
                ("services", .strings(services)), ("account_id", "123456789012"), ("extra_services", .strings(extraServices)),
            ])
        ).get()
    }

    func submit(_ world: World, _ request: SetupRequest) throws -> String {
        let plan = Plan(request: request, site: world.catalog.site("us1")!)
        guard
            case let .created(detail, _, _) = try world.store.create(request: request, plan: plan, idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { throw StepFailure("test", "not created") }
        return detail.setup.id
    }

    /// Waits (bounded) until the setup reaches one of `statuses`; the workers run on their own threads.
    func settle(_ world: World, _ id: String, timeout: TimeInterval = 60, statuses: Set<SetupStatus> = [.ready, .failed]) throws -> SetupDetail {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let detail = try world.store.get(id), statuses.contains(detail.setup.status) { return detail }
            usleep(20_000)  // polling the database for the workers' result, bounded by the deadline
        }
        return try #require(try world.store.get(id))
    }

    func endpointsInVPC(_ world: World) throws -> [VpcEndpoint] {
        try world.fixture.ec2().describeVpcEndpoints(filters: [EC2Filter("vpc-id", [world.net.vpc])]).filter { $0.state != .deleted }
    }
}
