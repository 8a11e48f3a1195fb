/// What a reload may change in the gateway: the models (routes, prices, compression), the bridges
/// and the client keys. A request takes one snapshot when it arrives and uses it to the end, so a
/// reload never changes what a request in flight started with.
struct ReloadableSettings: Sendable {
    /// The models by id and alias.
    let catalog: ModelCatalog
    /// The bridges by name.
    let bridges: [String: GatewayConfiguration.Bridge]
    /// The client keys check.
    let authentication: ClientAuthentication

    /// The settings `configuration` describes.
    init(_ configuration: GatewayConfiguration) {
        catalog = ModelCatalog(configuration.models)
        bridges = Dictionary(configuration.bridges.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        authentication = ClientAuthentication(keys: configuration.clientKeys)
    }
}
