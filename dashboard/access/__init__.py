"""Who may do what: roles, the page registry, local accounts and sign-in. Imports storage."""
