"""``monitor serve``: the read-only, right-to-left Persian web view (Starlette + Jinja2)."""
