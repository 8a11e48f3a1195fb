page = client.models.list()
one = client.models.retrieve("fake-b")
try:
    client.models.retrieve("fake-c")
    missing = None
except anthropic.NotFoundError as e:
    missing = e.status_code
out({"ids": [m.id for m in page.data], "types": sorted({m.type for m in page.data}), "has_more": page.has_more,
     "one": [one.id, one.display_name, one.created_at.isoformat()], "missing": missing})
