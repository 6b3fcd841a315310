"""Staff views, one module per area: auth, queue, shelters, residents."""
