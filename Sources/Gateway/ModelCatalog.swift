/// Finds a model by its id or one of its aliases.
struct ModelCatalog: Sendable {
    let models: [GatewayConfiguration.Model]
    private let byName: [String: GatewayConfiguration.Model]

    init(_ models: [GatewayConfiguration.Model]) {
        self.models = models
        var byName: [String: GatewayConfiguration.Model] = [:]
        // Ids win over aliases; the first definition of a name wins.
        for model in models where byName[model.id] == nil { byName[model.id] = model }
        for model in models { for alias in model.aliases where byName[alias] == nil { byName[alias] = model } }
        self.byName = byName
    }

    /// The model called `name`, if any.
    func model(named name: String) -> GatewayConfiguration.Model? { byName[name] }
}
