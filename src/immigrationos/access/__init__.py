"""Who may see and do what: roles, office scope, purpose of use, break-glass and masking."""
