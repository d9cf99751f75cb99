"""Job handlers, one module per area; each registers its kinds with `@job` / `@periodic`."""
