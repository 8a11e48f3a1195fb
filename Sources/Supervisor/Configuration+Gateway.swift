import Foundation
public import Gateway
public import Policy
import TOML

extension Configuration {
    /// What the gateway serves: its policy-checked address, the bridges, the models and their routes.
    ///
    /// This build does not check client keys yet, so it serves loopback only: a listen address that
    /// the policy allows beyond loopback (by an exception) is refused here, never served unauthenticated.
    public func gatewayConfiguration(policy: ExposurePolicy) throws(ConfigurationError) -> GatewayConfiguration {
        let address = try Self.allowed(gateway.listen, policy: policy, source: source)
        guard address.address.addressClass == .loopback else {
            throw ConfigurationError(
                .invalid,
                "\(source):\(gateway.listen.line): \(gateway.listen.value): this build does not enforce client keys yet, so the gateway listens on loopback only")
        }
        return GatewayConfiguration(
            host: address.address.description, port: Int(address.port),
            bridges: bridges.map { bridge in
                GatewayConfiguration.Bridge(
                    name: bridge.name, baseURL: bridge.url.value, api: GatewayConfiguration.API(rawValue: bridge.api.rawValue) ?? .openai,
                    subscription: bridge.subscription)
            },
            models: models.map { model in
                GatewayConfiguration.Model(
                    id: model.id, aliases: model.aliases, routes: model.routes,
                    price: model.price.map { GatewayConfiguration.Price(inputPerMTok: $0.inputPerMTok, outputPerMTok: $0.outputPerMTok) })
            })
    }

    /// The dashboard's token from `[gateway] dashboard_token_file`; nil when none is configured.
    /// Errors name the file, never its contents.
    public func dashboardToken(environment: [String: String]) throws(ConfigurationError) -> DashboardToken? {
        guard let file = gateway.dashboardTokenFile else { return nil }
        let path = try file.resolve(environment)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(.unreadable, "gateway.dashboard_token_file: cannot read \(path)")
        }
        guard let token = DashboardToken(text) else {
            throw ConfigurationError(.invalid, "gateway.dashboard_token_file: \(path) is empty")
        }
        return token
    }
}
