models = client.models.list()
out({"ids": [m.id for m in models], "owners": sorted({m.owned_by for m in models}),
     "one": client.models.retrieve("fake-b").id})
