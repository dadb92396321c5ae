"""Keys pages. Each view: parse, call a service, render a full page or a named partial."""
