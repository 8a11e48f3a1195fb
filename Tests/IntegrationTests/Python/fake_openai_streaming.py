def collect(**options):
    pieces, roles, finish, usage, empty_choices = [], [], None, None, 0
    for chunk in client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "one two three"}], stream=True, **options):
        if not chunk.choices:
            empty_choices += 1
        for choice in chunk.choices:
            if choice.delta.role: roles.append(choice.delta.role)
            if choice.delta.content: pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
        if chunk.usage: usage = chunk.usage.model_dump()
    return {"pieces": pieces, "roles": roles, "finish": finish, "usage": usage, "empty_choices": empty_choices}
out({"with": collect(stream_options={"include_usage": True}), "without": collect()})
