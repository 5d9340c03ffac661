"""What every kind of record shares: the registry of kinds (`crm.records.kinds`), the service
and repository bases, the REST routes (`crud_router`) and the tools (`record_tools`). A domain
keeps only what is its own: its schemas, its readable rule, its extra rules, its page fields."""
