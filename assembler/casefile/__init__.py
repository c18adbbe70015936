"""Reading and checking a case: safe YAML/JSON, schema, normalization, cross-field rules, settings, offices."""
