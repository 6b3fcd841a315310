"""Staff accounts, their memberships per shelter or network, and named capabilities."""
