import Foundation
public import Gateway
public import Policy
import TOML

extension Configuration {
    /// What the gateway serves: its policy-checked address, the bridges, the models and their
    /// routes, and the client keys from `[gateway] client_keys_file` (read now; errors name the
    /// file and line, never a key). A listen address beyond loopback (allowed only by a policy
    /// exception) is refused without keys, here as in the policy check. Nil without `[gateway]`.
    public func gatewayConfiguration(policy: ExposurePolicy, environment: [String: String]) throws(ConfigurationError) -> GatewayConfiguration? {
        guard let gateway else { return nil }
        let address = try Self.allowed(gateway.listen, policy: policy, source: source)
        var keys: ClientKeys?
        if let file = gateway.clientKeysFile {
            let path = try file.resolve(environment)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(.unreadable, "gateway.client_keys_file: cannot read \(path)")
            }
            do {
                keys = try ClientKeys(parsing: text, source: path)
            } catch {
                throw ConfigurationError(.invalid, "gateway.client_keys_file: \(error.description)")
            }
        }
        guard address.address.addressClass == .loopback || keys != nil else {
            throw ConfigurationError(
                .invalid, "\(source):\(gateway.listen.line): \(gateway.listen.value): a gateway beyond loopback needs client_keys_file")
        }
        return GatewayConfiguration(
            host: address.address.description, port: Int(address.port),
            bridges: try bridges.map { bridge throws(ConfigurationError) in
                GatewayConfiguration.Bridge(
                    name: bridge.name, baseURL: bridge.dialURL, api: GatewayConfiguration.API(rawValue: bridge.api.rawValue) ?? .openai,
                    subscription: bridge.subscription, servesResponses: bridge.responses,
                    headers: try bridge.requestHeaders(environment: environment), quota: bridge.quota,
                    maxConnections: bridge.maxConnections)
            },
            models: models.map { model in
                GatewayConfiguration.Model(
                    id: model.id, aliases: model.aliases, routes: model.routes,
                    price: model.price.map { GatewayConfiguration.Price(inputPerMTok: $0.inputPerMTok, outputPerMTok: $0.outputPerMTok) },
                    compress: model.compress)
            },
            clientKeys: keys, pingInterval: gateway.pingInterval, requestTimeout: gateway.requestTimeout,
            publicHosts: gateway.publicHosts, corsOrigins: gateway.corsOrigins, maxConnections: gateway.maxConnections)
    }

    /// The dashboard's token from `[gateway] dashboard_token_file`; nil when none is configured.
    /// Errors name the file, never its contents.
    public func dashboardToken(environment: [String: String]) throws(ConfigurationError) -> DashboardToken? {
        guard let file = gateway?.dashboardTokenFile else { return nil }
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
