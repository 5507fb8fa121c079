"""The rule catalog: one module per rule, grouped in family folders, found automatically."""
