"""The filing PDF: fitting pages, stamps, links, assembly, split, preflight, manifest."""
